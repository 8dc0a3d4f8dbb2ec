"""Contract objects rendered straight to JSON text, for list pages of hundreds of them.

A Video's id, URLs and title, or a User's name, avatar and signature, come from one cache entry each and
change only when that entry does; the counters and the viewer's flags change all the time. ``FixedMembers``
renders the first kind once per container and entry, and a page then only formats the second kind around it:
about a third of a 500-item page's Python otherwise went into building dicts that were serialised at once.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import orjson

from gophertok.adapters.storage import media_base_url


class FixedMembers[E, K: Hashable, T]:
    """What ``render(entry, media_base_url)`` makes of a cache entry (its text, or its parsed fields), kept per
    ``key(entry)`` (which must cover everything the rendering reads, so a changed entry is rendered again) and per
    media URL. At most KEPT entries, past which it starts afresh: a page needs at most a few hundred, and the
    largest entries (a comment of 500 four-byte characters, twice) keep it under ~16 MB."""

    KEPT = 4096

    def __init__(self, key: Callable[[E], K], render: Callable[[E, str], T]) -> None:
        self.key, self.render = key, render
        self.rendered: dict[K, T] = {}
        self.media = ""

    def of(self, entries: list[E]) -> list[T]:
        media, rendered = media_base_url(), self.rendered
        if media != self.media or len(rendered) + len(entries) > self.KEPT:
            rendered = self.rendered = {}
            self.media = media
        found = []
        for entry in entries:
            key = self.key(entry)
            made = rendered.get(key)
            if made is None:
                made = rendered[key] = self.render(entry, media)
            found.append(made)
        return found


def open_object(members: dict[str, Any]) -> bytes:
    """``members`` as the JSON text of an object left open (no closing brace), for more members to follow."""
    return orjson.dumps(members)[:-1]


def media_url(media: str, key: str) -> str:
    """A stored object's public URL ("" when there is none)."""
    return f"{media}/{key}" if key else ""
