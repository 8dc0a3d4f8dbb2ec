"""Time-ordered indexes of videos in Redis: the global feed and each author's publish list.

Both are ZSETs of video id -> created_at ms and follow keys.py's conventions (SENTINEL present means
complete; a missing index is rebuilt from MySQL). The feed keeps only the newest FEED_CAPACITY videos:
its SENTINEL's score is the *floor*, and the set is authoritative only for created_at >= floor, so
readers fall back to MySQL below it. Publish writes to both indexes synchronously (read your writes);
the consumer writes the same entries again after persisting (harmless: ZADD of the same score).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from gophertok import keys
from gophertok.adapters.mysql import get_database
from gophertok.adapters.redis_client import Pipeline, get_redis
from gophertok.services import id_sets, read_model

FEED_CAPACITY = 5000

# Drop the oldest entries (ties at the cut included) and raise the floor above them, atomically.
_TRIM_FEED = """
local keep = tonumber(ARGV[1])
if redis.call('ZCARD', KEYS[1]) <= keep + 1 then return 0 end
local cut = redis.call('ZREVRANGE', KEYS[1], keep, keep, 'WITHSCORES')
local score = tonumber(cut[2])
local removed = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', score)
redis.call('ZADD', KEYS[1], score + 1, ARGV[2])
return removed
"""


@dataclass(frozen=True, order=True)
class Entry:
    """A video's place in time order: newest first means sorting these in reverse."""

    created_at: int
    video_id: int


def newest_first(entries: Iterable[Entry]) -> list[Entry]:
    """Entries ordered by created_at, then id, both descending (the order of every list)."""
    return sorted(entries, reverse=True)


def _entries(pairs: Iterable[tuple[str, float]]) -> list[Entry]:
    return [Entry(int(score), int(member)) for member, score in pairs if member != keys.SENTINEL]


# Rebuilding from MySQL ---------------------------------------------------------------------------


def rebuild_feed(capacity: int = FEED_CAPACITY) -> None:
    """Load the newest ``capacity`` videos into the feed index (its floor set so older ones read MySQL);
    concurrent callers share one rebuild."""
    read_model.rebuild_once(keys.VIDEO_FEED, lambda: _load_feed(capacity))


def _load_feed(capacity: int) -> None:
    rows = get_database().query(
        "SELECT id, created_at FROM videos ORDER BY created_at DESC, id DESC LIMIT %s", (capacity + 1,)
    )
    floor = 0
    if len(rows) > capacity:
        # Keep whole millisecond groups: the floor sits just above the first video left out.
        floor = int(rows[capacity]["created_at"]) + 1
    mapping = {str(row["id"]): int(row["created_at"]) for row in rows if int(row["created_at"]) >= floor}
    mapping[keys.SENTINEL] = floor
    # NX keeps what a concurrent publish added; those are newer than anything MySQL returned.
    read_model.store_zset(keys.VIDEO_FEED, mapping)


def rebuild_author_indexes(author_ids: Iterable[int]) -> None:
    """Load the newest videos of each of ``author_ids`` into their (bounded) indexes: services/id_sets.py."""
    id_sets.rebuild_missing(id_sets.AUTHOR_VIDEOS, [int(i) for i in author_ids])


def ensure_indexes(author_ids: Iterable[int]) -> None:
    """Make the feed and the authors' indexes complete before a writer adds to them, cutting back an author's index
    that publishes grew past id_sets.TRIM_AT (adding goes around the scripts that trim)."""
    authors = list(dict.fromkeys(map(int, author_ids)))
    if get_redis().zscore(keys.VIDEO_FEED, keys.SENTINEL) is None:
        rebuild_feed()
    loaded = id_sets.touch_many(id_sets.AUTHOR_VIDEOS, authors)
    rebuild_author_indexes(a for a, present in zip(authors, loaded, strict=True) if not present)


# Writing -----------------------------------------------------------------------------------------


def add_videos(videos: Iterable[tuple[int, int, int]], pipe: Pipeline | None = None) -> None:
    """Index (video_id, author_id, created_at) triples in the feed and the authors' lists.

    Call ``ensure_indexes`` for the authors first. With ``pipe`` the commands join the caller's batch.
    """
    own = pipe is None
    pipe = pipe if pipe is not None else get_redis().pipeline(transaction=False)
    for video_id, author_id, created_at in videos:
        pipe.zadd(keys.VIDEO_FEED, {str(video_id): created_at})
        pipe.zadd(keys.user_videos(author_id), {str(video_id): created_at})
        pipe.expire(keys.VIDEO_FEED, keys.CACHE_TTL_SECONDS)
        pipe.expire(keys.user_videos(author_id), keys.CACHE_TTL_SECONDS)
    if own:
        pipe.execute()


def remove_videos(videos: Iterable[tuple[int, int]], pipe: Pipeline | None = None) -> None:
    """Take (video_id, author_id) pairs out of the feed and the authors' lists."""
    own = pipe is None
    pipe = pipe if pipe is not None else get_redis().pipeline(transaction=False)
    for video_id, author_id in videos:
        pipe.zrem(keys.VIDEO_FEED, str(video_id))
        pipe.zrem(keys.user_videos(author_id), str(video_id))
    if own:
        pipe.execute()


def trim_feed(capacity: int = FEED_CAPACITY) -> int:
    """Keep the feed index at about ``capacity`` entries; returns how many were dropped."""
    return int(get_redis().eval(_TRIM_FEED, 1, keys.VIDEO_FEED, capacity, keys.SENTINEL))


# Reading -----------------------------------------------------------------------------------------


def feed_before(before_ms: int, count: int) -> tuple[list[Entry], int | None]:
    """Up to ``count`` feed entries with before_ms > created_at >= floor (newest first), and the floor.

    The floor is None when the index is missing (the caller rebuilds it). The index is exact only at or
    above the floor: a caller that gets fewer than ``count`` entries while the floor is above 0 reads MySQL.
    """
    pipe = get_redis().pipeline(transaction=False)
    pipe.zscore(keys.VIDEO_FEED, keys.SENTINEL)
    # One extra in case the sentinel falls inside the window.
    pipe.zrevrangebyscore(keys.VIDEO_FEED, f"({before_ms}", "-inf", start=0, num=count + 1, withscores=True)
    floor, pairs = pipe.execute()
    if floor is None:
        return [], None
    # A replayed old event may re-add a video below the floor; around it the index has gaps.
    entries = [entry for entry in _entries(pairs) if entry.created_at >= floor]
    return newest_first(entries)[:count], int(floor)


def feed_at(created_at: int) -> list[Entry]:
    """Every feed entry created in exactly this millisecond."""
    pairs = get_redis().zrangebyscore(keys.VIDEO_FEED, created_at, created_at, withscores=True)
    return _entries(cast("list[tuple[str, float]]", pairs))  # decode_responses=True: (member, score)


def author_entries(author_id: int) -> list[Entry]:
    """The videos of ``author_id`` in its index (the newest id_sets.WINDOW), newest first (rebuilding the index if
    it is missing)."""
    key = keys.user_videos(author_id)
    pipe = get_redis().pipeline(transaction=False)
    pipe.zscore(key, keys.SENTINEL)
    pipe.zrange(key, 0, -1, withscores=True)
    mark, pairs = pipe.execute()
    if mark is None:
        rebuild_author_indexes([author_id])
        pairs = get_redis().zrange(key, 0, -1, withscores=True)
    return newest_first(_entries(pairs))


# The same reads straight from MySQL, for pages below the feed's floor ------------------------------


def feed_before_from_database(before_ms: int, count: int) -> list[Entry]:
    rows = get_database().query(
        "SELECT id, created_at FROM videos WHERE created_at < %s ORDER BY created_at DESC, id DESC LIMIT %s",
        (before_ms, count),
    )
    return [Entry(int(row["created_at"]), int(row["id"])) for row in rows]


def feed_at_from_database(created_at: int) -> list[Entry]:
    rows = get_database().query("SELECT id FROM videos WHERE created_at = %s", (created_at,))
    return [Entry(created_at, int(row["id"])) for row in rows]
