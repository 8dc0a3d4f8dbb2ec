"""Follows reach MySQL through relation_consumer idempotently, and Redis can be rebuilt from MySQL."""

from __future__ import annotations

import base64

import pytest

from gophertok import keys
from gophertok.events import Event
from gophertok.ids import next_id, timestamp_ms
from gophertok.registry import Topics
from gophertok.services.relations import RELATION_CHANGED
from gophertok_local.events import kafka_event, kafka_record
from gophertok_local.functions import invoke
from support.douyin import DouyinClient
from support.interactions import wait_for_profiles
from support.kafka_topics import topic_records
from support.polling import wait_for
from support.social import FOLLOW, UNFOLLOW, chat, profile, relation, send, user_list


@pytest.fixture(scope="module")
def client(api_url: str) -> DouyinClient:
    return DouyinClient(api_url)


def _rows(database, user_ids):
    marks = ", ".join(["%s"] * len(user_ids))
    return database.query(
        "SELECT follower_id, followee_id, following, followed_at, version FROM follows "
        f"WHERE follower_id IN ({marks}) ORDER BY follower_id, followee_id",
        list(user_ids),
    )


def _edges(database, user_ids):
    return {(r["follower_id"], r["followee_id"]) for r in _rows(database, user_ids) if r["following"]}


def _relation_event(follower, followee, following, version):
    data = {
        "follower_id": follower,
        "followee_id": followee,
        "following": following,
        "followed_at": timestamp_ms(version),
        "version": version,
    }
    return Event(RELATION_CHANGED, data)


def _deliver(events):
    records = [kafka_record(Topics.RELATION_EVENTS, 0, 10**9 + i, e.to_json()) for i, e in enumerate(events)]
    invoke("relation_consumer", kafka_event(records))


def test_the_consumer_persists_follows_and_unfollows(client, database):
    alice, bob, carol = (client.register() for _ in range(3))
    relation(client, alice, bob, FOLLOW)
    relation(client, alice, carol, FOLLOW)
    relation(client, alice, carol, UNFOLLOW)
    relation(client, bob, alice, FOLLOW)
    users = [alice.user_id, bob.user_id, carol.user_id]
    expected = {(alice.user_id, bob.user_id), (bob.user_id, alice.user_id)}
    wait_for(lambda: _edges(database, users) == expected and len(_rows(database, users)) == 3, what="follows rows")


def test_replaying_the_relation_topic_twice_changes_nothing(client, database):
    alice, bob, carol = (client.register() for _ in range(3))
    relation(client, alice, bob, FOLLOW)
    relation(client, alice, bob, UNFOLLOW)
    relation(client, alice, bob, FOLLOW)
    relation(client, carol, alice, FOLLOW)
    relation(client, carol, alice, UNFOLLOW)
    users = [alice.user_id, bob.user_id, carol.user_id]
    mine = set(users)
    records = topic_records(Topics.RELATION_EVENTS, lambda e: e.data.get("follower_id") in mine)
    assert len(records) == 5
    latest = {}
    for record in records:
        data = Event.from_json(base64.b64decode(record["value"])).data
        pair = (data["follower_id"], data["followee_id"])
        latest[pair] = max(latest.get(pair, 0), data["version"])
    # Wait until the running consumer applied every event (the newest version of each pair).
    wait_for(
        lambda: {(r["follower_id"], r["followee_id"]): r["version"] for r in _rows(database, users)} == latest,
        what="follows rows",
    )
    assert _edges(database, users) == {(alice.user_id, bob.user_id)}
    before = _rows(database, users)

    invoke("relation_consumer", kafka_event(records))
    invoke("relation_consumer", kafka_event(list(reversed(records))))

    assert _rows(database, users) == before


def test_an_unfollow_that_arrives_before_its_follow_still_wins(client, database):
    follower, followee = client.register(), client.register()
    follow = _relation_event(follower.user_id, followee.user_id, True, next_id())
    unfollow = _relation_event(follower.user_id, followee.user_id, False, next_id())

    _deliver([unfollow])
    _deliver([follow])
    _deliver([follow, unfollow])

    [row] = _rows(database, [follower.user_id])
    assert (row["following"], row["version"]) == (0, unfollow.data["version"])


def test_a_later_follow_after_an_unfollow_keeps_its_own_followed_at(client, database):
    follower, followee = client.register(), client.register()
    first, gone, again = (
        _relation_event(follower.user_id, followee.user_id, f, next_id()) for f in (True, False, True)
    )
    _deliver([again, gone, first])
    [row] = _rows(database, [follower.user_id])
    assert (row["following"], row["followed_at"]) == (1, again.data["followed_at"])


def _user_keys(user_ids):
    return [name(u) for u in user_ids for name in (keys.user_following, keys.user_followers, keys.user_stats)]


def test_lists_counts_and_last_messages_are_rebuilt_after_redis_loses_them(client, database, redis_client):
    owner, friend, fan, idol = (client.register() for _ in range(4))
    relation(client, owner, friend, FOLLOW)
    relation(client, friend, owner, FOLLOW)
    relation(client, fan, owner, FOLLOW)
    relation(client, owner, idol, FOLLOW)
    relation(client, owner, fan, FOLLOW)
    relation(client, owner, fan, UNFOLLOW)
    send(client, owner, friend, "hello")
    send(client, friend, owner, "hi back")
    users = [owner.user_id, friend.user_id, fan.user_id, idol.user_id]
    wait_for(lambda: len(_edges(database, users)) == 4, what="follows rows")
    wait_for(
        lambda: (
            database.query_one(
                "SELECT COUNT(*) AS n FROM messages WHERE from_user_id IN (%s, %s)", (owner.user_id, friend.user_id)
            )["n"]
            == 2
        ),
        what="messages rows",
    )

    def snapshot():
        return {
            "lists": {
                (kind, account.user_id): user_list(client, kind, owner, account)
                for kind in ("follow", "follower", "friend")
                for account in (owner, friend, fan, idol)
            },
            "profiles": [profile(client, fan, account) for account in (owner, friend, fan, idol)],
            "chat": chat(client, owner, friend),
        }

    wait_for_profiles(client, [owner, friend, fan, idol])  # avatars arrive asynchronously: compare settled users
    before = snapshot()
    assert [u["message"] for u in before["lists"][("friend", owner.user_id)]] == ["hi back"]
    assert [(p["follow_count"], p["follower_count"]) for p in before["profiles"]] == [(2, 2), (1, 1), (1, 0), (0, 1)]

    # Given Redis lost everything about these users (not FLUSHALL: others share this Redis).
    names = (
        _user_keys(users) + [keys.user_profile(u) for u in users] + [keys.conversation(owner.user_id, friend.user_id)]
    )
    assert redis_client.delete(*names) > 0
    assert redis_client.exists(*names) == 0

    # Then every list, count and last message comes back the same from MySQL.
    assert snapshot() == before
    # And writes after the rebuild count from the rebuilt state.
    relation(client, idol, owner, FOLLOW)
    assert profile(client, fan, owner)["follower_count"] == 3
