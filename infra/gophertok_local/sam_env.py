"""``env.json`` for ``sam local invoke --env-vars env.json --docker-network host``: the local stack's
settings for every function (SAM's ``Parameters`` section applies to all of them).

The checked-in ``env.json`` carries the defaults of a fresh clone and empty secrets (secrets are random
per machine, in the git-ignored ``.state/local.env``); ``make sam-env`` writes ``.state/sam-env.json``
with this machine's values. SAM only sets variables the template declares for the function.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Mapping
from pathlib import Path

from gophertok_local.functions import REPO_ROOT

ENV_JSON = REPO_ROOT / "env.json"
SECRETS = ("MYSQL_PASSWORD", "JWT_SECRET")
DEFAULTS = {
    "GT_STAGE": "local",
    "MYSQL_HOST": "127.0.0.1",
    "MYSQL_PORT": "3307",
    "MYSQL_USER": "gophertok",
    "MYSQL_PASSWORD": "",
    "MYSQL_DATABASE": "gophertok",
    "MYSQL_SECRET_ID": "",
    "JWT_SECRET": "",
    "JWT_SECRET_ID": "",
    "REDIS_URL": "redis://127.0.0.1:6380/0",
    "REDIS_CLUSTER": "false",
    "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:19092",
    "KAFKA_SECURITY_PROTOCOL": "PLAINTEXT",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:4566",
    "MEDIA_BUCKET": "gophertok-media",
    "MEDIA_BASE_URL": "http://127.0.0.1:4566/gophertok-media",
    "LOG_LEVEL": "INFO",
}


def render(env: Mapping[str, str] | None = None) -> str:
    """The env.json text: DEFAULTS, overridden by ``env`` (None: the defaults alone, secrets empty)."""
    values = {name: (env or {}).get(name, default) for name, default in DEFAULTS.items()}
    return json.dumps({"Parameters": values}, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=REPO_ROOT / ".state" / "sam-env.json")
    parser.add_argument("--defaults", action="store_true", help="the checked-in env.json (no secrets)")
    args = parser.parse_args(argv)
    output = ENV_JSON if args.defaults else args.output
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render(None if args.defaults else os.environ), encoding="utf-8")
    print(output.relative_to(REPO_ROOT) if output.is_relative_to(REPO_ROOT) else output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
