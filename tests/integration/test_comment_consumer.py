"""comment_consumer: replays change nothing, a deletion may come first, a crash mid-batch loses nothing."""

from __future__ import annotations

import random

import pytest

from gophertok.registry import Topics
from gophertok.services.comments import COMMENT_ADDED, COMMENT_DELETED, CommentRow, persist_comment_events
from gophertok_local.events import kafka_event, kafka_record
from gophertok_local.functions import invoke, load_handler
from gophertok_local.kafka_runner import ConsumerWorker, RetryPolicy
from support.douyin import DouyinClient
from support.interactions import comment, comment_list, comment_rows, make_video
from support.kafka_topics import TopicTail, crashes_once_after_half, create_test_topic, produce, run_until
from support.kafka_topics import servers as kafka_servers
from support.polling import wait_for


@pytest.fixture(scope="module")
def client(api_url: str) -> DouyinClient:
    return DouyinClient(api_url)


def _records(rows: list[CommentRow], topic: str = Topics.COMMENT_EVENTS) -> list[dict]:
    return [kafka_record(topic, 0, 10**9 + i, row.event().to_json(), b"k") for i, row in enumerate(rows)]


def test_replaying_every_event_of_a_test_twice_leaves_mysql_unchanged(client, database):
    tail = TopicTail(Topics.COMMENT_EVENTS)
    fan = client.register()
    video_id = make_video(database, fan.user_id)
    created = [comment(client, fan, video_id, f"number {n}") for n in range(3)]
    body = client.call(
        "POST",
        "/douyin/comment/action/",
        params={"token": fan.token, "video_id": video_id, "action_type": 2, "comment_id": created[0]["id"]},
    )
    assert body["status_code"] == 0

    def settled():
        rows = comment_rows(database, [video_id])
        return len(rows) == 3 and rows[0][5] is not None and rows

    before = wait_for(settled, what="the comment consumer")
    records = tail.records(lambda e: e.type in (COMMENT_ADDED, COMMENT_DELETED) and e.data["video_id"] == video_id)
    assert len(records) == 4
    invoke("comment_consumer", kafka_event(records))
    invoke("comment_consumer", kafka_event(records[::-1]))
    assert comment_rows(database, [video_id]) == before
    assert [c["id"] for c in comment_list(client, video_id)] == [created[2]["id"], created[1]["id"]]


def test_a_deletion_that_arrives_before_its_comment_leaves_a_tombstone(database):
    video_id = random.randrange(10**12, 10**13)
    added = CommentRow(random.randrange(10**12, 10**13), video_id, 7, "early bird", 1_000)
    deleted = CommentRow(added.id, video_id, 7, "early bird", 1_000, deleted_at=2_000)
    invoke("comment_consumer", kafka_event(_records([deleted])))
    invoke("comment_consumer", kafka_event(_records([added])))
    invoke("comment_consumer", kafka_event(_records([CommentRow(added.id, video_id, 7, "early bird", 1_000, 3_000)])))
    assert comment_rows(database, [video_id]) == [(added.id, video_id, 7, "early bird", 1_000, 2_000)]


@pytest.fixture
def test_topic() -> str:
    return create_test_topic("comments")


def test_a_crash_mid_batch_is_retried_without_losing_or_doubling_anything(database, test_topic):
    video_id = random.randrange(10**12, 10**13)
    first_id = random.randrange(10**12, 10**13)
    rows = [CommentRow(first_id + n, video_id, 5, f"comment {n}", 1_000 + n) for n in range(30)]
    deletions = [CommentRow(r.id, video_id, 5, r.content, r.created_at, deleted_at=9_000) for r in rows[::3]]
    produce(test_topic, [row.event().to_json() for row in rows + deletions])

    handler, invocations = crashes_once_after_half(load_handler("comment_consumer"), persist_comment_events)
    worker = ConsumerWorker(
        "comment_consumer",
        test_topic,
        handler,
        bootstrap_servers=kafka_servers(),
        group=f"g-{test_topic}",
        retry=RetryPolicy(3, 0.01),
    )
    run_until(worker, lambda: worker.delivered >= len(rows) + len(deletions))
    assert invocations[0] > 1 and len(invocations) >= 2 and worker.dead_lettered == 0
    stored = comment_rows(database, [video_id])
    assert [row[0] for row in stored] == [r.id for r in rows]
    assert {row[0] for row in stored if row[5] is not None} == {r.id for r in deletions}
