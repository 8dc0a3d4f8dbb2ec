"""Concurrent misses of the same Redis key rebuild it from MySQL once, not once per request."""

from __future__ import annotations

import threading
import time

import pytest

from gophertok import keys
from gophertok.adapters.mysql import Database
from gophertok.services import feed, read_model
from support.polling import unique_name

pytestmark = pytest.mark.integration


@pytest.fixture
def slow_rebuild_queries(monkeypatch) -> list[str]:
    """Record the rebuild queries that reach MySQL, each taking 100 ms so concurrent misses overlap."""
    seen: list[str] = []
    run = Database._run

    def slow(self, sql, args, many):
        if "AS member" in sql or "ORDER BY created_at DESC, id DESC LIMIT" in sql:
            seen.append(sql)
            time.sleep(0.1)
        return run(self, sql, args, many)

    monkeypatch.setattr(Database, "_run", slow)
    return seen


def concurrently(action, threads: int = 8) -> list:
    barrier, results = threading.Barrier(threads), []

    def worker() -> None:
        barrier.wait()
        results.append(action())

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=30)
    return results


def test_eight_concurrent_misses_of_a_follower_set_cost_one_query(database, redis_client, slow_rebuild_queries):
    _, owner = database.execute("INSERT INTO users (username, password_hash) VALUES (%s, 'x')", (unique_name(),))
    database.execute_many(
        "INSERT INTO follows (follower_id, followee_id, following, followed_at, version) VALUES (%s, %s, 1, %s, 1)",
        [(10**12 + n, owner, n + 1) for n in range(50)],
    )
    redis_client.delete(keys.user_followers(owner))

    concurrently(lambda: read_model.ensure_followers(owner))

    assert len(slow_rebuild_queries) == 1
    assert redis_client.zcard(keys.user_followers(owner)) == 51  # every follower and the sentinel


def test_eight_concurrent_feed_readers_after_a_flush_rebuild_the_index_once(redis_client, slow_rebuild_queries):
    redis_client.delete(keys.VIDEO_FEED)

    pages = concurrently(lambda: feed.list_feed(None, None).next_time)

    assert len(pages) == 8
    assert len(slow_rebuild_queries) == 1
