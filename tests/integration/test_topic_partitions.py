"""`make up` (infra/topics.py) fails loudly when a registry topic exists with another partition count."""

from __future__ import annotations

import topics

from gophertok.adapters import kafka
from gophertok.config import get_settings
from support.kafka_topics import create_test_topic


def test_a_topic_with_the_wrong_partition_count_is_reported(stack_env):
    auto_created = create_test_topic("partitions", partitions=4)  # what an early client leaves behind
    right = create_test_topic("partitions", partitions=3)
    admin = kafka.admin_client(get_settings(), timeout_ms=10_000)
    mismatches = kafka.partition_mismatches(admin, [auto_created, right], 3)
    assert mismatches == [f"{auto_created} has 4 partitions, expected 3"]


def test_topics_script_exits_non_zero_on_a_mismatch(stack_env, monkeypatch, capsys):
    auto_created = create_test_topic("partitions", partitions=4)
    monkeypatch.setattr(topics.registry, "topics", lambda: [auto_created])
    monkeypatch.setenv("KAFKA_PARTITIONS", "3")
    assert topics.main([]) == 1
    assert f"{auto_created} has 4 partitions, expected 3" in capsys.readouterr().err


def test_topics_script_passes_when_counts_match(stack_env, monkeypatch):
    right = create_test_topic("partitions", partitions=3)
    monkeypatch.setattr(topics.registry, "topics", lambda: [right])
    monkeypatch.setenv("KAFKA_PARTITIONS", "3")
    assert topics.main([]) == 0
