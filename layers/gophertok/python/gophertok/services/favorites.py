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

from gophertok import keys, metrics, paging, ratelimit
from gophertok.adapters import kafka
from gophertok.adapters.mysql import get_database
from gophertok.errors import InvalidInput, NotFound
from gophertok.events import Event
from gophertok.registry import Topics
from gophertok.services import id_sets, read_model, users, videos

LIKE, UNLIKE = 1, 2
FAVORITE_CHANGED = "favorite.changed"

# KEYS[1] the likes ZSET, KEYS[2] its clock; ARGV[1] video id, ARGV[2] "1" like / "0" unlike (the rest: see
# id_sets.change_script). Returns {changed, version, at_ms}: changed is 1, or 0 when it already was in that state.
# Every call issues a version from the Redis clock, forced to increase, so even a no-op can re-announce the state
# it found.
_CHANGE_LIKE = id_sets.change_script(
    """
local now = redis.call('TIME')
local at_us = tonumber(now[1]) * 1000000 + tonumber(now[2])
local at_ms = math.floor(at_us / 1000)
local changed
if ARGV[2] == '1' then
  changed = redis.call('ZADD', KEYS[1], 'NX', at_ms, ARGV[1])
  if changed == 0 then at_ms = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1])) end
else
  changed = redis.call('ZREM', KEYS[1], ARGV[1])
end
local version = at_us
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
if version <= last then
  version = last + 1
end
redis.call('SET', KEYS[2], string.format('%.0f', version), 'EX', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[3])""",
    result="{changed, string.format('%.0f', version), string.format('%.0f', at_ms)}",
    not_loaded="{-1, '0', '0'}",
    below_floor="{-2, '0', '0'}",
)

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
    changed: bool = True  # False: the state already was this one (the event re-announces it)

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


def _change(user_id: int, video_id: int, liked: bool) -> LikeChange:
    """Apply the change to the liker's ZSET atomically, with its version; ``changed`` False when it was
    already in that state."""
    clock = keys.user_likes_clock(user_id)
    changed, version, at = id_sets.run_change(_CHANGE_LIKE, id_sets.LIKES, user_id, video_id, clock, str(int(liked)))
    return LikeChange(user_id, video_id, liked, int(at), int(version), changed=bool(int(changed)))


def _count(user_id: int, video: videos.VideoRow, delta: int) -> None:
    read_model.adjust_stats(
        users=[(user_id, "favorite_count", delta), (video.author_id, "total_favorited", delta)],
        videos=[(video.id, "favorite_count", delta)],
    )


def set_favorite(user_id: int, video_id: int, liked: bool) -> bool:
    """Like (``liked``) or unlike a video; returns whether the state changed (idempotent).

    A write is applied whole or not at all: when anything fails after the change (the counters, the
    event), the change is undone and the error raised, so the client can retry. A repeated request
    whose state already matches publishes the current state again (with a new version): if a crash
    lost the first request's event, the retry still brings MySQL to the state the client sees.
    Raises NotFound for an unknown video and Unavailable when a backing service is down.
    """
    video = videos.require_video(video_id)
    change = _change(user_id, video.id, liked)
    if not change.changed:
        kafka.publish_one(Topics.FAVORITE_EVENTS, str(user_id), change.event())
        return False
    delta = 1 if liked else -1
    counted = False
    try:
        # Counters move only after the change won, and before the event exists: a rebuild from MySQL
        # can therefore never count a change whose increment is still to come.
        _count(user_id, video, delta)
        counted = True
        kafka.publish_one(Topics.FAVORITE_EVENTS, str(user_id), change.event())
    except Exception:
        if _change(user_id, video.id, not liked).changed and counted:
            _count(user_id, video, -delta)
        raise
    metrics.count("Likes" if liked else "Unlikes")
    return True


def apply_favorite_action(user_id: int, video_id: int, action_type: int | None) -> bool:
    """The favorite/action endpoint: ``action_type`` 1 likes, 2 unlikes (see set_favorite)."""
    ratelimit.hit("like", user_id)
    return set_favorite(user_id, video_id, liked_for_action(action_type))


def list_liked_videos(user_id: int, viewer_id: int | None, cursor: paging.Cursor | None = None) -> paging.Listing:
    """Full Video objects ``user_id`` likes, most recent like first, one page after ``cursor``.

    ``is_favorite`` is the viewer's. NotFound for an unknown user.
    """
    if not users.exists(user_id):
        raise NotFound("user not found")
    page = id_sets.page(id_sets.LIKES, user_id, cursor)
    return videos.video_list(page.ids, viewer_id, liked_by_viewer=user_id == viewer_id), page.next_cursor


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
