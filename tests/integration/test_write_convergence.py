"""A write is applied whole or not at all, and a client's retry converges MySQL on what it was shown.

Crashes are simulated in process: the Redis half of a write applied without its event (as when the
function dies between the two), or an unexpected error after the Redis change.
"""

from __future__ import annotations

import pytest

from gophertok import keys
from gophertok.adapters import kafka
from gophertok.services import comments, favorites, id_sets, messages, read_model, relations
from support.douyin import DouyinClient, user_info
from support.interactions import comment, comment_list, comment_rows, like, liked_ids, make_video
from support.polling import wait_for
from support.social import FOLLOW, chat, relation, user_list

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def client(api_url: str) -> DouyinClient:
    return DouyinClient(api_url)


def liked_in_mysql(database, user_id: int, video_id: int) -> int | None:
    row = database.query_one("SELECT liked FROM favorites WHERE user_id = %s AND video_id = %s", (user_id, video_id))
    return None if row is None else int(row["liked"])


def test_a_like_whose_event_was_lost_reaches_mysql_when_the_client_retries(client, database):
    author, fan = client.register(), client.register()
    video_id = make_video(database, author.user_id)
    # Given the function died after changing Redis and before publishing: the like shows, MySQL lacks it
    assert favorites._change(fan.user_id, video_id, True).changed
    assert liked_ids(client, fan) == [video_id]
    # When the client retries (the state already matches)
    assert like(client, fan, video_id)["status_code"] == 0
    # Then the retry re-announced the state and the consumer persists it; nothing is counted twice
    wait_for(lambda: liked_in_mysql(database, fan.user_id, video_id) == 1, timeout=30, what="the like in MySQL")
    assert liked_ids(client, fan) == [video_id]


def test_any_error_after_the_change_undoes_it(client, database, monkeypatch):
    author, fan = client.register(), client.register()
    video_id = make_video(database, author.user_id)
    before = user_info(client, fan, author.user_id)["total_favorited"]

    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug, not an outage")

    monkeypatch.setattr(kafka, "publish_one", broken)
    with pytest.raises(RuntimeError):
        favorites.set_favorite(fan.user_id, video_id, True)
    monkeypatch.undo()
    # Nothing stays behind: not liked, and no counter moved
    assert liked_ids(client, fan) == []
    assert user_info(client, fan, author.user_id)["total_favorited"] == before
    assert user_info(client, fan, fan.user_id)["favorite_count"] == 0


def test_a_like_set_evicted_between_loading_and_changing_is_loaded_again_not_created_partial(
    client, database, redis_client, monkeypatch
):
    author, fan = client.register(), client.register()
    older, newer = make_video(database, author.user_id), make_video(database, author.user_id)
    database.execute("INSERT INTO favorites VALUES (%s, %s, 1, 1, 1)", (fan.user_id, older))
    redis_client.delete(keys.user_likes(fan.user_id))
    real_ensure, calls = id_sets.ensure, []

    def evicted_right_after(kind, owner: int, members=()) -> str:
        calls.append(owner)
        key = real_ensure(kind, owner, members)
        if len(calls) == 1:
            redis_client.delete(key)  # evicted between loading it and the change script
        return key

    monkeypatch.setattr(id_sets, "ensure", evicted_right_after)
    assert favorites.set_favorite(fan.user_id, newer, True)
    monkeypatch.undo()
    assert calls == [fan.user_id, fan.user_id]  # loaded, evicted, loaded again
    # The set was loaded again whole: the older like from MySQL is still there beside the new one
    assert sorted(liked_ids(client, fan)) == sorted([older, newer])


def following_in_mysql(database, follower: int, followee: int) -> int | None:
    row = database.query_one(
        "SELECT following FROM follows WHERE follower_id = %s AND followee_id = %s", (follower, followee)
    )
    return None if row is None else int(row["following"])


def test_a_follow_whose_event_was_lost_reaches_mysql_when_the_client_retries(client, database):
    fan, idol = client.register(), client.register()
    # Given the function died after the follow showed in Redis and before its event was published
    changed, _, _ = relations._change_following(fan.user_id, idol.user_id, True)
    assert changed
    # When the client retries, the state already matches: the retry announces it again
    relation(client, fan, idol, FOLLOW)
    wait_for(
        lambda: following_in_mysql(database, fan.user_id, idol.user_id) == 1, timeout=30, what="the follow in MySQL"
    )


def test_an_error_after_a_follow_undoes_it_and_its_counts(client, database, monkeypatch):
    fan, idol = client.register(), client.register()
    monkeypatch.setattr(kafka, "publish_one", _broken)
    with pytest.raises(RuntimeError):
        relations.set_following(fan.user_id, idol.user_id, True)
    monkeypatch.undo()
    assert user_list(client, "follow", fan) == []
    assert user_info(client, fan, idol.user_id)["follower_count"] == 0
    assert user_info(client, fan, fan.user_id)["follow_count"] == 0


def test_an_error_after_a_comment_withdraws_it_and_no_error_follows_a_stored_comment(client, database, monkeypatch):
    author, fan = client.register(), client.register()
    video_id = make_video(database, author.user_id)
    monkeypatch.setattr(kafka, "publish_one", _broken)
    with pytest.raises(RuntimeError):
        comments.add_comment(fan.user_id, video_id, "never shown")
    monkeypatch.undo()
    assert comment_list(client, video_id) == []
    assert read_model.load_video_stats([video_id])[video_id].comment_count == 0


def test_a_comment_delete_whose_event_was_lost_is_announced_again_when_retried(client, database):
    author, fan = client.register(), client.register()
    video_id = make_video(database, author.user_id)
    created = comment(client, fan, video_id, "soon gone")
    wait_for(lambda: comment_rows(database, [video_id]), timeout=30, what="the comment in MySQL")
    # Given a delete that removed the comment from the list and died before announcing it
    comments._remove_at_redis_time(comments.ensure_video_comments(video_id), created["id"])
    # When the client retries, the delete succeeds and reaches MySQL
    body = client.call(
        "POST",
        "/douyin/comment/action/",
        params={"token": fan.token, "video_id": video_id, "action_type": 2, "comment_id": created["id"]},
    )
    assert body["status_code"] == 0, body
    wait_for(
        lambda: [row for row in comment_rows(database, [video_id]) if row[-1] is not None],
        timeout=30,
        what="the tombstone in MySQL",
    )


def test_an_error_after_a_message_withdraws_it(client, monkeypatch):
    alice, bob = client.register(), client.register()
    monkeypatch.setattr(kafka, "publish_one", _broken)
    with pytest.raises(RuntimeError):
        messages.send_message(alice.user_id, bob.user_id, 1, "never shown")
    monkeypatch.undo()
    assert chat(client, bob, alice) == []


def _broken(*_args: object, **_kwargs: object) -> None:
    raise RuntimeError("a bug, not an outage")
