"""Create every Kafka topic of gophertok.registry.topics() on KAFKA_BOOTSTRAP_SERVERS (idempotent).

`infra/stack.sh up` runs this on every start, and it fails when an existing topic has another partition count
than configured (e.g. one auto-created with the broker's default by a client that came before this script).

Usage: python infra/topics.py            create missing topics (KAFKA_PARTITIONS partitions, default 3)
       python infra/topics.py --check    exit 0 when the broker answers a metadata request, 1 otherwise
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from gophertok import registry

TOPIC_ALREADY_EXISTS = 36


def admin_client(bootstrap: str, timeout_ms: int) -> KafkaAdminClient:
    return KafkaAdminClient(
        bootstrap_servers=bootstrap.split(","),
        client_id="gophertok-topics",
        request_timeout_ms=timeout_ms,
        bootstrap_timeout_ms=timeout_ms,
    )


def ensure_topics(admin: KafkaAdminClient, names: list[str], partitions: int) -> list[str]:
    """Create the topics in ``names`` that do not exist yet; return the names created."""
    existing = set(admin.list_topics())
    missing = [name for name in names if name not in existing]
    if not missing:
        return []
    spec = {name: {"num_partitions": partitions, "replication_factor": 1} for name in missing}
    result = admin.create_topics(spec, timeout_ms=10_000, raise_errors=False)
    failed = [
        f"{topic['name']} (error {topic['error_code']}: {topic.get('error_message') or ''})"
        for topic in result["topics"]
        if topic["error_code"] not in (0, TOPIC_ALREADY_EXISTS)
    ]
    if failed:
        raise RuntimeError("could not create " + ", ".join(failed))
    return missing


def partition_mismatches(admin: KafkaAdminClient, names: list[str], partitions: int) -> list[str]:
    """One line per topic of ``names`` whose partition count is not ``partitions``."""
    described = admin.describe_topics(names)
    return [
        f"{topic['name']} has {len(topic['partitions'])} partitions, expected {partitions}"
        for topic in described
        if len(topic["partitions"]) != partitions
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the broker answers")
    parser.add_argument("--timeout-ms", type=int, default=5000)
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.CRITICAL)  # kafka-python logs connection retries as errors
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    partitions = int(os.environ.get("KAFKA_PARTITIONS", "3"))
    try:
        admin = admin_client(bootstrap, args.timeout_ms)
        try:
            if args.check:
                admin.list_topics()
                return 0
            names = registry.topics()
            created = ensure_topics(admin, names, partitions)
            mismatches = partition_mismatches(admin, names, partitions)
        finally:
            admin.close()
    except (KafkaError, RuntimeError, OSError) as exc:
        print(f"topics: error: {exc.__class__.__name__}: {exc} (broker {bootstrap})", file=sys.stderr)
        return 1
    if mismatches:
        print(
            "topics: error: partition counts differ from KAFKA_PARTITIONS (a client created them first?): "
            + "; ".join(mismatches)
            + ". Delete those topics (or `make clean-state`) and run `make up` again.",
            file=sys.stderr,
        )
        return 1
    detail = f"created {', '.join(created)}" if created else "all existed"
    print(f"kafka topics: {len(names)} ready ({detail})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
