"""The entry point shared by scheduled functions (EventBridge on AWS, the local API's scheduler locally).

A task takes no input (the schedule's event says only that it is time) and returns a summary of what it
did, which becomes the invocation's result and its log line.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from gophertok import logs
from gophertok.invocation import invocation

Task = Callable[[], Mapping[str, Any]]
log = logs.get_logger("gophertok.scheduled")


def scheduled_task(task: Task) -> Callable[[dict[str, Any] | None, Any], dict[str, Any]]:
    """Wrap ``task()`` into ``handler(event, context)`` for scheduled events."""
    name = task.__module__.rsplit(".", 1)[-1]

    @functools.wraps(task)
    def handler(event: dict[str, Any] | None, context: Any = None) -> dict[str, Any]:
        request_id = getattr(context, "aws_request_id", None) or str((event or {}).get("id") or uuid.uuid4().hex)
        with invocation(context, name, request_id) as call:
            call.status_code = 50000  # until the task finished
            result = dict(task())
            call.status_code = 0
            log.info("scheduled task done", extra={"duration_ms": call.elapsed_ms, **result})
        return result

    return handler
