"""static_site.lookup: the web client, the OpenAPI document and Swagger UI, and nothing outside them."""

from __future__ import annotations

import json

import pytest

from gophertok.contract.openapi import build_spec
from gophertok_local import static_site


def found(method: str, path: str) -> tuple[int, dict[str, str], bytes]:
    """The answer for a path static_site serves (fails the test when it serves nothing there)."""
    answer = static_site.lookup(method, path)
    assert answer is not None, (method, path)
    return answer


def test_root_serves_the_web_client() -> None:
    status, headers, body = found("GET", "/")
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert body == (static_site.WEB_ROOT / "index.html").read_bytes()


def test_openapi_json_is_the_generated_document() -> None:
    status, headers, body = found("GET", "/openapi.json")
    assert (status, headers["Content-Type"]) == (200, "application/json; charset=utf-8")
    assert json.loads(body) == json.loads(json.dumps(build_spec()))


def test_docs_page_loads_swagger_ui_from_local_assets(tmp_path, monkeypatch) -> None:
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        (tmp_path / asset).write_text("/* vendored */" * 100)
    monkeypatch.setattr(static_site, "SWAGGER_ROOT", tmp_path)
    status, _, page = found("GET", "/docs")
    assert status == 200
    assert b"/openapi.json" in page
    for asset in ("/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css"):
        assert asset.encode() in page
        asset_status, _, asset_body = found("GET", asset)
        assert asset_status == 200 and len(asset_body) > 1000
    assert b"https://" not in page


def test_head_has_the_length_of_get_and_no_body() -> None:
    _, get_headers, get_body = found("GET", "/")
    status, head_headers, head_body = found("HEAD", "/")
    assert (status, head_body) == (200, b"")
    assert head_headers["Content-Length"] == get_headers["Content-Length"] == str(len(get_body))


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/"),
        ("GET", "/douyin/feed/"),
        ("GET", "/douyin"),
        ("GET", "/missing.js"),
        ("GET", "/../pyproject.toml"),
        ("GET", "/docs/../../../pyproject.toml"),
        ("GET", "/js/../../pyproject.toml"),
        ("GET", "/.hidden"),
    ],
)
def test_everything_else_is_not_a_static_path(method: str, path: str) -> None:
    assert static_site.lookup(method, path) is None
