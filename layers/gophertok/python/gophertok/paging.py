"""Cursor paging over newest-first lists: an extension of the contract (docs/paging.md).

The contract's lists have no paging, so an answer holds one page: the newest PAGE_SIZE items, which keeps
every answer far below 1 MB whatever the data size. ``next_cursor`` says where the next page starts
(``""`` after the last page); a client that wants more sends it back as ``cursor``. A cursor is the score
and member of the last item shown, so pages neither skip nor repeat items however many share a score.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from gophertok import jsontext, keys
from gophertok.adapters.redis_client import get_redis
from gophertok.errors import InvalidInput

PAGE_SIZE = 500
_TIE_SLACK = 32  # extra members read after a cursor, for items sharing its score
_CURSOR = re.compile(r"([0-9]{1,19})\.([0-9]{1,19})")


@dataclass(frozen=True)
class Cursor:
    score: int
    member: str  # ties on score are ordered by member, as Redis orders them (bytewise)

    def encode(self) -> str:
        return f"{self.score}.{self.member}"

    def precedes(self, score: int, member: str) -> bool:
        """True when (score, member) comes after this cursor in newest-first order."""
        return score < self.score or (score == self.score and member < self.member)


def parse_cursor(raw: str | None) -> Cursor | None:
    """The cursor a client sent back (None for the first page); InvalidInput when it is not one of ours."""
    if not raw:
        return None
    match = _CURSOR.fullmatch(raw)
    if match is None:
        raise InvalidInput("cursor is not valid: send back the next_cursor of the previous page")
    return Cursor(int(match.group(1)), match.group(2))


# a page of contract objects (or their JSON text) and its next_cursor
Listing = tuple[list[dict[str, Any]] | jsontext.Rendered, str]


@dataclass(frozen=True)
class Page:
    ids: list[int]
    next_cursor: str  # "" when there is nothing after this page


Below = Callable[[int, "Cursor | None", int], list[tuple[str, int]]]  # (floor, cursor, n) -> rows from MySQL


def newest_first(
    key: str,
    cursor: Cursor | None,
    size: int = PAGE_SIZE,
    rebuild: Callable[[], object] | None = None,
    below: Below | None = None,
) -> Page:
    """One page of an id ZSET (highest score first), after ``cursor``; the SENTINEL is skipped.

    A loaded key always holds its SENTINEL, so a missing one means the key is missing: ``rebuild`` then loads it
    and the page is read again. A bounded set (services/id_sets.py) whose SENTINEL carries a floor holds only what
    is above it; a page that reaches the floor continues with ``below(floor, cursor, n)`` (MySQL, by index). One
    Redis round trip when the key is loaded, unless more than _TIE_SLACK members share the cursor's score.
    """
    redis = get_redis()
    slack = _TIE_SLACK
    while True:
        wanted = size + 2 + (slack if cursor else 0)  # +1 to know if more follow, +1 for the sentinel
        pipe = redis.pipeline(transaction=False)
        pipe.zscore(key, keys.SENTINEL)
        if cursor is None:
            pipe.zrevrange(key, 0, wanted - 1, withscores=True)
        else:
            pipe.zrevrangebyscore(key, cursor.score, "-inf", start=0, num=wanted, withscores=True)
        sentinel, raw = pipe.execute()
        if sentinel is None and rebuild is not None:
            rebuild()
            rebuild = None
            continue
        floor = int(sentinel or 0)
        rows = cast("list[tuple[str, float]]", raw)  # decode_responses=True: (member, score) pairs
        items: list[tuple[str, float]] = (
            [row for row in rows if row[0] != keys.SENTINEL]  # the pairs as read: only the page's last score is used
            if cursor is None and not floor  # a first page of a complete set: the common case, kept lean
            else [
                (member, int(score))
                for member, score in rows
                if member != keys.SENTINEL
                and (cursor is None or cursor.precedes(int(score), member))
                and (not floor or int(score) > floor)  # at or below the floor, MySQL answers
            ]
        )
        reached_floor = (
            len(rows) < wanted
            or any(member == keys.SENTINEL for member, _ in rows)
            or (cursor is not None and cursor.score <= floor)
        )
        if floor and below is not None and reached_floor and len(items) <= size:
            items += below(floor, cursor, size + 1 - len(items))
            break
        if len(items) > size or len(rows) < wanted:
            break
        slack *= 8
    page = items[:size]
    more = len(items) > size
    return Page([int(member) for member, _ in page], Cursor(int(page[-1][1]), page[-1][0]).encode() if more else "")


def requested_cursor(params: dict[str, str]) -> Cursor | None:
    """The ``cursor`` parameter of a request (absent or empty: the first page)."""
    return parse_cursor(params.get("cursor"))
