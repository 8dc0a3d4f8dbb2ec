"""Metrics in CloudWatch Embedded Metric Format (EMF): one JSON line on stdout per emission.

On AWS, CloudWatch Logs turns these lines into metrics with no agent and no API call. Locally they
land in the same log files as everything else and ``make metrics`` (infra/gophertok_local/metrics_report.py)
summarises them.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence

from gophertok import jsontext, logs

NAMESPACE = "GopherTok"

# Units allowed by the EMF specification that we use.
COUNT = "Count"
MILLISECONDS = "Milliseconds"

# status_codes from here up are faults of the server (HTTP 5xx, see gophertok.errors); non-zero codes below it
# are the client's request refused (bad input, wrong password, duplicate like, rate limit).
SERVER_FAULT_STATUS_CODE = 50000


def outcome(status_code: int) -> dict[str, tuple[float, str]]:
    """An invocation's outcome metrics: ``Errors`` counts server faults only, ``Rejections`` refused requests.

    Both are always emitted (0 or 1), so their sums over ``Invocations`` are rates; the ``status_code``
    dimension tells which fault or which rejection.
    """
    fault = status_code >= SERVER_FAULT_STATUS_CODE
    return {
        "Errors": (1 if fault else 0, COUNT),
        "Rejections": (1 if status_code != 0 and not fault else 0, COUNT),
    }


def emf_document(
    metrics: Mapping[str, tuple[float, str]],
    dimensions: Mapping[str, str],
    properties: Mapping[str, object] | None = None,
    namespace: str = NAMESPACE,
    timestamp_ms: int | None = None,
    dimension_sets: Sequence[Sequence[str]] | None = None,
) -> dict[str, object]:
    """Build an EMF document: ``metrics`` maps a name to (value, unit); every dimension becomes a member.

    ``dimension_sets`` lists the combinations to publish (default: all dimensions together).
    """
    sets = [list(names) for names in dimension_sets] if dimension_sets else [sorted(dimensions)]
    document: dict[str, object] = {
        "_aws": {
            "Timestamp": int(time.time() * 1000) if timestamp_ms is None else timestamp_ms,
            "CloudWatchMetrics": [
                {
                    "Namespace": namespace,
                    "Dimensions": sets,
                    "Metrics": [{"Name": name, "Unit": unit} for name, (_, unit) in metrics.items()],
                }
            ],
        }
    }
    document.update(properties or {})
    document.update(dimensions)
    document.update({name: value for name, (value, _) in metrics.items()})
    return document


def emit(
    metrics: Mapping[str, tuple[float, str]],
    dimensions: Mapping[str, str],
    properties: Mapping[str, object] | None = None,
    dimension_sets: Sequence[Sequence[str]] | None = None,
) -> None:
    """Write one EMF line to stdout (where Lambda's log capture and the local log files read it)."""
    if not metrics:
        return
    # The line is also a log record (same keys as gophertok.logs), so one reader handles every line.
    envelope = {**logs.record_fields("metrics"), **(properties or {})}
    document = emf_document(metrics, dimensions, envelope, dimension_sets=dimension_sets)
    line = jsontext.dumps(document, default=str)
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def count(name: str, value: float = 1, function: str | None = None, **properties: object) -> None:
    """A business counter (registrations, uploads, likes, ...) for the current function.

    Outside a function invocation (scripts such as ``make seed``) there is nothing to attribute it to,
    so nothing is emitted.
    """
    attributed = function or logs.current("function")
    if attributed:
        emit({name: (value, COUNT)}, {"function": str(attributed)}, properties)
