"""Follow and unfollow (write-behind), and their persistence by the relation consumer.

The action changes the read model synchronously: the follower's ``following`` ZSET decides, with
the return value of ZADD NX / ZREM, whether the state really changed; only then do the followee's
``followers`` ZSET and both users' counters move and a ``relation.changed`` event is published.
Each event carries a version issued by the Redis clock inside the script that changes the follower's side (not
the container's clock, which differs between instances); the consumer keeps, per pair, the state of the highest
version, so out-of-order or repeated events converge to the same row.
"""

from __future__ import annotations

from collections.abc import Iterable

from gophertok import ids, keys, logs, metrics, ratelimit
from gophertok.adapters import kafka
from gophertok.adapters.mysql import get_database
from gophertok.adapters.redis_client import get_redis
from gophertok.errors import InvalidInput
from gophertok.events import Event
from gophertok.registry import Topics
from gophertok.services import friends, id_sets, read_model
from gophertok.services.social_targets import require_other_user

FOLLOW, UNFOLLOW = 1, 2
RELATION_CHANGED = "relation.changed"

log = logs.get_logger("gophertok.relations")

# KEYS[1] the follower's following ZSET, KEYS[2] its clock; ARGV[1] followee id, ARGV[2] "1" follow / "0" unfollow
# (the rest: see id_sets.change_script). Returns {changed, at_us, previous score} with at_us from Redis TIME, forced
# to increase per follower.
_CHANGE_FOLLOWING = id_sets.change_script(
    """
local now = redis.call('TIME')
local at_us = tonumber(now[1]) * 1000000 + tonumber(now[2])
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
if at_us <= last then
  at_us = last + 1
end
local previous = redis.call('ZSCORE', KEYS[1], ARGV[1])
local changed
if ARGV[2] == '1' then
  changed = redis.call('ZADD', KEYS[1], 'NX', math.floor(at_us / 1000), ARGV[1])
else
  changed = redis.call('ZREM', KEYS[1], ARGV[1])
end
redis.call('SET', KEYS[2], string.format('%.0f', at_us), 'EX', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[3])""",
    result="{changed, string.format('%.0f', at_us), previous}",
    not_loaded="{-1, '0', false}",
    below_floor="{-2, '0', false}",
)

# Later versions win; ``version`` is assigned last because MySQL evaluates the assignments in order.
_UPSERT = """
INSERT INTO follows (follower_id, followee_id, following, followed_at, version) VALUES (%s, %s, %s, %s, %s)
ON DUPLICATE KEY UPDATE
  following = IF(VALUES(version) > version, VALUES(following), following),
  followed_at = IF(VALUES(version) > version AND VALUES(following) = 1, VALUES(followed_at), followed_at),
  version = GREATEST(version, VALUES(version))
"""


def relation_action(actor_id: int, to_user_id: int, action_type: int) -> bool:
    """Follow (1) or unfollow (2) ``to_user_id``; True if the state changed (repeating is a no-op).

    Raises InvalidInput (unknown action_type, yourself), NotFound (no such user) and Unavailable
    (the event could not be published; the change is then undone).
    """
    ratelimit.hit("follow", actor_id)
    if action_type not in (FOLLOW, UNFOLLOW):
        raise InvalidInput("action_type must be 1 (follow) or 2 (unfollow)")
    verb = "follow" if action_type == FOLLOW else "unfollow"
    require_other_user(actor_id, to_user_id, verb)
    return set_following(actor_id, to_user_id, action_type == FOLLOW)


def set_following(follower_id: int, followee_id: int, following: bool) -> bool:
    """Make ``follower_id`` follow (or not) ``followee_id`` in the read model and announce it.

    Applied whole or not at all: any failure after the change undoes it and is raised. A repeated request
    whose state already matches re-announces that state with a new version, so a crash that lost the first
    request's event is healed by the client's retry.
    """
    following_key = keys.user_following(follower_id)  # _change_following loads it when it must
    followers_key = read_model.ensure_followers(followee_id)
    changed, version, previous = _change_following(follower_id, followee_id, following)
    # A follow that was already in place keeps the time it began; any other change happens now.
    followed_at = int(previous) if following and not changed and previous is not None else ids.timestamp_ms(version)
    event = Event(
        RELATION_CHANGED,
        {
            "follower_id": follower_id,
            "followee_id": followee_id,
            "following": following,
            "followed_at": followed_at,
            "version": version,
        },
    )
    if not changed:
        kafka.publish_one(Topics.RELATION_EVENTS, f"{follower_id}:{followee_id}", event)
        return False
    delta = 1 if following else -1
    counted = False
    try:
        _mirror(followers_key, following_key, follower_id, followee_id, add_score=followed_at if following else None)
        read_model.adjust_user_stats([(follower_id, "follow_count", delta), (followee_id, "follower_count", delta)])
        counted = True
        kafka.publish_one(Topics.RELATION_EVENTS, f"{follower_id}:{followee_id}", event)
    except Exception:
        if following:
            _remove_edge(following_key, followers_key, follower_id, followee_id)
        elif previous is not None:  # always here: an unfollow that changed something had a score
            _add_edge(following_key, followers_key, follower_id, followee_id, previous)
        if counted:
            read_model.adjust_user_stats(
                [(follower_id, "follow_count", -delta), (followee_id, "follower_count", -delta)]
            )
        raise
    friends.on_follow_changed(follower_id, followee_id, following, followed_at)
    metrics.count("Follows" if following else "Unfollows")
    return True


def _change_following(follower_id: int, followee_id: int, following: bool) -> tuple[bool, int, float | None]:
    """Change the follower's side and issue a version in one script (a no-op gets one too); returns whether
    it changed, the version and the edge's previous followed_at."""
    clock = keys.user_following_clock(follower_id)
    action = str(int(following))
    changed, at_us, previous = id_sets.run_change(
        _CHANGE_FOLLOWING, id_sets.FOLLOWING, follower_id, followee_id, clock, action
    )
    version = ids.version_from_redis_time(int(at_us))
    return bool(int(changed)), version, None if previous is None else float(previous)


def _add_edge(following_key: str, followers_key: str, follower_id: int, followee_id: int, at: float) -> bool:
    """ZADD NX on the follower's side decides; the followee's side then mirrors it."""
    redis = get_redis()
    if not redis.zadd(following_key, {str(followee_id): at}, nx=True):
        return False
    _mirror(followers_key, following_key, follower_id, followee_id, add_score=at)
    return True


def _remove_edge(following_key: str, followers_key: str, follower_id: int, followee_id: int) -> float | None:
    """Remove the edge; returns its followed_at if it existed (None: nothing changed)."""
    pipe = get_redis().pipeline(transaction=True)  # one key: atomic on a cluster too
    pipe.zscore(following_key, str(followee_id))
    pipe.zrem(following_key, str(followee_id))
    score, removed = pipe.execute()
    if not removed:
        return None
    _mirror(followers_key, following_key, follower_id, followee_id, add_score=None)
    return float(score)


def _mirror(
    followers_key: str, following_key: str, follower_id: int, followee_id: int, add_score: float | None
) -> None:
    """Apply the change to the followee's side and re-read the follower's side in the same round trip.

    The two ZSETs live on different cluster slots, so no script can change both; if a concurrent
    opposite action on the same pair won on the follower's side, copy its result instead.
    """
    redis = get_redis()
    pipe = redis.pipeline(transaction=False)
    if add_score is None:
        pipe.zrem(followers_key, str(follower_id))
    else:
        pipe.zadd(followers_key, {str(follower_id): add_score})
    pipe.zscore(following_key, str(followee_id))
    _, current = pipe.execute()
    if (current is None) != (add_score is None):
        if current is None:
            redis.zrem(followers_key, str(follower_id))
        else:
            redis.zadd(followers_key, {str(follower_id): current})


def persist_relations(events: Iterable[Event]) -> int:
    """Upsert the ``follows`` rows of ``relation.changed`` events (last writer by version wins).

    Idempotent and order-insensitive: replaying any subset, in any order, leaves the same rows.
    Returns how many events were applied.
    """
    rows = sorted(  # a stable lock order across concurrent batches; versions settle the rest
        (
            int(event.data["follower_id"]),
            int(event.data["followee_id"]),
            1 if event.data["following"] else 0,
            int(event.data["followed_at"]),
            int(event.data["version"]),
        )
        for event in events
        if event.type == RELATION_CHANGED
    )
    if rows:
        get_database().execute_many(_UPSERT, rows)
        log.info("relations persisted", extra={"events": len(rows)})
    return len(rows)
