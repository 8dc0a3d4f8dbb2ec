"""How fast favorite_consumer persists a burst of like events into MySQL, beside its floor.

Three figures against the real local MySQL, each as events/s and as a ratio to the floor (same run):
- floor: the same rows written by one raw ``executemany`` of favorite_consumer's upsert, nothing else;
- handler: the Lambda handler invoked in process with Kafka events of the registry batch size, the
  way the event source mapping delivers them (records spread over 3 partitions, base64 values);
- kafka: the burst produced to a fresh topic and drained by the local event-source runner invoking the
  function through the instance pool, as ``make run`` runs it (poll, invoke a warm instance, commit),
  timed from the first record produced to the last row in MySQL. ``--in-process`` adds the same run
  with the handler called in the runner's process (no pool), to tell the pool's share from the runner's.
Every phase writes rows of its own (new video ids), deleted afterwards. Not part of the test suite.

Run with the stack's environment, e.g.:
    infra/with-env.sh .venv/bin/python bench/favorite_consumer_throughput.py
"""

from __future__ import annotations

import argparse
import random
import time
import uuid
from collections.abc import Callable

from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from gophertok import registry
from gophertok.adapters.mysql import get_database, placeholders
from gophertok.config import get_settings
from gophertok.events import Event
from gophertok.services import favorites
from gophertok.services.favorites import FAVORITE_CHANGED
from gophertok_local.events import kafka_event, kafka_record
from gophertok_local.functions import invoke, load_handler
from gophertok_local.kafka_runner import ConsumerWorker, Handler
from gophertok_local.pool import InstancePool

FUNCTION = "favorite_consumer"
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


def floor(events: list[Event]) -> float:
    """One raw executemany of the rows the consumer would write (rows built beforehand, not timed)."""
    rows = [
        (e.data["user_id"], e.data["video_id"], int(e.data["liked"]), e.data["at"], e.data["version"]) for e in events
    ]
    database = get_database()
    database.query_one("SELECT 1")  # connected before the clock starts
    started = time.perf_counter()
    database.execute_many(favorites._UPSERT, rows)
    return time.perf_counter() - started


def through_handler(events: list[Event], batch_size: int, topic: str) -> float:
    batches = []
    for start in range(0, len(events), batch_size):
        chunk = events[start : start + batch_size]
        records = [
            kafka_record(topic, n % PARTITIONS, start + n, event.to_json(), str(event.data["user_id"]).encode())
            for n, event in enumerate(chunk)
        ]
        batches.append(kafka_event(records))
    load_handler(FUNCTION)  # the cold start is not what we measure
    started = time.perf_counter()
    for batch in batches:
        invoke(FUNCTION, batch)
    return time.perf_counter() - started


def through_kafka(
    events: list[Event], batch_size: int, video_ids: list[int], handler: Handler, timeout: float
) -> tuple[float, float, int]:
    """(seconds to the last row, seconds to produce everything, invocations)."""
    servers = get_settings().kafka_servers
    topic = f"bench.favorites.{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=servers)
    admin.create_topics([NewTopic(topic, PARTITIONS, 1), NewTopic(topic + registry.DEAD_LETTER_SUFFIX, 1, 1)])
    invocations = 0

    def counted(event, context):
        nonlocal invocations
        invocations += 1
        return handler(event, context)

    worker = ConsumerWorker(
        FUNCTION, topic, counted, bootstrap_servers=servers, batch_size=batch_size, group=f"bench-{topic}"
    )
    worker.start()
    worker.ready.wait(30)
    producer = KafkaProducer(bootstrap_servers=servers, acks="all", linger_ms=5, batch_size=256 * 1024)
    try:
        started = time.perf_counter()
        for event in events:
            producer.send(topic, key=str(event.data["user_id"]).encode(), value=event.to_json())
        producer.flush()
        produced = time.perf_counter() - started
        deadline = started + timeout
        while persisted(video_ids) < len(events):
            if time.perf_counter() > deadline:
                raise SystemExit(f"only {persisted(video_ids)} of {len(events)} rows after {timeout:.0f}s")
            time.sleep(0.02)
        return time.perf_counter() - started, produced, invocations
    finally:
        producer.close()
        worker.stop()
        worker.join(timeout=10)
        admin.delete_topics([topic, topic + registry.DEAD_LETTER_SUFFIX])
        admin.close()


Run = Callable[[list[Event], list[int]], tuple[float, str]]


def measured(seed: int, args: argparse.Namespace, run: Run) -> tuple[float, str]:
    """``run(events, video_ids)`` on a fresh burst: (seconds, note); checks every row landed."""
    events, video_ids = burst(args.events, args.users, args.videos, seed)
    try:
        seconds, note = run(events, video_ids)
        assert persisted(video_ids) == len(events), "rows were lost"
        return seconds, note
    finally:
        forget(video_ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--videos", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds allowed for each Kafka run")
    parser.add_argument("--in-process", action="store_true", help="also run the runner without the pool")
    args = parser.parse_args()
    consumer = next(c for c in registry.CONSUMERS if c.function == FUNCTION)
    n, batch_size = args.events, consumer.batch_size
    print(f"burst: {n} likes by {args.users} users on {args.videos} videos, batch size {batch_size}")

    def via_kafka(handler: Handler) -> Run:
        def run(events: list[Event], video_ids: list[int]) -> tuple[float, str]:
            seconds, produced, invocations = through_kafka(events, batch_size, video_ids, handler, args.timeout)
            return seconds, f"{invocations} invocations, produced in {produced:.2f}s"

        return run

    results = [
        ("floor: raw executemany", measured(1, args, lambda events, _: (floor(events), "one statement"))),
        (
            "handler in process",
            measured(
                2,
                args,
                lambda events, _: (
                    through_handler(events, batch_size, consumer.topic),
                    f"{-(-n // batch_size)} invocations",
                ),
            ),
        ),
    ]
    pool = InstancePool(log_sink=lambda function, text: None)
    try:
        pooled = pool.handler(FUNCTION)
        pooled(kafka_event([]))  # start the warm instance: the cold start is not what we measure
        results.append(("kafka -> runner -> pool (make run)", measured(3, args, via_kafka(pooled))))
    finally:
        pool.close()
    if args.in_process:
        results.append(("kafka -> runner, handler in process", measured(4, args, via_kafka(load_handler(FUNCTION)))))

    floor_s = results[0][1][0]
    print(f"{'path':<38} {'seconds':>8} {'events/s':>10} {'x floor':>8}  notes")
    for name, (seconds, note) in results:
        print(f"{name:<38} {seconds:>8.3f} {n / seconds:>10,.0f} {floor_s / seconds:>8.2f}  {note}")


if __name__ == "__main__":
    main()
