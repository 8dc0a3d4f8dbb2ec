"""How fast favorite_consumer persists a burst of 10,000 like events into MySQL.

Two figures, both against the real local MySQL:
- handler: the Lambda handler invoked in-process with Kafka events of the registry batch size, the
  way the event source mapping delivers them (records spread over 3 partitions, base64 values);
- kafka: the same burst produced to a fresh topic and drained by the local event-source runner
  (poll, invoke, commit), timed from the first record produced to the last row in MySQL.
The rows it writes use video ids of its own and are deleted afterwards. Not part of the test suite.

Run with the stack's environment, e.g.:
    infra/with-env.sh .venv/bin/python bench/favorite_consumer_throughput.py
"""

from __future__ import annotations

import argparse
import random
import time
import uuid

from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from gophertok import registry
from gophertok.adapters.mysql import get_database, placeholders
from gophertok.config import get_settings
from gophertok.events import Event
from gophertok.services.favorites import FAVORITE_CHANGED
from gophertok_local.events import kafka_event, kafka_record
from gophertok_local.functions import invoke, load_handler
from gophertok_local.kafka_runner import ConsumerWorker

PARTITIONS = 3


def burst(count: int, users: int, videos: int, seed: int) -> tuple[list[Event], list[int]]:
    """``count`` likes by distinct (user, video) pairs, with ids no real row uses."""
    chooser = random.Random(seed)
    base = chooser.randrange(10**15, 10**16)
    video_ids = [base + n for n in range(videos)]
    pairs = chooser.sample(range(users * videos), count)
    now_ms = int(time.time() * 1000)
    events = [
        Event(
            FAVORITE_CHANGED,
            {
                "user_id": base + videos + pair // videos,
                "video_id": video_ids[pair % videos],
                "liked": True,
                "at": now_ms,
                "version": now_ms * 1000 + n,
            },
        )
        for n, pair in enumerate(pairs)
    ]
    return events, video_ids


def persisted(video_ids: list[int]) -> int:
    row = get_database().query_one(
        f"SELECT COUNT(*) AS n FROM favorites WHERE video_id IN ({placeholders(len(video_ids))})", video_ids
    )
    return int(row["n"]) if row else 0


def forget(video_ids: list[int]) -> None:
    get_database().execute(f"DELETE FROM favorites WHERE video_id IN ({placeholders(len(video_ids))})", video_ids)


def through_handler(events: list[Event], batch_size: int, topic: str) -> float:
    batches = []
    for start in range(0, len(events), batch_size):
        chunk = events[start : start + batch_size]
        records = [
            kafka_record(topic, n % PARTITIONS, start + n, event.to_json(), str(event.data["user_id"]).encode())
            for n, event in enumerate(chunk)
        ]
        batches.append(kafka_event(records))
    load_handler("favorite_consumer")  # the cold start is not what we measure
    started = time.perf_counter()
    for batch in batches:
        invoke("favorite_consumer", batch)
    return time.perf_counter() - started


def through_kafka(events: list[Event], batch_size: int, video_ids: list[int], timeout: float) -> float:
    servers = get_settings().kafka_servers
    topic = f"bench.favorites.{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=servers)
    admin.create_topics([NewTopic(topic, PARTITIONS, 1), NewTopic(topic + registry.DEAD_LETTER_SUFFIX, 1, 1)])
    worker = ConsumerWorker(
        "favorite_consumer",
        topic,
        load_handler("favorite_consumer"),
        bootstrap_servers=servers,
        batch_size=batch_size,
        group=f"bench-{topic}",
    )
    worker.start()
    worker.ready.wait(30)
    producer = KafkaProducer(bootstrap_servers=servers, acks="all", linger_ms=5, batch_size=256 * 1024)
    try:
        started = time.perf_counter()
        for event in events:
            producer.send(topic, key=str(event.data["user_id"]).encode(), value=event.to_json())
        producer.flush()
        deadline = started + timeout
        while persisted(video_ids) < len(events):
            if time.perf_counter() > deadline:
                raise SystemExit(f"only {persisted(video_ids)} of {len(events)} rows after {timeout:.0f}s")
            time.sleep(0.05)
        return time.perf_counter() - started
    finally:
        producer.close()
        worker.stop()
        worker.join(timeout=10)
        admin.delete_topics([topic, topic + registry.DEAD_LETTER_SUFFIX])
        admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--videos", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=40.0, help="seconds allowed for the Kafka run")
    args = parser.parse_args()
    consumer = next(c for c in registry.CONSUMERS if c.function == "favorite_consumer")
    print(f"burst: {args.events} likes by {args.users} users on {args.videos} videos, batch size {consumer.batch_size}")

    events, video_ids = burst(args.events, args.users, args.videos, seed=1)
    try:
        seconds = through_handler(events, consumer.batch_size, consumer.topic)
        assert persisted(video_ids) == len(events), "the handler lost rows"
        print(f"handler: {len(events)} events in {seconds:.2f}s = {len(events) / seconds:,.0f} events/s into MySQL")
    finally:
        forget(video_ids)

    events, video_ids = burst(args.events, args.users, args.videos, seed=2)
    try:
        seconds = through_kafka(events, consumer.batch_size, video_ids, args.timeout)
        print(
            f"kafka:   {len(events)} events in {seconds:.2f}s = {len(events) / seconds:,.0f} events/s produce -> MySQL"
        )
    finally:
        forget(video_ids)


if __name__ == "__main__":
    main()
