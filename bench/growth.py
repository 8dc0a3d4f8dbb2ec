"""How each endpoint's handler time and answer size grow with the data: 1×, 10× and 100×.

Builds three data sets straight into MySQL (as an import would; each scale has its own users, so the
scales live side by side): 100/1k/10k followers, friends, liked videos, comments, chat messages and
published videos of one user, and 1k/10k/100k videos in the feed. Then, per endpoint and scale (the samples of
one endpoint taken in turn across the scales, so a VM's drifting speed cannot bend the exponent), it
measures the warm median of the in-process handler, the first (cold) call after the user's Redis keys
are deleted, the answer size, and two I/O floors, both measured in the same run:
- PING floor: the request's Redis and SQL round trips and Kafka publishes times a trivial one of each (PING,
  SELECT 1, a one-byte record acknowledged);
- replayed: the request's own round trips in its order (Redis commands on a bare client, SQL statements, Kafka
  records published and acknowledged), sent again back to back after each block of samples: the same replies, so
  the floor carries the payload a list page has to fetch. The write
endpoints (like/unlike, comment, follow/unfollow, message) are measured the same way, on the same users.
The growth exponent is log(t100 / t10) / log(10): 0 is flat, 1 is linear. Beside it, the same with each time divided
by a fixed pure-Python workload timed in the same blocks (``cpu_reference``): the feed's scales are measured one
after another as the videos table grows, so a VM whose speed drifts bends its raw exponent.

    infra/with-env.sh .venv/bin/python bench/growth.py [--samples 25] [--scales 1,10,100]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import math
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import redis

from gophertok import keys
from gophertok.adapters import kafka, redis_client
from gophertok.adapters.mysql import get_database
from gophertok.auth.tokens import issue_token
from gophertok.config import get_settings
from gophertok_local.events import http_event
from gophertok_local.functions import LambdaContext, load_handler

BASE = 100  # items per list at 1×
FEED_BASE = 1000  # videos in the feed at 1×
# This run's times: its data is newer than what earlier runs left in the same stack (their feed videos would otherwise
# share the top page's milliseconds with this run's), and all of it is in the past (the feed reads before now).
T0 = int(time.time() * 1000) - 10**8
BLOCK = 5  # handler samples taken one after another before their replays
FEED = "feed top page"  # the one endpoint whose data (every video) the scales share


Sent = list[tuple[tuple[Any, ...], dict[str, Any]]]  # one round trip's commands: (args, options)


@dataclass
class IO:
    """One round trip a request made: what it sent (see ``Replayer.run``) and when, on perf_counter's clock."""

    kind: str  # "redis", "sql" or "kafka"
    sent: Any  # redis: Sent; sql: (statement, args); kafka: (topic, records)
    started: float
    ended: float


class Timeline:
    """The round trips of the request being measured, in the order it made them (with their times, for a look at
    where a request waits)."""

    started = 0.0
    made: list[IO] = []

    @classmethod
    def begin(cls) -> None:
        cls.started, cls.made = time.perf_counter(), []

    @classmethod
    def add(cls, kind: str, sent: Any, started: float) -> None:
        cls.made.append(IO(kind, sent, started, time.perf_counter()))

    @classmethod
    def count(cls, kind: str) -> int:
        return sum(1 for io in cls.made if io.kind == kind)


class CountingRedis(redis.Redis):
    """Puts every round trip (single commands and pipelines) on the Timeline, to replay it on a bare client."""

    def execute_command(self, *args: Any, **options: Any) -> Any:
        started = time.perf_counter()
        try:
            return super().execute_command(*args, **options)
        finally:
            Timeline.add("redis", [(args, options)], started)

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Any:
        pipe = super().pipeline(transaction=transaction, shard_hint=shard_hint)
        send = pipe.execute

        def execute(*args: Any, **kwargs: Any) -> Any:
            commands, started = list(pipe.command_stack), time.perf_counter()
            try:
                return send(*args, **kwargs)
            finally:
                Timeline.add("redis", commands, started)

        pipe.execute = execute  # type: ignore[method-assign]
        return pipe


@dataclass
class Scale:
    factor: int
    owner: int
    others: list[int]
    video: int  # the video that carries the comments


def insert_users(count: int) -> list[int]:
    db = get_database()
    prefix = "g" + uuid.uuid4().hex[:12]
    rows = [(f"{prefix}_{n}", "x") for n in range(count)]
    for start in range(0, count, 5000):
        db.execute_many("INSERT INTO users (username, password_hash) VALUES (%s, %s)", rows[start : start + 5000])
    found = db.query("SELECT id FROM users WHERE username LIKE %s ORDER BY id", (f"{prefix}\\_%",))
    return [int(row["id"]) for row in found]


def insert_many(sql: str, rows: list[tuple[Any, ...]]) -> None:
    for start in range(0, len(rows), 5000):
        get_database().execute_many(sql, rows[start : start + 5000])


def videos_rows(author: int, count: int, start_ms: int) -> list[tuple[Any, ...]]:
    base = random.randrange(10**15, 10**17)
    return [
        (base + n, author, f"growth {n}", "videos/none.mp4", "covers/none.jpg", "0" * 64, start_ms + n)
        for n in range(count)
    ]


def build(factor: int) -> Scale:
    n = BASE * factor
    owner, *others = insert_users(n + 1)
    follows = []
    for i, other in enumerate(others):
        follows.append((other, owner, T0 + i))  # every other user follows the owner...
        follows.append((owner, other, T0 + n + i))  # ...and the owner follows them back: n friends
    insert_many(
        "INSERT INTO follows (follower_id, followee_id, following, followed_at, version) VALUES (%s, %s, 1, %s, 1)",
        follows,
    )
    published = videos_rows(owner, n, T0)
    insert_many(
        "INSERT INTO videos (id, author_id, title, play_key, cover_key, content_sha256, created_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s)",
        published,
    )
    insert_many(
        "INSERT INTO favorites (user_id, video_id, liked, liked_at, version) VALUES (%s, %s, 1, %s, 1)",
        [(owner, row[0], row[6]) for row in published],
    )
    video = published[-1][0]
    insert_many(
        "INSERT INTO comments (id, video_id, user_id, content, created_at) VALUES (%s, %s, %s, %s, %s)",
        [(random.randrange(10**17, 10**18), video, others[i % len(others)], f"comment {i}", T0 + i) for i in range(n)],
    )
    insert_many(
        "INSERT INTO messages (id, from_user_id, to_user_id, content, created_at) VALUES (%s, %s, %s, %s, %s)",
        [
            (random.randrange(10**17, 10**18), *((owner, others[0]) if i % 2 else (others[0], owner)), f"m{i}", T0 + i)
            for i in range(n)
        ],
    )
    return Scale(factor, owner, others, video)


def videos_in_table() -> int:
    return int((get_database().query_one("SELECT COUNT(*) AS n FROM videos") or {"n": 0})["n"])


def grow_feed(total: int) -> None:
    """Make the videos table hold at least ``total`` videos (feed pages read the newest ones)."""
    have = videos_in_table()
    if have < total:
        (author,) = insert_users(1)
        insert_many(
            "INSERT INTO videos (id, author_id, title, play_key, cover_key, content_sha256, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            videos_rows(author, total - have, T0 - 10**9),
        )


def busy_share(window: float = 0.5) -> float:
    """The share of the machine's CPU time (all cores) spent busy over ``window`` seconds, from /proc/stat."""

    def times() -> tuple[int, int]:
        with open("/proc/stat") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait

    total, idle = times()
    time.sleep(window)
    total_after, idle_after = times()
    return 1 - (idle_after - idle) / max(1, total_after - total)


def settle(most_seconds: float = 60) -> None:
    """Wait until the machine is quiet after a build (MariaDB purging and writing back what the inserts left, the
    broker, ...): until then those background threads share the two cores with the handler, and the feed, measured
    right after its table grew, read as slower at 100× for that alone."""
    deadline = time.monotonic() + most_seconds
    while time.monotonic() < deadline and busy_share() > 0.1:
        pass


def forget(scale: Scale) -> None:
    owner, friend = scale.owner, scale.others[0]
    get_redis_raw().delete(
        *[f(owner) for f in (keys.user_following, keys.user_followers, keys.user_friends, keys.user_likes)],
        keys.user_videos(owner),
        keys.video_comments(scale.video),
        keys.conversation(owner, friend),
    )


def get_redis_raw() -> redis.Redis:
    return redis_client.get_redis()  # type: ignore[return-value]


Spec = tuple[str, str, str, dict[str, Any]]  # function, method, path, query


def endpoints(scale: Scale) -> dict[str, Callable[[], Spec]]:
    token = issue_token(scale.owner)
    friend, fan = scale.others[0], scale.others[1]
    fan_token = issue_token(fan)
    like_or_unlike, follow_or_unfollow = itertools.cycle("21"), itertools.cycle("21")
    # (the owner likes every published video and the fan follows the owner: the first call of each undoes it)
    return {
        FEED: lambda: ("video_feed", "GET", "/douyin/feed/", {}),
        "publish list": lambda: ("video_publish_list", "GET", "/douyin/publish/list/", {"token": token}),
        "favorite list": lambda: ("favorite_list", "GET", "/douyin/favorite/list/", {"token": token}),
        "comment list": lambda: ("comment_list", "GET", "/douyin/comment/list/", {"video_id": scale.video}),
        "follow list": lambda: ("relation_follow_list", "GET", "/douyin/relation/follow/list/", {"token": token}),
        "follower list": lambda: ("relation_follower_list", "GET", "/douyin/relation/follower/list/", {"token": token}),
        "friend list": lambda: ("relation_friend_list", "GET", "/douyin/relation/friend/list/", {"token": token}),
        "chat open": lambda: ("message_chat", "GET", "/douyin/message/chat/", {"token": token, "to_user_id": friend}),
        "chat poll, nothing new": lambda: (
            "message_chat",
            "GET",
            "/douyin/message/chat/",
            {"token": token, "to_user_id": friend, "pre_msg_time": int(time.time() * 1000)},
        ),
        "like / unlike (write)": lambda: (
            "favorite_action",
            "POST",
            "/douyin/favorite/action/",
            {"token": token, "video_id": scale.video, "action_type": next(like_or_unlike)},
        ),
        "comment (write)": lambda: (
            "comment_action",
            "POST",
            "/douyin/comment/action/",
            {"token": fan_token, "video_id": scale.video, "action_type": 1, "comment_text": "growth"},
        ),
        "follow / unfollow (write)": lambda: (
            "relation_action",
            "POST",
            "/douyin/relation/action/",
            {"token": fan_token, "to_user_id": scale.owner, "action_type": next(follow_or_unfollow)},
        ),
        "message send (write)": lambda: (
            "message_action",
            "POST",
            "/douyin/message/action/",
            {"token": token, "to_user_id": friend, "action_type": 1, "content": "growth"},
        ),
    }


class RecordingKafka:
    """Puts what a request published (topic, records) on the Timeline, to send it again on a bare producer."""

    @classmethod
    def install(cls) -> None:
        publish = kafka.publish_records

        def recorded(topic: str, records: Any) -> int:
            batch, started = list(records), time.perf_counter()
            try:
                return publish(topic, batch)
            finally:
                Timeline.add("kafka", (topic, batch), started)

        kafka.publish_records = recorded


class RecordingDatabase:
    """Puts the read statements a request ran (sql, args) on the Timeline, to run them again as part of its floor."""

    unrecorded: Callable[..., Any] = staticmethod(lambda sql, args=None: None)

    @classmethod
    def install(cls) -> None:
        database = get_database()
        query = cls.unrecorded = database.query

        def recorded(sql: str, args: Any = None) -> Any:
            started = time.perf_counter()
            try:
                return query(sql, args)
            finally:
                Timeline.add("sql", (sql, args), started)

        database.query = recorded  # type: ignore[method-assign]


def call(spec: Spec) -> tuple[float, int]:
    """One request: (ms, answer bytes); its round trips are on the Timeline."""
    function, method, path, query = spec
    event = http_event(method, path, query=query)
    handler, context = load_handler(function), LambdaContext(function)  # the runtime's part, as on Lambda
    Timeline.begin()
    response = handler(event, context)
    elapsed = (time.perf_counter() - Timeline.started) * 1000
    assert '"status_code":0' in response["body"], response["body"][:300]
    return elapsed, len(response["body"].encode())


class Replayer:
    """The I/O floor with its payload: a request's own Redis commands (same replies, parsed by the same hiredis)
    sent again on a bare client with nothing else around them, its SQL statements run again and its records
    published again by a bare producer that waits for their acknowledgement. Each handler sample is followed by
    the replay of what that sample sent, so both halves of a ratio see the same machine (a VM's speed drifts
    by more than the gap being measured)."""

    def __init__(self) -> None:
        settings = get_settings()
        self.redis = redis.Redis.from_url(settings.redis_url, **redis_client.client_options(settings))
        self.producer = kafka.make_producer(settings)

    def once(self, made: list[IO]) -> float:
        """Send it all again, back to back; ms."""
        started = time.perf_counter()
        for io in made:
            self.run(io)
        return (time.perf_counter() - started) * 1000

    def run(self, io: IO) -> None:
        if io.kind == "redis":
            if len(io.sent) == 1:
                args, options = io.sent[0]
                self.redis.execute_command(*args, **options)
                return
            pipe = self.redis.pipeline(transaction=False)
            for args, options in io.sent:
                pipe.execute_command(*args, **options)
            pipe.execute()
        elif io.kind == "sql":
            RecordingDatabase.unrecorded(*io.sent)
        else:
            topic, records = io.sent
            for key, value, headers in records:
                self.producer.produce(topic, value=value, key=key, headers=dict(headers))
            self.producer.flush(10)

    def close(self) -> None:
        self.redis.close()
        self.producer.flush(10)


PING_TOPIC = "bench.growth.ping"


def trivial_round_trips(samples: int = 200) -> tuple[float, float, float]:
    """Medians in ms of a Redis PING, a ``SELECT 1`` and an acknowledged one-byte record."""
    client, database = get_redis_raw(), get_database()
    kafka.ensure_topics([PING_TOPIC], 1, 1)
    producer = kafka.make_producer(get_settings())
    redis_times, sql_times, ack_times = [], [], []
    for _ in range(samples):
        started = time.perf_counter()
        client.ping()
        redis_times.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        database.query("SELECT 1")
        sql_times.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        producer.produce(PING_TOPIC, b".")
        producer.flush(10)
        ack_times.append((time.perf_counter() - started) * 1000)
    return statistics.median(redis_times), statistics.median(sql_times), statistics.median(ack_times)


def cpu_reference() -> float:
    """ms of a fixed pure-Python workload: how fast the VM runs at the moment. The feed's scales cannot be
    interleaved (they share the videos table, which grows between them), so its exponent is also given corrected
    by this, timed in the same blocks as its samples."""
    started = time.perf_counter()
    sum(i * i for i in range(20_000))
    return (time.perf_counter() - started) * 1000


class Figures(NamedTuple):
    """One endpoint at one scale (ms unless said)."""

    p50: float
    cold: float
    answer_bytes: int
    ping_floor: float  # round trips × a trivial round trip of their kind
    replayed: float  # the request's own I/O sent again back to back (median)
    reference: float  # cpu_reference() in the same blocks (median)


Results = dict[str, dict[int, Figures]]  # endpoint -> factor -> figures


def measure(factors: list[int], samples: int) -> Results:
    """Per endpoint and data factor, its Figures.

    The feed reads every video, so it is measured at each scale as the videos table grows. The other endpoints
    have their own users per scale: their samples go round the scales (1×, 10×, 100×, 1×, ...), so a VM that
    slows down for a while slows every scale alike instead of bending the growth exponent."""
    replayer = Replayer()
    trivial = trivial_round_trips()
    results: Results = {}
    specs: dict[int, dict[str, Callable[[], Spec]]] = {}
    for factor in factors:
        started = time.perf_counter()
        grow_feed(FEED_BASE * factor)
        scale = build(factor)
        settle()
        print(
            f"built {factor}× in {time.perf_counter() - started:.1f} s (settled); the feed reads a table of "
            f"{videos_in_table()} videos (a fresh stack for 1×/10×/100× of it: make clean-state up)",
            file=sys.stderr,
            flush=True,
        )
        forget(scale)
        specs[factor] = endpoints(scale)
        results.setdefault(FEED, {}).update(sampled(FEED, {factor: specs[factor]}, samples, replayer, trivial))
    for name in specs[factors[0]]:
        if name != FEED:
            results[name] = sampled(name, specs, samples, replayer, trivial)
    replayer.close()
    return results


def sampled(
    name: str,
    specs: dict[int, dict[str, Callable[[], Spec]]],
    samples: int,
    replayer: Replayer,
    trivial: tuple[float, float, float],
) -> dict[int, Figures]:
    """One endpoint at every scale in ``specs``: its cold call, then ``samples`` warm ones per scale, taken in
    blocks of BLOCK that go round the scales in turn, each block followed by the replays of its samples' own I/O.
    The blocks are short enough that a drifting VM speed is the same for a block and its replays, and long enough
    that a sample follows calls of its own handler (as on a warm Lambda), not the replay's other client."""
    trivial_by_kind = dict(zip(("redis", "sql", "kafka"), trivial, strict=True))
    cold = {factor: call(by_name[name]())[0] for factor, by_name in specs.items()}
    for _ in range(3):  # connections, scripts and caches of the warm path
        for by_name in specs.values():
            call(by_name[name]())
    warm: dict[int, list[tuple[float, int]]] = {factor: [] for factor in specs}
    replays: dict[int, list[float]] = {factor: [] for factor in specs}
    references: dict[int, list[float]] = {factor: [] for factor in specs}
    ping_floor = {factor: 0.0 for factor in specs}
    for _ in range(math.ceil(samples / BLOCK)):
        for factor, by_name in specs.items():
            timelines = []
            for _ in range(BLOCK):
                warm[factor].append(call(by_name[name]()))
                timelines.append(Timeline.made)
            for made in timelines:
                replays[factor].append(replayer.once(made))
            references[factor].append(cpu_reference())
            ping_floor[factor] = sum(trivial_by_kind[io.kind] for io in timelines[-1])
    return {
        factor: Figures(
            statistics.median(ms for ms, _ in warm[factor]),
            cold[factor],
            warm[factor][-1][1],
            ping_floor[factor],
            statistics.median(replays[factor]),
            statistics.median(references[factor]),
        )
        for factor in specs
    }


def _exponent(by_factor: dict[int, Figures], corrected: bool = False) -> float:
    """log(t100 / t10) / log(10); ``corrected``: each time divided by its scale's cpu_reference first."""
    if not {10, 100} <= set(by_factor):
        return math.nan
    high, low = by_factor[100], by_factor[10]
    ratio = high.p50 / low.p50
    if corrected:
        ratio *= low.reference / high.reference
    return math.log(ratio) / math.log(10)


def _ratio(p50: float, floor: float) -> str:
    return f"{p50 / floor:.1f}×" if floor else "n/a"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=25)
    parser.add_argument("--scales", default="1,10,100")
    args = parser.parse_args()
    os.environ["LOG_LEVEL"] = "WARNING"  # one JSON line per request would bury the table
    os.environ["TRACING"] = "off"
    for action in ("like", "comment", "follow", "message"):  # the samples would meet the per-user write limits
        os.environ[f"RATE_LIMIT_{action.upper()}"] = "off"
    settings = get_settings()
    redis_client.set_redis(CountingRedis.from_url(settings.redis_url, **redis_client.client_options(settings)))
    RecordingDatabase.install()
    RecordingKafka.install()
    factors = [int(f) for f in args.scales.split(",")]
    # Every request writes its EMF metrics lines to stdout (as on Lambda): to a file here, or they bury the table.
    with open(os.devnull, "w") as metrics_lines, contextlib.redirect_stdout(metrics_lines):
        results = measure(factors, args.samples)
    header = "| endpoint | " + " | ".join(f"p50 {f}× ms" for f in factors) + " | exponent 10×→100× | speed-corrected | "
    header += "cold at max ms | answer at max | PING floor ms | p50 / PING floor | replayed ms | p50 / replayed |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for name, by_factor in results.items():
        times = [by_factor[f].p50 for f in factors]
        exponents = f"{_exponent(by_factor):.2f} | {_exponent(by_factor, corrected=True):.2f}"
        top = by_factor[factors[-1]]
        print(
            f"| {name} | " + " | ".join(f"{t:.2f}" for t in times) + f" | {exponents} | {top.cold:.1f} | "
            f"{top.answer_bytes / 1024:.0f} KB | "
            + " | ".join(f"{floor:.2f} | {_ratio(top.p50, floor)}" for floor in (top.ping_floor, top.replayed))
            + " |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
