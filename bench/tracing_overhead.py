"""Per-request cost of X-Ray tracing on a warm feed page: median in-process handler time, tracing on vs off.

Runs against the local stack (``make up`` and some videos, e.g. ``make seed``):

    infra/with-env.sh .venv/bin/python bench/tracing_overhead.py [--requests 300]

Both modes run in the same process, interleaved in rounds, after a warm-up that fills every cache; with
tracing on, segments go to an in-process collector (the local X-Ray daemon stand-in).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

from gophertok import tracing
from gophertok_local.events import http_event
from gophertok_local.functions import invoke
from gophertok_local.xray_collector import Collector


def set_tracing(on: bool, address: str) -> None:
    if on:
        os.environ["AWS_XRAY_DAEMON_ADDRESS"] = address
        os.environ.pop("TRACING", None)
    else:
        os.environ["TRACING"] = "off"
    tracing.enabled.cache_clear()


def timed_feed_request() -> float:
    started = time.perf_counter()
    response = invoke("video_feed", http_event("GET", "/douyin/feed/"))
    elapsed = (time.perf_counter() - started) * 1000
    assert response["statusCode"] == 200 and '"status_code":0' in response["body"], response["body"][:200]
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per mode")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    collector = Collector(Path(tempfile.mkdtemp()) / "segments.jsonl", port=0)
    threading.Thread(target=collector.serve, daemon=True).start()
    samples: dict[bool, list[float]] = {True: [], False: []}
    for mode in (False, True):  # warm-up: caches, connections, the X-Ray SDK import
        set_tracing(mode, collector.address)
        for _ in range(20):
            timed_feed_request()
    per_round = max(1, args.requests // args.rounds)
    for _ in range(args.rounds):
        for mode in (False, True):
            set_tracing(mode, collector.address)
            samples[mode].extend(timed_feed_request() for _ in range(per_round))
    off, on = statistics.median(samples[False]), statistics.median(samples[True])
    videos = invoke("video_feed", http_event("GET", "/douyin/feed/"))["body"].count('"play_url"')
    print(f"warm feed page of {videos} videos, {len(samples[False])} requests per mode")
    print(f"median handler time, tracing off: {off:.2f} ms")
    print(f"median handler time, tracing on:  {on:.2f} ms")
    print(f"tracing overhead: {on - off:+.2f} ms per request ({(on / off - 1) * 100:+.0f}%)")
    print(f"segments received by the collector: {collector.received}")
    collector.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
