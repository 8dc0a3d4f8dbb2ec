"""A tiny client for the Douyin API as the Android app speaks it (used by HTTP contract tests)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from support.polling import unique_name

# The User object of api.md: every field, with its JSON type.
USER_FIELDS = {
    "id": int,
    "name": str,
    "follow_count": int,
    "follower_count": int,
    "is_follow": bool,
    "avatar": str,
    "background_image": str,
    "signature": str,
    "total_favorited": int,
    "work_count": int,
    "favorite_count": int,
}


def assert_user_shape(user: dict) -> None:
    assert set(user) == set(USER_FIELDS), set(user) ^ set(USER_FIELDS)
    for field, kind in USER_FIELDS.items():
        assert type(user[field]) is kind, (field, user[field])


@dataclass
class Account:
    user_id: int
    token: str
    username: str
    password: str


class DouyinClient:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()

    def call(self, method: str, path: str, *, params=None, data=None, files=None, headers=None) -> dict[str, Any]:
        """Send a request and return the JSON body, asserting the transport-level contract."""
        response = self.session.request(
            method, self.base_url + path, params=params, data=data, files=files, headers=headers, timeout=30
        )
        assert response.headers["Content-Type"].startswith("application/json"), response.text[:200]
        body = response.json()
        assert isinstance(body.get("status_code"), int) and isinstance(body.get("status_msg"), str), body
        assert response.status_code < 500, body
        body["_http_status"] = response.status_code
        return body

    def register(self, username: str | None = None, password: str = "quiet-Otter-42") -> Account:
        username = username or unique_name()
        body = self.call("POST", "/douyin/user/register/", params={"username": username, "password": password})
        assert body["status_code"] == 0, body
        return Account(body["user_id"], body["token"], username, password)


def user_info(client: DouyinClient, viewer: Account, user_id: int) -> dict[str, Any]:
    """GET /douyin/user/ as ``viewer``; asserts success and returns the User."""
    body = client.call("GET", "/douyin/user/", params={"token": viewer.token, "user_id": user_id})
    assert body["status_code"] == 0, body
    return body["user"]
