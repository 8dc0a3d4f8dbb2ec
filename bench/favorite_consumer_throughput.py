"""How fast favorite_consumer persists a burst of like events into MySQL, beside its floor.

Figures against the real local MySQL, each as events/s and as a ratio to the floor (same run):
- floor: the same rows written by one raw pymysql ``executemany`` of favorite_consumer's upsert, nothing else;
  beside it the same statements rendered beforehand and sent alone (MySQL's share, a bound no path reaches);
- handler: the Lambda handler invoked in process with Kafka events of the registry batch size, the
  way the event source mapping delivers them (records spread over 3 partitions, base64 values);
- kafka: the burst produced by the API's own producer (adapters/kafka.py, standing in for many API instances)
  to a fresh topic and drained by the local event-source runner invoking the function through the
  instance pool, as ``make run`` runs it (poll, invoke a warm instance, commit),
  timed from the first record produced to the last row in MySQL (end to end); ``[backlog]``: the
  same with every record produced beforehand, timed from the runner's start (the consumer side alone).
  The runner is a process of its own, as under ``make run``. ``--in-process`` adds the same runs with the
  handler called in the runner's process (no pool), to tell the pool's share from the runner's.
Rounds interleave the paths and medians are reported: the machine is shared and noisy. The default burst,
50,000 likes, measures throughput: an idle runner's first fetch waits up to ``fetch.wait.max.ms`` (100 ms)
for records (the local broker answers an empty fetch only then), a fixed latency that a 10,000-like burst of
~0.2 s would count as a third of its time (``--events 10000`` shows it).
Every phase writes rows of its own (new video ids), deleted afterwards. Not part of the test suite.

Run with the stack's environment, e.g.:
    infra/with-env.sh .venv/bin/python bench/favorite_consumer_throughput.py
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from kafka.admin import KafkaAdminClient, NewTopic

from gophertok import registry
from gophertok.adapters import kafka
from gophertok.adapters.integer_rows import integer_insert_statements
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


def all_persisted(events: list[Event]) -> bool:
    pairs = [value for event in events for value in (event.data["user_id"], event.data["video_id"])]
    clause = ", ".join(["(%s, %s)"] * len(events))
    row = get_database().query_one(
        f"SELECT COUNT(*) AS n FROM favorites WHERE (user_id, video_id) IN ({clause})", pairs
    )
    return row is not None and int(row["n"]) == len(events)


def forget(video_ids: list[int]) -> None:
    get_database().execute(f"DELETE FROM favorites WHERE video_id IN ({placeholders(len(video_ids))})", video_ids)


def floor(events: list[Event]) -> float:
    """The issue's floor: one raw pymysql ``executemany`` of the rows the consumer would write (rows built
    beforehand, not timed)."""
    rows = favorites._latest_changes(events)  # the rows the consumer writes
    database = get_database()
    database.query_one("SELECT 1")  # connected before the clock starts
    with database.connection().cursor() as cursor:
        started = time.perf_counter()
        cursor.executemany(favorites._UPSERT, rows)
        return time.perf_counter() - started


def statements_only(events: list[Event]) -> float:
    """A lower bound: the same upsert's statements, rendered beforehand, sent on a bare cursor (MySQL's own
    work and the round trips, no Python per row)."""
    statements = integer_insert_statements(favorites._UPSERT, favorites._latest_changes(events), 1_024_000) or []
    database = get_database()
    database.query_one("SELECT 1")
    with database.connection().cursor() as cursor:
        started = time.perf_counter()
        for statement in statements:
            cursor.execute(statement)
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


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _children_cpu_seconds() -> float:
    """CPU time of this process's live children (the pool's instances), from /proc (Linux)."""
    ticks = 0
    for children in Path("/proc/self/task").glob("*/children"):
        for pid in children.read_text().split():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def warm_up(handler: Handler, concurrency: int) -> None:
    """Bring ``concurrency`` instances to the state a busy consumer's are in (imported, connected to
    MySQL) with one like each, on video ids of their own, removed afterwards."""
    events, video_ids = burst(concurrency, concurrency, concurrency, seed=-1)
    batches = [kafka_event([kafka_record(registry.Topics.FAVORITE_EVENTS, 0, 0, event.to_json())]) for event in events]
    try:
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(lambda batch: handler(batch, None), batches))
    finally:
        forget(video_ids)


def serve_runner(topic: str, batch_size: int, through_pool: bool) -> None:
    """The runner side of a Kafka run, in its own process as under ``make run``: prints ``ready`` once
    consuming (with warm instances), runs until its stdin closes, then prints how many invocations it made."""
    replies, sys.stdout = sys.stdout, sys.stderr  # the function's logs must not mix with the replies
    invocations = 0
    pool = InstancePool(log_sink=lambda function, text: None) if through_pool else None
    handler = pool.handler(FUNCTION) if pool is not None else load_handler(FUNCTION)
    warm_up(handler, concurrency=PARTITIONS)

    def counted(event, context):
        nonlocal invocations
        invocations += 1
        return handler(event, context)

    servers = get_settings().kafka_servers
    worker = ConsumerWorker(
        FUNCTION, topic, counted, bootstrap_servers=servers, batch_size=batch_size, group=f"bench-{topic}"
    )
    worker.start()
    worker.ready.wait(30)
    cpu_before, children_before = _cpu_seconds(), _children_cpu_seconds()
    print("ready" if worker.ready.is_set() else "not ready", file=replies, flush=True)
    sys.stdin.read()
    worker.stop()
    worker.join(timeout=10)
    runner_cpu, instances_cpu = _cpu_seconds() - cpu_before, _children_cpu_seconds() - children_before
    if pool is not None:
        pool.close()
    instances = f", instances {instances_cpu:.2f}" if pool is not None else ""
    print(f"{invocations} invocations; CPU s: runner {runner_cpu:.2f}{instances}", file=replies, flush=True)


def through_kafka(
    events: list[Event],
    batch_size: int,
    video_ids: list[int],
    *,
    through_pool: bool,
    backlog: bool,
    timeout: float,
) -> tuple[float, str]:
    """Seconds to the last row in MySQL, and a note: from the first record produced, or with ``backlog``
    from the runner's start with every record already in the topic (the consumer side alone)."""
    servers = get_settings().kafka_servers
    topic = f"bench.favorites.{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=servers)
    admin.create_topics([NewTopic(topic, PARTITIONS, 1), NewTopic(topic + registry.DEAD_LETTER_SUFFIX, 1, 1)])
    producer = kafka.make_producer(get_settings())  # the API's own producer (librdkafka), standing in for many

    last_of_partition: dict[int, tuple[int, Event]] = {}

    def produce() -> float:
        positions: list[tuple[int, int, Event]] = []

        def delivered(event: Event) -> Callable[[Any, Any], None]:
            def record(error: Any, message: Any) -> None:
                assert error is None, error
                positions.append((message.partition(), message.offset(), event))

            return record

        started = time.perf_counter()
        # One user's likes in one partition, in order, as the keyed default partitioner does.
        for event in events:
            user = event.data["user_id"]
            producer.produce(
                topic,
                key=str(user).encode(),
                value=event.to_json(),
                partition=user % PARTITIONS,
                on_delivery=delivered(event),
            )
        producer.flush(30)
        seconds = time.perf_counter() - started
        assert len(positions) == len(events), "not every record was acknowledged"
        for partition, offset, event in positions:
            if offset >= last_of_partition.get(partition, (-1, event))[0]:
                last_of_partition[partition] = (offset, event)
        return seconds

    produced = produce() if backlog else 0.0
    command = [sys.executable, __file__, "--serve-runner", topic, "--batch-size", str(batch_size)]
    runner = subprocess.Popen(
        command + ([] if through_pool else ["--in-process"]), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert runner.stdin is not None and runner.stdout is not None
    try:
        if (line := runner.stdout.readline().strip()) != "ready":
            raise SystemExit(f"the runner did not start: {line!r}")
        started = time.perf_counter()
        if not backlog:
            produced = produce()
        deadline = started + timeout
        # A partition's batches land in order, each in one statement: once each partition's last record
        # has its row, every row is there (``measured`` counts them all afterwards). Those few primary-key
        # lookups keep the waiting from loading the MySQL being measured.
        last = [event for _, event in last_of_partition.values()]
        while not all_persisted(last):
            if time.perf_counter() > deadline:
                raise SystemExit(f"only {persisted(video_ids)} of {len(events)} rows after {timeout:.0f}s")
            time.sleep(0.005)
        seconds = time.perf_counter() - started
    finally:
        producer.close()
        runner.stdin.close()
        runner_note = runner.stdout.read().strip()
        runner.wait(timeout=30)
        admin.delete_topics([topic, topic + registry.DEAD_LETTER_SUFFIX])
        admin.close()
    return seconds, f"produced in {produced:.2f}s{' beforehand' if backlog else ''}; {runner_note}"


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
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--users", type=int, default=5_000)
    parser.add_argument("--videos", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every path; medians are reported")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds allowed for each Kafka run")
    parser.add_argument("--in-process", action="store_true", help="also run the runner without the pool")
    parser.add_argument("--serve-runner", metavar="TOPIC", help=argparse.SUPPRESS)
    parser.add_argument(
        "--batch-size",
        type=int,
        help="records per invocation instead of the registry's (what a larger BatchSize gives)",
    )
    args = parser.parse_args()
    if args.serve_runner:
        serve_runner(args.serve_runner, args.batch_size, through_pool=not args.in_process)
        return
    consumer = next(c for c in registry.CONSUMERS if c.function == FUNCTION)
    n, batch_size = args.events, args.batch_size or consumer.batch_size
    print(
        f"burst: {n} likes by {args.users} users on {args.videos} videos in {PARTITIONS} partitions, batch {batch_size}"
    )

    paths: list[tuple[str, Run]] = [
        ("floor: raw executemany", lambda events, _: (floor(events), "pymysql cursor.executemany")),
        ("  statements alone (prebuilt SQL)", lambda events, _: (statements_only(events), "MySQL's share")),
        (
            "handler in process",
            lambda events, _: (
                through_handler(events, batch_size, consumer.topic),
                f"{-(-n // batch_size)} invocations",
            ),
        ),
    ]
    kafka_paths = [("kafka -> runner -> pool (make run)", True)]
    if args.in_process:
        kafka_paths.append(("kafka -> runner, handler in process", False))

    def via_kafka(pooled: bool, backlog: bool) -> Run:
        return lambda events, ids: through_kafka(
            events, batch_size, ids, through_pool=pooled, backlog=backlog, timeout=args.timeout
        )

    for name, pooled in kafka_paths:
        paths.append((name, via_kafka(pooled, backlog=False)))
        paths.append((name + " [backlog]", via_kafka(pooled, backlog=True)))
    # Rounds interleave the paths, so a busy moment of this shared machine hits them all alike.
    results: dict[str, list[tuple[float, str]]] = {name: [] for name, _ in paths}
    for round_ in range(args.rounds):
        for number, (name, path) in enumerate(paths):
            results[name].append(measured(1000 * round_ + number, args, path))

    floor_s = statistics.median(seconds for seconds, _ in results[paths[0][0]])
    print(f"{'path (median of ' + str(args.rounds) + ')':<46} {'seconds':>8} {'events/s':>10} {'x floor':>8}  notes")
    for name, runs in results.items():
        seconds = statistics.median(s for s, _ in runs)
        note = min(runs, key=lambda run: abs(run[0] - seconds))[1]
        spread = f"{min(s for s, _ in runs):.2f}-{max(s for s, _ in runs):.2f}s"
        print(f"{name:<46} {seconds:>8.3f} {n / seconds:>10,.0f} {floor_s / seconds:>8.2f}  {spread}; {note}")


if __name__ == "__main__":
    main()
