"""The local API's edges through the real stack: the query string reaches the layer raw (invalid UTF-8 is
refused, not replaced by U+FFFD), every answer carries CORS, HEAD carries no body."""

from __future__ import annotations

import requests


def test_invalid_utf8_in_the_query_is_refused_by_the_layer_not_replaced(api_url):
    response = requests.post(api_url + "/douyin/user/login/?username=al%FFce&password=secret123", timeout=30)
    body = response.json()
    assert body["status_code"] == 10001 and "UTF-8" in body["status_msg"]


def test_a_query_decodes_exactly_once(api_url):
    # "%2541" is the text "%41": decoded twice it would become "A" and find the user "A..."
    response = requests.post(api_url + "/douyin/user/login/?username=%2541lice&password=secret123", timeout=30)
    assert response.json()["status_code"] == 20004  # no such user "%41lice": the same answer as a wrong password


def test_every_answer_carries_cors_and_head_carries_no_body(api_url):
    feed = requests.get(api_url + "/douyin/feed/", headers={"Origin": "http://localhost:5173"}, timeout=30)
    head = requests.head(api_url + "/douyin/feed/", timeout=30)
    missing = requests.get(api_url + "/douyin/a/b/c/d/e/f/g/h/i/", timeout=30)
    assert feed.headers["Access-Control-Allow-Origin"] == "*" and feed.json()["status_code"] == 0
    assert head.status_code == 405 and head.content == b"" and int(head.headers["Content-Length"]) > 0
    assert missing.status_code == 404 and missing.json()["status_code"] == 40400
    assert missing.headers["Access-Control-Allow-Origin"] == "*"
