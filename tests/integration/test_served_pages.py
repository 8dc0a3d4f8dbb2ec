"""The local API serves the web client, the OpenAPI document and Swagger UI next to the /douyin routes."""

from __future__ import annotations

import requests

from gophertok.contract.openapi import build_spec


def test_web_client_document_and_docs_are_served(api_url: str) -> None:
    page = requests.get(api_url + "/", timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert requests.get(api_url + "/openapi.json", timeout=10).json()["paths"] == build_spec()["paths"]
    docs = requests.get(api_url + "/docs", timeout=10)
    assert docs.status_code == 200 and "swagger-ui-bundle.js" in docs.text
    bundle = requests.get(api_url + "/docs/swagger-ui-bundle.js", timeout=10)
    assert bundle.status_code == 200 and len(bundle.content) > 100_000


def test_head_of_a_page_and_unknown_paths_keep_their_answers(api_url: str) -> None:
    assert requests.head(api_url + "/", timeout=10).status_code == 200
    missing = requests.get(api_url + "/no-such-page.js", timeout=10)
    assert missing.status_code == 404 and missing.json()["status_code"] == 40400
    assert requests.post(api_url + "/", timeout=10).json()["status_code"] == 40400
    assert requests.get(api_url + "/douyin/feed/", timeout=10).json()["status_code"] == 0
