"""Identity rules through HTTP: weak passwords, impersonating usernames, padded logins, control characters."""

from __future__ import annotations

import pytest

from support.douyin import DouyinClient
from support.interactions import comment_list, make_video
from support.polling import unique_name
from support.social import chat

REGISTER, LOGIN = "/douyin/user/register/", "/douyin/user/login/"
GOOD_PASSWORD = "quiet-Otter-42"


@pytest.fixture(scope="module")
def client(api_url: str) -> DouyinClient:
    return DouyinClient(api_url)


def account_named(database, username: str) -> int:
    return int(database.query_one("SELECT COUNT(*) AS n FROM users WHERE username = %s", (username,))["n"])


@pytest.mark.parametrize(
    ("password", "fragment"),
    [("123456", "too common"), ("password1", "too common"), ("      ", "only spaces"), ("SAME", "username")],
)
def test_weak_passwords_are_refused_at_registration(client, database, password, fragment):
    username = unique_name()
    password = username if password == "SAME" else password

    body = client.call("POST", REGISTER, data={"username": username, "password": password})

    assert body["status_code"] == 10001 and fragment in body["status_msg"], body
    assert account_named(database, username) == 0


@pytest.mark.parametrize(
    ("suffix", "fragment"),
    [("\u200b", "invisible"), ("\u202e", "invisible"), ("\x07", "invisible"), ("\u0430", "mix")],
    ids=["zero-width-space", "rtl-override", "bell", "cyrillic-a"],
)
def test_impersonating_usernames_are_refused(client, database, suffix, fragment):
    username = unique_name()[:20] + suffix

    body = client.call("POST", REGISTER, data={"username": username, "password": GOOD_PASSWORD})

    assert body["status_code"] == 10001 and fragment in body["status_msg"], body
    assert account_named(database, username) == 0


def test_a_padded_username_does_not_log_in_as_the_plain_one(client):
    account = client.register()

    for padded in (account.username + " ", " " + account.username):
        body = client.call("POST", LOGIN, data={"username": padded, "password": account.password})
        assert body["status_code"] == 10001 and "spaces" in body["status_msg"], body


def test_full_width_names_are_the_plain_name(client):
    plain = unique_name()[:16]
    wide = "".join(chr(ord(ch) + 0xFEE0) for ch in plain)  # ASCII -> full-width forms
    account = client.register(username=plain)

    taken = client.call("POST", REGISTER, data={"username": wide, "password": GOOD_PASSWORD})
    login = client.call("POST", LOGIN, data={"username": wide, "password": account.password})

    assert taken["status_code"] == 30002
    assert login["status_code"] == 0 and login["user_id"] == account.user_id


def test_undecodable_bytes_in_a_query_string_username_are_refused(client, database):
    base = unique_name()[:12]

    body = client.call("POST", f"{REGISTER}?username={base}%FF&password={GOOD_PASSWORD}")

    assert body["status_code"] == 10001, body
    assert account_named(database, base + "\ufffd") == 0


CONTROL_TEXTS = {"nul": "a\x00b", "escape": "a\x1b[31mred", "bell": "ding\x07", "rtl-override": "abc\u202edef"}


@pytest.mark.parametrize("text", CONTROL_TEXTS.values(), ids=CONTROL_TEXTS.keys())
def test_control_characters_are_refused_in_comments_and_messages(client, database, text):
    author, fan = client.register(), client.register()
    video_id = make_video(database, author.user_id)

    commented = client.call(
        "POST",
        "/douyin/comment/action/",
        data={"token": fan.token, "video_id": video_id, "action_type": 1, "comment_text": text},
    )
    sent = client.call(
        "POST",
        "/douyin/message/action/",
        data={"token": fan.token, "to_user_id": author.user_id, "action_type": 1, "content": text},
    )

    assert commented["status_code"] == 10001 and "control characters" in commented["status_msg"]
    assert sent["status_code"] == 10001 and "control characters" in sent["status_msg"]
    assert comment_list(client, video_id) == [] and chat(client, fan, author) == []


@pytest.mark.parametrize("text", CONTROL_TEXTS.values(), ids=CONTROL_TEXTS.keys())
def test_control_characters_are_refused_in_titles(client, text):
    account = client.register()

    body = client.call(
        "POST", "/douyin/publish/upload_url/", data={"token": account.token, "title": text, "content_type": "video/mp4"}
    )

    assert body["status_code"] == 10001 and "control characters" in body["status_msg"], body


def test_line_breaks_tabs_and_emoji_joiners_are_kept_as_typed(client):
    alice, bob = client.register(), client.register()
    text = "line one\nline two\ttabbed 👨\u200d👩\u200d👧"

    body = client.call(
        "POST",
        "/douyin/message/action/",
        data={"token": alice.token, "to_user_id": bob.user_id, "action_type": 1, "content": text},
    )

    assert body["status_code"] == 0
    assert [message["content"] for message in chat(client, bob, alice)] == [text]
