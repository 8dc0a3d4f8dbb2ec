"""Local SQS event-source mapping: what AWS Lambda's SQS trigger does, for every queue consumer in the registry.

For each queue consumer it long-polls the queue, invokes the function's handler with the exact event AWS
sends (``Records`` with messageId, receiptHandle, body, attributes, messageAttributes, md5OfBody,
eventSource ``aws:sqs``, eventSourceARN, awsRegion), deletes the messages that succeeded and leaves the
others for redelivery after the visibility timeout (and the queue's redrive policy moves a message to its
dead-letter queue after ``maxReceiveCount`` receives). As with ``FunctionResponseTypes:
[ReportBatchItemFailures]``, a response ``{"batchItemFailures": [{"itemIdentifier": id}]}`` names the
failed messages; a handler that raises fails the whole batch.

Run: ``python -m gophertok_local.sqs_runner`` (``make run`` starts it).
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from gophertok import registry
from gophertok.config import get_settings
from gophertok.logs import get_logger, setup_logging
from gophertok_local.console import Console
from gophertok_local.events import sqs_event, sqs_record
from gophertok_local.functions import LambdaContext, load_handler
from gophertok_local.pool import InstancePool
from gophertok_local.workers import run_until_signalled

log = get_logger("gophertok_local.sqs_runner")
Handler = Callable[[dict[str, Any], Any], Any]


def sqs_client():
    import boto3
    from botocore.config import Config

    # read_timeout above the long-poll wait, or every empty poll would look like a network failure.
    return boto3.client("sqs", config=Config(connect_timeout=3, read_timeout=30, retries={"max_attempts": 3}))


def failed_ids(response: Any, message_ids: list[str]) -> set[str]:
    """The message ids a handler response reports as failed (ReportBatchItemFailures semantics).

    AWS treats a malformed report (not a dict, an item without or with an unknown identifier) as a
    failure of the whole batch; so does this.
    """
    if not isinstance(response, dict) or response.get("batchItemFailures") is None:
        return set()
    failures = response["batchItemFailures"]
    if not isinstance(failures, list):
        return set(message_ids)
    ids: set[Any] = {item.get("itemIdentifier") if isinstance(item, dict) else None for item in failures}
    return set(message_ids) if not ids <= set(message_ids) else ids


class QueueWorker(threading.Thread):
    """Feeds one queue to one handler until ``stop()``."""

    def __init__(
        self,
        function: str,
        queue: str,
        handler: Handler,
        *,
        batch_size: int = 10,
        wait_seconds: int = 2,
        client: Any = None,
    ) -> None:
        super().__init__(name=f"sqs-{function}", daemon=True)
        self.function, self.queue, self.handler = function, queue, handler
        self.batch_size = min(max(batch_size, 1), 10)  # ReceiveMessage returns 10 at most
        self.wait_seconds = wait_seconds  # long polling; short enough for a prompt stop
        self.client = client or sqs_client()
        self.region = self.client.meta.region_name or "us-east-1"
        self.ready = threading.Event()
        self.delivered = 0
        self.failed = 0
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()

    def _queue(self) -> tuple[str, str]:
        deadline = time.monotonic() + 30
        while True:
            try:
                url = self.client.get_queue_url(QueueName=self.queue)["QueueUrl"]
                arn = self.client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
                return url, arn["QueueArn"]
            except self.client.exceptions.QueueDoesNotExist:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"queue {self.queue} does not exist (run `make up` to create it)") from None
                self._stopping.wait(0.5)

    def run(self) -> None:
        url, arn = self._queue()
        self.ready.set()
        log.info("consuming", extra={"queue": self.queue, "target": self.function})
        while not self._stopping.is_set():
            try:
                messages = self.client.receive_message(
                    QueueUrl=url,
                    MaxNumberOfMessages=self.batch_size,
                    WaitTimeSeconds=self.wait_seconds,
                    AttributeNames=["All"],
                    MessageAttributeNames=["All"],
                ).get("Messages", [])
            except Exception as exc:  # the emulator restarting: keep polling, as the AWS poller does
                log.warning("receive failed", extra={"queue": self.queue, "error": repr(exc)})
                self._stopping.wait(1)
                continue
            if messages:
                self.deliver(url, arn, messages)

    def deliver(self, url: str, arn: str, messages: list[dict[str, Any]]) -> set[str]:
        """Invoke the handler with ``messages``; delete those that succeeded. Returns the failed ids."""
        ids = [message["MessageId"] for message in messages]
        event = sqs_event(sqs_record(message, arn, self.region) for message in messages)
        try:
            failed = failed_ids(self.handler(event, LambdaContext(self.function)), ids)
        except Exception as exc:  # the handler's failure is data here: the batch returns to the queue
            log.warning("invocation failed", extra={"target": self.function, "error": repr(exc)})
            failed = set(ids)
        done = [
            {"Id": str(i), "ReceiptHandle": message["ReceiptHandle"]}
            for i, message in enumerate(messages)
            if message["MessageId"] not in failed
        ]
        if done:
            self.client.delete_message_batch(QueueUrl=url, Entries=done)
        self.delivered += len(done)
        self.failed += len(failed)
        if failed:
            log.warning("messages left for redelivery", extra={"target": self.function, "messages": len(failed)})
        return failed


def workers_for_registry(
    only: set[str] | None = None, *, handler_for: Callable[[str], Handler] = load_handler
) -> list[QueueWorker]:
    """One worker per registry queue consumer; ``handler_for(function)`` gives what it invokes (the
    instance pool's handler under ``make run``)."""
    return [
        QueueWorker(
            consumer.function,
            consumer.queue,
            handler_for(consumer.function),
            batch_size=consumer.batch_size,
        )
        for consumer in registry.QUEUE_CONSUMERS
        if only is None or consumer.function in only
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", help="run only this queue consumer function (repeatable)")
    args = parser.parse_args(argv)
    setup_logging(get_settings().log_level)
    if not os.environ.get("AWS_ENDPOINT_URL"):
        log.warning("AWS_ENDPOINT_URL is not set: polling the real AWS account's queues")
    pool, console = InstancePool(), Console()
    pool.log_sink = console.log_line
    console.capture_process_logs(get_settings().log_level)

    def through_pool(function: str) -> Handler:
        return pool.handler(function, on_done=console.batch)

    workers = workers_for_registry(set(args.only) if args.only else None, handler_for=through_pool)
    try:
        return run_until_signalled(workers)
    finally:
        pool.close()


if __name__ == "__main__":
    raise SystemExit(main())
