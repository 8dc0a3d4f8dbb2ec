"""``make replay-dlq TOPIC=<topic>``: re-drive the records parked in ``<topic>.dlq`` (all topics without TOPIC).

The same code as the ``replay_dlq`` ops function on AWS (gophertok.dead_letters.replay_named): what is replayed
is committed under the consumer group ``gophertok-replay-dlq``, so a second run only sends what was parked since.
"""

from __future__ import annotations

import argparse
import json

from gophertok import dead_letters


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("topic", nargs="?", default="", help="a consumer topic (or its .dlq); empty for all")
    parser.add_argument("--limit", type=int, default=10_000)
    args = parser.parse_args(argv)
    try:
        replayed = dead_letters.replay_named(args.topic or None, args.limit)
    except ValueError as exc:
        parser.error(str(exc))
    print(json.dumps(replayed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
