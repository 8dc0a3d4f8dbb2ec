"""Versions and times of changes come from the one Redis clock, not from each container's: two instances whose
clocks disagree still persist follow -> unfollow in the order they happened, and no timestamp is in the future."""

from __future__ import annotations

import base64
import time

import pytest

from gophertok import ids
from gophertok.events import Event
from gophertok.registry import Topics
from gophertok.services import comments, messages, relations
from support.interactions import make_video
from support.kafka_topics import TopicTail
from support.social import register_in_process

REAL_TIME = time.time
SKEW_S = 0.5


@pytest.fixture
def instance(monkeypatch):
    """Switch this process into one of several containers: its clock is off by ``skew`` seconds and it has its
    own worker-id lease and id generator, as a separate Lambda container would."""

    def switch(skew: float) -> None:
        monkeypatch.setattr(time, "time", lambda: REAL_TIME() + skew)
        monkeypatch.setattr(ids, "_lease", ids.WorkerLease())
        monkeypatch.setattr(ids, "_generator", None)

    return switch


def _redis_now_ms(redis_client) -> int:
    seconds, micros = redis_client.time()
    return seconds * 1000 + micros // 1000


def _relation_events(tail: TopicTail, follower_id: int) -> list[Event]:
    records = tail.records(lambda e: e.type == relations.RELATION_CHANGED and e.data["follower_id"] == follower_id)
    return [Event.from_json(base64.b64decode(r["value"])) for r in records]


def test_follow_then_unfollow_on_instances_with_skewed_clocks_persists_unfollowed(stack_env, instance, database):
    alice, bob = register_in_process(), register_in_process()
    tail = TopicTail(Topics.RELATION_EVENTS)
    instance(skew=SKEW_S)  # the follow lands on a container whose clock runs ahead
    assert relations.set_following(alice.user_id, bob.user_id, True)
    instance(skew=0.0)  # the unfollow, a moment later, on one with the right time
    assert relations.set_following(alice.user_id, bob.user_id, False)

    events = _relation_events(tail, alice.user_id)
    assert [e.data["following"] for e in events] == [True, False]
    assert events[1].data["version"] > events[0].data["version"]
    relations.persist_relations(reversed(events))  # arrival order must not matter either
    rows = database.query(
        "SELECT following FROM follows WHERE follower_id = %s AND followee_id = %s", (alice.user_id, bob.user_id)
    )
    assert [r["following"] for r in rows] == [0]


def test_a_message_time_comes_from_redis(stack_env, instance, redis_client):
    alice, bob = register_in_process(), register_in_process()
    instance(skew=5.0)  # a container whose clock is 5 s ahead
    message = messages.send_message(alice.user_id, bob.user_id, messages.SEND, "hello from the future?")
    assert message.create_time <= _redis_now_ms(redis_client)


def test_a_comment_deletion_time_comes_from_redis(stack_env, instance, database, redis_client):
    alice, bob = register_in_process(), register_in_process()
    video_id = make_video(database, bob.user_id)
    instance(skew=5.0)
    comment = comments.add_comment(alice.user_id, video_id, "a comment")
    comments.delete_comment(alice.user_id, video_id, comment["id"])
    deleted = comments.load_comments([comment["id"]])[comment["id"]]
    assert deleted.deleted_at is not None and deleted.deleted_at <= _redis_now_ms(redis_client)
