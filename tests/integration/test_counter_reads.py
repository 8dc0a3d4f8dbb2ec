"""Counter hashes read in bulk (read_model.load_*_stats over redis_client.counters_many): integers, a field a hash
lacks (one added since the hash was filled) reads 0 without reloading the hash, and a missing hash is loaded from
MySQL."""

from __future__ import annotations

import pytest

from gophertok import keys
from gophertok.services import read_model
from support.interactions import make_video
from support.polling import unique_name

pytestmark = pytest.mark.integration


def register(database) -> int:
    _, user_id = database.execute("INSERT INTO users (username, password_hash) VALUES (%s, 'x')", (unique_name("c"),))
    return int(user_id)


def test_cached_counters_read_as_integers_and_a_missing_field_as_zero(database, redis_client):
    author = register(database)
    complete, lacking = make_video(database, author), make_video(database, author)
    redis_client.hset(keys.video_stats(complete), mapping={"favorite_count": 12, "comment_count": 3})
    redis_client.hset(keys.video_stats(lacking), mapping={"favorite_count": 7})  # comment_count added since
    for video in (complete, lacking):
        redis_client.expire(keys.video_stats(video), 60)

    counts = read_model.load_video_stats([complete, lacking, complete])

    assert counts == {
        complete: keys.VideoStats(favorite_count=12, comment_count=3),
        lacking: keys.VideoStats(favorite_count=7, comment_count=0),
    }
    assert all(type(value) is int for fields in counts.values() for value in fields)
    assert redis_client.hget(keys.video_stats(lacking), "comment_count") is None  # read as 0, not reloaded


def test_a_missing_counter_hash_is_loaded_from_mysql(database, redis_client):
    author, fan = register(database), register(database)
    video = make_video(database, author)
    database.execute(
        "INSERT INTO favorites (user_id, video_id, liked, liked_at, version) VALUES (%s, %s, 1, 1000, 1)", (fan, video)
    )
    redis_client.delete(keys.video_stats(video), keys.user_stats(author))

    assert read_model.load_video_stats([video]) == {video: keys.VideoStats(favorite_count=1, comment_count=0)}
    assert read_model.load_user_stats([author])[author].total_favorited == 1
    assert redis_client.hgetall(keys.video_stats(video)) == {"favorite_count": "1", "comment_count": "0"}
