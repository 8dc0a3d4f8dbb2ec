"""The entry point shared by every Kafka consumer function.

AWS Lambda's Kafka event sources (MSK and self-managed) deliver records grouped by
``topic-partition`` with base64 keys and values; the local runner sends the same shape. A consumer
provides a batch handler over decoded events.

On AWS a failed invocation sends its whole batch to the on-failure destination as metadata only, so the
handler isolates failures itself: the batch is applied at once; if it fails on a record's content, each
record is applied on its own and those that still fail (undecodable, invalid data) are parked with their
payload in ``<topic>.dlq`` (gophertok.dead_letters); the invocation then succeeds. A transient failure
(a backing service down) raises instead, so the event source retries the whole batch: handlers are
idempotent, so records already applied change nothing the second time.
"""

from __future__ import annotations

import functools
import time
import uuid
from binascii import a2b_base64
from collections.abc import Callable
from operator import itemgetter
from typing import Any, NamedTuple

from gophertok import dead_letters, logs, metrics, tracing
from gophertok.adapters.redis_client import REDIS_ERRORS
from gophertok.errors import Unavailable
from gophertok.events import Event
from gophertok.invocation import invocation

log = logs.get_logger("gophertok.consumer")


class KafkaRecord(NamedTuple):
    """One record of a Lambda Kafka event, decoded (a tuple: a batch builds hundreds of them)."""

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


_POSITION = itemgetter(0, 1, 2)  # topic, partition, offset


def kafka_records(event: dict[str, Any]) -> list[KafkaRecord]:
    """All records of a Lambda Kafka event, in partition then offset order."""
    records = [
        KafkaRecord(
            raw["topic"],
            int(raw["partition"]),
            int(raw["offset"]),
            int(raw.get("timestamp") or 0),
            None if (key := raw.get("key")) is None else a2b_base64(key),
            a2b_base64(raw.get("value") or ""),
            _decode_headers(headers) if (headers := raw.get("headers")) else {},
        )
        for batch in (event.get("records") or {}).values()
        for raw in batch
    ]
    records.sort(key=_POSITION)
    return records


BatchHandler = Callable[[list[Event]], object]  # what it returns (e.g. rows written) is not used
Failure = tuple[KafkaRecord, BaseException]
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (Unavailable, ConnectionError, TimeoutError, *REDIS_ERRORS)


def is_transient(error: BaseException) -> bool:
    """True when ``error`` (or what caused it) says a backing service is down, not that the record is bad."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, TRANSIENT_ERRORS):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def decode(records: list[KafkaRecord]) -> tuple[list[tuple[KafkaRecord, Event]], list[Failure]]:
    """(record, event) for every valid envelope, and the records that are not one."""
    decoded: list[tuple[KafkaRecord, Event]] = []
    failures: list[Failure] = []
    for record in records:
        try:
            decoded.append((record, record.event()))
        except (ValueError, KeyError, TypeError) as exc:
            failures.append((record, exc))
    return decoded, failures


def apply(handle_batch: BatchHandler, decoded: list[tuple[KafkaRecord, Event]]) -> list[Failure]:
    """Apply the whole batch; on a content failure apply record by record. Returns the records that failed
    on their content; a transient failure is raised as it is."""
    if not decoded:
        return []
    try:
        handle_batch([event for _, event in decoded])
        return []
    except Exception as exc:
        if is_transient(exc):
            raise
        log.warning("batch failed on a record's content; applying records one by one", extra={"error": repr(exc)})
    failures: list[Failure] = []
    for record, event in decoded:
        try:
            handle_batch([event])
        except Exception as exc:
            if is_transient(exc):
                raise
            failures.append((record, exc))
    return failures


def kafka_consumer(handle_batch: BatchHandler) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """Wrap ``handle_batch(events)`` into a Lambda handler for Kafka events (see the module docstring).

    The invocation joins the trace of its first record (the producer's ``X-Amzn-Trace-Id`` header).
    """

    @functools.wraps(handle_batch)
    def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        records = kafka_records(event)
        request_id = getattr(context, "aws_request_id", None) or uuid.uuid4().hex
        trace = next((r.headers[tracing.HEADER].decode() for r in records if tracing.HEADER in r.headers), None)
        with invocation(context, handle_batch.__module__, request_id, trace) as call:
            call.status_code = 50000  # until the batch is handled
            decoded, failures = decode(records)
            failures = sorted(failures + apply(handle_batch, decoded), key=lambda failure: _POSITION(failure[0]))
            if failures:
                dead_letters.park(call.function, failures)
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
                    "parked": len(failures),
                    "topics": sorted({r.topic for r in records}),
                    "lag_ms": lag_ms,
                    "duration_ms": call.elapsed_ms,
                },
            )
        return {"processed": len(records), "parked": len(failures)}

    return handler
