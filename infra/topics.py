"""Create every Kafka topic of gophertok.registry.topics() on KAFKA_BOOTSTRAP_SERVERS (idempotent).

The local broker (tansu) keeps topics in memory, so `infra/stack.sh up` runs this on every start. The same
code (gophertok.adapters.kafka.ensure_topics) is the ``kafka_topics`` ops function the deploy workflow invokes
inside the VPC; both honour KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM and KAFKA_SECRET_ID.
It fails when an existing topic has another partition count than configured (e.g. one auto-created with the
broker's default by a client that came before this script).

Usage: python infra/topics.py            create missing topics (KAFKA_PARTITIONS partitions, default 3;
                                         KAFKA_REPLICATION_FACTOR replicas, default 1)
       python infra/topics.py --check    exit 0 when the broker answers a metadata request, 1 otherwise
"""

from __future__ import annotations

import argparse
import logging
import sys

from gophertok import registry
from gophertok.adapters.kafka import broker_answers, ensure_topics
from gophertok.config import get_settings
from gophertok.errors import AppError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the broker answers")
    parser.add_argument("--timeout-ms", type=int, default=5000)
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.CRITICAL)  # kafka-python logs connection retries as errors
    settings = get_settings()
    if args.check:
        return 0 if broker_answers(args.timeout_ms) else 1
    names = registry.topics()
    try:
        created = ensure_topics(
            names, settings.kafka_topic_partitions, settings.kafka_replication_factor, args.timeout_ms
        )
    except (AppError, RuntimeError, OSError) as exc:
        print(f"topics: error: {exc} (broker {settings.kafka_bootstrap_servers})", file=sys.stderr)
        return 1
    detail = f"created {', '.join(created)}" if created else "all existed"
    print(f"kafka topics: {len(names)} ready ({detail})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
