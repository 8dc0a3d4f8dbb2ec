"""Contract objects rendered to JSON text: the members rendered once per entry, and the text itself."""

from __future__ import annotations

import orjson
import pytest

from gophertok import rendering
from gophertok.services import comments, users, videos

HOSTILE = 'say "hi"\\ \n\t\x00 é 你好 \u2028 </script>'


@pytest.fixture
def media(monkeypatch):
    base = ["https://media.example/one"]
    monkeypatch.setattr(rendering, "media_base_url", lambda: base[0])
    return base


def counting(calls):
    def render(entry, media):
        calls.append(entry)
        return f"{media}|{entry['id']}|{entry['name']}"

    return rendering.FixedMembers(key=lambda entry: (entry["id"], entry["name"]), render=render)


def test_an_entry_is_rendered_once_while_it_stays_the_same(media):
    calls = []
    fixed = counting(calls)

    first = fixed.of([{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
    again = fixed.of([{"id": 2, "name": "b"}, {"id": 1, "name": "a"}])

    assert first == ["https://media.example/one|1|a", "https://media.example/one|2|b"]
    assert again == [first[1], first[0]]
    assert len(calls) == 2


def test_a_changed_entry_or_media_url_is_rendered_again(media):
    calls = []
    fixed = counting(calls)
    fixed.of([{"id": 1, "name": "a"}])

    assert fixed.of([{"id": 1, "name": "renamed"}]) == ["https://media.example/one|1|renamed"]
    media[0] = "https://cdn.example"
    assert fixed.of([{"id": 1, "name": "a"}]) == ["https://cdn.example|1|a"]
    assert len(calls) == 3


def test_it_keeps_at_most_kept_entries(media, monkeypatch):
    monkeypatch.setattr(rendering.FixedMembers, "KEPT", 3)
    fixed = counting([])

    for n in range(10):
        fixed.of([{"id": n, "name": "x"}, {"id": n + 100, "name": "y"}])
        assert len(fixed.rendered) <= 3


def test_media_urls_are_blank_without_a_key():
    assert rendering.media_url("https://m", "") == ""
    assert rendering.media_url("https://m", "covers/1.jpg") == "https://m/covers/1.jpg"


def test_a_video_renders_its_fixed_members_with_any_title():
    entry = orjson.dumps(
        {"id": 7, "author_id": 3, "title": HOSTILE, "play_key": "videos/7.mp4", "cover_key": "", "created_at": 1}
    ).decode()

    author_id, members = videos._fixed_members(entry, "https://m")

    assert author_id == 3
    assert orjson.loads(members + b"}") == {
        "id": 7,
        "play_url": "https://m/videos/7.mp4",
        "cover_url": "",
        "title": HOSTILE,
    }


def test_a_user_renders_every_contract_member_with_any_text():
    profile = {"id": 5, "name": HOSTILE, "avatar_key": "avatars/5.png", "background_key": "", "signature": HOSTILE}
    stats = (1, 2, 3, 4, 5)  # follow_count, follower_count, total_favorited, work_count, favorite_count

    text = users._USER % (users._fixed_members(profile, "https://m"), stats[0], stats[1], b"true", *stats[2:])

    assert orjson.loads(text + b"}") == {
        "id": 5,
        "name": HOSTILE,
        "follow_count": 1,
        "follower_count": 2,
        "is_follow": True,
        "avatar": "https://m/avatars/5.png",
        "background_image": "",
        "signature": HOSTILE,
        "total_favorited": 3,
        "work_count": 4,
        "favorite_count": 5,
    }


def test_a_comment_renders_around_its_user_with_any_content():
    row = comments.CommentRow(9, 7, 5, HOSTILE, 86_400_000 * 40 + 5, None)

    user_id, live, members = comments._fixed_members(comments._entry(row).decode())

    assert (user_id, live) == (5, True)
    assert orjson.loads(comments._COMMENT % (members, b'{"id":5}')) == {
        "id": 9,
        "user": {"id": 5},
        "content": HOSTILE,
        "create_date": "02-10",
    }


def test_a_deleted_comment_reads_as_not_live():
    row = comments.CommentRow(9, 7, 5, "gone", 1, deleted_at=2)

    assert comments._fixed_members(comments._entry(row).decode())[:2] == (5, False)


def test_a_friend_renders_its_last_message_with_any_content():
    from gophertok.services import relation_lists

    text = relation_lists._FRIEND % (b'{"id":5', orjson.dumps(HOSTILE), 1)

    assert orjson.loads(text) == {"id": 5, "message": HOSTILE, "msgType": 1}
