"""Feed pages never split a millisecond, so walking next_time visits every video exactly once."""

from __future__ import annotations

import random

import pytest

from gophertok.services import feed
from gophertok.services.video_index import Entry, newest_first


class MemoryFeed:
    """The feed index as a list, with the two reads the paging logic needs."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = newest_first(entries)

    def before(self, before_ms: int, count: int) -> list[Entry]:
        return [e for e in self.entries if e.created_at < before_ms][:count]

    def at(self, created_at: int) -> list[Entry]:
        return [e for e in self.entries if e.created_at == created_at]


def walk(index: MemoryFeed, page_size: int) -> list[list[Entry]]:
    pages: list[list[Entry]] = []
    bound = 10**13
    while True:
        window = index.before(bound, page_size + 1)
        page = feed._whole_milliseconds(window, page_size, index.at)
        if not page:
            return pages
        pages.append(page)
        bound = page[-1].created_at


@pytest.mark.parametrize("seed", range(20))
def test_walking_pages_visits_every_video_once_in_order_with_random_ties(seed):
    rng = random.Random(seed)
    entries = [Entry(1_000 + rng.randint(0, 40), video_id) for video_id in range(1, 150)]
    pages = walk(MemoryFeed(entries), page_size=10)
    seen = [entry for page in pages for entry in page]
    assert seen == newest_first(entries)


def test_a_full_page_drops_its_oldest_millisecond_when_that_millisecond_continues():
    entries = [Entry(100 - i, i) for i in range(8)] + [Entry(50, 100 + i) for i in range(5)]
    page = feed._whole_milliseconds(MemoryFeed(entries).before(10**6, 11), 10, MemoryFeed(entries).at)
    assert [e.created_at for e in page] == [100 - i for i in range(8)]


def test_a_millisecond_larger_than_a_page_comes_back_whole():
    index = MemoryFeed([Entry(7, i) for i in range(45)] + [Entry(3, 99)])
    pages = walk(index, page_size=30)
    assert [len(p) for p in pages] == [45, 1]
    assert [e.video_id for e in pages[0]] == list(range(44, -1, -1))


def test_a_short_page_is_returned_as_is():
    entries = [Entry(5, 1), Entry(5, 2), Entry(4, 3)]
    assert feed._whole_milliseconds(newest_first(entries), 30, lambda ms: []) == newest_first(entries)


@pytest.mark.parametrize(
    ("latest_time", "expected"),
    [(1_700_000_000, 1_700_000_000_000), (1_700_000_000_123, 1_700_000_000_123), (99_999_999_999, 99_999_999_999_000)],
)
def test_latest_time_below_1e11_is_seconds(latest_time, expected):
    assert feed.feed_bound(latest_time) == expected


@pytest.mark.parametrize("latest_time", [None, 0])
def test_absent_or_zero_latest_time_means_now(latest_time, monkeypatch):
    monkeypatch.setattr(feed, "now_ms", lambda: 1_800_000_000_000)
    assert feed.feed_bound(latest_time) == 1_800_000_000_001
