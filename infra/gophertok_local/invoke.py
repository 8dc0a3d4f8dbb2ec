"""Invoke one function with an event file, like ``sam local invoke -e``: the function's logs on stderr,
then Lambda's REPORT line, then the result (or Lambda's error document) as JSON on stdout.

    python -m gophertok_local.invoke user_info events/user_info.json
    make invoke FN=user_info EVENT=events/user_info.json

The function runs in a fresh instance of the same pool the local API uses (a cold start), against the
stack ``make up`` started. Exit status: 0 when the function returned, 1 when it failed.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from gophertok import registry
from gophertok_local.pool import InstancePool, Invocation

MEMORY_SIZE_MB = 256


def report_line(outcome: Invocation) -> str:
    parts = [
        f"REPORT RequestId: {outcome.request_id or '-'}",
        f"Duration: {outcome.duration_ms:.2f} ms",
        f"Billed Duration: {math.ceil(outcome.duration_ms)} ms",
        f"Memory Size: {MEMORY_SIZE_MB} MB",
        f"Max Memory Used: {outcome.max_memory_mb} MB",
    ]
    if outcome.init_ms is not None:
        parts.append(f"Init Duration: {outcome.init_ms:.2f} ms")
    parts.append(f"Redis round trips: {outcome.redis}")
    parts.append(f"SQL statements: {outcome.sql}")
    return "\t".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("function", choices=registry.all_functions(), metavar="FUNCTION")
    parser.add_argument("event", type=Path, help="a JSON event file (see events/)")
    args = parser.parse_args(argv)
    try:
        event = json.loads(args.event.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"invoke: cannot read {args.event}: {exc}", file=sys.stderr)
        return 2
    pool = InstancePool(max_concurrency=1, log_sink=lambda _function, line: print(line, file=sys.stderr))
    try:
        outcome = pool.invoke(args.function, event)
    finally:
        pool.close()  # stops the instance, so every log line is printed before the result
    print(report_line(outcome), file=sys.stderr, flush=True)
    document = outcome.error if outcome.error is not None else outcome.result
    print(json.dumps(document, indent=2, ensure_ascii=False))
    return 0 if outcome.error is None else 1


if __name__ == "__main__":
    raise SystemExit(main())
