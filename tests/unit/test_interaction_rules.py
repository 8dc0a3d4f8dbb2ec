"""Pure rules of likes and comments: action types, comment text, dates, and how events become rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gophertok.errors import InvalidInput
from gophertok.events import Event
from gophertok.services import comments, favorites


class RecordingDatabase:
    def __init__(self) -> None:
        self.batches: list[tuple[str, list]] = []

    def execute_many(self, sql: str, rows) -> int:
        self.batches.append((sql, list(rows)))
        return len(rows)


@pytest.fixture
def database(monkeypatch) -> RecordingDatabase:
    recorder = RecordingDatabase()
    monkeypatch.setattr(favorites, "get_database", lambda: recorder)
    monkeypatch.setattr(comments, "get_database", lambda: recorder)
    monkeypatch.setattr(comments, "_heal_lists", lambda *_: None)  # the list heal needs Redis (integration tests)
    return recorder


@pytest.mark.parametrize(("action_type", "liked"), [(1, True), (2, False)])
def test_favorite_action_types_map_to_like_and_unlike(action_type, liked):
    assert favorites.liked_for_action(action_type) is liked


@pytest.mark.parametrize("action_type", [None, 0, 3, -1, 10**12])
def test_unknown_favorite_action_type_is_invalid_input(action_type):
    with pytest.raises(InvalidInput, match="action_type must be 1"):
        favorites.liked_for_action(action_type)


@pytest.mark.parametrize("action_type", [None, 0, 3])
def test_unknown_comment_action_type_is_invalid_input(action_type):
    with pytest.raises(InvalidInput, match="action_type must be 1"):
        comments.validate_action(action_type)


@pytest.mark.parametrize("text", [None, "", " ", "\t\n  "])
def test_blank_comment_text_is_rejected(text):
    with pytest.raises(InvalidInput, match="must not be empty"):
        comments.clean_text(text)


def test_comment_text_over_the_limit_is_rejected_and_at_the_limit_accepted():
    assert comments.clean_text("😀" * comments.TEXT_MAX) == "😀" * comments.TEXT_MAX
    with pytest.raises(InvalidInput, match=f"at most {comments.TEXT_MAX}"):
        comments.clean_text("a" * (comments.TEXT_MAX + 1))


def test_comment_text_is_kept_as_typed_except_sensitive_words():
    assert comments.clean_text("  Hello, World!  <b>ok</b> 🎉 ") == "  Hello, World!  <b>ok</b> 🎉 "
    assert comments.clean_text("你是傻逼吧!") == "你是**吧!"


def test_create_date_is_month_and_day_in_utc():
    assert comments.create_date(1_704_067_199_999) == "12-31"  # 2023-12-31T23:59:59.999Z
    assert comments.create_date(1_704_067_200_000) == "01-01"


@given(st.integers(min_value=0, max_value=253_402_300_799_999))  # up to 9999-12-31
def test_create_date_by_day_matches_formatting_the_instant(created_at_ms):
    instant = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=created_at_ms)
    assert comments.create_date(created_at_ms) == instant.strftime("%m-%d")


def _like(user, video, liked, version, event_type=favorites.FAVORITE_CHANGED):
    return Event(
        event_type, {"user_id": user, "video_id": video, "liked": liked, "at": version // 1000, "version": version}
    )


def test_favorite_events_keep_the_highest_version_per_pair_in_key_order(database):
    events = [_like(2, 9, True, 5_000), _like(1, 9, True, 1_000), _like(2, 9, False, 7_000), _like(2, 9, True, 6_000)]
    assert favorites.persist_favorite_events(events) == 2
    [(sql, rows)] = database.batches
    assert "ON DUPLICATE KEY UPDATE" in sql
    assert rows == [(1, 9, 1, 1, 1_000), (2, 9, 0, 7, 7_000)]


def test_favorite_upsert_updates_version_last_so_the_conditions_see_the_old_one():
    update = favorites._UPSERT.split("ON DUPLICATE KEY UPDATE", 1)[1]
    assert update.strip().splitlines()[-1].strip().startswith("version = GREATEST(version, VALUES(version))")


def test_other_event_types_on_the_favorite_topic_are_ignored(database):
    assert favorites.persist_favorite_events([_like(1, 2, True, 3, event_type="something.else")]) == 0
    assert database.batches == []


def test_malformed_favorite_event_raises_so_the_batch_is_retried(database):
    with pytest.raises(KeyError):
        favorites.persist_favorite_events([Event(favorites.FAVORITE_CHANGED, {"user_id": 1})])


def _comment(comment_id, deleted_at=None):
    row = comments.CommentRow(comment_id, 7, 3, "hi", 1_000, deleted_at)
    return row.event()


def test_comment_events_split_into_inserts_and_tombstones(database):
    events = [_comment(2), _comment(1), _comment(1, deleted_at=5_000), _comment(2)]
    assert comments.persist_comment_events(events) == 3
    (added_sql, added), (deleted_sql, deleted) = database.batches
    assert added == [(1, 7, 3, "hi", 1_000), (2, 7, 3, "hi", 1_000)]
    assert deleted == [(1, 7, 3, "hi", 1_000, 5_000)]
    assert "COALESCE(deleted_at" in deleted_sql and "IGNORE" not in added_sql


def test_a_deletion_event_without_its_time_is_rejected(database):
    event = Event(comments.COMMENT_DELETED, {"id": 1, "video_id": 2, "user_id": 3, "content": "", "created_at": 4})
    with pytest.raises(ValueError, match="no deleted_at"):
        comments.persist_comment_events([event])
