"""The entry point shared by SQS consumer functions.

Lambda's SQS event source delivers up to ``BatchSize`` messages; with ``ReportBatchItemFailures``
(template.yaml, and the local runner) the handler answers ``{"batchItemFailures": [...]}`` naming the
messages that failed: only those return to the queue, to be retried after the visibility timeout and
moved to the dead-letter queue after ``maxReceiveCount`` receives. A message handler therefore raises
for a failure worth retrying and returns normally for anything done or permanently settled.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gophertok import logs, metrics
from gophertok.invocation import invocation

log = logs.get_logger("gophertok.queue_consumer")


@dataclass(frozen=True)
class QueueMessage:
    message_id: str
    body: str
    receive_count: int
    source_arn: str


def queue_messages(event: dict[str, Any]) -> list[QueueMessage]:
    """The messages of a Lambda SQS event, in delivery order."""
    return [
        QueueMessage(
            message_id=record["messageId"],
            body=record.get("body") or "",
            receive_count=int((record.get("attributes") or {}).get("ApproximateReceiveCount") or 1),
            source_arn=record.get("eventSourceARN") or "",
        )
        for record in event.get("Records") or []
        if record.get("eventSource") == "aws:sqs"
    ]


MessageHandler = Callable[[QueueMessage], None]


def sqs_consumer(handle_message: MessageHandler) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """Wrap ``handle_message(message)`` into a Lambda handler for SQS events with partial batch failures."""

    @functools.wraps(handle_message)
    def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        messages = queue_messages(event)
        request_id = getattr(context, "aws_request_id", None) or uuid.uuid4().hex
        with invocation(context, handle_message.__module__.rsplit(".", 1)[-1], request_id) as call:
            failed: list[str] = []
            for message in messages:
                with logs.bind(message_id=message.message_id, receive_count=message.receive_count):
                    try:
                        handle_message(message)
                    except Exception:  # reported below: the event source redelivers exactly these
                        log.exception("message failed", extra={"error_code": 50000})
                        failed.append(message.message_id)
            call.status_code = 50000 if failed else 0
            call.metrics.update(
                {"BatchSize": (len(messages), metrics.COUNT), "FailedMessages": (len(failed), metrics.COUNT)}
            )
            log.info("batch handled", extra={"messages": len(messages), "failed": len(failed)})
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}

    return handler
