"""The API's shared Kafka producer heals: after a broker restart (even one that lost its log and every producer id) or a
closed producer, publishes answer success again as soon as the broker is back, in the same process."""

from __future__ import annotations

import base64
import time

import pytest
from kafka.admin import KafkaAdminClient, NewTopic

from gophertok.adapters import kafka
from gophertok.errors import Unavailable
from gophertok.events import Event
from support.broker import DURABLE, durable_broker, kill_broker, restart_broker, start_broker
from support.kafka_topics import create_test_topic, servers, topic_records

pytestmark = pytest.mark.integration


def _publish(topic: str, marker: str) -> None:
    kafka.publish_one(topic, marker, Event("test.heal", {"marker": marker}))


def _recovery_seconds(topic: str, marker: str, limit: float = 30.0) -> float:
    """Seconds until a publish succeeds again (fails the test after ``limit``)."""
    started = time.monotonic()
    while True:
        try:
            _publish(topic, marker)
            return time.monotonic() - started
        except Unavailable:
            assert time.monotonic() - started < limit, f"publishes still fail {limit:.0f}s after the broker is back"
            time.sleep(0.2)


def _markers(topic: str) -> set[str]:
    records = topic_records(topic, lambda e: e.type == "test.heal")
    return {Event.from_json(base64.b64decode(r["value"])).data["marker"] for r in records}


def test_a_closed_producer_is_replaced(stack_env):
    topic = create_test_topic("heal")
    kafka.get_producer().close()
    _publish(topic, "after-close")
    assert "after-close" in _markers(topic)


def test_publishes_recover_after_a_broker_kill(stack_env):
    with durable_broker():
        topic = create_test_topic("heal")
        _recovery_seconds(topic, "before")  # the producer may first have to get over the switch of brokers
        restart_broker(DURABLE)
        seconds = _recovery_seconds(topic, "after")
        print(f"publishes recovered {seconds:.2f}s after the broker was back")
        assert _markers(topic) >= {"before", "after"}


def test_publishes_recover_when_the_broker_forgot_the_producer_id(stack_env):
    topic = create_test_topic("heal")
    _recovery_seconds(topic, "before")  # the shared producer now holds a producer id (after any earlier restart)
    restart_broker(storage="memory://tansu/")
    try:
        admin = KafkaAdminClient(bootstrap_servers=servers())
        try:
            admin.create_topics([NewTopic(topic, 1, 1)], raise_errors=False)  # or auto-created by a client
        finally:
            admin.close()
        seconds = _recovery_seconds(topic, "after")
        print(f"publishes recovered {seconds:.2f}s after a broker that forgot the producer id")
        assert "after" in _markers(topic)
    finally:
        kill_broker()
        start_broker()
