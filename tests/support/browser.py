"""What the browser tests share: signing up through the web client, and reading the API beside it."""

from __future__ import annotations

import re

import requests

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
