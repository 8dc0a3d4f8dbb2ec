"""The entry point shared by every Kafka consumer function.

AWS Lambda's Kafka event sources (MSK and self-managed) deliver records grouped by
``topic-partition`` with base64 keys and values; the local runner sends the same shape. A consumer
provides a batch handler over decoded events. Failures raise, so the event source retries the batch
and finally sends it to the on-failure destination; handlers are idempotent, so a retried batch
changes nothing that already happened.
"""

from __future__ import annotations

import base64
import functools
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gophertok import logs, metrics, tracing
from gophertok.events import Event
from gophertok.invocation import invocation

log = logs.get_logger("gophertok.consumer")


@dataclass(frozen=True)
class KafkaRecord:
    topic: str
    partition: int
    offset: int
    timestamp: int
    key: bytes | None
    value: bytes
    headers: dict[str, bytes]

    @property
    def position(self) -> str:
        return f"{self.topic}-{self.partition}@{self.offset}"

    def event(self) -> Event:
        return Event.from_json(self.value)


def _decode_headers(raw: list[dict[str, list[int]]] | None) -> dict[str, bytes]:
    headers: dict[str, bytes] = {}
    for entry in raw or []:
        for name, value in entry.items():
            headers[name] = bytes(value) if isinstance(value, list) else str(value).encode()
    return headers


def kafka_records(event: dict[str, Any]) -> list[KafkaRecord]:
    """All records of a Lambda Kafka event, in partition then offset order."""
    records: list[KafkaRecord] = []
    for batch in (event.get("records") or {}).values():
        for raw in batch:
            key = raw.get("key")
            records.append(
                KafkaRecord(
                    topic=raw["topic"],
                    partition=int(raw["partition"]),
                    offset=int(raw["offset"]),
                    timestamp=int(raw.get("timestamp") or 0),
                    key=base64.b64decode(key) if key is not None else None,
                    value=base64.b64decode(raw.get("value") or ""),
                    headers=_decode_headers(raw.get("headers")),
                )
            )
    return sorted(records, key=lambda record: (record.topic, record.partition, record.offset))


BatchHandler = Callable[[list[Event]], object]  # what it returns (e.g. rows written) is not used


def kafka_consumer(handle_batch: BatchHandler) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """Wrap ``handle_batch(events)`` into a Lambda handler for Kafka events.

    A record that is not a valid event envelope fails the invocation (it is a producer bug; the
    event source's retries and dead-letter destination take it out of the way). The invocation joins
    the trace of its first record (the producer's ``X-Amzn-Trace-Id`` header).
    """

    @functools.wraps(handle_batch)
    def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        records = kafka_records(event)
        request_id = getattr(context, "aws_request_id", None) or uuid.uuid4().hex
        trace = next((r.headers[tracing.HEADER].decode() for r in records if tracing.HEADER in r.headers), None)
        with invocation(context, handle_batch.__module__, request_id, trace) as call:
            call.status_code = 50000  # until the batch is handled
            events = []
            for record in records:
                try:
                    events.append(record.event())
                except ValueError:
                    log.error("undecodable record", extra={"position": record.position, "error_code": 10001})
                    raise
            handle_batch(events)
            call.status_code = 0
            oldest = min((r.timestamp for r in records if r.timestamp), default=None)
            lag_ms = max(0, int(time.time() * 1000) - oldest) if oldest else 0
            call.metrics.update(
                {"BatchSize": (len(records), metrics.COUNT), "ConsumerLag": (lag_ms, metrics.MILLISECONDS)}
            )
            log.info(
                "batch handled",
                extra={
                    "records": len(records),
                    "topics": sorted({r.topic for r in records}),
                    "lag_ms": lag_ms,
                    "duration_ms": call.elapsed_ms,
                },
            )
        return {"processed": len(records)}

    return handler
