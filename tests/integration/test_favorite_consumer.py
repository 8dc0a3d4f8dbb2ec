"""favorite_consumer: replays change nothing, order does not matter, storms and crashes lose nothing."""

from __future__ import annotations

import random
import threading

import pytest

from gophertok.consumer import kafka_records
from gophertok.events import Event
from gophertok.registry import Topics
from gophertok.services.favorites import FAVORITE_CHANGED, persist_favorite_events
from gophertok_local.events import kafka_event, kafka_record
from gophertok_local.functions import invoke, load_handler
from gophertok_local.kafka_runner import ConsumerWorker, RetryPolicy
from support.douyin import DouyinClient, user_info
from support.interactions import favorite_rows, like, liked_ids, make_video
from support.kafka_topics import TopicTail, crashes_once_after_half, create_test_topic, produce, run_until
from support.kafka_topics import servers as kafka_servers
from support.polling import wait_for


@pytest.fixture(scope="module")
def client(api_url: str) -> DouyinClient:
    return DouyinClient(api_url)


def _liked_in_mysql(database, video_id: int) -> set[int]:
    return {row[0] for row in favorite_rows(database, [video_id]) if row[2]}


def _change(user_id: int, video_id: int, liked: bool, version: int) -> Event:
    data = {"user_id": user_id, "video_id": video_id, "liked": liked, "at": version // 1000, "version": version}
    return Event(FAVORITE_CHANGED, data)


def _version(event: Event) -> int:
    return int(event.data["version"])


def _records(events: list[Event], topic: str = Topics.FAVORITE_EVENTS, first_offset: int = 10**9) -> list[dict]:
    return [kafka_record(topic, 0, first_offset + i, e.to_json(), b"k") for i, e in enumerate(events)]


def test_replaying_every_event_of_a_test_twice_leaves_mysql_unchanged(client, database):
    tail = TopicTail(Topics.FAVORITE_EVENTS)
    author, fans = client.register(), [client.register() for _ in range(3)]
    videos = [make_video(database, author.user_id) for _ in range(2)]
    for fan in fans:
        for video_id in videos:
            like(client, fan, video_id)
    like(client, fans[0], videos[0], action_type=2)
    like(client, fans[1], videos[1], action_type=2)
    like(client, fans[1], videos[1])

    users = {fan.user_id for fan in fans}
    records = tail.records(lambda e: e.type == FAVORITE_CHANGED and e.data["user_id"] in users)
    assert len(records) == 9  # 6 likes, 2 unlikes, 1 re-like: each change published once
    final = {}
    for event in sorted((record.event() for record in kafka_records(kafka_event(records))), key=_version):
        final[event.data["user_id"], event.data["video_id"]] = (int(event.data["liked"]), _version(event))
    assert sum(liked for liked, _ in final.values()) == 5

    def settled():
        rows = favorite_rows(database, videos)
        return {(u, v): (liked, version) for u, v, liked, _, version in rows} == final and rows

    before = wait_for(settled, what="the consumer to persist the test's last change per (user, video)")
    invoke("favorite_consumer", kafka_event(records))
    invoke("favorite_consumer", kafka_event(records))
    assert favorite_rows(database, videos) == before
    assert liked_ids(client, fans[0]) == [videos[1]]


def test_an_unlike_that_arrives_before_its_like_still_wins(database):
    user_id, video_id = random.randrange(10**12, 10**13), random.randrange(10**12, 10**13)
    newer_unlike, older_like = _change(user_id, video_id, False, 2_000_000), _change(user_id, video_id, True, 1_000_000)
    invoke("favorite_consumer", kafka_event(_records([newer_unlike])))
    invoke("favorite_consumer", kafka_event(_records([older_like])))
    [(_, _, liked, _, version)] = favorite_rows(database, [video_id])
    assert (liked, version) == (0, 2_000_000)
    # the same two in one batch, either order
    other = video_id + 1
    invoke(
        "favorite_consumer",
        kafka_event(_records([_change(user_id, other, False, 9), _change(user_id, other, True, 8)])),
    )
    assert favorite_rows(database, [other])[0][2] == 0


def test_a_newer_like_keeps_its_liked_at_and_a_later_unlike_keeps_it_too(database):
    user_id, video_id = random.randrange(10**12, 10**13), random.randrange(10**12, 10**13)
    invoke("favorite_consumer", kafka_event(_records([_change(user_id, video_id, True, 5_000_000)])))
    invoke("favorite_consumer", kafka_event(_records([_change(user_id, video_id, False, 6_000_000)])))
    assert favorite_rows(database, [video_id]) == [(user_id, video_id, 0, 5_000, 6_000_000)]
    invoke("favorite_consumer", kafka_event(_records([_change(user_id, video_id, True, 7_000_000)])))
    assert favorite_rows(database, [video_id]) == [(user_id, video_id, 1, 7_000, 7_000_000)]


def test_like_unlike_storm_by_many_users_ends_with_counts_equal_to_the_truth(client, database):
    author = client.register()
    fans = [client.register() for _ in range(12)]
    video_id = make_video(database, author.user_id)
    errors: list[dict] = []

    def storm(fan, seed: int) -> None:
        chooser, own_client = random.Random(seed), DouyinClient(client.base_url)  # a Session per thread
        for _ in range(8):
            body = like(own_client, fan, video_id, action_type=chooser.choice([1, 2]))
            if body["status_code"] != 0:
                errors.append(body)

    # Each fan storms from two threads at once, so its own likes and unlikes race too.
    threads = [threading.Thread(target=storm, args=(fan, seed)) for seed, fan in enumerate(fans * 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []

    # Truth: whose favorite list holds the video once the storm is over.
    truth = {fan.user_id for fan in fans if video_id in liked_ids(client, fan)}
    for fan in fans:
        assert user_info(client, fan, fan.user_id)["favorite_count"] == (1 if fan.user_id in truth else 0)
    assert user_info(client, author, author.user_id)["total_favorited"] == len(truth)
    witness = client.register()  # its list always shows the video, with the video's own counter
    like(client, witness, video_id)
    [video] = client.call("GET", "/douyin/favorite/list/", params={"token": witness.token})["video_list"]
    assert video["favorite_count"] == len(truth) + 1
    truth.add(witness.user_id)
    wait_for(lambda: _liked_in_mysql(database, video_id) == truth, timeout=30, what="MySQL to reach the truth")


@pytest.fixture
def test_topic() -> str:
    return create_test_topic("favorites")


def test_a_crash_mid_batch_is_retried_without_losing_or_doubling_anything(database, test_topic):
    video_id = random.randrange(10**12, 10**13)
    users = [random.randrange(10**12, 10**13) for _ in range(40)]
    events = [_change(user_id, video_id, True, 1_000 + i) for i, user_id in enumerate(users)]
    events += [_change(user_id, video_id, False, 5_000 + i) for i, user_id in enumerate(users[::4])]
    truth = set(users) - set(users[::4])

    produce(test_topic, [event.to_json() for event in events])

    handler, invocations = crashes_once_after_half(load_handler("favorite_consumer"), persist_favorite_events)
    worker = ConsumerWorker(
        "favorite_consumer",
        test_topic,
        handler,
        bootstrap_servers=kafka_servers(),
        batch_size=500,
        group=f"g-{test_topic}",
        retry=RetryPolicy(3, 0.01),
    )
    run_until(worker, lambda: worker.delivered >= len(events))
    assert invocations[0] > 1 and len(invocations) >= 2 and worker.dead_lettered == 0
    rows = favorite_rows(database, [video_id])
    assert len(rows) == len(users)
    assert {row[0] for row in rows if row[2]} == truth
