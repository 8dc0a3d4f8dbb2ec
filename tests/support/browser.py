"""What the browser tests share: signing up through the web client, and reading the API beside it."""

from __future__ import annotations

import re

import requests

from support.polling import unique_name

PASSWORD = "browser-pass-1"


def sign_up(page, api_url: str, username: str) -> dict:
    page.goto(api_url + "/#/login")
    page.get_by_role("button", name="New here? Create an account").click()
    page.get_by_placeholder("Username").fill(username)
    page.get_by_placeholder("Password (6–32 characters)").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(re.compile(r"#/feed$"))
    return page.evaluate("JSON.parse(localStorage.getItem('gophertok.session'))")


def api(api_url: str, path: str, **params) -> dict:
    body = requests.get(api_url + path, params=params, timeout=10).json()
    assert body["status_code"] == 0, body
    return body


def published_video(api_url: str, name: str, title: str, data: bytes) -> tuple[dict, dict]:
    """A new account (its register answer) that published ``data`` as ``title`` through the API, and that video as
    its publish list shows it."""
    author = requests.post(
        api_url + "/douyin/user/register/", data={"username": unique_name(name), "password": PASSWORD}, timeout=10
    ).json()
    published = requests.post(
        api_url + "/douyin/publish/action/",
        data={"token": author["token"], "title": title},
        files={"data": ("clip.mp4", data, "video/mp4")},
        timeout=60,
    ).json()
    assert published["status_code"] == 0, published
    return author, api(api_url, "/douyin/publish/list/", token=author["token"])["video_list"][0]
