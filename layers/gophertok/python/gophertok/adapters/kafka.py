"""Kafka through librdkafka (confluent-kafka): the producer, created on first use and reused across invocations,
and the few admin and consumer calls the tools need.

``publish`` waits for the broker's acknowledgement so a request only succeeds once its event is
durable; the trace header travels in the record headers so consumers join the same trace. The producer
sends at once (``linger.ms=0``): a request sends one record and waits for it, so lingering only adds latency.
librdkafka builds and parses record batches in C: an acknowledged publish takes about a quarter of what it took
with kafka-python, and a burst of 10,000 records a tenth of the CPU.

confluent-kafka is imported on first use, not with this module: the functions that only read (the feed, the
lists) never publish and so never pay for importing it at cold start.

librdkafka reconnects by itself when the broker comes back, so one producer serves the container's whole life;
only a producer that was closed is replaced. A publish that is not acknowledged within KAFKA_TIMEOUT fails as
Unavailable; librdkafka gives up on its records by then too (``message.timeout.ms``).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, cast

from gophertok import tracing
from gophertok.config import Settings, get_settings
from gophertok.errors import Unavailable
from gophertok.events import Event

if TYPE_CHECKING:
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient

_producer: Producer | None = None
_lock = threading.Lock()
RawRecord = tuple[bytes | None, bytes, list[tuple[str, bytes]]]  # key, value, headers
_librdkafka_log = logging.getLogger("gophertok.kafka.librdkafka")


def client_config(settings: Settings) -> dict[str, Any]:
    """The librdkafka configuration every client of ours (producer, consumer, admin) starts from.

    KAFKA_SASL_MECHANISM picks the authentication: SCRAM-SHA-512/256 with the ``username``/``password`` of the
    KAFKA_SECRET_ID secret (MSK SCRAM or a self-managed cluster), or AWS_MSK_IAM, which MSK takes as OAUTHBEARER
    with a token signed by the function's own role (aws-msk-iam-sasl-signer; SASL_SSL is then required).
    """
    config: dict[str, Any] = {
        "bootstrap.servers": ",".join(settings.kafka_servers),
        "security.protocol": settings.kafka_security_protocol,
        "logger": _librdkafka_log,  # librdkafka's own lines go through our JSON logs, not raw to stderr
        "log.connection.close": False,  # an idle connection the broker closed is not news
    }
    mechanism = settings.kafka_sasl_mechanism
    if mechanism.startswith("SCRAM-"):
        from gophertok.adapters.secrets import secret_fields

        fields = secret_fields(settings.kafka_secret_id)
        config |= {
            "sasl.mechanism": mechanism,
            "sasl.username": fields.get("username", ""),
            "sasl.password": fields.get("password", ""),
        }
    elif mechanism == "AWS_MSK_IAM":
        config |= {"sasl.mechanism": "OAUTHBEARER", "oauth_cb": msk_iam_token}
    return config


def msk_iam_token(_config: str | None) -> tuple[str, float]:
    """An MSK IAM auth token and its expiry (seconds since the epoch), signed with the function's credentials."""
    from aws_msk_iam_sasl_signer import MSKAuthTokenProvider

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    token, expiry_ms = MSKAuthTokenProvider.generate_auth_token(region)
    return token, expiry_ms / 1000


def make_producer(settings: Settings) -> Producer:
    from confluent_kafka import Producer

    timeout_ms = int(settings.kafka_timeout * 1000)
    return Producer(
        {
            **client_config(settings),
            "acks": "all",
            # At least once, not idempotent: a broker may count a batch's sequence numbers before the batch is
            # stored (tansu does), and a kill in between makes the retried batch a "duplicate" that the client
            # takes for written: acknowledged, yet lost. A retried batch is stored again instead; the consumers
            # are idempotent.
            "enable.idempotence": False,
            "max.in.flight.requests.per.connection": 1,  # so a retried batch cannot land after a later one
            "message.send.max.retries": 3,
            "linger.ms": 0,
            "request.timeout.ms": timeout_ms,
            "message.timeout.ms": timeout_ms,  # a record not acknowledged by then fails (and is not sent later)
            "socket.connection.setup.timeout.ms": timeout_ms,
        }
    )


def get_producer() -> Producer:
    global _producer
    with _lock:
        if _producer is None:
            try:
                _producer = make_producer(get_settings())
            except Exception as exc:  # KafkaException: a configuration the client refuses
                raise Unavailable("the event broker is unavailable, please retry") from exc
        return _producer


def discard_producer(producer: Producer) -> None:
    """Forget ``producer`` if it is still the shared one (it was closed: every call on it fails)."""
    global _producer
    with _lock:
        if _producer is producer:
            _producer = None


def _headers(event: Event) -> list[tuple[str, bytes]]:
    return [("event_type", event.type.encode()), ("event_id", event.id.encode())]


def _traced(batch: list[RawRecord]) -> list[RawRecord]:
    """The records with the current trace header (taken inside the Kafka subsegment, so the consumer's segment
    hangs under it); a record that already carries one, a replayed dead letter, keeps its own."""
    trace = tracing.current_trace_header()
    if not trace:
        return batch
    header = (tracing.HEADER, trace.encode())
    return [
        (key, value, headers if any(name == tracing.HEADER for name, _ in headers) else [*headers, header])
        for key, value, headers in batch
    ]


def publish(topic: str, events: Iterable[tuple[str, Event]]) -> int:
    """Send (key, event) pairs to ``topic`` and wait until all are acknowledged."""
    return publish_records(topic, [(key.encode(), event.to_json(), _headers(event)) for key, event in events])


def publish_one(topic: str, key: str, event: Event) -> None:
    publish(topic, [(key, event)])


def publish_records(topic: str, records: Iterable[RawRecord]) -> int:
    """Send records as they are (dead letters keep their original bytes) and wait until all are acknowledged.

    Unavailable when the broker does not acknowledge them all within KAFKA_TIMEOUT, or refuses one (too large)."""
    batch = list(records)
    if not batch:
        return 0
    with tracing.subsegment("kafka", topic=topic, records=len(batch)):
        traced = _traced(batch)
        try:
            _send_all(get_producer(), topic, traced)
        except ProducerClosed as closed:
            discard_producer(closed.producer)  # closed under us (only tests do that): a new one sends
            _send_all(get_producer(), topic, traced)
    return len(batch)


class ProducerClosed(Exception):
    def __init__(self, producer: Producer) -> None:
        super().__init__("the producer was closed")
        self.producer = producer


def _send_all(producer: Producer, topic: str, batch: list[RawRecord]) -> None:
    """Queue every record, then wait (``flush``) until each one was acknowledged or failed."""
    from confluent_kafka import KafkaException

    failures: list[Any] = []
    acknowledged = 0

    def delivered(error: Any, _message: Any) -> None:
        nonlocal acknowledged
        if error is None:
            acknowledged += 1
        else:
            failures.append(error)

    try:
        for key, value, headers in batch:
            producer.produce(topic, value=value, key=key, headers=cast("list[Any]", headers), on_delivery=delivered)
        producer.flush(get_settings().kafka_timeout)
    except RuntimeError as exc:  # "Producer has been closed"
        raise ProducerClosed(producer) from exc
    except (KafkaException, BufferError) as exc:  # refused before sending (too large), or the queue is full
        raise Unavailable("the event broker is unavailable, please retry") from exc
    if acknowledged < len(batch):
        cause = KafkaException(failures[0]) if failures else TimeoutError("not acknowledged in time")
        raise Unavailable("the event broker is unavailable, please retry") from cause


def drain(topic: str, group: str, handle: Callable[[list[RawRecord]], None], limit: int, timeout: float = 60) -> int:
    """Read what ``topic`` holds now, from consumer group ``group``'s committed offsets on (earliest without),
    ``limit`` records at most; ``handle`` gets each polled batch, whose offsets are committed once it returned."""
    from confluent_kafka import Consumer, KafkaException, TopicPartition

    deadline = time.monotonic() + timeout
    try:
        consumer = Consumer(
            {
                **client_config(get_settings()),
                "group.id": group,
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
            }
        )
    except KafkaException as exc:
        raise Unavailable("the event broker is unavailable, please retry") from exc
    done = 0
    try:
        try:
            partitions = _partitions_of(consumer, topic, timeout)
            if not partitions:
                return 0
            committed = consumer.committed([TopicPartition(topic, p) for p in partitions], timeout=timeout)
            watermarks = {
                p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout) for p in partitions
            }
        except KafkaException as exc:
            raise Unavailable("the event broker is unavailable, please retry") from exc
        ends = {p: high for p, (_, high) in watermarks.items()}
        positions = {  # the committed offset, or the log's start without one
            entry.partition: entry.offset if entry.offset >= 0 else watermarks[entry.partition][0]
            for entry in committed
        }
        consumer.assign([TopicPartition(topic, p, positions[p]) for p in partitions])
        while done < limit and any(positions[p] < ends[p] for p in partitions):
            if time.monotonic() > deadline:
                raise Unavailable(f"could not read {topic} within {timeout:.0f} s")
            polled = consumer.consume(num_messages=min(limit - done, 500), timeout=1.0)
            failed = next((m.error() for m in polled if m.error() is not None), None)
            if failed is not None:
                raise Unavailable("the event broker is unavailable, please retry") from KafkaException(failed)
            records = [
                (partition, offset, message)
                for message in polled
                if (offset := message.offset() or 0) < ends[partition := message.partition() or 0]
            ]
            if not records:
                continue
            handle([(m.key(), m.value() or b"", header_pairs(m.headers())) for _, _, m in records])
            for partition, offset, _ in records:
                positions[partition] = max(positions[partition], offset + 1)
            moved = {partition for partition, _, _ in records}
            consumer.commit(offsets=[TopicPartition(topic, p, positions[p]) for p in moved], asynchronous=False)
            done += len(records)
    finally:
        consumer.close()
    return done


def header_pairs(headers: Any) -> list[tuple[str, bytes]]:
    """A consumed message's headers (librdkafka gives a list of pairs, a mapping or None) as (name, bytes) pairs."""
    pairs = headers.items() if isinstance(headers, dict) else headers or []
    return [(name, value if isinstance(value, bytes) else str(value or "").encode()) for name, value in pairs]


def _partitions_of(client: Any, topic: str, timeout: float) -> list[int]:
    found = client.list_topics(topic, timeout=timeout).topics.get(topic)
    if found is None or found.error is not None:
        return []
    return sorted(found.partitions)


def admin_client(settings: Settings, timeout_ms: int) -> AdminClient:
    from confluent_kafka.admin import AdminClient

    return AdminClient(
        {**client_config(settings), "socket.timeout.ms": timeout_ms, "socket.connection.setup.timeout.ms": timeout_ms}
    )


def ensure_topics(names: list[str], partitions: int, replication_factor: int, timeout_ms: int = 10_000) -> list[str]:
    """Create the topics in ``names`` that do not exist yet; returns the names created (idempotent).

    RuntimeError when a topic cannot be created or exists with another partition count (e.g. auto-created with
    the broker's default by a client that came first): keys would then map to other partitions than expected.
    """
    from confluent_kafka import KafkaError, KafkaException
    from confluent_kafka.admin import NewTopic

    admin = admin_client(get_settings(), timeout_ms)
    timeout = timeout_ms / 1000
    try:
        existing = set(admin.list_topics(timeout=timeout).topics)
        missing = [name for name in names if name not in existing]
        failed = []
        if missing:
            requests = [NewTopic(name, partitions, replication_factor) for name in missing]
            created = admin.create_topics(requests, operation_timeout=timeout, request_timeout=timeout)
            for name, future in created.items():
                try:
                    future.result(timeout=timeout)
                except KafkaException as exc:
                    error = exc.args[0]
                    if error.code() != KafkaError.TOPIC_ALREADY_EXISTS:
                        failed.append(f"{name} (error {error.code()}: {error.str()})")
        mismatches = partition_mismatches(admin, names, partitions)
    except KafkaException as exc:
        raise Unavailable("the event broker is unavailable, please retry") from exc
    if failed:
        raise RuntimeError("could not create " + ", ".join(failed))
    if mismatches:
        raise RuntimeError(
            "partition counts differ from KAFKA_PARTITIONS (a client created them first?): "
            + "; ".join(mismatches)
            + ". Delete those topics (or `make clean-state`) and run `make up` again."
        )
    return missing


def partition_mismatches(admin: AdminClient, names: list[str], partitions: int, timeout: float = 10) -> list[str]:
    """One line per topic of ``names`` whose partition count is not ``partitions``."""
    topics = admin.list_topics(timeout=timeout).topics
    return [
        f"{name} has {len(topics[name].partitions)} partitions, expected {partitions}"
        for name in names
        if name in topics and len(topics[name].partitions) != partitions
    ]


def broker_answers(timeout_ms: int) -> bool:
    """True when the broker answers a metadata request within ``timeout_ms``."""
    from confluent_kafka import KafkaException

    try:
        admin_client(get_settings(), timeout_ms).list_topics(timeout=timeout_ms / 1000)
    except KafkaException:
        return False
    return True
