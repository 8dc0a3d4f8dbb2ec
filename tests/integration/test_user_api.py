"""HTTP contract of the user endpoints, against the local API (chalice local -> function handlers)."""

from __future__ import annotations

import time

import jwt
import pytest

from support.douyin import DouyinClient, assert_user_shape
from support.polling import unique_name


@pytest.fixture(scope="module")
def client(api_url: str) -> DouyinClient:
    return DouyinClient(api_url)


def test_register_returns_user_id_and_a_token_that_works_on_the_next_request(client):
    username = unique_name()
    body = client.call("POST", "/douyin/user/register/", params={"username": username, "password": "quiet-Otter-42"})
    assert body["status_code"] == 0 and body["_http_status"] == 200
    assert type(body["user_id"]) is int and body["user_id"] > 0
    info = client.call("GET", "/douyin/user/", params={"user_id": body["user_id"], "token": body["token"]})
    assert info["status_code"] == 0
    assert_user_shape(info["user"])
    assert info["user"]["id"] == body["user_id"] and info["user"]["name"] == username
    assert info["user"]["follow_count"] == 0 and info["user"]["work_count"] == 0


def test_register_with_a_taken_username_is_a_clear_error(client):
    account = client.register()
    body = client.call("POST", "/douyin/user/register/", params={"username": account.username, "password": "other123"})
    assert body["status_code"] == 30002
    assert "taken" in body["status_msg"]


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"password": "quiet-Otter-42"}, "username is required"),
        ({"username": "", "password": "quiet-Otter-42"}, "username is required"),
        ({"username": "x" * 33, "password": "quiet-Otter-42"}, "username must be at most 32"),
        ({"username": " padded", "password": "quiet-Otter-42"}, "spaces"),
        ({"username": "PLACEHOLDER"}, "password is required"),
        ({"username": "PLACEHOLDER", "password": "12345"}, "at least 6"),
        ({"username": "PLACEHOLDER", "password": "p" * 33}, "at most 32"),
    ],
)
def test_register_validation_errors_say_what_is_wrong(client, params, fragment):
    params = {k: (unique_name() if v == "PLACEHOLDER" else v) for k, v in params.items()}
    body = client.call("POST", "/douyin/user/register/", params=params)
    assert body["status_code"] == 10001 and body["_http_status"] == 200
    assert fragment in body["status_msg"]


def test_register_accepts_unicode_names_and_long_unicode_passwords(client):
    username = "用户" + unique_name()[:10]
    account = client.register(username=username, password="密" * 32)
    body = client.call("POST", "/douyin/user/login/", params={"username": username, "password": "密" * 32})
    assert body["status_code"] == 0 and body["user_id"] == account.user_id


def test_login_returns_the_same_user_id_and_a_working_token(client):
    account = client.register()
    body = client.call(
        "POST", "/douyin/user/login/", params={"username": account.username, "password": account.password}
    )
    assert body["status_code"] == 0 and body["user_id"] == account.user_id
    info = client.call("GET", "/douyin/user/", params={"token": body["token"]})
    assert info["user"]["id"] == account.user_id


def test_login_wrong_password_and_unknown_user_get_the_same_message(client):
    account = client.register()
    wrong = client.call("POST", "/douyin/user/login/", params={"username": account.username, "password": "nope1234"})
    unknown = client.call("POST", "/douyin/user/login/", params={"username": unique_name(), "password": "nope1234"})
    assert wrong["status_code"] == unknown["status_code"] == 20004
    assert wrong["status_msg"] == unknown["status_msg"]


def test_login_missing_parameters_are_invalid_input(client):
    body = client.call("POST", "/douyin/user/login/", params={"username": "someone"})
    assert body["status_code"] == 10001


def test_parameters_in_form_body_only(client):
    username = unique_name()
    body = client.call("POST", "/douyin/user/register/", data={"username": username, "password": "quiet-Otter-42"})
    assert body["status_code"] == 0
    login = client.call("POST", "/douyin/user/login", data={"username": username, "password": "quiet-Otter-42"})
    assert login["user_id"] == body["user_id"]


def test_parameters_in_multipart_body(client):
    username = unique_name()
    fields = {"username": (None, username), "password": (None, "quiet-Otter-42")}
    body = client.call("POST", "/douyin/user/register/", files=fields)
    assert body["status_code"] == 0
    info = client.call("GET", "/douyin/user/", files={"token": (None, body["token"])})
    assert info["user"]["name"] == username


def test_get_with_a_form_body(client):
    account = client.register()
    body = client.call("GET", "/douyin/user/", data={"token": account.token, "user_id": str(account.user_id)})
    assert body["status_code"] == 0 and body["user"]["id"] == account.user_id


def test_query_wins_when_query_and_form_disagree(client):
    first, second = client.register(), client.register()
    body = client.call(
        "GET",
        "/douyin/user/",
        params={"token": first.token, "user_id": first.user_id},
        data={"user_id": second.user_id},
    )
    assert body["user"]["id"] == first.user_id


def test_bearer_header_is_accepted(client):
    account = client.register()
    body = client.call("GET", "/douyin/user", headers={"Authorization": f"Bearer {account.token}"})
    assert body["status_code"] == 0 and body["user"]["id"] == account.user_id


def test_user_info_of_another_user_and_of_a_missing_user(client):
    viewer, other = client.register(), client.register()
    body = client.call("GET", "/douyin/user/", params={"token": viewer.token, "user_id": other.user_id})
    assert body["user"]["id"] == other.user_id and body["user"]["is_follow"] is False
    missing = client.call("GET", "/douyin/user/", params={"token": viewer.token, "user_id": 2**62})
    assert missing["status_code"] == 30001


@pytest.mark.parametrize("user_id", ["abc", "1.5", "99999999999999999999999", "-3", "0"])
def test_user_info_rejects_bad_user_ids(client, user_id):
    account = client.register()
    body = client.call("GET", "/douyin/user/", params={"token": account.token, "user_id": user_id})
    assert body["status_code"] == 10001


def _token_with(secret: str, **claims) -> str:
    now = int(time.time())
    payload = {"sub": "1", "iss": "gophertok", "iat": now, "exp": now + 600, **claims}
    return jwt.encode(payload, secret, algorithm="HS256")


@pytest.mark.parametrize(
    ("token_factory", "expected"),
    [
        (lambda: "not-a-token", 20002),
        (lambda: "a.b.c", 20002),
        (lambda: "x" * 5000, 20002),
        (lambda: "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", 20002),
        (lambda: _token_with("a-completely-different-secret-of-enough-length"), 20002),
        (lambda: _token_with(__import__("os").environ["JWT_SECRET"], exp=int(time.time()) - 10), 20003),
    ],
    ids=["garbage", "three-dots", "huge", "alg-none", "forged", "expired"],
)
def test_bad_tokens_are_clean_auth_errors(client, token_factory, expected):
    body = client.call("GET", "/douyin/user/", params={"token": token_factory(), "user_id": 1})
    assert body["status_code"] == expected and body["_http_status"] == 200


def test_missing_token_is_an_auth_error(client):
    body = client.call("GET", "/douyin/user/", params={"user_id": 1})
    assert body["status_code"] == 20001


def test_unknown_path_is_json_404_and_wrong_method_is_json_405(client):
    missing = client.call("GET", "/douyin/nothing/here/")
    assert missing["_http_status"] == 404 and missing["status_code"] == 40400
    wrong = client.call("GET", "/douyin/user/register/")
    assert wrong["_http_status"] == 405 and wrong["status_code"] == 40500
