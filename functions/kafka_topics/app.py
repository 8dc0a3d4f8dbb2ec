"""Ops function: create the registry's topics and their ``.dlq`` (KAFKA_PARTITIONS partitions,
KAFKA_REPLICATION_FACTOR replicas) inside the VPC. The deploy workflow invokes it after every deploy."""

from typing import Any

from gophertok import registry
from gophertok.adapters.kafka import ensure_topics
from gophertok.config import get_settings


def handler(event: dict[str, Any] | None = None, context: object = None) -> dict[str, Any]:
    settings = get_settings()
    created = ensure_topics(registry.topics(), settings.kafka_topic_partitions, settings.kafka_replication_factor)
    return {"created": created, "topics": len(registry.topics())}
