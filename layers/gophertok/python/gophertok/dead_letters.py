"""Parking records that cannot be handled in ``<topic>.dlq`` and re-driving them after a fix.

A parked record keeps its key, value and headers byte for byte; three headers say where it came from, which
function gave up on it and why. Replaying sends it back to its source topic without those headers; the
consumers are idempotent, so a record replayed twice changes nothing the first replay did not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Protocol

from gophertok import logs, metrics, registry
from gophertok.adapters import kafka

log = logs.get_logger("gophertok.dead_letters")

SOURCE_HEADER = "dlq_source"  # <topic>-<partition>@<offset>
FUNCTION_HEADER = "dlq_function"
ERROR_HEADER = "dlq_error"
PARKING_HEADERS = (SOURCE_HEADER, FUNCTION_HEADER, ERROR_HEADER)
REPLAY_GROUP = "gophertok-replay-dlq"
ERROR_LIMIT = 1000  # bytes of repr(error) kept in the header


class ParkableRecord(Protocol):
    @property
    def topic(self) -> str: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes: ...
    @property
    def headers(self) -> dict[str, bytes]: ...

    @property
    def position(self) -> str: ...


def dead_letter_topic(topic: str) -> str:
    return topic + registry.DEAD_LETTER_SUFFIX


def parking_headers(
    headers: Iterable[tuple[str, bytes]], position: str, function: str, error: BaseException
) -> list[tuple[str, bytes]]:
    """A parked record's headers: its own (less those of an earlier parking), then where it came from
    (``<topic>-<partition>@<offset>``), which function gave up on it and why."""
    return [(name, value) for name, value in headers if name not in PARKING_HEADERS] + [
        (SOURCE_HEADER, position.encode()),
        (FUNCTION_HEADER, function.encode()),
        (ERROR_HEADER, repr(error)[:ERROR_LIMIT].encode()),
    ]


def park(function: str, failures: Sequence[tuple[ParkableRecord, BaseException]]) -> int:
    """Send each failed record, with its payload and the error, to its topic's ``.dlq``; returns how many."""
    by_topic: dict[str, list[kafka.RawRecord]] = defaultdict(list)
    for record, error in failures:
        headers = parking_headers(record.headers.items(), record.position, function, error)
        by_topic[dead_letter_topic(record.topic)].append((record.key, record.value, headers))
        log.error(
            "record parked",
            extra={"position": record.position, "error": repr(error)[:200], "error_code": 50000},
        )
    for topic, records in by_topic.items():
        kafka.publish_records(topic, records)
        metrics.emit({"DeadLettered": (len(records), metrics.COUNT)}, {"function": function}, {"topic": topic})
    return len(failures)


def source_topic(name: str) -> str:
    """The registry topic ``name`` designates (``x`` or ``x.dlq``); ValueError for anything else."""
    topic = name.removesuffix(registry.DEAD_LETTER_SUFFIX)
    sources = sorted({consumer.topic for consumer in registry.CONSUMERS})
    if topic not in sources:
        raise ValueError(f"unknown topic {name!r}; one of {', '.join(sources)}")
    return topic


def replay(topic: str, limit: int = 10_000) -> int:
    """Re-drive up to ``limit`` records parked in ``<topic>.dlq`` to ``topic``; committed once re-sent, so a
    second replay only sends what was parked since."""

    def resend(records: list[kafka.RawRecord]) -> None:
        kafka.publish_records(
            topic,
            [(key, value, [h for h in headers if h[0] not in PARKING_HEADERS]) for key, value, headers in records],
        )

    replayed = kafka.drain(dead_letter_topic(topic), REPLAY_GROUP, resend, limit)
    log.info("dead letters replayed", extra={"topic": topic, "records": replayed})
    return replayed


def replay_named(name: str | None, limit: int = 10_000) -> dict[str, int]:
    """Replay one registry topic (``x`` or ``x.dlq``), or every consumer topic when ``name`` is empty; returns
    the records replayed per topic (the ops function's and ``make replay-dlq``'s answer)."""
    topics = [source_topic(name)] if name else sorted({consumer.topic for consumer in registry.CONSUMERS})
    return {topic: replay(topic, limit) for topic in topics}
