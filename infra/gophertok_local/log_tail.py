"""Follow every local log (services and functions) on one screen: ``make logs``.

Each line is prefixed with where it came from: the function name for the functions' JSON lines,
otherwise the service whose log file it is (mariadb, redis, kafka, aws, ...).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from pathlib import Path

from gophertok_local.functions import REPO_ROOT

LOG_DIR = REPO_ROOT / ".state" / "logs"


def label(line: str, source: str) -> str:
    start = line.find("{")
    if start >= 0:
        try:
            document = json.loads(line[start:])
        except ValueError:
            document = None
        if isinstance(document, dict) and document.get("function"):
            return str(document["function"])
    return source


def follow(directory: Path, backlog: int = 10, once: bool = False) -> None:
    offsets: dict[Path, int] = {}
    for path in sorted(directory.glob("*.log")):
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        for line in lines[-backlog:]:
            print(f"[{label(line, path.stem)}] {line}")
        offsets[path] = path.stat().st_size
    while not once:
        for path in sorted(directory.glob("*.log")):
            size = path.stat().st_size
            start = offsets.get(path, 0) if size >= offsets.get(path, 0) else 0
            if size > start:
                with path.open("r", encoding="utf-8", errors="replace") as handle:
                    handle.seek(start)
                    for line in handle.read().splitlines():
                        print(f"[{label(line, path.stem)}] {line}")
                offsets[path] = size
        sys.stdout.flush()
        time.sleep(0.5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=10, help="lines of backlog per file")
    parser.add_argument("--once", action="store_true", help="print the backlog and exit")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        follow(LOG_DIR, args.lines, args.once)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
