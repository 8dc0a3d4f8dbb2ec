"""A ZSET is loaded only when it holds its SENTINEL. A writer may add a member to a key that expired, was evicted or
was deleted a moment after it checked the key (between ensure and ZADD): Redis then creates the key holding that
member alone. Every reader, script and rebuild waiter must take such a key for a missing one and load it from
MySQL, or a list loses what MySQL holds and a write path counts a change that was already made.

(Found by CI: the publish list answered one of two videos after the consumer's index write landed just after the
read model was deleted.)"""

from __future__ import annotations

import pytest

from gophertok import keys
from gophertok.services import conversations, favorites, publish_list, read_model, relations
from support.interactions import make_video
from support.polling import unique_name

pytestmark = pytest.mark.integration


def register(database) -> int:
    _, user_id = database.execute("INSERT INTO users (username, password_hash) VALUES (%s, 'x')", (unique_name("p"),))
    return int(user_id)


def recreated_by_a_writer(redis_client, key: str, member: int | str, score: int) -> None:
    """What a writer's ZADD does to a key that vanished under it: the key now holds that member alone."""
    redis_client.delete(key)
    redis_client.zadd(key, {str(member): score})
    redis_client.expire(key, 60)


def test_a_publish_list_recreated_by_the_index_writer_is_loaded_again(database, redis_client):
    author = register(database)
    older, newer = make_video(database, author, "older"), make_video(database, author, "newer")
    recreated_by_a_writer(redis_client, keys.user_videos(author), newer, 10**13)

    listed, _ = publish_list.list_published(author, None)

    assert [video["id"] for video in listed] == [newer, older]


def test_a_like_already_in_mysql_is_not_counted_again_through_a_recreated_likes_set(database, redis_client):
    user, author = register(database), register(database)
    liked, other = make_video(database, author), make_video(database, author)
    database.execute(
        "INSERT INTO favorites (user_id, video_id, liked, liked_at, version) VALUES (%s, %s, 1, 1000, 1)",
        (user, liked),
    )
    recreated_by_a_writer(redis_client, keys.user_likes(user), other, 2000)

    assert favorites.set_favorite(user, liked, True) is False
    assert redis_client.zscore(keys.user_likes(user), str(liked)) == 1000


def test_a_follow_already_in_mysql_is_not_counted_again_through_a_recreated_following_set(database, redis_client):
    follower, followee, other = register(database), register(database), register(database)
    database.execute(
        "INSERT INTO follows (follower_id, followee_id, following, followed_at, version) VALUES (%s, %s, 1, 1000, 1)",
        (follower, followee),
    )
    recreated_by_a_writer(redis_client, keys.user_following(follower), other, 2000)

    assert relations.set_following(follower, followee, True) is False
    assert redis_client.zscore(keys.user_following(follower), str(followee)) == 1000


def test_a_conversation_recreated_by_a_writer_is_loaded_before_a_message_is_appended(database, redis_client):
    alice, bob = register(database), register(database)
    key = keys.conversation(alice, bob)
    stray = conversations.Message(1, alice, bob, "from before", 1000)
    recreated_by_a_writer(redis_client, key, stray.member(), stray.create_time)

    conversations.append(bob, alice, 2, "hello")

    assert redis_client.zscore(key, keys.SENTINEL) is not None


def test_ensuring_a_conversation_recreated_by_a_writer_loads_it(database, redis_client):
    alice, bob = register(database), register(database)
    key = keys.conversation(alice, bob)
    stray = conversations.Message(1, alice, bob, "from before", 1000)
    recreated_by_a_writer(redis_client, key, stray.member(), stray.create_time)

    conversations.ensure([conversations.pair_of(alice, bob)], depth=10)

    assert redis_client.zscore(key, keys.SENTINEL) is not None


def test_a_rebuild_waiter_does_not_take_a_recreated_key_for_the_rebuilt_one(redis_client, monkeypatch):
    monkeypatch.setattr(read_model, "REBUILD_WAIT_SECONDS", 0.2)
    key = keys.user_followers(10**15 + 7)
    redis_client.set(keys.rebuild_lock(key), "another request's rebuild", px=5000)
    recreated_by_a_writer(redis_client, key, 42, 1000)
    rebuilt: list[str] = []

    read_model.rebuild_once(key, lambda: rebuilt.append(key))

    assert rebuilt == [key]  # it waited for the SENTINEL, then (the other rebuild never ending) loaded it itself
    redis_client.delete(keys.rebuild_lock(key), key)
