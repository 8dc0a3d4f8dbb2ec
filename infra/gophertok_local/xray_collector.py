"""A local stand-in for the X-Ray daemon: receives segments over UDP and keeps them for reading.

The AWS X-Ray SDK sends each finished segment (or streamed subsegment) as one datagram:
``{"format": "json", "version": 1}\\n<segment JSON>``. This collector appends every document to a
JSON-lines file; ``make traces`` (``python -m gophertok_local.xray_collector show``) prints the most
recent traces as trees with their timings.

    python -m gophertok_local.xray_collector serve [--port 2000] [--store .state/traces/segments.jsonl]
    python -m gophertok_local.xray_collector show [--limit 5] [--trace ID]
"""

from __future__ import annotations

import argparse
import json
import signal
import socket
import threading
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gophertok_local.functions import REPO_ROOT

DEFAULT_STORE = REPO_ROOT / ".state" / "traces" / "segments.jsonl"
MAX_DATAGRAM = 65535


def parse_datagram(data: bytes) -> dict[str, Any] | None:
    header, _, body = data.partition(b"\n")
    try:
        if json.loads(header).get("format") != "json" or not body:
            return None
        document = json.loads(body)
    except (ValueError, AttributeError):
        return None
    return document if isinstance(document, dict) and "trace_id" in document else None


class Collector:
    """Receive datagrams on ``port`` and append segment documents to ``store``."""

    def __init__(self, store: Path = DEFAULT_STORE, host: str = "127.0.0.1", port: int = 2000) -> None:
        self.store = store
        self.store.parent.mkdir(parents=True, exist_ok=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, port))
        self.sock.settimeout(0.5)
        self.address = f"{host}:{self.sock.getsockname()[1]}"
        self.received = 0
        self._stopping = threading.Event()

    def serve(self) -> None:
        with self.store.open("a", encoding="utf-8") as out:
            while not self._stopping.is_set():
                try:
                    data, _ = self.sock.recvfrom(MAX_DATAGRAM)
                except TimeoutError:
                    continue
                document = parse_datagram(data)
                if document is not None:
                    out.write(json.dumps(document, separators=(",", ":")) + "\n")
                    out.flush()
                    self.received += 1
        self.sock.close()

    def stop(self) -> None:
        self._stopping.set()


def load_segments(store: Path = DEFAULT_STORE) -> list[dict[str, Any]]:
    if not store.exists():
        return []
    segments = []
    for line in store.read_text(encoding="utf-8").splitlines():
        try:
            segments.append(json.loads(line))
        except ValueError:
            continue
    return segments


def traces(segments: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Segments grouped by trace id, each group ordered by start time; traces ordered oldest first."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for segment in segments:
        grouped[segment["trace_id"]].append(segment)
    for group in grouped.values():
        group.sort(key=lambda s: s.get("start_time", 0))
    return dict(sorted(grouped.items(), key=lambda item: item[1][0].get("start_time", 0)))


def _flatten(entity: dict[str, Any]) -> Iterable[dict[str, Any]]:
    yield entity
    for child in entity.get("subsegments", []) or []:
        yield from _flatten(child)


def entity_names(trace: list[dict[str, Any]]) -> list[str]:
    """Every segment and subsegment name in a trace (handy for tests)."""
    return [entity["name"] for segment in trace for entity in _flatten(segment)]


def _describe(entity: dict[str, Any]) -> str:
    duration = (entity.get("end_time", entity.get("start_time", 0)) - entity.get("start_time", 0)) * 1000
    details = entity.get("metadata", {}).get("gophertok", {})
    extra = " ".join(f"{k}={v}" for k, v in details.items())
    flags = " ERROR" if entity.get("error") or entity.get("fault") else ""
    return f"{entity.get('name')} {duration:.1f} ms{flags}{(' [' + extra + ']') if extra else ''}"


def render(trace_id: str, trace: list[dict[str, Any]]) -> str:
    """A readable tree: segments nested under the subsegment that called them (by parent_id)."""
    by_id: dict[str, dict[str, Any]] = {}
    for segment in trace:
        for entity in _flatten(segment):
            by_id[entity["id"]] = entity
    children: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for segment in trace:
        parent = segment.get("parent_id")
        children[parent if parent in by_id else None].append(segment)
    lines = [f"trace {trace_id}"]

    def walk(entity: dict[str, Any], depth: int) -> None:
        lines.append("  " * depth + "- " + _describe(entity))
        for child in entity.get("subsegments", []) or []:
            walk(child, depth + 1)
        for linked in children.get(entity["id"], []):
            walk(linked, depth + 1)

    for root in children[None]:
        walk(root, 1)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="local X-Ray collector")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve")
    serve.add_argument("--port", type=int, default=2000)
    serve.add_argument("--store", type=Path, default=DEFAULT_STORE)
    show = sub.add_parser("show")
    show.add_argument("--limit", type=int, default=5)
    show.add_argument("--trace")
    show.add_argument("--store", type=Path, default=DEFAULT_STORE)
    args = parser.parse_args(argv)
    if args.command == "serve":
        collector = Collector(args.store, port=args.port)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: collector.stop())
        print(f"xray collector listening on udp://{collector.address}, writing {args.store}", flush=True)
        collector.serve()
        return 0
    grouped = traces(load_segments(args.store))
    recent = dict(list(grouped.items())[-args.limit :])
    selected = {args.trace: grouped[args.trace]} if args.trace in grouped else recent
    if not selected:
        print("no traces yet: run `make run`, send a few requests, then `make traces`")
    for trace_id, trace in selected.items():
        print(render(trace_id, trace) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
