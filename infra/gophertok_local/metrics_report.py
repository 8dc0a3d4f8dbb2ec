"""Summarise the EMF metric lines the functions wrote into the local logs (``make metrics``).

On AWS, CloudWatch extracts the same lines into metrics; locally this reads ``.state/logs/*.log`` and
prints, per function: invocations, errors (server faults, status_code >= 50000) and rejections (other
non-zero status_codes) by status_code, latency percentiles, cold starts and init
time, consumer batch sizes and lag, and every business counter.
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gophertok_local.functions import REPO_ROOT

LOG_DIR = REPO_ROOT / ".state" / "logs"
OUTCOMES = {"Errors": "errors_by_status_code", "Rejections": "rejections_by_status_code"}


def emf_documents(lines: Iterable[str]) -> Iterable[dict[str, Any]]:
    for line in lines:
        start = line.find("{")
        if start < 0 or '"_aws"' not in line:
            continue
        try:
            document = json.loads(line[start:])
        except ValueError:
            continue
        if isinstance(document, dict) and isinstance(document.get("_aws"), dict):
            yield document


def _metric_names(document: dict[str, Any]) -> list[str]:
    return [m["Name"] for d in document["_aws"].get("CloudWatchMetrics", []) for m in d.get("Metrics", [])]


def summarise(documents: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    by_status: dict[str, dict[str, dict[str, int]]] = {name: defaultdict(lambda: defaultdict(int)) for name in OUTCOMES}
    for document in documents:
        function = str(document.get("function", "unknown"))
        for name in _metric_names(document):
            if isinstance(document.get(name), int | float):
                values[function][name].append(float(document[name]))
        for name in OUTCOMES:
            if document.get(name):
                by_status[name][function][str(document.get("status_code"))] += int(document[name])
    summary: dict[str, dict[str, Any]] = {}
    for function, metrics in sorted(values.items()):
        row: dict[str, Any] = {}
        for name, samples in sorted(metrics.items()):
            if name in {"Latency", "InitDuration", "ConsumerLag"}:
                ordered = sorted(samples)
                row[name] = {
                    "p50": round(statistics.median(ordered), 1),
                    "p99": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1),
                    "max": round(ordered[-1], 1),
                }
            else:
                row[name] = sum(samples)
        for name, key in OUTCOMES.items():
            if by_status[name].get(function):
                row[key] = dict(by_status[name][function])
        summary[function] = row
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--logs", type=Path, default=LOG_DIR)
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    args = parser.parse_args(argv)
    lines: list[str] = []
    for path in sorted(args.logs.glob("*.log")):
        lines.extend(path.read_text(encoding="utf-8", errors="replace").splitlines())
    summary = summarise(emf_documents(lines))
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    if not summary:
        print(f"no metrics in {args.logs} yet: run `make run` and send a few requests")
    for function, row in summary.items():
        parts = [f"{name}={value}" for name, value in row.items()]
        print(f"{function:28} " + "  ".join(parts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
