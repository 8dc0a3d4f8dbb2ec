"""kill -9 of the local broker: the durable one keeps every acknowledged record and committed offset; a runner outlives
either kind and reads what the restarted broker holds."""

from __future__ import annotations

import contextlib
import threading
import time

import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError
from kafka.structs import OffsetAndMetadata

from gophertok.consumer import kafka_records
from gophertok_local.kafka_runner import COMMIT_TIMEOUT_MS, ConsumerWorker
from support.broker import DURABLE, durable_broker, kill_broker, restart_broker, start_broker
from support.kafka_topics import create_test_topic, end_offsets, produce, servers
from support.polling import wait_for

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


class Recorder:
    """Records what it is handed; ``hold`` keeps the invocation that holds that value running until ``release``."""

    def __init__(self, hold: bytes | None = None) -> None:
        self.values: list[bytes] = []
        self.hold = hold
        self.release = threading.Event()

    def __call__(self, event, context):
        values = [record.value for record in kafka_records(event)]
        self.values.extend(values)
        if self.hold in values:
            self.release.wait(timeout=60)


def _recreate(topic: str) -> None:
    """As `make up` does for the registry's topics (the runner's metadata requests may have created it first)."""
    admin = KafkaAdminClient(bootstrap_servers=servers())
    try:
        for name in (topic, topic + ".dlq"):
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics([NewTopic(name, 1, 1)])
    finally:
        admin.close()


@pytest.mark.parametrize("commit_lands_late", [False, True], ids=["idle", "batch-in-flight"])
def test_a_runner_outlives_a_broker_that_restarts_without_its_log(stack_env, commit_lands_late):
    """The in-memory broker forgets topics, records and offsets: the runner must reconnect and read the new log
    from its start, not wait at its old position past the new log's end (skipping what is written below it).

    ``commit_lands_late``: the last batch before the restart is still running, so its commit reaches the new
    broker, which then holds a committed offset from the old log, past its own end."""
    topic = create_test_topic("outlive", partitions=1)
    before = [f"before {i}".encode() for i in range(8)]
    handler = Recorder(hold=before[-1] if commit_lands_late else None)
    worker = ConsumerWorker("outlive", topic, handler, bootstrap_servers=servers(), group=f"g-{topic}")
    worker.start()
    try:
        produce(topic, before)
        wait_for(lambda: len(handler.values) >= 8, timeout=30, what="the records before the restart")
        restart_broker("memory://tansu/")
        _recreate(topic)
        handler.release.set()
        after = [f"after {i}".encode() for i in range(3)]  # fewer than the old position: all below it
        produce(topic, after)
        wait_for(
            lambda: all(value in handler.values for value in after), timeout=60, what="the records after the restart"
        )
        assert worker.is_alive()
    finally:
        handler.release.set()
        worker.stop()
        worker.join(timeout=30)


def test_a_runner_whose_broker_is_gone_stops_within_the_commit_timeout(stack_env):
    """A commit that cannot reach the broker gives up after COMMIT_TIMEOUT_MS, and so does stopping: librdkafka
    keeps a commit waiting for the group's coordinator, and close() waits for it, for the session timeout
    (45 s by default), which the runner sets to COMMIT_TIMEOUT_MS."""
    topic = create_test_topic("gone", partitions=1)
    handler = Recorder(hold=b"held")
    worker = ConsumerWorker("gone", topic, handler, bootstrap_servers=servers(), group=f"g-{topic}")
    worker.start()
    try:
        produce(topic, [b"held"])
        wait_for(lambda: handler.values, timeout=30, what="the invocation")
        kill_broker()
        handler.release.set()  # its commit now waits for a broker that is not there
        worker.stop()
        stopping = time.monotonic()
        worker.join(timeout=60)
        assert not worker.is_alive()
        assert time.monotonic() - stopping < COMMIT_TIMEOUT_MS / 1000 + 8
        assert worker.delivered == 0  # never confirmed: the record comes again
    finally:
        handler.release.set()
        worker.stop()
        start_broker()
