"""Likes: like/unlike a video, list the videos a user likes, and persist likes from their events.

The synchronous path changes what reads need in Redis: the liker's ``user_likes`` ZSET and the
counters of the video, the liker and the author. Check and change are one Lua script, so a like
counts once however many times it is sent and concurrent like/unlike storms keep the counters
equal to the truth. The same script issues the change's version from the Redis clock, in the order
the changes really happened; the event carries it and the consumer keeps the highest version per
(user, video), so late, early or replayed events converge on the last change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from gophertok import keys, metrics, ratelimit
from gophertok.adapters import kafka
from gophertok.adapters.mysql import get_database
from gophertok.adapters.redis_client import get_redis
from gophertok.errors import InvalidInput, NotFound, Unavailable
from gophertok.events import Event
from gophertok.registry import Topics
from gophertok.services import read_model, users, videos

LIKE, UNLIKE = 1, 2
FAVORITE_CHANGED = "favorite.changed"
LIST_LIMIT = 500  # the contract has no paging; the most recent likes first

# KEYS[1] the likes ZSET, KEYS[2] its clock; ARGV[1] video id, ARGV[2] "1" like / "0" unlike.
# Returns {changed, version, at_ms}. Versions are Redis server microseconds, forced to increase.
_CHANGE_LIKE = """
local now = redis.call('TIME')
local at_us = tonumber(now[1]) * 1000000 + tonumber(now[2])
local at_ms = math.floor(at_us / 1000)
local changed
if ARGV[2] == '1' then
  changed = redis.call('ZADD', KEYS[1], 'NX', at_ms, ARGV[1])
else
  changed = redis.call('ZREM', KEYS[1], ARGV[1])
end
if changed == 0 then
  return {0, '0', '0'}
end
local version = at_us
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
if version <= last then
  version = last + 1
end
redis.call('SET', KEYS[2], string.format('%.0f', version))
return {1, string.format('%.0f', version), string.format('%.0f', at_ms)}
"""

_UPSERT = """
INSERT INTO favorites (user_id, video_id, liked, liked_at, version) VALUES (%s, %s, %s, %s, %s)
ON DUPLICATE KEY UPDATE
  liked = IF(VALUES(version) > version, VALUES(liked), liked),
  liked_at = IF(VALUES(version) > version AND VALUES(liked) = 1, VALUES(liked_at), liked_at),
  version = GREATEST(version, VALUES(version))
"""


@dataclass(frozen=True)
class LikeChange:
    user_id: int
    video_id: int
    liked: bool
    at: int  # unix ms
    version: int

    def event(self) -> Event:
        return Event(
            FAVORITE_CHANGED,
            {
                "user_id": self.user_id,
                "video_id": self.video_id,
                "liked": self.liked,
                "at": self.at,
                "version": self.version,
            },
        )


def liked_for_action(action_type: int | None) -> bool:
    """True for 1 (like), False for 2 (unlike); InvalidInput for anything else."""
    if action_type == LIKE:
        return True
    if action_type == UNLIKE:
        return False
    raise InvalidInput("action_type must be 1 (like) or 2 (unlike)")


def _change(user_id: int, video_id: int, liked: bool) -> LikeChange | None:
    """Apply the change to the liker's ZSET atomically; None when it was already in that state."""
    likes = read_model.ensure_likes(user_id)
    script = get_redis().register_script(_CHANGE_LIKE)
    changed, version, at = script(keys=[likes, keys.user_likes_clock(user_id)], args=[video_id, "1" if liked else "0"])
    if not int(changed):
        return None
    return LikeChange(user_id, video_id, liked, int(at), int(version))


def _count(user_id: int, video: videos.VideoRow, delta: int) -> None:
    read_model.adjust_video_stats([(video.id, "favorite_count", delta)])
    read_model.adjust_user_stats([(user_id, "favorite_count", delta), (video.author_id, "total_favorited", delta)])


def set_favorite(user_id: int, video_id: int, liked: bool) -> bool:
    """Like (``liked``) or unlike a video; returns whether the state changed (idempotent).

    Raises NotFound for an unknown video and Unavailable when the event cannot be published (the
    Redis change is then undone, so the client can retry).
    """
    video = videos.require_video(video_id)
    change = _change(user_id, video.id, liked)
    if change is None:
        return False
    delta = 1 if liked else -1
    # Counters move only after the change won, and before the event exists: a rebuild from MySQL
    # can therefore never count a change whose increment is still to come.
    _count(user_id, video, delta)
    try:
        kafka.publish_one(Topics.FAVORITE_EVENTS, str(user_id), change.event())
    except Unavailable:
        if _change(user_id, video.id, not liked) is not None:
            _count(user_id, video, -delta)
        raise
    metrics.count("Likes" if liked else "Unlikes")
    return True


def apply_favorite_action(user_id: int, video_id: int, action_type: int | None) -> bool:
    """The favorite/action endpoint: ``action_type`` 1 likes, 2 unlikes (see set_favorite)."""
    ratelimit.hit("like", user_id)
    return set_favorite(user_id, video_id, liked_for_action(action_type))


def list_liked_videos(user_id: int, viewer_id: int | None) -> list[dict]:
    """Full Video objects ``user_id`` likes, most recent like first (at most LIST_LIMIT).

    ``is_favorite`` is the viewer's. NotFound for an unknown user.
    """
    if user_id not in users.load_profiles([user_id]):
        raise NotFound("user not found")
    video_ids = read_model.zset_page(read_model.ensure_likes(user_id), 0, LIST_LIMIT - 1)
    return videos.video_objects(video_ids, viewer_id)


def _latest_changes(events: Iterable[Event]) -> list[tuple[int, int, int, int, int]]:
    latest: dict[tuple[int, int], tuple[int, int, int, int, int]] = {}
    for event in events:
        if event.type != FAVORITE_CHANGED:
            continue
        data = event.data
        row = (
            int(data["user_id"]),
            int(data["video_id"]),
            int(bool(data["liked"])),
            int(data["at"]),
            int(data["version"]),
        )
        current = latest.get(row[:2])
        if current is None or row[4] > current[4]:
            latest[row[:2]] = row
    # Primary-key order keeps concurrent batches from deadlocking on each other's rows.
    return [latest[pair] for pair in sorted(latest)]


def persist_favorite_events(events: Iterable[Event]) -> int:
    """Upsert the latest change per (user, video) into ``favorites``; returns the rows written.

    Idempotent and order-free: a row only takes an event's state when the event's version is higher.
    Malformed events raise, so the batch is retried and finally dead-lettered.
    """
    rows = _latest_changes(events)
    if rows:
        get_database().execute_many(_UPSERT, rows)
    return len(rows)
