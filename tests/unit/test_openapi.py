"""The OpenAPI document: one operation per registry route, valid 3.1, and the committed copy up to date."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from gophertok import errors, registry
from gophertok.contract import openapi, operations
from gophertok.contract.operations import Operation

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_every_route_has_exactly_one_operation_and_no_operation_lacks_a_route() -> None:
    route_functions = {route.function for route in registry.ROUTES}
    assert set(operations.OPERATIONS) == route_functions


def test_a_route_without_an_operation_fails_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "ROUTES", (*registry.ROUTES, registry.Route("GET", "/douyin/new", "new_function")))
    with pytest.raises(openapi.MissingOperation, match="new_function"):
        openapi.build_spec()


def test_the_document_is_valid_openapi_31_with_every_route_at_its_slash_path() -> None:
    spec = openapi.build_spec()
    validate(spec)
    assert spec["openapi"] == "3.1.0"
    served = {(method.upper(), path) for path, item in spec["paths"].items() for method in item}
    assert served == {(route.method, route.path + "/") for route in registry.ROUTES}


def test_the_committed_document_matches_the_generator() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == openapi.render(), "docs/openapi.json is stale: run `make openapi`"


def test_error_codes_come_from_the_error_table(monkeypatch: pytest.MonkeyPatch) -> None:
    class RateLimited(errors.AppError):
        pass

    table = {**errors.ERROR_TABLE, RateLimited: errors.ErrorSpec(42900, 200, "too many attempts")}
    monkeypatch.setattr(errors, "ERROR_TABLE", table)
    spec = openapi.build_spec()
    assert 42900 in spec["components"]["schemas"]["Error"]["properties"]["status_code"]["enum"]
    assert "42900" in spec["info"]["description"]


def test_success_schemas_require_every_field_but_the_optional_ones() -> None:
    schemas = openapi.build_spec()["components"]["schemas"]
    assert schemas["VideoFeedResponse"]["required"] == ["status_code", "status_msg", "video_list", "next_time"]
    assert "comment" not in schemas["CommentActionResponse"]["required"]
    assert schemas["User"]["required"] == list(schemas["User"]["properties"])


def test_an_added_cursor_param_and_field_reach_the_document(monkeypatch: pytest.MonkeyPatch) -> None:
    paged = Operation(
        "paged",
        "required",
        (operations.Param("cursor", {"type": "string"}),),
        {**operations.USER_LIST, "next_cursor": {"type": "string"}},
        optional_fields=("next_cursor",),
    )
    monkeypatch.setitem(operations.OPERATIONS, "relation_follow_list", paged)
    spec = openapi.build_spec()
    params = spec["paths"]["/douyin/relation/follow/list/"]["get"]["parameters"]
    assert [param["name"] for param in params] == ["cursor"]
    assert "next_cursor" in spec["components"]["schemas"]["RelationFollowListResponse"]["properties"]


def test_token_operations_declare_their_security() -> None:
    paths = json.loads(openapi.render())["paths"]
    assert paths["/douyin/user/register/"]["post"]["security"] == []
    assert {} in paths["/douyin/feed/"]["get"]["security"]
    assert {} not in paths["/douyin/user/"]["get"]["security"]
