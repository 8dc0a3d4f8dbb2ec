"""Per-user id sets are bounded: Redis keeps the newest WINDOW members above a floor and MySQL answers below it,
for list pages, like/follow flags, the write paths and the friends set; a set grown by writes is cut back. WINDOW
is made small here so a few rows exercise what a 50M-follower account would."""

from __future__ import annotations

import hashlib

import pytest

from gophertok import keys, paging
from gophertok.ids import next_id
from gophertok.services import (
    comments,
    favorites,
    id_sets,
    publish_list,
    read_model,
    relation_lists,
    relations,
    video_persistence,
)
from gophertok.services.publishing import Published
from gophertok.services.videos import VideoRow
from support.interactions import make_video
from support.polling import unique_name

pytestmark = pytest.mark.integration

WINDOW = 6


@pytest.fixture(autouse=True)
def small_window(monkeypatch):
    monkeypatch.setattr(id_sets, "WINDOW", WINDOW)
    monkeypatch.setattr(id_sets, "TRIM_AT", WINDOW + 2)


def register(database) -> int:
    _, user_id = database.execute("INSERT INTO users (username, password_hash) VALUES (%s, 'x')", (unique_name("b"),))
    return int(user_id)


def follow_rows(database, owner: int, scores: list[int]) -> list[int]:
    """Followers of ``owner`` followed at ``scores`` (ties included); returns them newest first, as Redis orders."""
    fans = [register(database) for _ in scores]
    database.execute_many(
        "INSERT INTO follows (follower_id, followee_id, following, followed_at, version) VALUES (%s, %s, 1, %s, 1)",
        [(fan, owner, score) for fan, score in zip(fans, scores, strict=True)],
    )
    ordered = sorted(zip(scores, map(str, fans), strict=True), reverse=True)
    return [int(member) for _, member in ordered]


def all_pages(key: str, kind: id_sets.IdSet, owner: int, size: int) -> list[int]:
    seen, cursor = [], None
    for _ in range(50):
        page = paging.newest_first(key, cursor, size, below=id_sets.below(kind, owner))
        seen += page.ids
        if not page.next_cursor:
            return seen
        cursor = paging.parse_cursor(page.next_cursor)
    raise AssertionError("paging did not end")


def test_a_set_larger_than_its_window_keeps_the_newest_and_pages_the_rest_from_mysql(database, redis_client):
    owner = register(database)
    expected = follow_rows(database, owner, [10, 20, 20, 30, 40, 40, 40, 50, 60, 70, 70, 80, 90, 5, 5, 1])
    key = read_model.ensure_followers(owner)

    floor = id_sets.floor_of(key)
    assert floor is not None and floor > 0
    held = redis_client.zrange(key, 0, -1, withscores=True)
    assert len(held) - 1 <= WINDOW and all(score > floor for member, score in held if member != keys.SENTINEL)
    for size in (1, 3, 4, 7, 500):  # pages ending above, at and across the floor, and through ties
        assert all_pages(key, id_sets.FOLLOWERS, owner, size) == expected, size


def test_flags_and_writes_see_a_member_older_than_the_floor(database, redis_client):
    fan, author = register(database), register(database)
    videos = [make_video(database, author) for _ in range(10)]
    database.execute_many(
        "INSERT INTO favorites (user_id, video_id, liked, liked_at, version) VALUES (%s, %s, 1, %s, 1)",
        [(fan, video, 1000 + n) for n, video in enumerate(videos)],
    )
    oldest = videos[0]
    id_sets.ensure(id_sets.LIKES, fan)
    assert redis_client.zscore(keys.user_likes(fan), str(oldest)) is None  # below the floor
    assert read_model.liked_flags(fan, [oldest, videos[-1]]) == {oldest, videos[-1]}
    before = read_model.load_user_stats([fan])[fan].favorite_count

    assert favorites.set_favorite(fan, oldest, False)  # a real change, not "already unliked"

    assert read_model.load_user_stats([fan])[fan].favorite_count == before - 1
    assert redis_client.zscore(keys.user_likes(fan), str(oldest)) is None
    assert not favorites.set_favorite(fan, videos[1], True)  # already liked, though only MySQL shows it


def test_a_follow_older_than_the_floor_is_unfollowed_for_real(database, redis_client):
    fan = register(database)
    idols = [register(database) for _ in range(9)]
    database.execute_many(
        "INSERT INTO follows (follower_id, followee_id, following, followed_at, version) VALUES (%s, %s, 1, %s, 1)",
        [(fan, idol, 100 + n) for n, idol in enumerate(idols)],
    )
    assert read_model.following_flags(fan, [idols[0]]) == {idols[0]}
    assert relations.set_following(fan, idols[0], False)  # a real change, not "already not following"
    # Redis does not take the old follow in; MySQL keeps it only until the relation consumer (if one runs in this
    # session, that may be at once), so the flag is not asserted here.
    assert redis_client.zscore(keys.user_following(fan), str(idols[0])) is None
    assert not relations.set_following(fan, idols[1], True)  # already following, though only MySQL shows it


def test_a_set_grown_past_trim_at_by_writes_is_cut_back_to_its_window(database, redis_client):
    fan, author = register(database), register(database)
    key = id_sets.ensure(id_sets.LIKES, fan)
    assert id_sets.floor_of(key) == 0  # nothing yet: complete
    for _ in range(WINDOW + 4):  # past TRIM_AT: each write's touch cuts a set grown beyond it
        favorites.set_favorite(fan, make_video(database, author), True)

    assert redis_client.zcard(key) - 1 <= id_sets.TRIM_AT
    assert (id_sets.floor_of(key) or 0) > 0


def test_the_friend_list_of_a_user_with_more_follows_than_the_window_is_whole(database, redis_client):
    owner = register(database)
    friends = [register(database) for _ in range(WINDOW + 4)]
    rows = []
    for n, friend in enumerate(friends):
        rows += [(owner, friend, 1, 500 + n, 1), (friend, owner, 1, 400 + n, 1)]
    database.execute_many(
        "INSERT INTO follows (follower_id, followee_id, following, followed_at, version) VALUES (%s, %s, %s, %s, %s)",
        rows,
    )
    listed, _ = relation_lists.friend_list(owner, None)
    assert [user["id"] for user in listed] == list(reversed(friends))


def test_the_statements_below_the_floor_use_an_index(database):
    for kind in (id_sets.FOLLOWING, id_sets.FOLLOWERS, id_sets.LIKES, id_sets.COMMENTS, id_sets.AUTHOR_VIDEOS):
        sql = f"{kind.select} AND {kind.score} <= %s ORDER BY score DESC LIMIT %s"
        plan = database.query("EXPLAIN " + sql, (1, 10**13, 10))
        assert all(step.get("key") and step.get("type") != "ALL" for step in plan), (sql, plan)
        assert not any("filesort" in str(step.get("Extra") or "") for step in plan), (sql, plan)


def test_a_video_with_more_comments_than_the_window_lists_and_deletes_the_older_ones(database, redis_client):
    author = register(database)
    video = make_video(database, author)
    ids = sorted(next_id() for _ in range(WINDOW + 5))
    database.execute_many(
        "INSERT INTO comments (id, video_id, user_id, content, created_at) VALUES (%s, %s, %s, %s, %s)",
        [(comment_id, video, author, f"c{n}", 1000 + n) for n, comment_id in enumerate(ids)],
    )
    listed, _ = comments.list_comments(video, None)
    assert [c["id"] for c in listed] == list(reversed(ids))  # newest first, the older ones from MySQL
    assert redis_client.zcard(keys.video_comments(video)) - 1 <= WINDOW
    before = read_model.video_counts([video])[video]["comment_count"]
    cached = read_model.load_video_stats([video])[video].comment_count

    comments.delete_comment(author, video, ids[0])  # the oldest: below the floor

    assert read_model.load_video_stats([video])[video].comment_count == cached - 1 == before - 1


def test_a_publish_list_longer_than_the_window_is_whole(database, redis_client):
    author = register(database)
    published = [make_video(database, author) for _ in range(WINDOW + 4)]  # ids and times increase

    listed, _ = publish_list.list_published(author, None)

    assert [video["id"] for video in listed] == list(reversed(published))
    assert redis_client.zcard(keys.user_videos(author)) - 1 <= WINDOW


def test_publishing_keeps_an_authors_index_bounded(database, redis_client):
    """Each publish adds to the author's index: past TRIM_AT it is cut back, and the cut ones page from MySQL."""
    author = register(database)
    published = []
    for n in range(3 * WINDOW):
        video_id = next_id()
        published.append(video_id)
        row = VideoRow(video_id, author, f"video {n}", f"videos/{video_id}.mp4", f"covers/{video_id}.jpg", 1000 + n)
        video_persistence.persist([Published(row, hashlib.sha256(str(video_id).encode()).hexdigest())])
        assert redis_client.zcard(keys.user_videos(author)) - 1 <= id_sets.TRIM_AT

    listed, _ = publish_list.list_published(author, None)

    assert [video["id"] for video in listed] == list(reversed(published))
