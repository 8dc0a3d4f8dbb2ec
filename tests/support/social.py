"""Follow, list and chat calls of the Douyin client, for the social integration tests."""

from __future__ import annotations

import json
from typing import Any

from gophertok_local.events import http_event
from gophertok_local.functions import invoke
from support.douyin import Account, DouyinClient, user_info
from support.polling import unique_name

FOLLOW, UNFOLLOW = 1, 2
LISTS = {
    "follow": "/douyin/relation/follow/list/",
    "follower": "/douyin/relation/follower/list/",
    "friend": "/douyin/relation/friend/list/",
}


def relation(client: DouyinClient, actor: Account, target: Account, action_type: int) -> dict[str, Any]:
    body = client.call(
        "POST",
        "/douyin/relation/action/",
        params={"token": actor.token, "to_user_id": target.user_id, "action_type": action_type},
    )
    assert body["status_code"] == 0, body
    return body


def user_list(client: DouyinClient, kind: str, viewer: Account, owner: Account | None = None) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"token": viewer.token}
    if owner is not None:
        params["user_id"] = owner.user_id
    body = client.call("GET", LISTS[kind], params=params)
    assert body["status_code"] == 0, body
    return body["user_list"]


def ids(users: list[dict[str, Any]]) -> list[int]:
    return [user["id"] for user in users]


def profile(client: DouyinClient, viewer: Account, user: Account) -> dict[str, Any]:
    return user_info(client, viewer, user.user_id)


def send(client: DouyinClient, sender: Account, receiver: Account, content: str) -> None:
    body = client.call(
        "POST",
        "/douyin/message/action/",
        params={"token": sender.token, "to_user_id": receiver.user_id, "action_type": 1, "content": content},
    )
    assert body["status_code"] == 0, body


def chat(client: DouyinClient, viewer: Account, other: Account, pre_msg_time: int | None = None) -> list[dict]:
    params = {"token": viewer.token, "to_user_id": other.user_id}
    if pre_msg_time is not None:
        params["pre_msg_time"] = pre_msg_time
    body = client.call("GET", "/douyin/message/chat/", params=params)
    assert body["status_code"] == 0, body
    return body["message_list"]


def invoke_http(function: str, method: str, path: str, **params: Any) -> dict[str, Any]:
    """Call a function's handler in this process with an API Gateway event; returns the JSON body."""
    response = invoke(function, http_event(method, path, query=params))
    body = json.loads(response["body"])
    assert body["status_code"] == 0, body
    return body


def register_in_process() -> Account:
    username, password = unique_name(), "quiet-Otter-42"
    body = invoke_http("user_register", "POST", "/douyin/user/register/", username=username, password=password)
    return Account(body["user_id"], body["token"], username, password)


def follow_in_process(actor: Account, target: Account) -> None:
    """``actor`` follows ``target`` through the relation_action handler in this process."""
    invoke_http(
        "relation_action",
        "POST",
        "/douyin/relation/action/",
        token=actor.token,
        to_user_id=target.user_id,
        action_type=FOLLOW,
    )
