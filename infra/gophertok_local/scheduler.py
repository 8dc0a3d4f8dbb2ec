"""Local stand-in for EventBridge schedules: invokes each registry Schedule's function on its timer, through
the instance pool, with the event a schedule rule sends."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from gophertok import registry
from gophertok.logs import get_logger
from gophertok_local.events import scheduled_event

log = get_logger("gophertok_local.scheduler")
Handler = Callable[[dict[str, Any], Any], Any]


class ScheduleWorker(threading.Thread):
    """Invokes one function every ``every_seconds`` until ``stop()`` (the first run one period after start)."""

    def __init__(self, function: str, every_seconds: float, handler: Handler) -> None:
        super().__init__(name=f"schedule-{function}", daemon=True)
        self.function, self.every_seconds, self.handler = function, every_seconds, handler
        self.runs = 0
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()

    def run(self) -> None:
        while not self._stopping.wait(self.every_seconds):
            try:
                self.handler(scheduled_event(f"gophertok-{self.function}"), None)
                self.runs += 1
            except Exception as exc:  # a failed run is logged and retried at the next tick, as on AWS
                log.warning("scheduled run failed", extra={"target": self.function, "error": repr(exc)})


def workers_for_registry(handler_for: Callable[[str], Handler]) -> list[ScheduleWorker]:
    return [
        ScheduleWorker(schedule.function, schedule.every_minutes * 60, handler_for(schedule.function))
        for schedule in registry.SCHEDULES
    ]
