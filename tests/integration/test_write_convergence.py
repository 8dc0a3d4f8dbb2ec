"""A write is applied whole or not at all, and a client's retry converges MySQL on what it was shown.

Crashes are simulated in process: the Redis half of a write applied without its event (as when the
function dies between the two), or an unexpected error after the Redis change.
"""

from __future__ import annotations

import pytest

from gophertok import keys
from gophertok.adapters import kafka
from gophertok.services import favorites, read_model
from support.douyin import DouyinClient, user_info
from support.interactions import like, liked_ids, make_video
from support.polling import wait_for

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
    real_ensure, calls = read_model.ensure_likes, []

    def evicted_right_after(user_id: int) -> str:
        calls.append(user_id)
        key = real_ensure(user_id)
        if len(calls) == 1:
            redis_client.delete(key)  # evicted between the check and the script
        return key

    monkeypatch.setattr(read_model, "ensure_likes", evicted_right_after)
    assert favorites.set_favorite(fan.user_id, newer, True)
    monkeypatch.undo()
    # The set was loaded again whole: the older like from MySQL is still there beside the new one
    assert sorted(liked_ids(client, fan)) == sorted([older, newer])
