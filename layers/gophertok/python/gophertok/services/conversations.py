"""The chat read model: one Redis ZSET per conversation, rebuilt from MySQL when it is missing.

Members are the message JSON without its time; the score is ``create_time`` in ms. Appending allocates a
``create_time`` from the Redis clock (one clock for every instance, not the container's), strictly greater than
the newest one of that conversation, atomically in Redis, so no two messages of a conversation share a
millisecond: score order is send order, and a poll for "newer than t" can neither skip nor repeat a message.
The newest member is the pair's last message, which the friend list shows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from gophertok import keys
from gophertok.adapters.mysql import get_database
from gophertok.adapters.redis_client import get_redis

Pair = tuple[int, int]

# KEYS[1] conversation; ARGV[1] member. Returns the create_time (Redis TIME in ms, after the newest), or nil when
# the conversation is not loaded (the caller rebuilds it from MySQL and retries).
_APPEND = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local now = redis.call('TIME')
local at = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if newest[2] and tonumber(newest[2]) >= at then at = tonumber(newest[2]) + 1 end
redis.call('ZADD', KEYS[1], at, ARGV[1])
return at
"""

# KEYS[1] conversation; ARGV score, member pairs. Adds only to a loaded conversation, so a
# consumer never creates a partial one.
_ADD_IF_LOADED = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
return redis.call('ZADD', KEYS[1], unpack(ARGV))
"""


@dataclass(frozen=True)
class Message:
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
        body = json.loads(member)
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
        created = script(keys=[key], args=[draft.member()], client=redis)
        if created is not None:
            return Message(message_id, from_user_id, to_user_id, content, int(created))
        ensure([draft.pair])
    raise RuntimeError(f"conversation {key} vanished while appending")  # Redis flushed in a loop


def remove(message: Message) -> None:
    """Take back a message that could not be published."""
    get_redis().zrem(keys.conversation(message.from_user_id, message.to_user_id), message.member())


def read_after(user_a: int, user_b: int, after_ms: int) -> list[Message] | None:
    """Messages of the pair with ``create_time`` > ``after_ms``, oldest first; None if not loaded.

    One Redis round trip, whatever the answer.
    """
    key = keys.conversation(user_a, user_b)
    pipe = get_redis().pipeline(transaction=False)
    pipe.exists(key)
    pipe.zrangebyscore(key, f"({int(after_ms)}", "+inf", withscores=True)
    loaded, rows = pipe.execute()
    if not loaded:
        return None
    return [Message.from_member(member, score) for member, score in rows if member != keys.SENTINEL]


def last_messages(owner_id: int, others: Iterable[int]) -> dict[int, Message | None]:
    """The newest message between ``owner_id`` and each of ``others`` (None if they never chatted).

    One pipelined round trip when every conversation is loaded; missing ones are rebuilt together.
    """
    others = list(dict.fromkeys(int(o) for o in others))
    if not others:
        return {}
    newest = _newest_members(owner_id, others)
    missing = [other for other in others if other not in newest]
    if missing:
        ensure([pair_of(owner_id, other) for other in missing])
        newest.update(_newest_members(owner_id, missing))
    return {other: newest.get(other) for other in others}


def _newest_members(owner_id: int, others: list[int]) -> dict[int, Message | None]:
    """{other: newest message or None} for the loaded conversations; unloaded ones are absent."""
    pipe = get_redis().pipeline(transaction=False)
    for other in others:
        pipe.zrange(keys.conversation(owner_id, other), -1, -1, withscores=True)
    found: dict[int, Message | None] = {}
    for other, rows in zip(others, pipe.execute(), strict=True):
        if rows:  # a loaded conversation always holds at least the sentinel
            member, score = rows[0]
            found[other] = None if member == keys.SENTINEL else Message.from_member(member, score)
    return found


def ensure(pairs: Iterable[Pair]) -> None:
    """Load the conversations of ``pairs`` that are not in Redis from MySQL (one query for all)."""
    wanted = list(dict.fromkeys(pair_of(*pair) for pair in pairs))
    if not wanted:
        return
    redis = get_redis()
    pipe = redis.pipeline(transaction=False)
    for pair in wanted:
        pipe.exists(keys.conversation(*pair))
    missing = [pair for pair, loaded in zip(wanted, pipe.execute(), strict=True) if not loaded]
    if not missing:
        return
    history = load_history(missing)
    pipe = redis.pipeline(transaction=False)
    for pair in missing:
        mapping = {message.member(): message.create_time for message in history.get(pair, [])}
        mapping[keys.SENTINEL] = 0
        # NX: members a concurrent writer added meanwhile keep their score.
        pipe.zadd(keys.conversation(*pair), mapping, nx=True)
    pipe.execute()


def load_history(pairs: list[Pair]) -> dict[Pair, list[Message]]:
    """Every stored message of each pair, oldest first, in one query."""
    condition = " OR ".join(["(from_user_id = %s AND to_user_id = %s)"] * (2 * len(pairs)))
    args: list[int] = []
    for low, high in pairs:
        args += [low, high, high, low]
    rows = get_database().query(
        "SELECT id, from_user_id, to_user_id, content, created_at FROM messages "
        f"WHERE {condition} ORDER BY created_at, id",
        args,
    )
    history: dict[Pair, list[Message]] = {}
    for row in rows:
        message = Message(
            int(row["id"]), int(row["from_user_id"]), int(row["to_user_id"]), row["content"], int(row["created_at"])
        )
        history.setdefault(message.pair, []).append(message)
    return history


def add_if_loaded(messages: Iterable[Message]) -> None:
    """Put persisted messages back into their conversations if those are loaded but lack them.

    Heals a conversation rebuilt from MySQL while these messages were still on their way there.
    One script call per conversation (scripts cannot be pipelined on a cluster client).
    """
    by_pair: dict[Pair, list[Message]] = {}
    for message in messages:
        by_pair.setdefault(message.pair, []).append(message)
    redis = get_redis()
    script = redis.register_script(_ADD_IF_LOADED)
    for pair, batch in by_pair.items():
        args: list[Any] = []
        for message in batch:
            args += [message.create_time, message.member()]
        script(keys=[keys.conversation(*pair)], args=args, client=redis)
