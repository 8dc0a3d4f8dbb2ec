"""The local Kafka event-source runner: retries, outages waited out, dead-lettering, commits only after success."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

from gophertok.consumer import kafka_records
from gophertok.errors import Unavailable
from gophertok_local.kafka_runner import ConsumerWorker, RetryPolicy, is_outage
from gophertok_local.pool import FunctionError
from support.kafka_topics import create_test_topic, produce, run_until
from support.kafka_topics import servers as kafka_servers
from support.polling import wait_for


@pytest.fixture
def servers(stack_env) -> list[str]:
    return kafka_servers()


@pytest.fixture
def topic(servers) -> str:
    return create_test_topic("runner")


def _committed(servers, group, topic) -> int | None:
    consumer = KafkaConsumer(bootstrap_servers=servers, group_id=group, enable_auto_commit=False)
    try:
        return consumer.committed(TopicPartition(topic, 0))
    finally:
        consumer.close()


def _dead_letters(servers, topic) -> list:
    consumer = KafkaConsumer(bootstrap_servers=servers, auto_offset_reset="earliest", consumer_timeout_ms=3000)
    consumer.assign([TopicPartition(topic + ".dlq", 0)])
    try:
        return list(consumer)
    finally:
        consumer.close()


class Recorder:
    """A handler that fails on chosen values a given number of times and records what it saw."""

    def __init__(self, poison: set[bytes], failures_per_value: int) -> None:
        self.poison = poison
        self.failures = {value: failures_per_value for value in poison}
        self.invocations: list[list[bytes]] = []
        self.succeeded: list[bytes] = []

    def __call__(self, event, context):
        values = [record.value for record in kafka_records(event)]
        self.invocations.append(values)
        for value in values:
            if self.failures.get(value, 0) > 0:
                self.failures[value] -= 1
                raise RuntimeError(f"cannot handle {value!r}")
        self.succeeded.extend(values)
        return {"processed": len(values)}


def test_handler_receives_the_lambda_kafka_event_shape(servers, topic):
    seen = []

    def handler(event, context):
        seen.append(event)

    produce(topic, [b"one"])
    worker = ConsumerWorker("shape", topic, handler, bootstrap_servers=servers, group=f"g-{topic}")
    run_until(worker, lambda: seen)
    event = seen[0]
    assert event["eventSource"] == "SelfManagedKafka"
    [(group_key, records)] = event["records"].items()
    assert group_key == f"{topic}-0"
    assert set(records[0]) >= {"topic", "partition", "offset", "timestamp", "timestampType", "key", "value", "headers"}
    assert kafka_records(event)[0].value == b"one"


def test_transient_failure_is_retried_and_then_committed(servers, topic):
    handler = Recorder({b"flaky"}, failures_per_value=2)
    produce(topic, [b"ok-1", b"flaky", b"ok-2"])
    group = f"g-{topic}"
    worker = ConsumerWorker("flaky", topic, handler, bootstrap_servers=servers, group=group, retry=RetryPolicy(3, 0.01))
    run_until(worker, lambda: worker.delivered >= 3)
    assert b"flaky" in handler.succeeded
    assert worker.dead_lettered == 0
    assert _committed(servers, group, topic) == 3


def test_poison_record_is_dead_lettered_and_the_rest_delivered(servers, topic):
    handler = Recorder({b"poison"}, failures_per_value=10**6)
    produce(topic, [b"good-1", b"poison", b"good-2"])
    group = f"g-{topic}"
    worker = ConsumerWorker(
        "poisoned", topic, handler, bootstrap_servers=servers, group=group, retry=RetryPolicy(3, 0.01)
    )
    run_until(worker, lambda: worker.delivered >= 3)
    assert worker.dead_lettered == 1
    assert set(handler.succeeded) >= {b"good-1", b"good-2"}
    # 3 batch attempts, then each record alone: the poison one 3 more times
    assert sum(values == [b"poison"] for values in handler.invocations) == 3
    [dead] = _dead_letters(servers, topic)
    assert dead.value == b"poison"
    headers = dict(dead.headers)
    assert headers["dlq_source"] == f"{topic}-0@1".encode() and b"cannot handle" in headers["dlq_error"]
    assert _committed(servers, group, topic) == 3


def test_offsets_are_not_committed_while_a_batch_keeps_failing(servers, topic):
    blocked = Recorder({b"stuck"}, failures_per_value=10**6)
    produce(topic, [b"stuck"])
    group = f"g-{topic}"
    worker = ConsumerWorker(
        "stuck", topic, blocked, bootstrap_servers=servers, group=group, retry=RetryPolicy(10**6, 0.01)
    )
    run_until(worker, lambda: len(blocked.invocations) >= 5)
    assert _committed(servers, group, topic) in (None, 0)

    # A new runner in the same group starts from the uncommitted record and, now healthy, delivers it.
    healthy = Recorder(set(), 0)
    second = ConsumerWorker("stuck", topic, healthy, bootstrap_servers=servers, group=group)
    run_until(second, lambda: healthy.succeeded)
    assert healthy.succeeded == [b"stuck"]
    wait_for(lambda: _committed(servers, group, topic) == 1, timeout=10, what="the commit")


class Gate:
    """A handler whose first invocation waits until the test opens the gate; records what it saw."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.invocations: list[list[bytes]] = []

    def __call__(self, event, context):
        self.invocations.append([record.value for record in kafka_records(event)])
        if len(self.invocations) == 1:
            assert self.open.wait(20), "the test never opened the gate"
        return {"processed": len(self.invocations[-1])}


def test_records_arriving_during_an_invocation_gather_into_the_next_batch(servers, topic):
    handler = Gate()
    produce(topic, [b"first"])
    group = f"g-{topic}"
    worker = ConsumerWorker("gather", topic, handler, bootstrap_servers=servers, group=group, batch_size=10)
    worker.start()
    try:
        wait_for(lambda: handler.invocations, timeout=20, what="the first invocation")
        produce(topic, [f"later-{n}".encode() for n in range(5)])
        wait_for(lambda: worker.gathered == 5, timeout=20, what="the runner to fetch while the function works")
        assert _committed(servers, group, topic) in (None, 0)  # nothing moves before the handler returns
        handler.open.set()
        wait_for(lambda: worker.delivered >= 6, timeout=20, what="both batches")
    finally:
        handler.open.set()
        worker.stop()
        worker.join(timeout=10)
    assert handler.invocations == [[b"first"], [f"later-{n}".encode() for n in range(5)]]
    assert _committed(servers, group, topic) == 6


def test_partitions_run_side_by_side_and_each_in_order(servers):
    topic = create_test_topic("lanes", partitions=2)
    both_running = threading.Barrier(2, timeout=20)
    seen: dict[int, list[int]] = {0: [], 1: []}

    def handler(event, context):
        records = kafka_records(event)
        [partition] = {record.partition for record in records}  # one partition per invocation here
        if not seen[partition]:
            both_running.wait()  # raises BrokenBarrierError unless the other partition's batch runs too
        seen[partition].extend(int(record.value) for record in records)

    producer = KafkaProducer(bootstrap_servers=servers, acks="all")
    for n in range(20):
        producer.send(topic, value=str(n).encode(), partition=n % 2)
    producer.flush()
    producer.close()
    worker = ConsumerWorker("lanes", topic, handler, bootstrap_servers=servers, group=f"g-{topic}", batch_size=4)
    run_until(worker, lambda: worker.delivered >= 20)
    assert worker.dead_lettered == 0
    assert seen == {0: list(range(0, 20, 2)), 1: list(range(1, 20, 2))}


def test_stopping_while_isolating_a_failing_batch_dead_letters_nothing(servers, topic):
    produce(topic, [b"bad-1", b"bad-2"])
    group = f"g-{topic}"
    worker: ConsumerWorker

    def handler(event, context):
        if len(kafka_records(event)) == 1:  # isolation started: stop the runner mid-way
            worker.stop()
        raise RuntimeError("always fails")

    worker = ConsumerWorker(
        "stopping", topic, handler, bootstrap_servers=servers, group=group, retry=RetryPolicy(2, 0.01)
    )
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert worker.dead_lettered == 0 and worker.delivered == 0
    assert _committed(servers, group, topic) in (None, 0)


class Outage:
    """A handler whose backing service is down for its first ``failures`` invocations."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.invocations = 0
        self.succeeded: list[bytes] = []

    def __call__(self, event, context):
        self.invocations += 1
        if self.invocations <= self.failures:
            raise Unavailable("MySQL is down")
        self.succeeded.extend(record.value for record in kafka_records(event))


def test_an_outage_longer_than_the_retries_is_waited_out_not_dead_lettered(servers, topic):
    handler = Outage(failures=8)  # more than attempts, and than attempts per isolated record
    produce(topic, [b"one", b"two"])
    group = f"g-{topic}"
    worker = ConsumerWorker(
        "outage", topic, handler, bootstrap_servers=servers, group=group, retry=RetryPolicy(3, 0.01, 0.05)
    )
    run_until(worker, lambda: worker.delivered >= 2)
    assert worker.dead_lettered == 0
    assert handler.succeeded == [b"one", b"two"]
    assert _committed(servers, group, topic) == 2


def test_an_outage_reported_by_a_function_instance_is_recognised():
    assert is_outage(FunctionError("f", {"errorType": "Unavailable", "errorMessage": "MySQL is down"}))
    assert is_outage(FunctionError("f", {"errorType": "ConnectionError", "errorMessage": "redis"}))
    assert not is_outage(FunctionError("f", {"errorType": "KeyError", "errorMessage": "'video_id'"}))
    assert is_outage(Unavailable("down")) and not is_outage(ValueError("bad"))


def test_the_retry_backoff_grows_to_its_cap():
    policy = RetryPolicy(3, 0.2, 5.0)
    assert [policy.delay(n) for n in (1, 2, 3, 6, 20)] == [0.2, 0.4, 0.8, 5.0, 5.0]


def test_the_event_carries_each_records_key_headers_and_timestamp(servers, topic):
    """librdkafka hands headers as a list or None and the timestamp as (type, ms): the event keeps Lambda's shape."""
    seen = []
    producer = KafkaProducer(bootstrap_servers=servers, acks="all")
    producer.send(topic, value=b"with", key=b"k1", headers=[("trace", b"\x00\xff"), ("empty", b"")], timestamp_ms=1234)
    producer.send(topic, value=b"without", timestamp_ms=5678)  # no key, no headers
    producer.flush()
    producer.close()
    worker = ConsumerWorker("shape", topic, lambda event, context: seen.append(event), bootstrap_servers=servers)
    run_until(worker, lambda: sum(len(records) for e in seen for records in e["records"].values()) >= 2)
    records = [record for event in seen for records in event["records"].values() for record in records]
    with_all, bare = records
    assert with_all["key"] == "azE=" and with_all["value"] == "d2l0aA=="
    assert with_all["headers"] == [{"trace": [0, 255]}, {"empty": []}]
    assert (with_all["timestamp"], with_all["timestampType"], with_all["offset"]) == (1234, "CREATE_TIME", 0)
    assert "key" not in bare and bare["headers"] == [] and bare["timestamp"] == 5678 and bare["offset"] == 1


def test_a_record_is_handed_on_without_waiting_for_a_full_batch(servers, topic):
    """librdkafka's consume(n, timeout) waits for n records or the timeout: the runner must not wait for a batch."""
    seen = threading.Event()
    worker = ConsumerWorker(
        "trickle",
        topic,
        lambda event, context: seen.set(),
        bootstrap_servers=servers,
        batch_size=500,
        poll_timeout_ms=8000,
    )
    worker.start()
    try:
        assert worker.ready.wait(20)
        produce(topic, [b"alone"])
        started = time.monotonic()
        assert seen.wait(20)
        assert time.monotonic() - started < 4, "the runner waited for a full batch"
    finally:
        worker.stop()
        worker.join(timeout=20)


RUNNER = """
import sys
from gophertok.consumer import kafka_records
from gophertok_local.kafka_runner import ConsumerWorker

topic, group, servers, wanted = sys.argv[1], sys.argv[2], sys.argv[3].split(","), set(sys.argv[4:])
seen = set()
def handler(event, context):
    seen.update(record.value.decode() for record in kafka_records(event))
worker = ConsumerWorker("recreated", topic, handler, bootstrap_servers=servers, group=group)
worker.start()
worker.ready.wait(20)
print("ready", flush=True)
while not wanted <= seen:
    worker.join(0.1)
worker.stop()
worker.join(30)
print("all", flush=True)
"""


@pytest.mark.xfail(
    strict=True,
    reason="librdkafka 2.16 segfaults when tansu answers a fetch for a deleted topic (a leader hint under a zero "
    "topic id, looked up by a NULL name in its metadata cache): deleting a topic under a running runner kills its "
    "process (make run's supervisor starts it again). Remove this mark, and the caveat in the runner's docstring, "
    "once it passes.",
)
def test_a_topic_deleted_and_created_again_under_a_running_runner_is_read_from_its_start(servers, topic):
    """The topic's id comes from DescribeTopics (librdkafka's metadata does not show it): a topic deleted and
    created again, here with another partition count, is a new log even though the group's offsets outlive it.
    The runner runs in a process of its own: librdkafka crashes it."""
    group = f"g-{topic}"
    new = [f"new {n}" for n in range(4)]
    runner = subprocess.Popen(
        [sys.executable, "-c", RUNNER, topic, group, ",".join(servers), *new], stdout=subprocess.PIPE, text=True
    )
    assert runner.stdout is not None
    try:
        assert runner.stdout.readline().strip() == "ready"
        produce(topic, [f"old {n}".encode() for n in range(8)])
        wait_for(lambda: _committed(servers, group, topic) == 8, timeout=20, what="the old log's commits")
        admin = KafkaAdminClient(bootstrap_servers=servers)
        try:
            admin.delete_topics([topic])
            wait_for(lambda: topic not in admin.list_topics(), timeout=10, what="the topic to go")
            admin.create_topics([NewTopic(topic, 2, 1)])
        finally:
            admin.close()
        producer = KafkaProducer(bootstrap_servers=servers, acks="all")
        for n, value in enumerate(new):
            producer.send(topic, value=value.encode(), partition=n % 2)
        producer.flush()
        producer.close()
        assert runner.wait(timeout=60) == 0, f"the runner's process ended with {runner.returncode}"
        assert runner.stdout.read().strip() == "all"
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()
