"""Local Kafka event-source mapping: what AWS Lambda's Kafka trigger does, for every consumer in the registry.

For each consumer it reads the topic under a consumer group named after the function, hands batches to
the function's handler in the Lambda Kafka event shape, and commits offsets only after the handler
succeeded. Partitions run side by side (as Lambda scales a Kafka trigger up to one invocation per
partition), each partition's batches one at a time, and the next batch is fetched while the function
works on the current one.

A consumer function parks records that fail on their content itself and fails only when a backing service
is down, so a failed invocation is retried with backoff (capped at a few seconds) for as long as the outage
lasts: the partition waits, nothing is dead-lettered for an outage. Only a failure that is not an outage
(a handler that raises on a record) is retried ``RetryPolicy.attempts`` times, then its records are retried one
by one and those that still fail go to ``<topic>.dlq`` (with the error) before the offsets move on.

The worker outlives its broker: when no broker is left (librdkafka's ``_ALL_BROKERS_DOWN``), a poll returns
an error, or a commit or a look-up at the topic fails, it waits for the batches in flight, closes the consumer
and builds a new one with backoff, which starts again from the committed offsets (the earliest record when the
broker has none, and when a position is past the end of a restarted broker's log). A topic whose id changed was
recreated (a broker that restarted without its log): its new log is read from the start, whatever offsets the
broker holds for it (a commit retried across the restart can land there, past the new log's end). A change in
the topic's partition count is seen within ``PARTITION_CHECK_SECONDS`` and reassigns the partitions the same way.

Partitions are assigned directly (no group membership) while offsets are still stored under the
group: the local broker answers JoinGroup only after the rebalance timeout, and one runner owns every
partition anyway.

The client is librdkafka (confluent-kafka, as in the functions' layer): it fetches ahead in its own
threads and decodes records in C, where kafka-python's pure-Python decoding cost about 0.15 s of CPU per 10,000
records in this process. What it does differently, and how the worker keeps the behaviour above:
- commits are asynchronous, their results reported through ``consume()``: ``delivered`` counts records when the
  broker confirmed their commit, and a failed commit ends the session. A commit waiting for the group's
  coordinator fails after ``session.timeout.ms`` (set to ``COMMIT_TIMEOUT_MS``; ``close()`` waits for it too),
  where a synchronous one would wait as long as the broker is away;
- the topic's id comes from the admin client's DescribeTopics (librdkafka's metadata does not show it);
- ``position()`` is the application's (after the last record returned), unset until the session returned one;
- ``isolation.level`` is set to read_uncommitted, as kafka-python read (librdkafka's default is read_committed);
- ``consume(n, timeout)`` waits for n records (see ``_poll``), and logical start offsets are resolved on timers
  (see ``_start_offsets``).
Not kept: a topic deleted while the runner reads it crashes the process. tansu answers the next fetch with a leader
hint under a zero topic id and librdkafka 2.16 looks that topic up by a NULL name (a segfault; make run's
supervisor starts the consumers again, from the committed offsets). `make up` only creates topics; delete one with
the runner stopped. A session pauses its partitions as it ends, so a broker that restarts without its log while
a batch is finishing meets no fetch.

Run: ``python -m gophertok_local.kafka_runner`` (``make run`` starts it).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    Producer,
    TopicCollection,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient

from gophertok import dead_letters, metrics, registry
from gophertok.adapters import kafka
from gophertok.config import get_settings
from gophertok.consumer import TRANSIENT_ERRORS, is_transient
from gophertok.logs import get_logger, setup_logging
from gophertok_local.console import Console
from gophertok_local.events import kafka_event, kafka_record
from gophertok_local.functions import LambdaContext, load_handler
from gophertok_local.pool import FunctionError, InstancePool
from gophertok_local.workers import run_until_signalled

log = get_logger("gophertok_local.kafka_runner")
librdkafka_log = logging.getLogger("gophertok_local.kafka_runner.librdkafka")  # librdkafka's own log lines
Handler = Callable[[dict[str, Any], Any], Any]


BUSY_POLL_MS = 10  # how long a poll waits for records while an invocation runs
POSITION_CHECK_SECONDS = 0.5  # how often an idle worker compares its positions with the log's end
PARTITION_CHECK_SECONDS = 10.0  # how often the topic's partition count is compared with the assignment
COMMIT_TIMEOUT_MS = 10_000  # a commit that cannot reach the broker fails the session (then reconnects)
RECONNECT_BACKOFF_SECONDS = (0.5, 10.0)  # first and longest wait before a new consumer after a failure
HEALTHY_SESSION_SECONDS = 30.0  # a session that lasted this long resets the reconnect backoff
# How long the broker may hold a fetch that found nothing new. tansu answers such a fetch late (~115 ms at the
# default 500 ms, after the records arrived), so records produced to a caught-up consumer waited that long; an idle
# worker's fetches at 100 ms cost the broker about 1% of a core.
FETCH_WAIT_MS = 100


@dataclass(frozen=True)
class InFlight:
    records: list[Message]
    settled: Future[bool]  # see ConsumerWorker._settle


@dataclass
class Lane:
    """One partition's records: the batch its function instance runs now and the next one gathering."""

    in_flight: InFlight | None = None
    pending: list[Message] = field(default_factory=list)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3  # invocations failing on something other than an outage, before records are isolated
    backoff_seconds: float = 0.2
    max_backoff_seconds: float = 5.0

    def delay(self, failures: int) -> float:
        return min(self.max_backoff_seconds, self.backoff_seconds * 2 ** (failures - 1))


def _with_subclasses(classes: tuple[type[BaseException], ...]) -> set[str]:
    names: set[str] = set()
    pending = list(classes)
    while pending:
        cls = pending.pop()
        if cls.__name__ not in names:
            names.add(cls.__name__)
            pending.extend(cls.__subclasses__())
    return names


_OUTAGE_TYPES = _with_subclasses(TRANSIENT_ERRORS)


class LogReplaced(Exception):
    """The topic was recreated while a session read it: its positions and offsets belong to the old log."""


class SessionFailed(Exception):
    """librdkafka reported, through a callback, something that ends the session (the broker is gone, a commit
    failed or timed out)."""


def is_outage(error: BaseException) -> bool:
    """True when a failed invocation says a backing service is down (the layer's transient errors, raised in
    this process or reported by a function instance as Lambda's error document)."""
    if isinstance(error, FunctionError):
        return str(error.error.get("errorType")) in _OUTAGE_TYPES
    return is_transient(error)


def group_id(function: str) -> str:
    return f"gophertok-{function}"


@dataclass(frozen=True)
class Topic:
    """What the broker says of the topic: its partitions and its id (another id is another log)."""

    partitions: list[int]
    topic_id: str | None


@dataclass
class PendingCommit:
    offsets: frozenset[tuple[int, int]]  # (partition, next offset)
    records: int
    deadline: float


@dataclass
class Session:
    """One consumer's life: what its callbacks report, read by the polling thread (the callbacks run inside
    ``consume()``, in that same thread)."""

    consumer: Consumer
    admin: AdminClient
    commits: list[PendingCommit] = field(default_factory=list)
    failure: BaseException | None = None


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
        self.reconnects = 0
        self._next_position_check = 0.0
        self._stopping = threading.Event()
        self._producer: Producer | None = None
        self._dead_letter_lock = threading.Lock()  # lanes dead-letter from their own threads
        self._lanes: dict[int, Lane] = {}
        self._log_id: str | None = None  # the topic's id when last seen: another id is another log

    def stop(self) -> None:
        self._stopping.set()

    @property
    def gathered(self) -> int:
        """Records polled and waiting for their partition's next invocation."""
        return sum(len(lane.pending) for lane in list(self._lanes.values()))

    def run(self) -> None:
        failures = 0
        try:
            while not self._stopping.is_set():
                started = time.monotonic()
                try:
                    self._session()
                    failures = 0
                except Exception as exc:  # the broker went away (or the topic is not there yet): reconnect
                    failures = 1 if time.monotonic() - started >= HEALTHY_SESSION_SECONDS else failures + 1
                    first, longest = RECONNECT_BACKOFF_SECONDS
                    delay = min(longest, first * 2 ** (failures - 1))
                    self.reconnects += 1
                    log.warning(
                        "consumer lost its broker; reconnecting",
                        extra={"target": self.function, "topic": self.topic, "error": repr(exc), "retry_in_s": delay},
                    )
                    self._stopping.wait(delay)
        finally:
            if self._producer is not None:
                self._producer.flush(5)

    @property
    def _servers(self) -> str:
        return ",".join(self.bootstrap_servers)

    def _new_session(self) -> Session:
        session: Session

        def on_error(error: KafkaError) -> None:
            # librdkafka reconnects by itself and reports each failed attempt; the session ends (and starts
            # again from the committed offsets) when no broker is left, as kafka-python's requests failed.
            if error.fatal() or error.code() == KafkaError._ALL_BROKERS_DOWN:
                session.failure = session.failure or KafkaException(error)

        def on_commit(error: KafkaError | None, partitions: list[TopicPartition]) -> None:
            offsets = frozenset((p.partition, p.offset) for p in partitions)
            pending = next((c for c in session.commits if c.offsets == offsets), None)
            if pending is not None:
                session.commits.remove(pending)
            failed = error or next((p.error for p in partitions if p.error is not None), None)
            if failed is not None:
                log.warning("commit failed; those records will be delivered again", extra={"error": repr(failed)})
                session.failure = session.failure or KafkaException(failed)
            elif pending is not None:
                self.delivered += pending.records

        consumer = Consumer(
            {
                "bootstrap.servers": self._servers,
                "group.id": self.group,
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                "auto.offset.reset": "earliest",  # no committed offset, or a position past a restarted broker's log
                "isolation.level": "read_uncommitted",  # as kafka-python read (librdkafka's default is committed)
                # About a batch per partition and fetch, so one partition's data does not fill the lanes
                # before the others' arrives (a larger record still comes whole).
                "max.partition.fetch.bytes": max(64 * 1024, self.batch_size * 512),
                # No group membership here, but librdkafka fails a commit still waiting for the group's
                # coordinator after the session timeout (and close() waits for it): that bounds a commit.
                "session.timeout.ms": COMMIT_TIMEOUT_MS,
                "topic.metadata.refresh.interval.ms": int(PARTITION_CHECK_SECONDS * 1000),
                "fetch.wait.max.ms": FETCH_WAIT_MS,
                "error_cb": on_error,
                "on_commit": on_commit,
                "logger": librdkafka_log,
            }
        )
        admin = AdminClient({"bootstrap.servers": self._servers, "log_level": 0})
        session = Session(consumer, admin)
        return session

    def _session(self) -> None:
        """One consumer from connection to stop (returns) or failure (raises); a partition count that changed
        also ends it (returns), so the next session assigns the new partitions."""
        session = self._new_session()
        invoker: ThreadPoolExecutor | None = None
        lanes: dict[int, Lane] = {}
        try:
            topic = self._describe_when_there(session)
            partitions = topic.partitions
            replaced = self._log_replaced(topic)
            if replaced:
                log.warning("the topic was recreated; reading its new log from the start", extra={"topic": self.topic})
            session.consumer.assign(self._start_offsets(session.consumer, partitions, from_start=replaced))
            self._lanes = lanes = {partition: Lane() for partition in partitions}
            # Invocations run in their own threads, so the next batches are fetched and gathered while
            # the function works (as Lambda's pollers do) instead of the function waiting for them.
            invoker = ThreadPoolExecutor(max_workers=max(1, len(partitions)), thread_name_prefix=self.name)
            self.ready.set()
            log.info("consuming", extra={"topic": self.topic, "group": self.group, "target": self.function})
            self._consume(session, invoker, lanes)
        finally:
            # No more fetching while the batches in flight finish: a broker that comes back without the topic, or
            # with a new one of that name, answers a fetch by the old topic id with an error that crashes
            # librdkafka 2.16 (a segfault: it looks the topic up by a NULL name), and nothing fetched is used now.
            with contextlib.suppress(Exception):
                session.consumer.pause(session.consumer.assignment())
            try:
                self._settle_in_flight(session, lanes)
            finally:
                if invoker is not None:
                    invoker.shutdown(wait=True)
                with contextlib.suppress(Exception):
                    session.consumer.close()  # waits for a commit still under way (see session.timeout.ms)

    def _start_offsets(self, consumer: Consumer, partitions: list[int], *, from_start: bool) -> list[TopicPartition]:
        """Where each partition starts: its committed offset, or the log's start without one (or ``from_start``).

        Looked up here rather than left to librdkafka (its stored and logical offsets): it resolves those on
        timers, about 0.1 s at every session's start, where these two requests take a few milliseconds."""
        timeout = COMMIT_TIMEOUT_MS / 1000
        wanted = [TopicPartition(self.topic, p) for p in partitions]
        stored = [] if from_start else consumer.committed(wanted, timeout=timeout)
        committed = {tp.partition: tp.offset for tp in stored if tp.offset >= 0}
        starts = []
        for partition in partitions:
            if partition not in committed:
                low, _ = consumer.get_watermark_offsets(
                    TopicPartition(self.topic, partition), timeout=timeout, cached=False
                )
                committed[partition] = low
            starts.append(TopicPartition(self.topic, partition, committed[partition]))
        return starts

    def _settle_in_flight(self, session: Session, lanes: dict[int, Lane]) -> None:
        """Wait for the invocations still running and commit what they settled, if the broker takes it within
        COMMIT_TIMEOUT_MS (if not, those records come again: the handlers are idempotent)."""
        for lane in lanes.values():
            if lane.in_flight is None:
                continue
            try:
                if lane.in_flight.settled.result():
                    self._commit(session, lane.in_flight.records)
            except Exception as exc:
                log.warning("batch not committed; it will be delivered again", extra={"error": repr(exc)})
        # Commit results arrive through consume(); what it returns now is not handed on (nor committed).
        deadline = time.monotonic() + COMMIT_TIMEOUT_MS / 1000
        while session.commits and time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                session.consumer.consume(self.batch_size, 0.05)
        if session.commits:
            log.warning("commit unanswered; those records will be delivered again", extra={"topic": self.topic})

    def _consume(self, session: Session, invoker: ThreadPoolExecutor, lanes: dict[int, Lane]) -> None:
        """Poll, invoke and commit until stopped.

        Each partition is a lane: its batches run one after another, as Lambda runs at most one
        invocation per partition at a time, and lanes run side by side. While a lane's invocation
        runs, its polled records gather for its next one (at most ``batch_size`` records an
        invocation), handed over as soon as the function is done; the finished batch's offsets are
        committed while the next one runs. So offsets only move past records the function has handled
        (or dead-lettered), in each partition's order.
        """
        next_check = time.monotonic() + PARTITION_CHECK_SECONDS
        while not self._stopping.is_set():
            self._gather(session, lanes)
            for lane in lanes.values():
                finished = None
                if lane.in_flight is not None:
                    if not lane.in_flight.settled.done():
                        continue
                    finished, lane.in_flight = lane.in_flight, None
                    if not finished.settled.result():
                        return  # stopped mid-retry: its offsets stay uncommitted, its records come again
                if lane.pending:
                    batch, lane.pending = lane.pending[: self.batch_size], lane.pending[self.batch_size :]
                    lane.in_flight = InFlight(batch, invoker.submit(self._settle, batch))
                if finished is not None:
                    self._commit(session, finished.records)
            if time.monotonic() >= next_check:
                next_check = time.monotonic() + PARTITION_CHECK_SECONDS
                if set(self._describe(session).partitions) != set(lanes):
                    log.warning("the topic's partitions changed; reassigning", extra={"topic": self.topic})
                    return

    def _gather(self, session: Session, lanes: dict[int, Lane]) -> None:
        """Poll records into their lanes while fewer than a batch per lane wait; past that, wait for an
        invocation to finish instead (librdkafka keeps fetching ahead meanwhile, into its own queue)."""
        running = [lane.in_flight.settled for lane in lanes.values() if lane.in_flight is not None]
        if running and sum(len(lane.pending) for lane in lanes.values()) >= self.batch_size * len(lanes):
            wait(running, timeout=self.poll_timeout_ms / 1000, return_when=FIRST_COMPLETED)
            # librdkafka reports a lost broker and commit results only from a poll: one that hands over at most
            # one record (kept in its lane), so a long wait still sees them.
            polled = session.consumer.poll(0)
            self._keep([] if polled is None else [polled], lanes)
            self._raise_failure(session)
            return
        polled_batch = self._poll(session.consumer, (BUSY_POLL_MS if running else self.poll_timeout_ms) / 1000)
        self._keep(polled_batch, lanes)
        self._raise_failure(session)
        if not polled_batch and not running and time.monotonic() >= self._next_position_check:
            self._next_position_check = time.monotonic() + POSITION_CHECK_SECONDS
            if self._log_replaced(self._describe(session), remember=False):
                raise LogReplaced(self.topic)  # the next session starts the new log from its start
            self._rewind_past_the_end(session.consumer, lanes)

    @staticmethod
    def _keep(polled: list[Message], lanes: dict[int, Lane]) -> None:
        for message in polled:
            error = message.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    continue
                raise KafkaException(error)  # e.g. the topic is gone: the next session waits for it
            lanes[message.partition()].pending.append(message)  # type: ignore[index]

    def _poll(self, consumer: Consumer, timeout: float) -> list[Message]:
        """Up to a batch of what librdkafka holds, waiting up to ``timeout`` only while it holds nothing: its
        ``consume(n, timeout)`` waits until it has ``n`` records (or the timeout), where kafka-python's poll
        returned as soon as it had any, so a trickle of records would wait out the timeout each time."""
        polled = consumer.consume(self.batch_size, 0)
        if polled or timeout <= 0:
            return polled
        polled = consumer.consume(1, timeout)
        if polled and self.batch_size > 1:
            polled += consumer.consume(self.batch_size - 1, 0)
        return polled

    @staticmethod
    def _raise_failure(session: Session) -> None:
        if session.failure is not None:
            raise SessionFailed(repr(session.failure)) from session.failure
        if session.commits and session.commits[0].deadline < time.monotonic():
            raise SessionFailed(f"a commit took longer than {COMMIT_TIMEOUT_MS} ms")

    def _log_replaced(self, topic: Topic, *, remember: bool = True) -> bool:
        """True when the topic's id differs from the one this worker last saw (``remember`` keeps the new one)."""
        if topic.topic_id is None:
            return False
        if self._log_id is None:
            self._log_id = topic.topic_id
        replaced = topic.topic_id != self._log_id
        if remember:
            self._log_id = topic.topic_id
        return replaced

    def _rewind_past_the_end(self, consumer: Consumer, lanes: dict[int, Lane]) -> None:
        """A broker that restarted without its log (the in-memory one) answers a fetch past its end with no
        records rather than an error, so the consumer would wait there and skip everything the new log holds
        below it. An idle worker has committed everything it fetched, so a position past the log's end with a
        committed offset that is missing or behind it means the broker lost both: rewind to the committed offset,
        or the log's start. (A durable broker keeps the committed offset, which then equals the position: an end
        offset that is merely stale, as tansu on S3 can answer, moves nothing.)

        librdkafka's position is the application's (after the last record returned); before the session returned
        any, it is unset and the consumer reads from the committed offset, which is then the position."""
        timeout = COMMIT_TIMEOUT_MS / 1000
        for position in consumer.position([TopicPartition(self.topic, p) for p in lanes]):
            if position.offset < 0:
                continue
            partition = TopicPartition(self.topic, position.partition)
            _, end = consumer.get_watermark_offsets(partition, timeout=timeout, cached=False)
            if position.offset <= end:
                continue
            [stored] = consumer.committed([partition], timeout=timeout)
            committed = stored.offset if stored.offset >= 0 else None
            if committed is not None and committed >= position.offset:
                continue
            log.warning(
                "position past the end of the log (the broker lost it); rewinding",
                extra={"topic": self.topic, "partition": position.partition, "end": end, "committed": committed},
            )
            rewind = OFFSET_BEGINNING if committed is None else committed
            consumer.seek(TopicPartition(self.topic, position.partition, rewind))

    def _describe(self, session: Session) -> Topic:
        """The topic's partitions and id, as the broker has them now (raises when it cannot answer)."""
        futures = session.admin.describe_topics(TopicCollection([self.topic]), request_timeout=COMMIT_TIMEOUT_MS / 1000)
        description = futures[self.topic].result()
        topic_id = str(description.topic_id) if description.topic_id is not None else None
        return Topic(sorted(p.id for p in description.partitions), topic_id)

    def _describe_when_there(self, session: Session) -> Topic:
        """``_describe``, waiting up to 30 s for a topic that does not exist (yet)."""
        deadline = time.monotonic() + 30
        while True:
            try:
                topic = self._describe(session)
            except KafkaException as exc:
                if exc.args[0].code() != KafkaError.UNKNOWN_TOPIC_OR_PART:
                    raise
                topic = Topic([], None)
            if topic.partitions or self._stopping.is_set():
                return topic
            if time.monotonic() > deadline:
                raise RuntimeError(f"topic {self.topic} does not exist (run `make up` to create topics)")
            self._stopping.wait(0.5)

    def _invoke(self, records: list[Message]) -> None:
        event = kafka_event(
            [
                kafka_record(
                    r.topic() or self.topic,
                    r.partition() or 0,
                    r.offset() or 0,
                    r.value() or b"",
                    r.key(),
                    r.headers() or (),  # type: ignore[arg-type]
                    r.timestamp()[1],
                )
                for r in records
            ],
            self._servers,
        )
        self.handler(event, LambdaContext(self.function))

    def _with_retries(self, records: list[Message]) -> Exception | None:
        """Invoke until it succeeds (None), for as long as the failure is an outage, or until it failed
        ``retry.attempts`` times on something else (that error). Stopping ends it with an error too."""
        error: Exception | None = RuntimeError("stopped before the handler ran")
        failures = other_failures = 0
        while not self._stopping.is_set():
            if failures and self._stopping.wait(self.retry.delay(failures)):
                break
            try:
                self._invoke(records)
                return None
            except Exception as exc:  # the handler's failure is data here: wait out outages, isolate the rest
                error = exc
                failures += 1
                outage = is_outage(exc)
                other_failures += not outage
                log.warning(
                    "invocation failed",
                    extra={
                        "target": self.function,
                        "attempt": failures,
                        "records": len(records),
                        "outage": outage,
                        "error": repr(exc),
                    },
                )
                if other_failures >= self.retry.attempts:
                    break
        return error

    def _settle(self, records: list[Message]) -> bool:
        """Invoke with retries; if the batch keeps failing (not for an outage), isolate the poison record(s)
        and dead-letter them. True when every record is handled or dead-lettered (its offsets may be
        committed); False when stopped first."""
        if self._with_retries(records) is None:
            return True
        for record in records:  # isolate the poison record(s); the handlers are idempotent
            if self._stopping.is_set():
                return False
            error = self._with_retries([record])
            if error is not None:
                if self._stopping.is_set():
                    return False  # not a verdict on the record: it was not retried to the end
                self._dead_letter(record, error)
        return True

    def _commit(self, session: Session, records: list[Message]) -> None:
        """Commit the records' offsets; ``delivered`` counts them when the broker confirms (through consume())."""
        offsets = self._next_offsets(records)
        session.commits.append(
            PendingCommit(
                frozenset((tp.partition, tp.offset) for tp in offsets),
                len(records),
                time.monotonic() + 2 * COMMIT_TIMEOUT_MS / 1000,  # librdkafka fails it first (session.timeout.ms)
            )
        )
        session.consumer.commit(offsets=offsets, asynchronous=True)

    def _next_offsets(self, records: list[Message]) -> list[TopicPartition]:
        offsets: dict[int, int] = {}
        for record in records:
            offsets[record.partition() or 0] = (record.offset() or 0) + 1
        return [TopicPartition(self.topic, partition, offset) for partition, offset in offsets.items()]

    def _dead_letter(self, record: Message, error: Exception) -> None:
        with self._dead_letter_lock:
            if self._producer is None:
                self._producer = Producer(
                    {
                        "bootstrap.servers": self._servers,
                        "acks": "all",
                        "message.timeout.ms": 10_000,  # then the batch fails (and comes again)
                        "logger": librdkafka_log,
                    }
                )
            producer = self._producer
        source = f"{record.topic()}-{record.partition()}@{record.offset()}"
        parked = dead_letters.parking_headers(kafka.header_pairs(record.headers()), source, self.function, error)
        headers: list[tuple[str, str | bytes | None]] = [*parked]
        delivered: Future[None] = Future()

        def on_delivery(failure: KafkaError | None, _message: Message) -> None:
            if failure is not None:
                delivered.set_exception(KafkaException(failure))
            else:
                delivered.set_result(None)

        producer.produce(
            (record.topic() or self.topic) + registry.DEAD_LETTER_SUFFIX,
            value=record.value(),
            key=record.key(),
            headers=headers,
            on_delivery=on_delivery,
        )
        producer.flush(10)  # delivery reports arrive through flush/poll (any thread's)
        delivered.result(timeout=1)
        with self._dead_letter_lock:
            self.dead_lettered += 1
        metrics.emit({"DeadLettered": (1, metrics.COUNT)}, {"function": self.function}, {"topic": record.topic()})
        log.error(
            "record dead-lettered",
            extra={"target": self.function, "position": source, "error_code": 50000},
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


def quiet_client_logs() -> None:
    """Only librdkafka's serious lines: it logs each failed reconnect as an error, and the worker logs what ended
    its session anyway."""
    librdkafka_log.setLevel(logging.CRITICAL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", help="run only this consumer function (repeatable)")
    args = parser.parse_args(argv)
    settings = get_settings()
    setup_logging(settings.log_level)
    pool, console = InstancePool(), Console()
    pool.log_sink = console.log_line
    console.capture_process_logs(settings.log_level)
    quiet_client_logs()

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
