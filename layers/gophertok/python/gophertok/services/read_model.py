"""The shared read model: per-user and per-video counters and the viewer's follow/like flags.

Every User and Video object embeds these, so they are read here in batches (one Redis pipeline per
kind, SQL only for keys that are missing) and written by the domain services through ``adjust_*``
and ``ensure_*``. MySQL is the durable truth: any missing key is rebuilt from it (see keys.py for the
conventions).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import cast

from gophertok import keys
from gophertok.adapters.mysql import get_database, placeholders
from gophertok.adapters.redis_client import Pipeline, ScriptArg, counters_many, get_redis, run_script_per_key
from gophertok.errors import Unavailable
from gophertok.services import id_sets

Counts = dict[int, dict[str, int]]
REBUILD_LOCK_MS = 5000  # longest a rebuild may take before another request may start its own
REBUILD_WAIT_SECONDS = 2.0

_USER_COUNT_SQL = """
SELECT author_id AS id, 'work_count' AS field, COUNT(*) AS n FROM videos
 WHERE author_id IN ({ids}) GROUP BY author_id
UNION ALL
SELECT user_id, 'favorite_count', COUNT(*) FROM favorites
 WHERE user_id IN ({ids}) AND liked = 1 GROUP BY user_id
UNION ALL
SELECT v.author_id, 'total_favorited', COUNT(*) FROM favorites f JOIN videos v ON v.id = f.video_id
 WHERE v.author_id IN ({ids}) AND f.liked = 1 GROUP BY v.author_id
UNION ALL
SELECT follower_id, 'follow_count', COUNT(*) FROM follows
 WHERE follower_id IN ({ids}) AND following = 1 GROUP BY follower_id
UNION ALL
SELECT followee_id, 'follower_count', COUNT(*) FROM follows
 WHERE followee_id IN ({ids}) AND following = 1 GROUP BY followee_id
"""

_VIDEO_COUNT_SQL = """
SELECT video_id AS id, 'favorite_count' AS field, COUNT(*) AS n FROM favorites
 WHERE video_id IN ({ids}) AND liked = 1 GROUP BY video_id
UNION ALL
SELECT video_id, 'comment_count', COUNT(*) FROM comments
 WHERE video_id IN ({ids}) AND deleted_at IS NULL GROUP BY video_id
"""


def _count_from_database(sql: str, ids: Sequence[int], fields: Sequence[str]) -> Counts:
    counts: Counts = {i: dict.fromkeys(fields, 0) for i in ids}
    marks = placeholders(len(ids))
    rows = get_database().query(sql.format(ids=marks), list(ids) * sql.count("{ids}"))
    for row in rows:
        counts[int(row["id"])][row["field"]] = int(row["n"])
    return counts


# KEYS[1] a counters hash; ARGV field, value pairs then the TTL. Writes the whole hash only if it is
# missing: a concurrent writer that rebuilt (and changed) it first keeps its newer values.
_FILL_IF_MISSING = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for i = 1, #ARGV - 1, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('EXPIRE', KEYS[1], ARGV[#ARGV])
return 1
"""

# KEYS[1] a counters hash; ARGV field, delta pairs then the TTL. Changes the hash only if it exists
# (returns 0 otherwise), so an increment can never create a partial hash that reads as complete.
_INCREMENT_IF_LOADED = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 1, #ARGV - 1, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('EXPIRE', KEYS[1], ARGV[#ARGV])
return 1
"""


def _load_hashes[S: keys.UserStats | keys.VideoStats](
    ids: Iterable[int], key: Callable[[int], str], kind: type[S], sql: str, table: str
) -> dict[int, S]:
    wanted = list(dict.fromkeys(map(int, ids)))
    if not wanted:
        return {}
    stored = counters_many(get_redis(), [key(item) for item in wanted], list(kind._fields))
    # tuple.__new__ straight (what _make calls, less its Python frame): one per item of a 500-item page
    counts = {item: tuple.__new__(kind, values) for item, values in zip(wanted, stored, strict=True) if values}
    missing = [item for item in wanted if item not in counts]
    if missing:
        rebuilt = _count_from_database(sql, missing, kind._fields)
        run_script_per_key(
            _FILL_IF_MISSING,
            [(key(item), [*field_pairs(values), keys.CACHE_TTL_SECONDS]) for item, values in rebuilt.items()],
        )
        pipe = get_redis().pipeline(transaction=False)
        check_first(pipe, table, missing)
        pipe.execute()
        counts.update(
            (item, tuple.__new__(kind, [values[name] for name in kind._fields])) for item, values in rebuilt.items()
        )
    return counts


def field_pairs(values: dict[str, int]) -> list[ScriptArg]:
    """``{field: value}`` as the flat field, value list that HSET-style scripts take."""
    return [part for field, value in values.items() for part in (field, value)]


def user_counts(user_ids: Sequence[int]) -> Counts:
    """What MySQL says each user's counters are (one query)."""
    return _count_from_database(_USER_COUNT_SQL, user_ids, keys.USER_STAT_FIELDS)


def video_counts(video_ids: Sequence[int]) -> Counts:
    """What MySQL says each video's counters are (one query)."""
    return _count_from_database(_VIDEO_COUNT_SQL, video_ids, keys.VIDEO_STAT_FIELDS)


def load_user_stats(user_ids: Iterable[int]) -> dict[int, keys.UserStats]:
    """Each user's counters (follow_count, follower_count, work_count, favorite_count, total_favorited)."""
    return _load_hashes(user_ids, keys.user_stats, keys.UserStats, _USER_COUNT_SQL, "users")


def load_video_stats(video_ids: Iterable[int]) -> dict[int, keys.VideoStats]:
    """Each video's counters (favorite_count, comment_count)."""
    return _load_hashes(video_ids, keys.video_stats, keys.VideoStats, _VIDEO_COUNT_SQL, "videos")


Change = tuple[int, str, int]  # (user or video id, counter field, delta)


def adjust_stats(users: Iterable[Change] = (), videos: Iterable[Change] = ()) -> None:
    """Apply (id, field, delta) changes to the cached user and video counters, in one round trip when the hashes
    are loaded (missing ones are loaded first)."""
    by_key: dict[str, dict[str, int]] = {}
    missing_of: dict[str, tuple[str, int]] = {}  # key -> ("users" or "videos", id), to load it when missing
    for table, key_of, changes in (("users", keys.user_stats, users), ("videos", keys.video_stats, videos)):
        for item, field, delta in changes:
            if delta:
                key = key_of(int(item))
                fields = by_key.setdefault(key, {})
                fields[field] = fields.get(field, 0) + delta
                missing_of[key] = (table, int(item))
    pending = {key: fields for key, fields in by_key.items() if any(fields.values())}
    for _ in range(3):
        applied = run_script_per_key(
            _INCREMENT_IF_LOADED,
            [(key, [*field_pairs(fields), keys.CACHE_TTL_SECONDS]) for key, fields in pending.items()],
        )
        pending = {key: fields for (key, fields), done in zip(pending.items(), applied, strict=True) if not done}
        if not pending:
            return
        # Load the missing hashes from MySQL, then increment: this change is not in MySQL yet (its
        # event is published after this call), so the load cannot have counted it already.
        lost = [missing_of[key] for key in pending]
        load_user_stats(item for table, item in lost if table == "users")
        load_video_stats(item for table, item in lost if table == "videos")
    raise Unavailable("the cache keeps losing counters, please retry")


def adjust_user_stats(changes: Iterable[Change]) -> None:
    """Apply (user_id, field, delta) changes to the cached counters (after loading missing ones)."""
    adjust_stats(users=changes)


def adjust_video_stats(changes: Iterable[Change]) -> None:
    """Apply (video_id, field, delta) changes to the cached counters (after loading missing ones)."""
    adjust_stats(videos=changes)


# Sorted sets of ids ------------------------------------------------------------------------------


# KEYS[1] a rebuild lock; ARGV[1] the holder's token. Releases the lock only if this holder still has it.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def rebuild_once(key: str, rebuild: Callable[[], None]) -> None:
    """Run ``rebuild`` for a missing ``key`` unless a concurrent request already is: then wait (bounded)
    for the key to appear. Concurrent misses of a hot key thus cost MySQL one rebuild, not one each.

    Rebuilds write with NX, so a waiter that gives up and rebuilds as well changes nothing.
    """
    redis = get_redis()
    lock, token = keys.rebuild_lock(key), uuid.uuid4().hex
    if redis.set(lock, token, nx=True, px=REBUILD_LOCK_MS):
        try:
            rebuild()
        finally:
            redis.register_script(_RELEASE)(keys=[lock], args=[token])
        return
    deadline, pause = time.monotonic() + REBUILD_WAIT_SECONDS, 0.005
    while time.monotonic() < deadline:
        time.sleep(pause)
        pause = min(pause * 2, 0.05)
        if redis.zscore(key, keys.SENTINEL) is not None:
            return
    rebuild()


def check_first(pipe: Pipeline, table: str, ids: Sequence[int]) -> None:
    """Have the reconciliation look at these ids of ``table`` first (services/reconciliation.py): what was just
    rebuilt from MySQL cannot see the changes still in flight, by which MySQL lags behind Redis."""
    pipe.sadd(keys.reconcile_priority(table), *ids)
    pipe.expire(keys.reconcile_priority(table), keys.CACHE_TTL_SECONDS)


def store_zset(key: str, mapping: dict[str, int], checked_as: tuple[str, int] | None = None) -> None:
    """Write a rebuilt ZSET with its expiry. NX keeps members a concurrent writer added meanwhile. ``checked_as``
    (table, id): that id goes among the ones the reconciliation checks first."""
    pipe = get_redis().pipeline(transaction=False)
    pipe.zadd(key, mapping, nx=True)
    pipe.expire(key, keys.CACHE_TTL_SECONDS)
    if checked_as is not None:
        check_first(pipe, checked_as[0], [checked_as[1]])
    pipe.execute()


def ensure_following(user_id: int, members: Sequence[int] = ()) -> str:
    """The user's followings (bounded: services/id_sets.py), with ``members`` older than its floor promoted."""
    return id_sets.ensure(id_sets.FOLLOWING, user_id, members)


def ensure_followers(user_id: int, members: Sequence[int] = ()) -> str:
    return id_sets.ensure(id_sets.FOLLOWERS, user_id, members)


def ensure_friends(user_id: int) -> str:
    """Build the friends ZSET when it is missing; returns its key.

    Built from the follow ZSETs, which already hold the changes still on their way to MySQL; when either is
    bounded below a floor (the user has more than id_sets.WINDOW of them), from MySQL's mutual follows instead.
    """
    key = keys.user_friends(user_id)
    redis = get_redis()
    if redis.expire(key, keys.CACHE_TTL_SECONDS):
        return key

    def rebuild() -> None:
        following_key, followers_key = ensure_following(user_id), ensure_followers(user_id)
        pipe = redis.pipeline(transaction=False)
        pipe.zrange(following_key, 0, -1, withscores=True)
        pipe.zrange(followers_key, 0, -1, withscores=True)
        following, followers = cast("tuple[list[tuple[str, float]], list[tuple[str, float]]]", tuple(pipe.execute()))
        back = dict(followers)
        if back.get(keys.SENTINEL) or dict(following).get(keys.SENTINEL):  # a floor: Redis holds only the newest
            id_sets.store(id_sets.FRIENDS, user_id, id_sets.FRIENDS.newest(user_id, id_sets.WINDOW + 1))
            return
        rows = [
            (member, int(max(score, back[member])))
            for member, score in following
            if member != keys.SENTINEL and member in back
        ]
        id_sets.store(id_sets.FRIENDS, user_id, rows)

    rebuild_once(key, rebuild)
    return key


# KEYS[1] a ZSET; ARGV the TTL, then score, member pairs. Adds only to a loaded ZSET, so a writer never
# creates a partial one.
_ADD_IF_LOADED = keys.if_zset_loaded(
    """
redis.call('EXPIRE', KEYS[1], ARGV[1])
return redis.call('ZADD', KEYS[1], unpack(ARGV, 2))
""",
    "0",
)


def add_if_loaded_each(mappings: dict[str, dict[str, int]]) -> None:
    """ZADD each key's mapping (member -> score) to it only if the key is loaded, in one round trip (per node on a
    cluster): a writer never creates a partial set."""
    calls: list[tuple[str, list[ScriptArg]]] = []
    for key, mapping in mappings.items():
        if mapping:
            args: list[ScriptArg] = [keys.CACHE_TTL_SECONDS]
            for member, score in mapping.items():
                args += [score, member]
            calls.append((key, args))
    run_script_per_key(_ADD_IF_LOADED, calls)


def _flags(kind: id_sets.IdSet, owner: int | None, ids: Iterable[int]) -> set[int]:
    wanted = list(dict.fromkeys(map(int, ids)))
    if not owner or not wanted:
        return set()
    redis = get_redis()
    key = kind.key_of(owner)
    scores = redis.zmscore(key, [keys.SENTINEL, *map(str, wanted)])
    if scores[0] is None:  # not loaded
        id_sets.ensure(kind, owner)
        scores = redis.zmscore(key, [keys.SENTINEL, *map(str, wanted)])
    found = {item for item, score in zip(wanted, scores[1:], strict=True) if score is not None}
    absent = [str(item) for item in wanted if item not in found]
    if scores[0] and absent:  # a floor: older members are only in MySQL
        found |= {int(member) for member in kind.scores_of(owner, absent)}
    return found


def following_flags(viewer_id: int | None, user_ids: Iterable[int]) -> set[int]:
    """The subset of ``user_ids`` that ``viewer_id`` follows (empty for anonymous viewers)."""
    return _flags(id_sets.FOLLOWING, viewer_id, user_ids)


def liked_flags(viewer_id: int | None, video_ids: Iterable[int]) -> set[int]:
    """The subset of ``video_ids`` that ``viewer_id`` likes (empty for anonymous viewers)."""
    return _flags(id_sets.LIKES, viewer_id, video_ids)


def zset_page(key: str, start: int = 0, stop: int = -1) -> list[int]:
    """Members of an id ZSET, highest score (most recent) first, without the sentinel."""
    members = cast("list[str]", get_redis().zrevrange(key, start, stop))  # decode_responses=True: str members
    return [int(member) for member in members if member != keys.SENTINEL]
