"""The $default route's function answers like the local API: JSON 405 for a known path, JSON 404 otherwise."""

from __future__ import annotations

import json

import pytest

from gophertok_local.events import http_event
from gophertok_local.functions import invoke


@pytest.mark.parametrize(
    ("method", "path", "http_status", "status_code"),
    [
        ("GET", "/douyin/nope/", 404, 40400),
        ("GET", "/", 404, 40400),
        ("DELETE", "/douyin/feed", 405, 40500),
        ("GET", "/douyin/user/register/", 405, 40500),
    ],
)
def test_not_found_function_answers_the_contract_json(method, path, http_status, status_code):
    response = invoke("not_found", http_event(method, path))
    body = json.loads(response["body"])
    assert response["statusCode"] == http_status
    assert response["headers"]["Content-Type"].startswith("application/json")
    assert body["status_code"] == status_code and body["status_msg"]


def test_method_not_allowed_names_the_methods_the_path_accepts():
    body = json.loads(invoke("not_found", http_event("PUT", "/douyin/user/register"))["body"])
    assert "POST" in body["status_msg"]
