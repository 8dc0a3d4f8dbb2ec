"""Redis key names and the conventions of the read model, in one place.

Conventions every writer follows (so that Redis can be flushed and rebuilt from MySQL at any time):
- A key that exists is complete. Readers that miss a key rebuild it from MySQL (see user_stats,
  video_stats and the domain services); writers call the same ``ensure_*`` loaders before they apply
  a change, then change it, so a write never creates a partial key.
- Sorted sets that may legitimately be empty hold the SENTINEL member with score 0; readers skip it.
- Counters live in one hash per user and per video (fields listed below) and change by HINCRBY.
"""

from __future__ import annotations

PREFIX = "gt:"
SENTINEL = "_"
PROFILE_TTL_SECONDS = 24 * 3600
ID_WORKER_COUNTER = f"{PREFIX}ids:worker"

USER_STAT_FIELDS = ("follow_count", "follower_count", "work_count", "favorite_count", "total_favorited")
VIDEO_STAT_FIELDS = ("favorite_count", "comment_count")


def user_profile(user_id: int) -> str:
    return f"{PREFIX}user:{user_id}:profile"


def user_stats(user_id: int) -> str:
    """HASH of USER_STAT_FIELDS."""
    return f"{PREFIX}user:{user_id}:stats"


def user_following(user_id: int) -> str:
    """ZSET followee id -> followed_at ms (+ SENTINEL): whom ``user_id`` follows."""
    return f"{PREFIX}user:{user_id}:following"


def user_followers(user_id: int) -> str:
    """ZSET follower id -> followed_at ms (+ SENTINEL): who follows ``user_id``."""
    return f"{PREFIX}user:{user_id}:followers"


def user_likes(user_id: int) -> str:
    """ZSET video id -> liked_at ms (+ SENTINEL): the videos ``user_id`` likes."""
    return f"{PREFIX}user:{user_id}:likes"


def video_stats(video_id: int) -> str:
    """HASH of VIDEO_STAT_FIELDS."""
    return f"{PREFIX}video:{video_id}:stats"


def video(video_id: int) -> str:
    """STRING: JSON of the immutable video row (id, author_id, title, play_key, cover_key, created_at)."""
    return f"{PREFIX}video:{video_id}"
