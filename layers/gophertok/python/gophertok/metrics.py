"""Metrics in CloudWatch Embedded Metric Format (EMF): one JSON line on stdout per emission.

On AWS, CloudWatch Logs turns these lines into metrics with no agent and no API call. Locally they
land in the same log files as everything else and ``make metrics`` (infra/gophertok_local/metrics_report.py)
summarises them.
"""

from __future__ import annotations

import contextvars
import functools
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
    sets = tuple(map(tuple, dimension_sets)) if dimension_sets else (tuple(sorted(dimensions)),)
    document: dict[str, object] = {
        "_aws": {
            "Timestamp": int(time.time() * 1000) if timestamp_ms is None else timestamp_ms,
            "CloudWatchMetrics": _definitions(
                namespace, sets, tuple((name, unit) for name, (_, unit) in metrics.items())
            ),
        }
    }
    if properties:
        document.update(properties)
    document.update(dimensions)
    document.update({name: value for name, (value, _) in metrics.items()})
    return document


@functools.lru_cache(maxsize=256)
def _definitions(
    namespace: str, sets: tuple[tuple[str, ...], ...], names_units: tuple[tuple[str, str], ...]
) -> list[dict[str, object]]:
    """The CloudWatchMetrics member of a document. A function writes the same few sets of metrics again and again:
    each is built once (and only ever serialised, never changed)."""
    return [
        {
            "Namespace": namespace,
            "Dimensions": [list(names) for names in sets],
            "Metrics": [{"Name": name, "Unit": unit} for name, unit in names_units],
        }
    ]


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
    envelope = logs.record_fields("metrics")
    if properties:
        envelope.update(properties)
    document = emf_document(metrics, dimensions, envelope, dimension_sets=dimension_sets)
    line = jsontext.dumps(document, default=str)
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


Pending = dict[str, tuple[float, str]]
_pending: contextvars.ContextVar[Pending | None] = contextvars.ContextVar("pending_metrics", default=None)


Gathering = contextvars.Token[Pending | None]


def gather_into(metrics: Pending) -> Gathering:
    """Until ``stop_gathering`` of what this returns, business counters without properties of their own join
    ``metrics`` (the invocation's, which it writes in its one EMF line) instead of writing a line each."""
    return _pending.set(metrics)


def stop_gathering(gathering: Gathering) -> None:
    _pending.reset(gathering)


def count(name: str, value: float = 1, function: str | None = None, **properties: object) -> None:
    """A business counter (registrations, uploads, likes, ...) for the current function.

    Inside an invocation it is written with the invocation's own metrics (one EMF line per request; a counter with
    properties, such as an upload's size, writes its own). Outside one (scripts such as ``make seed``) there is
    nothing to attribute it to, so nothing is emitted.
    """
    pending = _pending.get()
    if pending is not None and function is None and not properties:
        pending[name] = (pending.get(name, (0, COUNT))[0] + value, COUNT)
        return
    attributed = function or logs.current("function")
    if attributed:
        emit({name: (value, COUNT)}, {"function": str(attributed)}, properties)
