"""Redis key names and the conventions of the read model, in one place.

Conventions every writer follows (so that Redis can be flushed, or any key evicted, and rebuilt from
MySQL at any time):
- A hash that exists is complete. Readers that miss a key rebuild it from MySQL (see user_stats,
  video_stats and the domain services); writers call the same ``ensure_*`` loaders before they apply
  a change, then change it.
- A sorted set is loaded when it holds its SENTINEL (score 0 when it is complete, so an empty one exists);
  readers skip that member. A writer's ZADD can land just after the key expired or was evicted and create
  it holding that member alone: such a key counts as missing (if_zset_loaded), and its rebuild adds
  MySQL's members with NX, keeping the writer's.
  A user's likes, followings, followers and friends are bounded (services/id_sets.py): they keep the newest
  WINDOW members, and when MySQL holds more the SENTINEL's score is their floor (complete strictly above it;
  below it MySQL answers by index).
- Counters live in one hash per user and per video (fields listed below) and change by HINCRBY, only
  while the hash exists (one script checks and changes), so an increment never makes a partial hash.
- Every key but ID_WORKER_LEASES expires: CACHE_TTL_SECONDS after its last rebuild or write (writers
  refresh it as they check that the key is loaded), or sooner for the short-lived ones. Redis therefore
  runs under a memory cap with ``volatile-lru`` (ElastiCache's default): an evicted key is rebuilt on its
  next read.
"""

from __future__ import annotations

from typing import NamedTuple

PREFIX = "gt:"
SENTINEL = "_"


def if_zset_loaded(body: str, otherwise: str) -> str:
    """A Lua script that runs ``body`` when the sorted set KEYS[1] is loaded (holds its SENTINEL) and else returns
    ``otherwise`` (a Lua expression), for the scripts that check a set and change it."""
    return f"if redis.call('ZSCORE', KEYS[1], '{SENTINEL}') == false then return {otherwise} end\n{body}"


PROFILE_TTL_SECONDS = 24 * 3600
CACHE_TTL_SECONDS = 7 * 24 * 3600
# HASH worker id -> "<lease token>:<expiry ms>": the snowflake worker ids leased by live containers (gophertok/ids.py).
# The one key without an expiry, so that volatile-lru never evicts it: a lost hash would let a new container
# lease a worker id a live one still uses. (Leases expire inside it; under allkeys-lru it could still go.)
ID_WORKER_LEASES = f"{PREFIX}ids:workers"


class UserStats(NamedTuple):
    """The fields of a user's counters hash (user_stats), as the read model hands them out."""

    follow_count: int
    follower_count: int
    work_count: int
    favorite_count: int
    total_favorited: int


class VideoStats(NamedTuple):
    """The fields of a video's counters hash (video_stats)."""

    favorite_count: int
    comment_count: int


USER_STAT_FIELDS = UserStats._fields
VIDEO_STAT_FIELDS = VideoStats._fields


def rebuild_lock(key: str) -> str:
    """STRING (short TTL): held by the one request rebuilding ``key`` from MySQL; others wait for it."""
    return f"{key}:rebuilding"


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


def user_friends(user_id: int) -> str:
    """ZSET friend id -> since ms (+ SENTINEL): mutual follows of ``user_id``; since is the later of the two
    follows. Kept in step by relation changes (only while loaded), rebuilt from MySQL when missing."""
    return f"{PREFIX}user:{user_id}:friends"


def user_likes(user_id: int) -> str:
    """ZSET video id -> liked_at ms (+ SENTINEL): the videos ``user_id`` likes."""
    return f"{PREFIX}user:{user_id}:likes"


def video_stats(video_id: int) -> str:
    """HASH of VIDEO_STAT_FIELDS."""
    return f"{PREFIX}video:{video_id}:stats"


def video(video_id: int) -> str:
    """STRING: JSON of the immutable video row (id, author_id, title, play_key, cover_key, created_at)."""
    return f"{PREFIX}video:{video_id}"


def conversation(user_a: int, user_b: int) -> str:
    """ZSET message JSON (id, from_user_id, to_user_id, content) -> create_time ms (+ SENTINEL): the chat
    between two users, both directions. create_time is unique within a conversation, so the score orders it."""
    a, b = int(user_a), int(user_b)
    return f"{PREFIX}chat:{{{min(a, b)}:{max(a, b)}}}:messages"


VIDEO_FEED = f"{PREFIX}videos:feed"
"""ZSET video id -> created_at ms: the newest videos of everyone. Its SENTINEL's score is the floor:
the set holds every video created at or after it (older ones are read from MySQL)."""


def user_videos(user_id: int) -> str:
    """ZSET video id -> created_at ms (+ SENTINEL): the videos ``user_id`` published."""
    return f"{PREFIX}user:{user_id}:videos"


def user_likes_clock(user_id: int) -> str:
    """STRING: the last like/unlike version issued for ``user_id`` (see services/favorites.py).

    The hash tag is the whole user_likes key, so the two live in one cluster slot and one Lua script
    can change both atomically.
    """
    return "{" + user_likes(user_id) + "}:clock"


def user_following_clock(user_id: int) -> str:
    """STRING: the last follow/unfollow version issued for ``user_id`` (see services/relations.py); hash-tagged
    with the user_following key so one Lua script changes both on a cluster."""
    return "{" + user_following(user_id) + "}:clock"


def video_comments(video_id: int) -> str:
    """ZSET comment id -> created_at ms (+ SENTINEL): the live comments of ``video_id``."""
    return f"{PREFIX}video:{video_id}:comments"


def comment(comment_id: int) -> str:
    """STRING: JSON of a comment row (id, video_id, user_id, content, created_at, deleted_at)."""
    return f"{PREFIX}comment:{comment_id}"


def upload(upload_id: str) -> str:
    """STRING (TTL): JSON of a presigned upload waiting for its object (author_id, title, content_type, size)."""
    return f"{PREFIX}upload:{upload_id}"


def upload_outcome(upload_id: str) -> str:
    """STRING (TTL): what ingesting the upload produced (the video id, or ``rejected``); set once."""
    return f"{PREFIX}upload:{upload_id}:outcome"


def upload_lock(upload_id: str) -> str:
    """STRING (short TTL): held while one delivery ingests the upload, so a concurrent one backs off."""
    return f"{PREFIX}upload:{upload_id}:lock"


def reconcile_cursor(table: str) -> str:
    """STRING: the last id of ``table`` the reconciliation checked (services/reconciliation.py)."""
    return f"{PREFIX}reconcile:{table}:cursor"


def reconcile_priority(table: str) -> str:
    """SET (TTL): ids of ``table`` whose counters were rebuilt from MySQL (after an eviction or a flush, possibly
    while changes were still on their way there): the reconciliation checks them first."""
    return f"{PREFIX}reconcile:{table}:priority"


def reconcile_suspect(drift: str) -> str:
    """STRING (TTL): JSON of a difference seen once ({truth, at}), repaired if the next run sees it again."""
    return f"{PREFIX}reconcile:suspect:{drift}"


def rate_limit(action: str, subject: str) -> str:
    """STRING (TTL): the GCRA theoretical arrival time in ms of ``action`` by ``subject`` (a user id or an IP).

    One key per (action, subject) and per script call, so limits work unchanged on Redis Cluster; the TTL is
    the time until the limit is full again, so an idle subject leaves nothing behind.
    """
    return f"{PREFIX}rl:{action}:{subject}"


def login_failures(scope: str, subject: str) -> str:
    """HASH (TTL) ``failures``, ``until`` (ms): recent failed logins of one username or source IP and the end of
    its lockout. ``scope`` is ``user`` (subject: a digest of the normalised username) or ``ip``."""
    return f"{PREFIX}rl:login:{scope}:{subject}"
