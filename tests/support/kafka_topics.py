"""Kafka helpers for tests: throwaway topics, raw producing, reading records back in the Lambda shape,
and driving a local event-source worker until a condition holds."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterable

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

from gophertok.consumer import kafka_records
from gophertok.events import Event
from gophertok_local.events import kafka_record
from gophertok_local.kafka_runner import ConsumerWorker
from support.polling import wait_for


def servers() -> list[str]:
    return os.environ["KAFKA_BOOTSTRAP_SERVERS"].split(",")


def create_test_topic(prefix: str, partitions: int = 1) -> str:
    """A new uniquely named topic (and its ``.dlq``) for one test."""
    name = f"test.{prefix}.{uuid.uuid4().hex[:10]}"
    admin = KafkaAdminClient(bootstrap_servers=servers())
    try:
        admin.create_topics([NewTopic(name, partitions, 1), NewTopic(name + ".dlq", partitions, 1)])
    finally:
        admin.close()
    return name


def produce(topic: str, values: Iterable[bytes], key: bytes = b"k") -> None:
    producer = KafkaProducer(bootstrap_servers=servers(), acks="all")
    try:
        for value in values:
            producer.send(topic, key=key, value=value).get(timeout=10)
    finally:
        producer.close()


def end_offsets(partitions: list[TopicPartition], timeout: float = 10.0) -> dict[TopicPartition, int]:
    """The end (high watermark) of each partition, as the broker's fetch responses report it.

    Not ``KafkaConsumer.end_offsets``: tansu on S3 storage answers ListOffsets(latest) from the batch objects'
    LastModified times, which have one-second resolution, so it names an older batch when several were written
    in the same second. Fetch responses carry the right high watermark.
    """
    if not partitions:
        return {}
    consumer = KafkaConsumer(bootstrap_servers=servers(), enable_auto_commit=False, max_partition_fetch_bytes=1)
    try:
        consumer.assign(partitions)
        for partition, offset in consumer.beginning_offsets(partitions).items():
            consumer.seek(partition, offset)
        deadline = time.monotonic() + timeout
        while any(consumer.highwater(p) is None for p in partitions):
            assert time.monotonic() < deadline, f"no high watermark for {partitions} within {timeout:.0f}s"
            consumer.poll(timeout_ms=200, max_records=1)
        return {p: consumer.highwater(p) for p in partitions}
    finally:
        consumer.close()


class TopicTail:
    """Reads back a topic's records from its current end (or its beginning) onwards."""

    def __init__(self, topic: str, from_beginning: bool = False) -> None:
        self.topic = topic
        consumer = KafkaConsumer(bootstrap_servers=servers(), enable_auto_commit=False)
        try:
            self.partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
            assert self.partitions, f"topic {topic} does not exist"
            self.start = consumer.beginning_offsets(self.partitions) if from_beginning else end_offsets(self.partitions)
        finally:
            consumer.close()

    def records(self, keep: Callable[[Event], bool], timeout: float = 20.0) -> list[dict]:
        """Records since the start point whose event passes ``keep``, in the Lambda Kafka record shape."""
        consumer = KafkaConsumer(bootstrap_servers=servers(), enable_auto_commit=False)
        try:
            consumer.assign(self.partitions)
            for partition in self.partitions:
                consumer.seek(partition, self.start[partition])
            ends = end_offsets(self.partitions)
            found = []
            deadline = time.monotonic() + timeout
            while any(consumer.position(p) < ends[p] for p in self.partitions):
                assert time.monotonic() < deadline, f"timed out reading {self.topic}"
                for batch in consumer.poll(timeout_ms=500).values():
                    for r in batch:
                        if r.offset >= ends[TopicPartition(r.topic, r.partition)] or not keep(Event.from_json(r.value)):
                            continue
                        headers = r.headers or ()
                        found.append(kafka_record(r.topic, r.partition, r.offset, r.value, r.key, headers, r.timestamp))
            return found
        finally:
            consumer.close()


def topic_records(topic: str, keep: Callable[[Event], bool], timeout: float = 20.0) -> list[dict]:
    """Every record of ``topic`` whose event passes ``keep``, in the Lambda Kafka record shape."""
    return TopicTail(topic, from_beginning=True).records(keep, timeout)


def run_until(worker: ConsumerWorker, until: Callable[[], object], timeout: float = 30) -> None:
    """Start ``worker``, wait for ``until()``, then stop it."""
    worker.start()
    try:
        wait_for(until, timeout=timeout, what="the runner to deliver")
    finally:
        worker.stop()
        worker.join(timeout=10)


def crashes_once_after_half(real: Callable, persist: Callable[[list[Event]], object]):
    """A handler that, on its first invocation, persists half the batch with ``persist`` and then dies
    (a container killed mid-batch); later invocations go to ``real``. Returns (handler, batch sizes seen)."""
    invocations: list[int] = []

    def handler(event, context):
        records = kafka_records(event)
        invocations.append(len(records))
        if len(invocations) == 1:
            persist([r.event() for r in records[: len(records) // 2]])
            raise RuntimeError("container killed mid-batch")
        return real(event, context)

    return handler, invocations
