"""The chat read model: one Redis ZSET per conversation, holding its newest messages.

Members are the message JSON without its time; the score is ``create_time`` in ms. Appending allocates a
``create_time`` from the Redis clock (one clock for every instance, not the container's), strictly greater than
the newest one of that conversation, atomically in Redis, so no two messages of a conversation share a
millisecond: score order is send order, and a poll for "newer than t" can neither skip nor repeat a message.
The newest member is the pair's last message, which the friend list shows.

A conversation is loaded from MySQL with only its newest messages: the SENTINEL's score is the *floor*,
and the ZSET holds every message created at or after it (0: the whole conversation). Older messages are
read from MySQL with queries anchored on the pair's index, so a chat with 10,000 messages costs what one
with 200 does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, NamedTuple

import orjson

from gophertok import jsontext, keys
from gophertok.adapters.mysql import get_database
from gophertok.adapters.redis_client import get_redis, highest_members
from gophertok.errors import Unavailable
from gophertok.services import read_model

Pair = tuple[int, int]

# Lua: ``at``, the Redis clock's time in ms (one clock for every message, whichever function sends it).
_NOW_MS = """
local now = redis.call('TIME')
local at = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
"""

# KEYS[1] conversation; ARGV[1] member; ARGV[2] TTL. Returns the create_time (Redis TIME in ms, after the newest),
# or nil when the conversation is not loaded (the caller rebuilds it from MySQL and retries).
_APPEND = keys.if_zset_loaded(
    _NOW_MS
    + """
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if newest[2] and tonumber(newest[2]) >= at then at = tonumber(newest[2]) + 1 end
redis.call('ZADD', KEYS[1], at, ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return at
""",
    "false",
)

# KEYS[1] a conversation that is not loaded; ARGV[1] the SENTINEL, ARGV[2] the TTL. Loads it empty with its floor at
# now: every message from now on is appended above the floor, and the history below it is read from MySQL as for
# any floor. For a send while MySQL is down.
_OPEN_AT_NOW = (
    """
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
"""
    + _NOW_MS
    + """
redis.call('ZADD', KEYS[1], at, ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""
)


class Message(NamedTuple):  # a tuple: a friend list page builds one per friend (its last message)
    id: int
    from_user_id: int
    to_user_id: int
    content: str
    create_time: int

    @property
    def pair(self) -> Pair:
        return pair_of(self.from_user_id, self.to_user_id)

    def member(self) -> str:
        """The ZSET member: deterministic, so a rebuild or a replay writes the very same member."""
        body = {
            "id": self.id,
            "from_user_id": self.from_user_id,
            "to_user_id": self.to_user_id,
            "content": self.content,
        }
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_member(cls, member: str, score: float) -> Message:
        body = orjson.loads(member)  # (members stay written by json: ZREM needs the very same text)
        return cls(int(body["id"]), int(body["from_user_id"]), int(body["to_user_id"]), body["content"], int(score))

    def as_json(self) -> dict[str, Any]:
        """The contract's ``Message`` object."""
        return {
            "id": self.id,
            "to_user_id": self.to_user_id,
            "from_user_id": self.from_user_id,
            "content": self.content,
            "create_time": self.create_time,
        }


def pair_of(user_a: int, user_b: int) -> Pair:
    low, high = sorted((int(user_a), int(user_b)))
    return low, high


def append(from_user_id: int, to_user_id: int, message_id: int, content: str) -> Message:
    """Add a message to its conversation and return it with its allocated ``create_time``."""
    key = keys.conversation(from_user_id, to_user_id)
    draft = Message(message_id, from_user_id, to_user_id, content, 0)
    redis = get_redis()
    script = redis.register_script(_APPEND)
    for _ in range(3):
        created = script(keys=[key], args=[draft.member(), keys.CACHE_TTL_SECONDS], client=redis)
        if created is not None:
            return Message(message_id, from_user_id, to_user_id, content, int(created))
        try:
            ensure([draft.pair], depth=1)
        except Unavailable:  # MySQL is down: a send needs none of the history, which stays below the floor
            opened = redis.register_script(_OPEN_AT_NOW)
            opened(keys=[key], args=[keys.SENTINEL, keys.CACHE_TTL_SECONDS], client=redis)
    raise RuntimeError(f"conversation {key} vanished while appending")  # Redis flushed in a loop


def remove(message: Message) -> None:
    """Take back a message that could not be published."""
    get_redis().zrem(keys.conversation(message.from_user_id, message.to_user_id), message.member())


MessageObject = dict[str, Any]  # the contract's Message: what the chat reads return, built straight from Redis


def read_after(user_a: int, user_b: int, after_ms: int, limit: int) -> list[MessageObject] | None:
    """Up to ``limit`` messages of the pair with ``create_time`` > ``after_ms``, oldest first; None if the
    conversation is not loaded. One Redis round trip when ``after_ms`` is at or above the floor."""
    key = keys.conversation(user_a, user_b)
    pipe = get_redis().pipeline(transaction=False)
    pipe.zscore(key, keys.SENTINEL)
    pipe.zrangebyscore(key, f"({int(after_ms)}", "+inf", start=0, num=limit + 1, withscores=True)
    floor, rows = pipe.execute()
    if floor is None:
        return None
    found = _above_floor(rows, int(floor))
    if after_ms + 1 < floor:  # the messages between after_ms and the floor are only in MySQL
        stored = _stored_between(pair_of(user_a, user_b), after_ms, int(floor), limit)
        found = [message.as_json() for message in stored] + found
    return found[:limit]


def newest(user_a: int, user_b: int, before_ms: int | None, limit: int) -> tuple[list[MessageObject], bool] | None:
    """The newest ``limit`` messages of the pair created before ``before_ms`` (None: up to now), newest
    first, and whether older ones exist; None if the conversation is not loaded."""
    key = keys.conversation(user_a, user_b)
    pipe = get_redis().pipeline(transaction=False)
    pipe.zscore(key, keys.SENTINEL)
    upper = "+inf" if before_ms is None else f"({int(before_ms)}"
    pipe.zrevrangebyscore(key, upper, "-inf", start=0, num=limit + 2, withscores=True)
    floor, rows = pipe.execute()
    if floor is None:
        return None
    found = _above_floor(rows, int(floor))
    if len(found) <= limit and floor:
        below = int(floor) if before_ms is None else min(int(floor), int(before_ms))
        older = _stored_newest([pair_of(user_a, user_b)], limit + 1 - len(found), below).get(
            pair_of(user_a, user_b), []
        )
        if before_ms is None:
            _deepen(key, older[: limit - len(found)], complete=len(older) <= limit - len(found))
        found += [message.as_json() for message in older]
    return found[:limit], len(found) > limit


def _above_floor(rows: list[tuple[str, float]], floor: int) -> list[MessageObject]:
    """The messages of a ZSET read as contract objects, in its order (by score); entries below the floor (a
    consumer's late re-add) are skipped because MySQL is read for that range. The members are JSON objects of
    every field but ``create_time`` (their score), parsed in one call."""
    kept = [(member, score) for member, score in rows if member != keys.SENTINEL and score >= floor]
    bodies: list[MessageObject] = jsontext.loads_many([member for member, _ in kept])
    for body, (_, score) in zip(bodies, kept, strict=True):
        body["create_time"] = int(score)
    return bodies


def _deepen(key: str, older: list[Message], complete: bool) -> None:
    """Add ``older`` (newest first) below the floor and lower the floor to the oldest of them (0 when the
    conversation is now complete), in one transaction."""
    if not older and not complete:
        return
    new_floor = 0 if complete else older[-1].create_time
    pipe = get_redis().pipeline(transaction=True)
    if older:
        pipe.zadd(key, {message.member(): message.create_time for message in older}, nx=True)
    pipe.zadd(key, {keys.SENTINEL: new_floor}, xx=True, lt=True)  # only ever lowers the floor
    pipe.execute()


def last_messages(owner_id: int, others: Iterable[int]) -> dict[int, Message | None]:
    """The newest message between ``owner_id`` and each of ``others`` (None if they never chatted).

    One pipelined round trip when every conversation is loaded; missing ones are loaded together, with
    their newest message only.
    """
    others = list(dict.fromkeys(map(int, others)))
    if not others:
        return {}
    newest_found = _newest_members(owner_id, others)
    missing = [other for other in others if other not in newest_found]
    if missing:
        ensure([pair_of(owner_id, other) for other in missing], depth=1)
        newest_found.update(_newest_members(owner_id, missing))
    return {other: newest_found.get(other) for other in others}


def _newest_members(owner_id: int, others: list[int]) -> dict[int, Message | None]:
    """{other: newest message or None} for the loaded conversations; unloaded ones are absent."""
    newest = highest_members(get_redis(), [keys.conversation(owner_id, other) for other in others])
    found: dict[int, Message | None] = {}
    for other, top in zip(others, newest, strict=True):
        if top is not None:  # a loaded conversation always holds at least the sentinel
            member, score = top
            found[other] = None if member == keys.SENTINEL else Message.from_member(member, score)
    return found


def ensure(pairs: Iterable[Pair], depth: int) -> None:
    """Load the conversations of ``pairs`` that are not in Redis, each with its newest ``depth`` messages
    (one query for all pairs)."""
    wanted = list(dict.fromkeys(pair_of(*pair) for pair in pairs))
    if not wanted:
        return
    redis = get_redis()
    pipe = redis.pipeline(transaction=False)
    for pair in wanted:
        pipe.zscore(keys.conversation(*pair), keys.SENTINEL)
    missing = [pair for pair, floor in zip(wanted, pipe.execute(), strict=True) if floor is None]
    if not missing:
        return
    history = _stored_newest(missing, depth)
    pipe = redis.pipeline(transaction=False)
    for pair in missing:
        loaded = history.get(pair, [])
        mapping = {message.member(): message.create_time for message in loaded}
        mapping[keys.SENTINEL] = loaded[-1].create_time if len(loaded) >= depth else 0
        # NX: members a concurrent writer added meanwhile keep their score.
        pipe.zadd(keys.conversation(*pair), mapping, nx=True)
        pipe.expire(keys.conversation(*pair), keys.CACHE_TTL_SECONDS)
    pipe.execute()


_COLUMNS = "id, from_user_id, to_user_id, content, created_at"


def _directions(pairs: Iterable[Pair]) -> Iterable[tuple[int, int]]:
    for low, high in pairs:
        yield low, high
        yield high, low


def _messages(rows: Iterable[dict[str, Any]]) -> dict[Pair, list[Message]]:
    by_pair: dict[Pair, list[Message]] = {}
    for row in rows:
        message = Message(
            int(row["id"]), int(row["from_user_id"]), int(row["to_user_id"]), row["content"], int(row["created_at"])
        )
        by_pair.setdefault(message.pair, []).append(message)
    return by_pair


def _stored_newest(pairs: list[Pair], depth: int, before_ms: int | None = None) -> dict[Pair, list[Message]]:
    """The newest ``depth`` stored messages of each pair (before ``before_ms``), newest first.

    One statement: per direction of each pair, a LIMITed range of the (from, to, created_at) index.
    """
    bound = "" if before_ms is None else " AND created_at < %s"
    parts, args = [], []
    for sender, receiver in _directions(pairs):
        parts.append(
            f"(SELECT {_COLUMNS} FROM messages WHERE from_user_id = %s AND to_user_id = %s{bound} "
            "ORDER BY created_at DESC, id DESC LIMIT %s)"
        )
        args += [sender, receiver, *([] if before_ms is None else [before_ms]), depth]
    found = _messages(get_database().query(" UNION ALL ".join(parts), args))
    return {
        pair: sorted(messages, key=lambda m: m.create_time, reverse=True)[:depth] for pair, messages in found.items()
    }


def _stored_between(pair: Pair, after_ms: int, below_ms: int, limit: int) -> list[Message]:
    """Up to ``limit`` stored messages of the pair with after_ms < created_at < below_ms, oldest first."""
    parts, args = [], []
    for sender, receiver in _directions([pair]):
        parts.append(
            f"(SELECT {_COLUMNS} FROM messages WHERE from_user_id = %s AND to_user_id = %s "
            "AND created_at > %s AND created_at < %s ORDER BY created_at, id LIMIT %s)"
        )
        args += [sender, receiver, after_ms, below_ms, limit]
    found = _messages(get_database().query(" UNION ALL ".join(parts), args)).get(pair, [])
    return sorted(found, key=lambda m: m.create_time)[:limit]


def add_if_loaded(messages: Iterable[Message]) -> None:
    """Put persisted messages back into their conversations if those are loaded but lack them.

    Heals a conversation rebuilt from MySQL while these messages were still on their way there: one round trip
    (per node on a cluster) for all of them.
    """
    by_key: dict[str, dict[str, int]] = {}
    for message in messages:
        by_key.setdefault(keys.conversation(*message.pair), {})[message.member()] = message.create_time
    read_model.add_if_loaded_each(by_key)
