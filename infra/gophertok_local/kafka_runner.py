"""Local Kafka event-source mapping: what AWS Lambda's Kafka trigger does, for every consumer in the registry.

For each consumer it reads the topic under a consumer group named after the function, hands batches to
the function's handler in the Lambda Kafka event shape, and commits offsets only after the handler
succeeded. A failing batch is retried with backoff; if it keeps failing, its records are retried one
by one and those that still fail go to ``<topic>.dlq`` (with the error) before the offsets move on.

Partitions are assigned directly (no group membership) while offsets are still stored under the
group: the local broker answers JoinGroup only after the rebalance timeout, and one runner owns every
partition anyway.

Run: ``python -m gophertok_local.kafka_runner`` (``make run`` starts it).
"""

from __future__ import annotations

import argparse
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.structs import OffsetAndMetadata

from gophertok import metrics, registry
from gophertok.config import get_settings
from gophertok.logs import get_logger, setup_logging
from gophertok_local.console import Console
from gophertok_local.events import kafka_event, kafka_record
from gophertok_local.functions import LambdaContext, load_handler
from gophertok_local.pool import InstancePool
from gophertok_local.workers import run_until_signalled

log = get_logger("gophertok_local.kafka_runner")
Handler = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3  # invocations per batch (and per isolated record) before giving up
    backoff_seconds: float = 0.2


def group_id(function: str) -> str:
    return f"gophertok-{function}"


class ConsumerWorker(threading.Thread):
    """Feeds one topic to one handler until ``stop()``."""

    def __init__(
        self,
        function: str,
        topic: str,
        handler: Handler,
        *,
        bootstrap_servers: list[str],
        batch_size: int = 100,
        group: str | None = None,
        retry: RetryPolicy | None = None,
        poll_timeout_ms: int = 200,
    ) -> None:
        super().__init__(name=f"kafka-{function}", daemon=True)
        self.function = function
        self.topic = topic
        self.handler = handler
        self.bootstrap_servers = bootstrap_servers
        self.batch_size = batch_size
        self.group = group or group_id(function)
        self.retry = retry or RetryPolicy()
        self.poll_timeout_ms = poll_timeout_ms
        self.ready = threading.Event()
        self.delivered = 0
        self.dead_lettered = 0
        self._stopping = threading.Event()
        self._producer: KafkaProducer | None = None

    def stop(self) -> None:
        self._stopping.set()

    def run(self) -> None:
        consumer = KafkaConsumer(
            bootstrap_servers=self.bootstrap_servers,
            group_id=self.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self.batch_size,
        )
        try:
            consumer.assign(self._partitions(consumer))
            self.ready.set()
            log.info("consuming", extra={"topic": self.topic, "group": self.group, "target": self.function})
            while not self._stopping.is_set():
                polled = consumer.poll(timeout_ms=self.poll_timeout_ms, max_records=self.batch_size)
                records = sorted(
                    (record for batch in polled.values() for record in batch),
                    key=lambda r: (r.partition, r.offset),
                )
                if records:
                    self._deliver(consumer, records)
        finally:
            consumer.close(autocommit=False)
            if self._producer is not None:
                self._producer.close(timeout=5)

    def _partitions(self, consumer: KafkaConsumer) -> list[TopicPartition]:
        deadline = time.monotonic() + 30
        while not self._stopping.is_set():
            partitions = consumer.partitions_for_topic(self.topic)
            if partitions:
                return [TopicPartition(self.topic, p) for p in sorted(partitions)]
            if time.monotonic() > deadline:
                raise RuntimeError(f"topic {self.topic} does not exist (run `make up` to create topics)")
            time.sleep(0.5)
        return []

    def _invoke(self, records: list[ConsumerRecord]) -> None:
        event = kafka_event(
            [
                kafka_record(r.topic, r.partition, r.offset, r.value or b"", r.key, r.headers or (), r.timestamp)
                for r in records
            ],
            ",".join(self.bootstrap_servers),
        )
        self.handler(event, LambdaContext(self.function))

    def _with_retries(self, records: list[ConsumerRecord]) -> Exception | None:
        error: Exception | None = RuntimeError("stopped before the handler ran")
        for attempt in range(self.retry.attempts):
            if self._stopping.is_set():
                break
            if attempt:
                time.sleep(self.retry.backoff_seconds * 2 ** (attempt - 1))
            try:
                self._invoke(records)
                return None
            except Exception as exc:  # the handler's failure is data here: retry, then dead-letter
                error = exc
                log.warning(
                    "invocation failed",
                    extra={
                        "target": self.function,
                        "attempt": attempt + 1,
                        "records": len(records),
                        "error": repr(exc),
                    },
                )
        return error

    def _deliver(self, consumer: KafkaConsumer, records: list[ConsumerRecord]) -> None:
        if self._with_retries(records) is not None:
            if self._stopping.is_set():
                return  # stopping mid-retry: leave the offsets uncommitted so the records come again
            for record in records:  # isolate the poison record(s); the handlers are idempotent
                error = self._with_retries([record])
                if error is not None:
                    self._dead_letter(record, error)
        self.delivered += len(records)
        consumer.commit(self._next_offsets(records))

    @staticmethod
    def _next_offsets(records: list[ConsumerRecord]) -> dict[TopicPartition, OffsetAndMetadata]:
        offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        for record in records:
            offsets[TopicPartition(record.topic, record.partition)] = OffsetAndMetadata(record.offset + 1, "", -1)
        return offsets

    def _dead_letter(self, record: ConsumerRecord, error: Exception) -> None:
        if self._producer is None:
            self._producer = KafkaProducer(bootstrap_servers=self.bootstrap_servers, acks="all")
        headers = list(record.headers or []) + [
            ("dlq_source", f"{record.topic}-{record.partition}@{record.offset}".encode()),
            ("dlq_function", self.function.encode()),
            ("dlq_error", repr(error)[:1000].encode()),
        ]
        self._producer.send(
            record.topic + registry.DEAD_LETTER_SUFFIX, key=record.key, value=record.value, headers=headers
        ).get(timeout=10)
        self.dead_lettered += 1
        metrics.emit({"DeadLettered": (1, metrics.COUNT)}, {"function": self.function}, {"topic": record.topic})
        log.error(
            "record dead-lettered",
            extra={
                "target": self.function,
                "position": f"{record.topic}-{record.partition}@{record.offset}",
                "error_code": 50000,
            },
        )


def workers_for_registry(
    bootstrap_servers: list[str],
    only: set[str] | None = None,
    *,
    handler_for: Callable[[str], Handler] = load_handler,
) -> list[ConsumerWorker]:
    """One worker per registry consumer; ``handler_for(function)`` gives what it invokes (the instance
    pool's handler under ``make run``)."""
    return [
        ConsumerWorker(
            consumer.function,
            consumer.topic,
            handler_for(consumer.function),
            bootstrap_servers=bootstrap_servers,
            batch_size=consumer.batch_size,
        )
        for consumer in registry.CONSUMERS
        if only is None or consumer.function in only
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", help="run only this consumer function (repeatable)")
    args = parser.parse_args(argv)
    settings = get_settings()
    setup_logging(settings.log_level)
    logging.getLogger("kafka").setLevel(logging.ERROR)
    pool, console = InstancePool(), Console()
    pool.log_sink = console.log_line
    console.capture_process_logs(settings.log_level)
    logging.getLogger("kafka").setLevel(logging.ERROR)

    def through_pool(function: str) -> Handler:
        return pool.handler(function, on_done=console.batch)

    workers = workers_for_registry(
        settings.kafka_servers, set(args.only) if args.only else None, handler_for=through_pool
    )
    try:
        return run_until_signalled(workers)
    finally:
        pool.close()


if __name__ == "__main__":
    raise SystemExit(main())
