"""What every function invocation shares, HTTP or consumer: logging context, cold-start visibility,
the trace segment and the per-invocation metrics.

    with invocation(context, fallback_name, request_id, trace_header) as call:
        ...                       # the handler's work
        call.status_code = 0      # what the metrics report: Errors if >= 50000 (5xx), Rejections if other non-zero
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from gophertok import logs, metrics, tracing
from gophertok.config import get_settings

log = logs.get_logger("gophertok.invocation")
_cold = True
_scratch: contextvars.ContextVar[dict[str, dict[Any, Any]] | None] = contextvars.ContextVar("scratch", default=None)


def scratch(name: str) -> dict[Any, Any]:
    """A dict named ``name`` that lives as long as the current invocation (outside one, a fresh dict each call), for
    what one request would otherwise read twice: the caller's profile, read by the token check and by the answer."""
    store = _scratch.get()
    if store is None:
        return {}
    return store.setdefault(name, {})


def _process_age_ms() -> float | None:
    """Milliseconds since this process started (Linux), i.e. the container's init time on a cold start."""
    try:
        with open("/proc/self/stat") as stat, open("/proc/uptime") as uptime:
            started_ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
            uptime_seconds = float(uptime.read().split()[0])
        return max(0.0, (uptime_seconds - started_ticks / os.sysconf("SC_CLK_TCK")) * 1000)
    except (OSError, ValueError, IndexError):
        return None


def function_name(context: Any, fallback: str) -> str:
    return getattr(context, "function_name", None) or os.environ.get("AWS_LAMBDA_FUNCTION_NAME") or fallback


@dataclass
class Invocation:
    function: str
    request_id: str
    started: float = field(default_factory=time.perf_counter)
    status_code: int = 0
    metrics: dict[str, tuple[float, str]] = field(default_factory=dict)

    @property
    def elapsed_ms(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 2)


@contextlib.contextmanager
def _fresh_scratch() -> Iterator[None]:
    token = _scratch.set({})
    try:
        yield
    finally:
        _scratch.reset(token)


@contextlib.contextmanager
def invocation(
    context: Any, fallback_name: str, request_id: str, trace_header: str | None = None
) -> Iterator[Invocation]:
    global _cold
    logs.setup_logging(get_settings().log_level)
    call = Invocation(function_name(context, fallback_name), request_id)
    trace_id = trace_header or os.environ.get("_X_AMZN_TRACE_ID")
    with (
        logs.bind(function=call.function, request_id=request_id, trace_id=trace_id),
        tracing.segment(call.function, trace_header),
        _fresh_scratch(),
        metrics.gathered(call.metrics),
    ):
        if _cold:
            _cold = False
            init_ms = _process_age_ms()
            log.info("cold start", extra={"cold_start": True, "init_ms": init_ms})
            metrics.emit(
                {"ColdStarts": (1, metrics.COUNT), "InitDuration": (init_ms or 0, metrics.MILLISECONDS)},
                {"function": call.function},
            )
        try:
            yield call
        finally:
            call.metrics.update(
                {
                    "Invocations": (1, metrics.COUNT),
                    **metrics.outcome(call.status_code),
                    "Latency": (call.elapsed_ms, metrics.MILLISECONDS),
                }
            )
            metrics.emit(
                call.metrics,
                {"function": call.function, "status_code": str(call.status_code)},
                {"request_id": request_id},
                dimension_sets=[["function"], ["function", "status_code"]],
            )
