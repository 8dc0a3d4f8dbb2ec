"""Read back what a Kafka topic holds (to replay events into a consumer function)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from kafka import KafkaConsumer, TopicPartition

from gophertok.events import Event
from gophertok_local.events import kafka_record


def topic_records(topic: str, keep: Callable[[Event], bool], timeout: float = 20.0) -> list[dict]:
    """Every record of ``topic`` whose event passes ``keep``, in the Lambda Kafka record shape."""
    servers = os.environ["KAFKA_BOOTSTRAP_SERVERS"].split(",")
    consumer = KafkaConsumer(bootstrap_servers=servers, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        records = []
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out reading {topic}")
            for batch in consumer.poll(timeout_ms=500).values():
                for record in batch:
                    if keep(Event.from_json(record.value)):
                        records.append(kafka_record(topic, record.partition, record.offset, record.value, record.key))
        return records
    finally:
        consumer.close()
