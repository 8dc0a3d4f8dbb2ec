"""Reconciliation repairs drift between the read model and MySQL, but never a change still in flight."""

from __future__ import annotations

import pytest

from gophertok import ids, keys
from gophertok.services import comments, read_model, reconciliation
from support.interactions import make_video
from support.polling import unique_name

pytestmark = pytest.mark.integration


@pytest.fixture
def user(database, redis_client) -> int:
    _, user_id = database.execute("INSERT INTO users (username, password_hash) VALUES (%s, 'x')", (unique_name(),))
    database.execute_many(
        "INSERT INTO follows (follower_id, followee_id, following, followed_at, version) VALUES (%s, %s, 1, %s, 1)",
        [(10**12 + n, user_id, n + 1) for n in range(3)],
    )
    redis_client.set(keys.reconcile_cursor("users"), user_id - 1, ex=60)
    read_model.load_user_stats([user_id])
    read_model.ensure_followers(user_id)
    return int(user_id)


def followers_counter(redis_client, user_id: int) -> int:
    return int(redis_client.hget(keys.user_stats(user_id), "follower_count"))


def test_a_counter_that_stays_wrong_is_repaired_on_the_second_look(redis_client, user):
    redis_client.hincrby(keys.user_stats(user), "follower_count", 5)  # drift: 8 where MySQL says 3

    first = reconciliation.reconcile(batch=1, now=1000.0)
    assert followers_counter(redis_client, user) == 8 and first.suspects >= 1  # only suspected so far

    redis_client.set(keys.reconcile_cursor("users"), user - 1, ex=60)
    second = reconciliation.reconcile(batch=1, now=1000.0 + reconciliation.SUSPECT_SECONDS)
    assert followers_counter(redis_client, user) == 3
    assert second.repaired.get("counters") == 1


def test_a_difference_that_closes_before_the_second_look_is_left_alone(database, redis_client, user):
    # Given a follow applied in Redis whose event has not reached MySQL yet
    redis_client.hincrby(keys.user_stats(user), "follower_count", 1)
    reconciliation.reconcile(batch=1, now=2000.0)
    # When the consumer then persists it
    database.execute(
        "INSERT INTO follows (follower_id, followee_id, following, followed_at, version) VALUES (%s, %s, 1, 9, 1)",
        (10**12 + 99, user),
    )
    redis_client.zadd(keys.user_followers(user), {str(10**12 + 99): 9})
    redis_client.set(keys.reconcile_cursor("users"), user - 1, ex=60)
    report = reconciliation.reconcile(batch=1, now=2000.0 + reconciliation.SUSPECT_SECONDS)
    # Then nothing is repaired and the counter keeps the change
    assert followers_counter(redis_client, user) == 4
    assert report.repaired == {}


def test_an_id_set_whose_size_disagrees_with_mysql_is_dropped_and_rebuilt_right(redis_client, user):
    redis_client.zadd(keys.user_followers(user), {"424242424242": 5})  # a follower MySQL never had
    for now in (3000.0, 3000.0 + reconciliation.SUSPECT_SECONDS):
        redis_client.set(keys.reconcile_cursor("users"), user - 1, ex=60)
        report = reconciliation.reconcile(batch=1, now=now)
    assert report.repaired.get("sets") == 1
    assert not redis_client.exists(keys.user_followers(user))
    read_model.ensure_followers(user)
    assert redis_client.zcard(keys.user_followers(user)) == 4  # three followers and the sentinel


def test_a_comment_shown_but_never_announced_leaves_the_list_on_the_second_look(database, redis_client, user):
    # Given a comment that a writer put in the list and counted, then crashed before publishing its event
    video_id = make_video(database, user)
    row = comments.CommentRow(ids.next_id(), video_id, user, "orphan", 1_000)
    comments._show(row, comments.ensure_video_comments(video_id))
    read_model.adjust_video_stats([(video_id, "comment_count", 1)])
    assert [c["content"] for c in comments.list_comments(video_id, None)[0]] == ["orphan"]
    # When reconciliation sees the list and the counter differ from MySQL twice
    for now in (4000.0, 4000.0 + reconciliation.SUSPECT_SECONDS):
        redis_client.set(keys.reconcile_cursor("videos"), video_id - 1, ex=60)
        report = reconciliation.reconcile(batch=1, now=now)
    # Then the comment MySQL never got is no longer listed or counted
    assert report.repaired.get("sets") == 1
    assert list(comments.list_comments(video_id, None)[0]) == []
    assert read_model.video_counts([video_id])[video_id]["comment_count"] == 0
    assert int(redis_client.hget(keys.video_stats(video_id), "comment_count")) == 0


def test_counters_rebuilt_while_a_change_was_in_flight_are_checked_first_and_repaired(database, redis_client, user):
    # Given counters rebuilt from MySQL (after a flush) just before a follow in flight reached MySQL
    redis_client.delete(keys.user_stats(user), keys.reconcile_priority("users"))  # other tests' rebuilds too
    read_model.load_user_stats([user])
    database.execute(
        "INSERT INTO follows (follower_id, followee_id, following, followed_at, version) VALUES (%s, %s, 1, 9, 1)",
        (10**12 + 77, user),
    )
    assert str(user) in redis_client.smembers(keys.reconcile_priority("users"))
    # When two reconciliation runs look, their cursors elsewhere (a large deployment walks other users)
    for now in (5000.0, 5000.0 + reconciliation.SUSPECT_SECONDS):
        redis_client.set(keys.reconcile_cursor("users"), 10**15, ex=60)
        reconciliation.reconcile(batch=50, now=now)
    # Then the counter is MySQL's and the user left the priority set
    assert followers_counter(redis_client, user) == 4
    assert str(user) not in redis_client.smembers(keys.reconcile_priority("users"))


def test_an_id_set_rebuilt_while_an_unfollow_was_in_flight_is_checked_first_and_dropped(database, redis_client, user):
    # Given a followers set rebuilt from MySQL (after a flush) while an unfollow was in flight: the set keeps the
    # follower, MySQL (once the unfollow lands) and the rebuilt counter do not
    redis_client.delete(keys.user_followers(user), keys.user_stats(user), keys.reconcile_priority("users"))
    read_model.ensure_followers(user)
    database.execute("UPDATE follows SET following = 0 WHERE follower_id = %s AND followee_id = %s", (10**12, user))
    read_model.load_user_stats([user])
    assert followers_counter(redis_client, user) == 2 and redis_client.zcard(keys.user_followers(user)) - 1 == 3
    # When two reconciliation runs look, their cursors elsewhere
    for now in (6000.0, 6000.0 + reconciliation.SUSPECT_SECONDS):
        redis_client.set(keys.reconcile_cursor("users"), 10**15, ex=60)
        reconciliation.reconcile(batch=50, now=now)
    # Then the stale set is gone (its next read rebuilds it right) and the user left the priority set
    assert not redis_client.exists(keys.user_followers(user))
    assert str(user) not in redis_client.smembers(keys.reconcile_priority("users"))


def test_an_id_set_rebuilt_from_mysql_puts_its_owner_among_the_ids_checked_first(database, redis_client, user):
    redis_client.delete(keys.user_followers(user), keys.reconcile_priority("users"))  # its counters stay loaded
    read_model.ensure_followers(user)
    assert str(user) in redis_client.smembers(keys.reconcile_priority("users"))

    video_id = make_video(database, user)
    redis_client.delete(keys.reconcile_priority("videos"))
    comments.ensure_video_comments(video_id)
    assert str(video_id) in redis_client.smembers(keys.reconcile_priority("videos"))
