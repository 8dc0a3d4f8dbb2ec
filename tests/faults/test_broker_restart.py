"""kill -9 of the durable local broker: every acknowledged record and every committed offset survives the restart."""

from __future__ import annotations

import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

from support.broker import DURABLE, durable_broker, restart_broker
from support.kafka_topics import create_test_topic, end_offsets, produce, servers

pytestmark = pytest.mark.integration


def _consumer(group: str) -> KafkaConsumer:
    return KafkaConsumer(bootstrap_servers=servers(), group_id=group, enable_auto_commit=False)


@pytest.fixture
def durable(stack_env):
    with durable_broker():
        yield


def test_acknowledged_records_and_committed_offsets_survive_a_broker_kill(durable):
    topic = create_test_topic("restart", partitions=1)
    partition = TopicPartition(topic, 0)
    produce(topic, [f"record {i}".encode() for i in range(20)])  # each one acknowledged (acks=all)
    group = f"group.{topic}"
    consumer = _consumer(group)
    try:
        consumer.commit({partition: OffsetAndMetadata(12, "", -1)})
    finally:
        consumer.close()

    restart_broker(DURABLE)

    consumer = _consumer(group)
    try:
        consumer.assign([partition])
        assert end_offsets([partition])[partition] == 20
        assert consumer.committed(partition) == 12
        consumer.seek(partition, 0)
        values = []
        while len(values) < 20:
            batch = consumer.poll(timeout_ms=2000).get(partition, [])
            assert batch, f"only {len(values)} of 20 records came back after the restart"
            values += [r.value for r in batch]
    finally:
        consumer.close()
    assert values == [f"record {i}".encode() for i in range(20)]
