"""Bounded id ZSETs of one owner (a user's likes, followings, followers, friends and published videos, a video's
comments), backed by MySQL.

A set holds at most the newest WINDOW members (score: when the like or follow began). When MySQL holds more, the
SENTINEL's score is the set's *floor*: the ZSET is complete strictly above it, and what is at or below it is read
from MySQL by index (list pages past the floor, flags and the write paths' "is it already there?" for an older
member). A floor of 0 means the ZSET holds everything. So a 50M-follower account costs one WINDOW-sized key, loaded
once, instead of a multi-GB key loaded before every follow; a set that grows past TRIM_AT by new writes is cut back
to WINDOW inside the script that touches it.

A member older than the floor that a write is about to change is first *promoted*: added to the ZSET with its
MySQL score (ZADD NX), so the write's check-and-change script sees it and counts the change right.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from gophertok import keys, paging
from gophertok.adapters.mysql import get_database, placeholders
from gophertok.adapters.redis_client import ScriptArg, get_redis, run_script_per_key
from gophertok.errors import Unavailable

WINDOW = 1000  # newest members a set keeps
TRIM_AT = WINDOW + WINDOW // 4  # a set that grew past this (new writes) is cut back to WINDOW
TIE_SLACK = 32  # extra rows read below a page's end, for rows sharing its score
Rows = list[tuple[str, int]]  # (member, score), newest first
Rebuild = Callable[[], object] | None


@dataclass(frozen=True)
class IdSet:
    """One kind of set: its key and the MySQL rows behind it (``select`` picks ``member`` and ``score`` of the
    owner's rows, ``%s`` the owner)."""

    key_of: Callable[[int], str]
    select: str
    member: str  # the member's column, for "which of these ids"
    score: str  # the score's column expression, for "at or below the floor"
    # The table whose reconciliation checks this set's size (services/reconciliation.py): a set rebuilt from MySQL
    # while changes were in flight may be stale, so its owner is put among the ids checked first.
    reconciled_with: str | None = None

    def newest(self, owner: int, limit: int, at_most: int | None = None) -> Rows:
        """The owner's newest ``limit`` rows, or the newest at or below ``at_most``."""
        args: tuple[int, ...]
        if at_most is None:
            sql, args = f"{self.select} ORDER BY score DESC LIMIT %s", (owner, limit)
        else:
            sql, args = f"{self.select} AND {self.score} <= %s ORDER BY score DESC LIMIT %s", (owner, at_most, limit)
        return [(str(row["member"]), int(row["score"])) for row in get_database().query(sql, args)]

    def scores_of(self, owner: int, members: Sequence[str]) -> dict[str, int]:
        """The MySQL scores of those of ``members`` that are in the owner's set."""
        sql = f"{self.select} AND {self.member} IN ({placeholders(len(members))})"
        rows = get_database().query(sql, (owner, *[int(m) for m in members]))
        return {str(row["member"]): int(row["score"]) for row in rows}


FOLLOWING = IdSet(
    keys.user_following,
    "SELECT followee_id AS member, followed_at AS score FROM follows WHERE follower_id = %s AND following = 1",
    "followee_id",
    "followed_at",
    "users",
)
FOLLOWERS = IdSet(
    keys.user_followers,
    "SELECT follower_id AS member, followed_at AS score FROM follows WHERE followee_id = %s AND following = 1",
    "follower_id",
    "followed_at",
    "users",
)
LIKES = IdSet(
    keys.user_likes,
    "SELECT video_id AS member, liked_at AS score FROM favorites WHERE user_id = %s AND liked = 1",
    "video_id",
    "liked_at",
    "users",
)
AUTHOR_VIDEOS = IdSet(  # the videos a user published (the publish list)
    keys.user_videos,
    "SELECT id AS member, created_at AS score FROM videos WHERE author_id = %s",
    "id",
    "created_at",
)
COMMENTS = IdSet(  # a video's live comments (owner: the video)
    keys.video_comments,
    "SELECT id AS member, created_at AS score FROM comments WHERE video_id = %s AND deleted_at IS NULL",
    "id",
    "created_at",
    "videos",
)
# Mutual follows, anchored on the owner's followings (primary key) and each one's edge back (primary key).
FRIENDS = IdSet(
    keys.user_friends,
    "SELECT a.followee_id AS member, GREATEST(a.followed_at, b.followed_at) AS score FROM follows a "
    "JOIN follows b ON b.follower_id = a.followee_id AND b.followee_id = a.follower_id AND b.following = 1 "
    "WHERE a.follower_id = %s AND a.following = 1",
    "a.followee_id",
    "GREATEST(a.followed_at, b.followed_at)",
)

# Lua for the scripts that touch or change a set KEYS[1] (locals trim_at, window, sentinel set by the script): cut
# a set grown past trim_at back to its newest window members (the cut's score becomes the floor, the SENTINEL's).
TRIM_LUA = """
if redis.call('ZCARD', KEYS[1]) > trim_at then
  local top = redis.call('ZREVRANGE', KEYS[1], 0, window + 1, 'WITHSCORES')
  local count = 0
  for i = 1, #top, 2 do
    if top[i] ~= sentinel then
      count = count + 1
      if count == window + 1 then
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', top[i + 1])
        redis.call('ZADD', KEYS[1], top[i + 1], sentinel)
        break
      end
    end
  end
end
"""


def change_script(change: str, result: str, not_loaded: str, below_floor: str) -> str:
    """A script that changes member ARGV[1] of a bounded set KEYS[1] (KEYS[2]: the set's clock; ARGV[2] the action,
    ARGV[3] the TTL, ARGV[4..6] trim_args(), ARGV[7] "1" once the caller promoted the member; run it with
    run_change). It returns ``not_loaded`` when the set is not loaded and ``below_floor`` when the set has a floor
    and lacks the member, which MySQL may then hold below it; else it runs ``change`` (Lua), cuts a set grown past
    TRIM_AT back (after the change: a promoted member cut before it would be changed, and counted, again) and
    returns ``result`` (a Lua expression)."""
    return keys.if_zset_loaded(
        f"""
local trim_at, window, sentinel = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local floor = tonumber(redis.call('ZSCORE', KEYS[1], sentinel))
if floor > 0 and ARGV[7] ~= '1' and not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return {below_floor} end
{change}
{TRIM_LUA}
return {result}
""",
        not_loaded,
    )


def run_change(source: str, kind: IdSet, owner: int, member: int, clock_key: str, action: str) -> list[Any]:
    """The reply of a change_script ``source`` run on the owner's set for ``member``: when the script answers that
    the set is not loaded or may lack an older member (a negative first value), the set is ensured with the member
    (loaded, the member promoted) and the script run again. Unavailable when the set keeps vanishing."""
    redis = get_redis()
    script = redis.register_script(source)
    promoted = "0"
    for _ in range(4):
        args = [member, action, keys.CACHE_TTL_SECONDS, *trim_args(), promoted]
        reply = cast("list[Any]", script(keys=[kind.key_of(owner), clock_key], args=args, client=redis))
        if int(reply[0]) >= 0:
            return reply
        ensure(kind, owner, [member])
        promoted = "1"
    raise Unavailable("the cache keeps losing this list, please retry")


def trim_args() -> list[str | int]:
    """The TRIM_AT, WINDOW and SENTINEL arguments the scripts that trim take, in that order."""
    return [TRIM_AT, WINDOW, keys.SENTINEL]


# KEYS[1] a set; ARGV[1] TTL, ARGV[2] TRIM_AT, ARGV[3] WINDOW, ARGV[4] SENTINEL, ARGV[5..] members. nil when the set
# is not loaded; else the scores of the SENTINEL (the floor) and of the members, after pushing the expiry back and
# cutting a set grown past TRIM_AT back to its newest WINDOW members.
_TOUCH = keys.if_zset_loaded(
    """
redis.call('EXPIRE', KEYS[1], ARGV[1])
local trim_at, window, sentinel = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
"""
    + TRIM_LUA
    + """
return redis.call('ZMSCORE', KEYS[1], unpack(ARGV, 4))
""",
    "false",
)


def ensure(kind: IdSet, owner: int, members: Sequence[int | str] = ()) -> str:
    """The owner's set key, loaded (newest WINDOW from MySQL) if missing, with each of ``members`` that MySQL holds
    below the floor promoted into it; one script call when the set is loaded and nothing needs promoting."""
    ensure_scores(kind, owner, members)
    return kind.key_of(owner)


def ensure_scores(kind: IdSet, owner: int, members: Sequence[int | str]) -> dict[str, float | None]:
    """``ensure``, answering each member's score in the set (None: not in it) from the same script call."""
    from gophertok.services.read_model import rebuild_once

    key, wanted = kind.key_of(owner), [str(m) for m in members]
    redis = get_redis()
    touch = redis.register_script(_TOUCH)
    args: list[str | int] = [keys.CACHE_TTL_SECONDS, *trim_args(), *wanted]
    scores = cast("list[Any] | None", touch(keys=[key], args=args, client=redis))
    if scores is None:
        rebuild_once(key, lambda: _rebuild(kind, owner, key))
        scores = cast("list[Any]", redis.zmscore(key, [keys.SENTINEL, *wanted]))
    found = dict(zip(wanted, scores[1:], strict=True))
    absent = [member for member, score in found.items() if score is None]
    if float(scores[0] or 0) and absent:
        older = kind.scores_of(owner, absent)
        if older:
            redis.zadd(key, dict(older), nx=True)
            found.update(older)
    return {member: None if score is None else float(score) for member, score in found.items()}


def touch_many(kind: IdSet, owners: Sequence[int]) -> list[bool]:
    """For writers that add without the check-and-change scripts (publishing): whether each owner's set is loaded,
    having pushed back its expiry and cut it back to WINDOW if writes grew it past TRIM_AT (one script call a key,
    pipelined)."""
    args: list[ScriptArg] = [keys.CACHE_TTL_SECONDS, *trim_args()]
    answers = run_script_per_key(_TOUCH, [(kind.key_of(owner), args) for owner in owners])
    return [answer is not None for answer in answers]


def rebuild_missing(kind: IdSet, owners: Sequence[int]) -> None:
    """Load the sets of ``owners`` that are known to be missing: one statement for all of them (a UNION ALL of
    each owner's newest rows, each part on the index), one pipeline to store them."""
    from gophertok.services.read_model import store_zset

    wanted = list(dict.fromkeys(int(owner) for owner in owners))
    if not wanted:
        return
    part = f"(SELECT %s AS owner, {kind.select.removeprefix('SELECT ')} ORDER BY score DESC LIMIT %s)"
    args = [value for owner in wanted for value in (owner, owner, WINDOW + 1)]
    rows: dict[int, Rows] = {owner: [] for owner in wanted}
    for row in get_database().query(" UNION ALL ".join([part] * len(wanted)), args):
        rows[int(row["owner"])].append((str(row["member"]), int(row["score"])))
    for owner, found in rows.items():
        store_zset(kind.key_of(owner), _bounded(found), _checked_as(kind, owner))


def _bounded(rows: Rows) -> dict[str, int]:
    """The mapping to store for ``rows`` (any order): the newest WINDOW above the floor, and the SENTINEL."""
    rows = sorted(rows, key=lambda row: row[1], reverse=True)
    floor = rows[WINDOW][1] if len(rows) > WINDOW else 0
    mapping = {member: score for member, score in rows if score > floor}
    mapping[keys.SENTINEL] = floor
    return mapping


def _rebuild(kind: IdSet, owner: int, key: str) -> None:
    from gophertok.services.read_model import store_zset

    store_zset(key, _bounded(kind.newest(owner, WINDOW + 1)), _checked_as(kind, owner))


def _checked_as(kind: IdSet, owner: int) -> tuple[str, int] | None:
    return None if kind.reconciled_with is None else (kind.reconciled_with, owner)


def store(kind: IdSet, owner: int, rows: Rows) -> None:
    """Store a set computed elsewhere (``rows``: every member, any order), bounded like a loaded one."""
    from gophertok.services.read_model import store_zset

    store_zset(kind.key_of(owner), _bounded(rows), _checked_as(kind, owner))


def floor_of(key: str) -> int | None:
    """The set's floor (0: complete), or None when it is not loaded."""
    score = get_redis().zscore(key, keys.SENTINEL)
    return None if score is None else int(score)


def page(
    kind: IdSet, owner: int, cursor: paging.Cursor | None, size: int = paging.PAGE_SIZE, rebuild: Rebuild = None
) -> paging.Page:
    """One newest-first page of the owner's set after ``cursor``: loaded first when missing (``rebuild``, by default
    ``ensure``), continued from MySQL below its floor."""
    return paging.newest_first(
        kind.key_of(owner), cursor, size, rebuild=rebuild or (lambda: ensure(kind, owner)), below=below(kind, owner)
    )


def below(kind: IdSet, owner: int) -> Callable[[int, Any, int], Rows]:
    """For paging.newest_first: ``fetch(top, cursor, n)`` gives the ``n`` rows after ``cursor`` (a paging.Cursor
    or None) at or below score ``top``, newest first and ordered on ties as Redis orders members."""

    def fetch(top: int, cursor: Any, n: int) -> Rows:
        if cursor is not None:
            top = min(top, cursor.score)
        limit = n + 1 + TIE_SLACK
        while True:
            rows = sorted(kind.newest(owner, limit, at_most=top), key=lambda row: (row[1], row[0]), reverse=True)
            full = len(rows) == limit
            if full:  # the lowest score may have more rows than were read: only what is above it is certain
                lowest = rows[-1][1]
                rows = [row for row in rows if row[1] > lowest]
            after = [row for row in rows if cursor is None or cursor.precedes(row[1], row[0])]
            if len(after) >= n or not full:
                return after[:n]
            limit *= 8

    return fetch
