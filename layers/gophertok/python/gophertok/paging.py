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

from gophertok import keys
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


Listing = tuple[list[dict[str, Any]], str]  # a page of contract objects and its next_cursor


@dataclass(frozen=True)
class Page:
    ids: list[int]
    next_cursor: str  # "" when there is nothing after this page


def newest_first(
    key: str, cursor: Cursor | None, size: int = PAGE_SIZE, rebuild: Callable[[], object] | None = None
) -> Page:
    """One page of an id ZSET (highest score first), after ``cursor``; the SENTINEL is skipped.

    A loaded key always holds its SENTINEL, so an empty read means the key is missing: ``rebuild`` then
    loads it and the page is read again. One Redis round trip when the key is loaded, unless more than
    _TIE_SLACK members share the cursor's score.
    """
    redis = get_redis()
    slack = _TIE_SLACK
    while True:
        wanted = size + 2 + (slack if cursor else 0)  # +1 to know if more follow, +1 for the sentinel
        if cursor is None:
            raw = redis.zrevrange(key, 0, wanted - 1, withscores=True)
        else:
            raw = redis.zrevrangebyscore(key, cursor.score, "-inf", start=0, num=wanted, withscores=True)
        rows = cast("list[tuple[str, float]]", raw)  # decode_responses=True: (member, score) pairs
        if not rows and rebuild is not None:
            rebuild()
            rebuild = None
            continue
        items = [
            (member, int(score))
            for member, score in rows
            if member != keys.SENTINEL and (cursor is None or cursor.precedes(int(score), member))
        ]
        if len(items) > size or len(rows) < wanted:
            break
        slack *= 8
    page = items[:size]
    more = len(items) > size
    return Page([int(member) for member, _ in page], Cursor(page[-1][1], page[-1][0]).encode() if more else "")


def requested_cursor(params: dict[str, str]) -> Cursor | None:
    """The ``cursor`` parameter of a request (absent or empty: the first page)."""
    return parse_cursor(params.get("cursor"))
