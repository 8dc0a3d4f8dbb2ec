"""Ids cannot collide: live containers never share a snowflake worker id, and should a duplicate id ever reach a
consumer, it fails loudly instead of silently keeping the other row."""

from __future__ import annotations

import time

import pytest

from gophertok import ids, keys
from gophertok.events import Event
from gophertok.services import comments, messages, video_persistence
from gophertok.services.id_collisions import IdCollision
from gophertok.services.publishing import VIDEO_PUBLISHED
from support.interactions import make_video
from support.social import register_in_process


def _worker_of(generated_id: int) -> int:
    return (generated_id >> ids.SEQUENCE_BITS) & (ids.WORKERS - 1)


@pytest.fixture
def container(monkeypatch):
    """Make this process a newly started container (no worker id yet); returns its first id's worker id."""

    def start() -> int:
        monkeypatch.setattr(ids, "_lease", ids.WorkerLease())
        monkeypatch.setattr(ids, "_generator", None)
        return _worker_of(ids.next_id())

    return start


def test_two_live_containers_never_share_a_worker_id_even_after_a_flush_of_the_old_counter(
    stack_env, container, redis_client
):
    redis_client.delete("gt:ids:worker")  # the old INCR counter, as after a flush or 1,024 starts
    first = container()
    redis_client.delete("gt:ids:worker")
    second = container()
    assert first != second


def test_a_lost_lease_is_replaced_before_the_next_id(stack_env, container, redis_client, monkeypatch):
    mine = container()
    redis_client.hset(keys.ID_WORKER_LEASES, mine, f"someone-else:{int(time.time() * 1000) + 600_000}")
    later = time.time() + ids.RENEW_AFTER_SECONDS + 1  # this container was frozen for a while
    monkeypatch.setattr(time, "time", lambda: later)
    assert _worker_of(ids.next_id()) != mine


def _comment_event(comment_id: int, video_id: int, user_id: int, content: str) -> Event:
    data = {"id": comment_id, "video_id": video_id, "user_id": user_id, "content": content, "created_at": 1}
    return Event(comments.COMMENT_ADDED, data)


def test_a_comment_whose_id_holds_another_comment_fails_loudly(stack_env, database):
    user = register_in_process()
    video_id = make_video(database, user.user_id)
    taken, fresh = ids.next_id(), ids.next_id()
    comments.persist_comment_events([_comment_event(taken, video_id, user.user_id, "the first one")])
    comments.persist_comment_events([_comment_event(taken, video_id, user.user_id, "the first one")])  # a replay

    with pytest.raises(IdCollision, match=str(taken)):
        comments.persist_comment_events(
            [
                _comment_event(taken, video_id, user.user_id, "a different comment, same id"),
                _comment_event(fresh, video_id, user.user_id, "an innocent neighbour"),
            ]
        )
    stored = database.query("SELECT id, content FROM comments WHERE id IN (%s, %s) ORDER BY id", (taken, fresh))
    assert [(r["id"], r["content"]) for r in stored] == [(taken, "the first one"), (fresh, "an innocent neighbour")]


def test_a_message_whose_id_holds_another_message_fails_loudly(stack_env, database):
    alice, bob = register_in_process(), register_in_process()
    taken = ids.next_id()

    def sent(content: str) -> Event:
        data = {"id": taken, "from_user_id": alice.user_id, "to_user_id": bob.user_id, "content": content}
        return Event(messages.MESSAGE_SENT, {**data, "create_time": 5})

    messages.persist_messages([sent("hello")])
    messages.persist_messages([sent("hello")])  # a replay is a no-op
    with pytest.raises(IdCollision):
        messages.persist_messages([sent("a different message, same id")])
    assert database.query("SELECT content FROM messages WHERE id = %s", (taken,)) == [{"content": "hello"}]


def test_a_video_whose_id_holds_another_video_fails_loudly(stack_env, database):
    author = register_in_process()
    taken = make_video(database, author.user_id, title="the first video")
    data = {
        "id": taken,
        "author_id": author.user_id,
        "title": "another video, same id",
        "play_key": "videos/other.mp4",
        "cover_key": "covers/other.jpg",
        "content_sha256": "0" * 64,
        "created_at": ids.timestamp_ms(taken),
    }
    with pytest.raises(IdCollision):
        video_persistence.persist_published_videos([Event(VIDEO_PUBLISHED, data)])
    assert database.query("SELECT title FROM videos WHERE id = %s", (taken,)) == [{"title": "the first video"}]
