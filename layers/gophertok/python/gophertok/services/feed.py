"""The feed: pages of everyone's videos, newest first, walked backwards in time by ``next_time``.

The client sends back only ``next_time`` (the oldest created_at of the page it holds) and asks for
videos strictly older. So a page must never end in the middle of a millisecond: when the page is full
and the videos of its oldest millisecond continue past it, that millisecond is left for the next page
(or, if it is all the page holds, returned whole even beyond the page size). That way walking the feed
visits every video exactly once, however many share a millisecond.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from gophertok import jsontext
from gophertok.services import video_index, videos
from gophertok.services.video_index import Entry

PAGE_SIZE = 30
SECONDS_BELOW = 100_000_000_000  # latest_time values under 1e11 are seconds, not milliseconds


@dataclass(frozen=True)
class FeedPage:
    videos: jsontext.Rendered
    next_time: int


def now_ms() -> int:
    return int(time.time() * 1000)


def feed_bound(latest_time: int | None) -> int:
    """The exclusive upper bound in ms for a client's ``latest_time`` (absent/0 means now)."""
    if not latest_time:
        return now_ms() + 1  # "before now" includes what was published in this very millisecond
    return latest_time * 1000 if latest_time < SECONDS_BELOW else latest_time


def list_feed(latest_time: int | None, viewer_id: int | None, page_size: int = PAGE_SIZE) -> FeedPage:
    """Up to ``page_size`` videos published strictly before ``latest_time``, newest first.

    ``latest_time`` is the client's value (ms, seconds below 1e11, None/0 for now). ``next_time`` is
    the oldest created_at in the page, or now when the page is empty.
    """
    entries = page_entries(feed_bound(latest_time), page_size)
    if not entries:
        return FeedPage(jsontext.Rendered([]), now_ms())
    return FeedPage(videos.video_list([e.video_id for e in entries], viewer_id), entries[-1].created_at)


def page_entries(before_ms: int, page_size: int = PAGE_SIZE) -> list[Entry]:
    """The entries of one page (see the module docstring for how a millisecond is kept whole)."""
    window, at = _window_from_redis(before_ms, page_size + 1)
    if window is None:
        window, at = video_index.feed_before_from_database(before_ms, page_size + 1), video_index.feed_at_from_database
    return _whole_milliseconds(window, page_size, at)


def _window_from_redis(before_ms: int, count: int) -> tuple[list[Entry] | None, Callable[[int], list[Entry]]]:
    entries, floor = video_index.feed_before(before_ms, count)
    if floor is None:
        video_index.rebuild_feed()
        entries, floor = video_index.feed_before(before_ms, count)
    # Below the floor the index no longer holds every video: a short window there must come from MySQL.
    if len(entries) < count and (floor or 0) > 0:
        return None, video_index.feed_at_from_database
    return entries, video_index.feed_at


def _whole_milliseconds(window: list[Entry], page_size: int, at: Callable[[int], list[Entry]]) -> list[Entry]:
    if len(window) <= page_size:
        return window
    page, oldest = window[:page_size], window[page_size - 1].created_at
    if window[page_size].created_at != oldest:
        return page
    complete = [entry for entry in page if entry.created_at != oldest]
    if complete:
        return complete
    return video_index.newest_first(at(oldest))
