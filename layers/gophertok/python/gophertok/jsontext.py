"""Compact JSON text: orjson (several times faster than json), and json for what orjson refuses (integers beyond
64 bits), so a hostile value costs speed, never the line or the answer."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any, cast

import orjson


class Rendered:
    """A JSON array whose items are already JSON text: a list page renders its objects straight to text, and
    ``dumps`` embeds them as they are. Iterating parses them back (for callers that want the values)."""

    __slots__ = ("text", "count")

    def __init__(self, items: list[bytes]) -> None:
        self.text = b"[" + b",".join(items) + b"]"
        self.count = len(items)

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[Any]:
        return iter(orjson.loads(self.text))


def _embedded(value: Any) -> Any:
    if isinstance(value, Rendered):
        return orjson.Fragment(value.text)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _parsed(default: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    def fallback(value: Any) -> Any:
        if isinstance(value, Rendered):
            return list(value)
        if default is None:
            raise TypeError(f"{type(value).__name__} is not JSON serializable")
        return default(value)

    return fallback


def dumps(document: Any, default: Callable[[Any], Any] | None = None) -> str:
    """``document`` as compact JSON text; ``default`` converts what JSON has no type for (Rendered is embedded)."""
    try:
        return orjson.dumps(document, default=default or _embedded, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # orjson.JSONEncodeError is one
        return json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=_parsed(default))


def loads_many(entries: Sequence[str | None]) -> list[Any]:
    """Parse cache entries that each hold one JSON value, in one call (a list page reads hundreds); an absent or
    empty entry reads None."""
    return cast("list[Any]", orjson.loads("[" + ",".join([entry or "null" for entry in entries]) + "]"))
