"""The shared read model: per-user and per-video counters and the viewer's follow/like flags.

Every User and Video object embeds these, so they are read here in batches (one Redis pipeline per
kind, SQL only for keys that are missing) and written by the domain services through ``adjust_*``
and ``ensure_*``. MySQL is the durable truth: any missing key is rebuilt from it (see keys.py for the
conventions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import cast

from gophertok import keys
from gophertok.adapters.mysql import get_database, placeholders
from gophertok.adapters.redis_client import get_redis

Counts = dict[int, dict[str, int]]

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


def _load_hashes(ids: Iterable[int], key: Callable[[int], str], fields: Sequence[str], sql: str) -> Counts:
    wanted = list(dict.fromkeys(int(i) for i in ids))
    if not wanted:
        return {}
    redis = get_redis()
    pipe = redis.pipeline(transaction=False)
    for item in wanted:
        pipe.hgetall(key(item))
    counts: Counts = {}
    missing = []
    for item, stored in zip(wanted, pipe.execute(), strict=True):
        if stored:
            counts[item] = {field: int(stored.get(field, 0)) for field in fields}
        else:
            missing.append(item)
    if missing:
        rebuilt = _count_from_database(sql, missing, fields)
        pipe = redis.pipeline(transaction=False)
        for item, values in rebuilt.items():
            # HSETNX per field: a concurrent writer that rebuilt first keeps its (newer) values.
            for field, value in values.items():
                pipe.hsetnx(key(item), field, value)
        pipe.execute()
        counts.update(rebuilt)
    return counts


def load_user_stats(user_ids: Iterable[int]) -> Counts:
    """{user_id: {follow_count, follower_count, work_count, favorite_count, total_favorited}}."""
    return _load_hashes(user_ids, keys.user_stats, keys.USER_STAT_FIELDS, _USER_COUNT_SQL)


def load_video_stats(video_ids: Iterable[int]) -> Counts:
    """{video_id: {favorite_count, comment_count}}."""
    return _load_hashes(video_ids, keys.video_stats, keys.VIDEO_STAT_FIELDS, _VIDEO_COUNT_SQL)


def _adjust(
    changes: Iterable[tuple[int, str, int]], key: Callable[[int], str], loader: Callable[[set[int]], object]
) -> None:
    changes = [(int(i), field, delta) for i, field, delta in changes if delta]
    if not changes:
        return
    loader({i for i, _, _ in changes})  # never increment a hash that does not exist yet
    pipe = get_redis().pipeline(transaction=False)
    for item, field, delta in changes:
        pipe.hincrby(key(item), field, delta)
    pipe.execute()


def adjust_user_stats(changes: Iterable[tuple[int, str, int]]) -> None:
    """Apply (user_id, field, delta) changes to the cached counters (after loading missing ones)."""
    _adjust(changes, keys.user_stats, load_user_stats)


def adjust_video_stats(changes: Iterable[tuple[int, str, int]]) -> None:
    """Apply (video_id, field, delta) changes to the cached counters (after loading missing ones)."""
    _adjust(changes, keys.video_stats, load_video_stats)


# Sorted sets of ids ------------------------------------------------------------------------------

_FOLLOWING_SQL = (
    "SELECT followee_id AS member, followed_at AS score FROM follows WHERE follower_id = %s AND following = 1"
)
_FOLLOWERS_SQL = (
    "SELECT follower_id AS member, followed_at AS score FROM follows WHERE followee_id = %s AND following = 1"
)
_LIKES_SQL = "SELECT video_id AS member, liked_at AS score FROM favorites WHERE user_id = %s AND liked = 1"


def ensure_zset(key: str, sql: str, owner: int) -> str:
    """Rebuild the id ZSET ``key`` from ``sql`` (selecting ``member`` and ``score`` for ``owner``) when it
    is missing; returns ``key``. The SENTINEL marks it loaded even when empty."""
    redis = get_redis()
    if redis.exists(key):
        return key
    rows = get_database().query(sql, (owner,))
    mapping = {str(row["member"]): int(row["score"]) for row in rows}
    mapping[keys.SENTINEL] = 0
    # NX keeps members a concurrent writer added between our read and this write.
    redis.zadd(key, mapping, nx=True)
    return key


def ensure_following(user_id: int) -> str:
    return ensure_zset(keys.user_following(user_id), _FOLLOWING_SQL, user_id)


def ensure_followers(user_id: int) -> str:
    return ensure_zset(keys.user_followers(user_id), _FOLLOWERS_SQL, user_id)


def ensure_likes(user_id: int) -> str:
    return ensure_zset(keys.user_likes(user_id), _LIKES_SQL, user_id)


def _flags(
    key_of: Callable[[int], str], ensure: Callable[[int], str], owner: int | None, ids: Iterable[int]
) -> set[int]:
    wanted = list(dict.fromkeys(int(i) for i in ids))
    if not owner or not wanted:
        return set()
    redis = get_redis()
    key = key_of(owner)
    pipe = redis.pipeline(transaction=False)
    pipe.exists(key)
    pipe.zmscore(key, [str(i) for i in wanted])
    exists, scores = pipe.execute()
    if not exists:
        ensure(owner)
        scores = redis.zmscore(key, [str(i) for i in wanted])
    return {item for item, score in zip(wanted, scores, strict=True) if score is not None}


def following_flags(viewer_id: int | None, user_ids: Iterable[int]) -> set[int]:
    """The subset of ``user_ids`` that ``viewer_id`` follows (empty for anonymous viewers)."""
    return _flags(keys.user_following, ensure_following, viewer_id, user_ids)


def liked_flags(viewer_id: int | None, video_ids: Iterable[int]) -> set[int]:
    """The subset of ``video_ids`` that ``viewer_id`` likes (empty for anonymous viewers)."""
    return _flags(keys.user_likes, ensure_likes, viewer_id, video_ids)


def zset_page(key: str, start: int = 0, stop: int = -1) -> list[int]:
    """Members of an id ZSET, highest score (most recent) first, without the sentinel."""
    members = cast("list[str]", get_redis().zrevrange(key, start, stop))  # decode_responses=True: str members
    return [int(member) for member in members if member != keys.SENTINEL]
