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
from types import TracebackType
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


class Invocation:
    """One invocation's figures: what its metrics report when it ends."""

    __slots__ = ("function", "request_id", "started", "status_code", "metrics")

    def __init__(self, function: str, request_id: str) -> None:
        self.function = function
        self.request_id = request_id
        self.started = time.perf_counter()
        self.status_code = 0
        self.metrics: dict[str, tuple[float, str]] = {}

    @property
    def elapsed_ms(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 2)


class invocation:  # noqa: N801  # used like the context-manager function it was; a class has no generator to drive
    """The invocation's context: log fields, trace segment, scratch dicts and gathered metrics; on the way out, its
    one EMF line. Every request enters it, so it sets its context variables itself instead of nesting four
    context managers."""

    __slots__ = ("call", "_trace_header", "_bound", "_segment", "_scratch", "_gathering")
    _segment: contextlib.AbstractContextManager[None] | None
    _scratch: contextvars.Token[dict[str, dict[Any, Any]] | None] | None
    _gathering: metrics.Gathering | None

    def __init__(self, context: Any, fallback_name: str, request_id: str, trace_header: str | None = None) -> None:
        logs.setup_logging(get_settings().log_level)
        self.call = Invocation(function_name(context, fallback_name), request_id)
        self._trace_header = trace_header

    def __enter__(self) -> Invocation:
        call = self.call
        trace_id = self._trace_header or os.environ.get("_X_AMZN_TRACE_ID")
        self._bound = logs.push(function=call.function, request_id=call.request_id, trace_id=trace_id)
        self._segment = None
        self._scratch = self._gathering = None
        try:
            if tracing.opens_segments():
                self._segment = tracing.segment(call.function, self._trace_header)
                self._segment.__enter__()
            self._scratch = _scratch.set({})
            self._gathering = metrics.gather_into(call.metrics)
            _note_cold_start(call.function)
        except BaseException as error:
            self._leave(type(error), error, error.__traceback__)
            raise
        return call

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        call = self.call
        try:
            call.metrics["Invocations"] = (1, metrics.COUNT)
            call.metrics.update(metrics.outcome(call.status_code))
            call.metrics["Latency"] = (call.elapsed_ms, metrics.MILLISECONDS)
            metrics.emit(
                call.metrics,
                {"function": call.function, "status_code": str(call.status_code)},
                {"request_id": call.request_id},
                dimension_sets=_DIMENSION_SETS,
            )
        finally:
            self._leave(kind, error, trace)

    def _leave(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        """Undo what ``__enter__`` set, innermost first (also when it failed half way)."""
        try:
            if self._gathering is not None:
                metrics.stop_gathering(self._gathering)
            if self._scratch is not None:
                _scratch.reset(self._scratch)
            if self._segment is not None:
                self._segment.__exit__(kind, error, trace)
        finally:
            logs.pop(self._bound)


def _note_cold_start(function: str) -> None:
    """The first invocation of a process logs and counts its cold start, with the container's init time."""
    global _cold
    if not _cold:
        return
    _cold = False
    init_ms = _process_age_ms()
    log.info("cold start", extra={"cold_start": True, "init_ms": init_ms})
    metrics.emit(
        {"ColdStarts": (1, metrics.COUNT), "InitDuration": (init_ms or 0, metrics.MILLISECONDS)},
        {"function": function},
    )


_DIMENSION_SETS = (("function",), ("function", "status_code"))
