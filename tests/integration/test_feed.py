"""The feed over HTTP: paging by next_time with shared milliseconds, latest_time units, the empty feed,
the MySQL fallback below the index floor, and the round-trip budget of a page.

The feed is global and other tests publish concurrently, so every test puts its videos in a time
window of its own (far in the past, at random) and looks only at its own author's videos.
"""

from __future__ import annotations

import random
import statistics
import time

import pytest

from gophertok import keys
from gophertok.adapters.redis_client import get_redis
from gophertok.services import feed, video_index
from gophertok_local.events import http_event
from gophertok_local.functions import invoke
from support.douyin import DouyinClient
from support.round_trips import counting_round_trips

FEED = "/douyin/feed/"
YEAR_2001_MS = 978_307_200_000


@pytest.fixture(scope="module")
def client(api_url: str) -> DouyinClient:
    return DouyinClient(api_url)


def window_start() -> int:
    """A second-aligned start for a test's own stretch of time (somewhere in 2001-2011)."""
    return YEAR_2001_MS + random.randrange(10**8) * 3000


def insert_videos(database, author_id: int, times: list[int], index: bool = True) -> list[tuple[int, int]]:
    """Rows for ``author_id`` at the given created_at values (ties allowed), like an import would write
    them; with ``index`` they also go into the Redis indexes as publish does. Returns (created_at, id)."""
    base_id = random.randrange(10**12, 10**15)
    rows = [
        (base_id + n, author_id, f"tie test {n}", "videos/none.mp4", "covers/none.jpg", "0" * 64, t)
        for n, t in enumerate(times)
    ]
    database.execute_many(
        "INSERT INTO videos (id, author_id, title, play_key, cover_key, content_sha256, created_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s)",
        rows,
    )
    if index:
        video_index.ensure_indexes([author_id])
        video_index.add_videos([(row[0], author_id, row[6]) for row in rows])
    return [(row[6], row[0]) for row in rows]


def tie_heavy_times(start: int) -> list[int]:
    """80 timestamps: a run of distinct ms, a group of 5 that straddles the first page boundary, more
    distinct ms, a group of 35 (larger than a page) and a tail; all within two seconds of ``start``."""
    times = [start + 1900 - i for i in range(28)]
    times += [start + 1500] * 5
    times += [start + 1400 - i for i in range(10)]
    times += [start + 1000] * 35
    times += [start + 999, start + 10]
    return times


def walk_feed(client: DouyinClient, author_id: int, latest_time: int, token: str | None = None) -> list[int]:
    """Follow next_time from ``latest_time`` until the page has nothing newer than the window; returns the
    ids of ``author_id``'s videos in the order the pages gave them."""
    seen, bound = [], latest_time
    for _ in range(50):
        params = {"latest_time": bound, **({"token": token} if token else {})}
        body = client.call("GET", FEED, params=params)
        assert body["status_code"] == 0, body
        page = body["video_list"]
        assert len(page) <= 30 or len({v["id"] for v in page}) == len(page)
        seen += [v["id"] for v in page if v["author"]["id"] == author_id]
        if not page or body["next_time"] < latest_time - 10_000:
            return seen
        assert body["next_time"] < bound, "next_time must move backwards"
        bound = body["next_time"]
    raise AssertionError("the feed did not end")


def expected_order(rows: list[tuple[int, int]]) -> list[int]:
    return [video_id for _, video_id in sorted(rows, reverse=True)]


def test_walking_next_time_visits_every_video_once_even_with_shared_milliseconds(client, database):
    author = client.register()
    start = window_start()
    rows = insert_videos(database, author.user_id, tie_heavy_times(start))

    seen = walk_feed(client, author.user_id, start + 2000, token=author.token)

    assert len(seen) == len(set(seen)) == 80
    assert seen == expected_order(rows)


def test_pages_below_the_index_floor_come_from_mysql_and_still_never_repeat_or_skip(client, database):
    author = client.register()
    start = window_start()
    rows = insert_videos(database, author.user_id, tie_heavy_times(start), index=False)
    # Raise the feed's floor above this window, as the index would after FEED_CAPACITY newer videos
    # (an indexed video of someone else at the top of the window is what the trim cuts).
    insert_videos(database, client.register().user_id, [start + 1950])
    newer = get_redis().zcount(keys.VIDEO_FEED, start + 2000, "+inf")
    video_index.trim_feed(capacity=newer)
    assert get_redis().zscore(keys.VIDEO_FEED, keys.SENTINEL) > start + 1900

    seen = walk_feed(client, author.user_id, start + 2000)

    assert seen == expected_order(rows)


def test_latest_time_is_read_as_seconds_below_1e11_and_as_milliseconds_above(client, database):
    author = client.register()
    start = window_start()  # second-aligned
    rows = insert_videos(database, author.user_id, [start + 999, start + 1000, start + 1001, start + 2500])

    def mine(latest_time):
        body = client.call("GET", FEED, params={"latest_time": latest_time})
        return [v["id"] for v in body["video_list"] if v["author"]["id"] == author.user_id]

    by_id = dict((t, i) for t, i in rows)
    assert mine((start + 2000) // 1000) == [by_id[start + 1001], by_id[start + 1000], by_id[start + 999]]
    assert mine(start + 2000) == mine((start + 2000) // 1000)
    assert mine(start + 1001) == [by_id[start + 1000], by_id[start + 999]]  # strictly before
    assert mine(start + 3000) == [by_id[start + 2500], *mine(start + 2000)]


def test_far_past_latest_time_gives_an_empty_list_and_next_time_now(client):
    before = int(time.time() * 1000)
    body = client.call("GET", FEED, params={"latest_time": 1})
    assert body["status_code"] == 0 and body["video_list"] == []
    assert before - 1000 <= body["next_time"] <= int(time.time() * 1000) + 1000


@pytest.mark.parametrize("latest_time", ["yesterday", "1.5", "-5", "99999999999999999999999"])
def test_malformed_latest_time_is_invalid_input(client, latest_time):
    body = client.call("GET", FEED, params={"latest_time": latest_time})
    assert body["status_code"] == 10001 and "latest_time" in body["status_msg"], body


def test_a_bad_token_on_the_feed_is_an_auth_error_and_anonymous_is_fine(client):
    assert client.call("GET", FEED, params={"token": "garbage"})["status_code"] == 20002
    anonymous = client.call("GET", FEED)
    assert anonymous["status_code"] == 0 and isinstance(anonymous["next_time"], int)
    assert all(v["is_favorite"] is False and v["author"]["is_follow"] is False for v in anonymous["video_list"])


def test_no_window_and_zero_latest_time_both_mean_now(client, database):
    author = client.register()
    [(_, video_id)] = insert_videos(database, author.user_id, [int(time.time() * 1000) - 5])
    for params in ({}, {"latest_time": 0}, {"latest_time": ""}):
        ids = [v["id"] for v in client.call("GET", FEED, params=params)["video_list"]]
        assert video_id in ids, params


# Round trips -------------------------------------------------------------------------------------


def _measure(action) -> tuple[int, int]:
    """(SQL statements, Redis round trips) of ``action``."""
    with counting_round_trips() as counts:
        action()
    return counts.sql, counts.redis


def test_a_warm_feed_page_costs_the_same_round_trips_for_30_videos_as_for_10(client, database):
    authors = [client.register() for _ in range(3)]
    viewer = authors[0]
    start = int(time.time() * 1000) - 3_600_000 - random.randrange(10**7)
    for n, author in enumerate(authors):
        insert_videos(database, author.user_id, [start + 3 * i + n for i in range(15)])
    bound = start + 1000
    pages = {size: (lambda size=size: feed.list_feed(bound, viewer.user_id, page_size=size)) for size in (10, 30)}

    def measured_cold(size: int) -> tuple[int, int]:
        # Cold: rows, counters and profiles of these videos are not cached yet (the indexes are).
        ids = [e.video_id for e in feed.page_entries(bound, size)]
        author_ids = [a.user_id for a in authors]
        get_redis().delete(
            *[keys.video(i) for i in ids], *[keys.video_stats(i) for i in ids],
            *[keys.user_stats(i) for i in author_ids], *[keys.user_profile(i) for i in author_ids],
            keys.user_following(viewer.user_id), keys.user_likes(viewer.user_id),
        )  # fmt: skip
        return _measure(pages[size])

    # The profile consumer may cache a new author's profile between the deletion and the page (one SQL and one
    # Redis round trip less); an N+1 would show in every run, so take the worst of two.
    cold = {size: max(measured_cold(size) for _ in range(2)) for size in pages}
    # Other tests may drop shared cache keys meanwhile; an N+1 would show in every run, so take the best.
    warm = {size: min(_measure(page) for _ in range(3)) for size, page in pages.items()}
    assert len(pages[30]().videos) == 30 and len(pages[10]().videos) == 10

    print(f"\nfeed round trips (sql, redis): cold={cold} warm={warm}")
    assert warm[30] == warm[10], warm
    assert warm[30][0] == 0, "a warm page must not touch MySQL"
    assert warm[30][1] <= 8, warm
    assert cold[30] == cold[10], cold


def test_warm_feed_handler_time(client, database):
    """Not a pass/fail budget on speed (shared machine), only a measurement printed for the record."""
    viewer = client.register()
    event = http_event("GET", FEED, query={"token": viewer.token})
    invoke("video_feed", event)
    durations = []
    for _ in range(30):
        started = time.perf_counter()
        response = invoke("video_feed", event)
        durations.append((time.perf_counter() - started) * 1000)
        assert response["statusCode"] == 200
    print(f"\nwarm feed handler: median {statistics.median(durations):.2f} ms over {len(durations)} calls")
