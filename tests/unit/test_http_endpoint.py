"""http_endpoint: the envelope, error mapping and structured logs around a view."""

from __future__ import annotations

import json

import pytest
import redis

from gophertok.auth.session import token_subject
from gophertok.auth.tokens import issue_token
from gophertok.errors import InvalidInput, NotFound, RateLimited, Unavailable
from gophertok.http import Request, http_endpoint
from gophertok_local.events import http_event

LOG_KEYS = {"timestamp", "level", "message", "function", "request_id"}


@pytest.fixture(autouse=True)
def _environment(process_settings, json_logging):
    """Every test here runs a real handler: clean settings and a fresh JSON log handler on captured stdout."""


def call(view, event=None, context=None):
    handler = http_endpoint(view)
    response = handler(event or http_event("GET", "/douyin/test/"), context)
    return response, json.loads(response["body"])


def log_lines(capsys) -> list[dict]:
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


def test_http_endpoint_success_wraps_extras_in_envelope(lambda_context):
    def view(request: Request) -> dict:
        return {"user_id": 7, "is_follow": False, "count": 0, "name": "张三 🎬"}

    response, body = call(view, context=lambda_context)

    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert response["headers"]["X-Request-Id"] == lambda_context.aws_request_id
    assert response["isBase64Encoded"] is False
    assert body == {
        "status_code": 0,
        "status_msg": "success",
        "user_id": 7,
        "is_follow": False,
        "count": 0,
        "name": "张三 🎬",
    }
    assert "张三 🎬" in response["body"]  # kept as UTF-8, not \u escapes


def test_http_endpoint_view_returning_none_gives_bare_success_envelope():
    response, body = call(lambda request: None)

    assert response["statusCode"] == 200
    assert body == {"status_code": 0, "status_msg": "success"}


def test_http_endpoint_view_receives_parsed_request():
    seen: list[Request] = []

    def view(request: Request) -> None:
        seen.append(request)

    call(
        view,
        http_event(
            "POST",
            "/douyin/x/",
            query={"a": "1"},
            headers={"content-type": "application/x-www-form-urlencoded"},
            body=b"b=2",
        ),
    )

    assert seen[0].method == "POST"
    assert seen[0].params == {"a": "1", "b": "2"}


def test_http_endpoint_invalid_input_gives_http_200_with_code_and_message():
    def view(request: Request) -> dict:
        raise InvalidInput("username must be at most 32 characters")

    response, body = call(view)

    assert response["statusCode"] == 200
    assert body == {"status_code": 10001, "status_msg": "username must be at most 32 characters"}


def test_http_endpoint_missing_required_param_gives_code_10001():
    response, body = call(lambda request: {"name": request.text("username")})

    assert response["statusCode"] == 200
    assert body["status_code"] == 10001
    assert body["status_msg"] == "username is required"


def test_http_endpoint_malformed_body_gives_code_10001_not_500():
    event = http_event("POST", "/x", headers={"content-type": "multipart/form-data"}, body=b"garbage")

    response, body = call(lambda request: None, event)

    assert response["statusCode"] == 200
    assert body["status_code"] == 10001


def test_http_endpoint_rate_limited_answers_200_with_42900_and_a_retry_after_header():
    def view(request: Request) -> dict:
        raise RateLimited("comments", 7)

    response, body = call(view)

    assert response["statusCode"] == 200
    assert response["headers"]["Retry-After"] == "7"
    assert response["headers"]["Content-Type"].startswith("application/json")
    assert body == {"status_code": 42900, "status_msg": "too many comments, try again in 7 s"}


def test_http_endpoint_other_answers_carry_no_retry_after():
    def view(request: Request) -> dict:
        raise NotFound()

    for handler_view in (view, lambda request: None):
        response, _ = call(handler_view)
        assert "Retry-After" not in response["headers"]


def test_http_endpoint_business_error_carries_no_request_id():
    def view(request: Request) -> dict:
        raise NotFound("user 9 does not exist")

    _, body = call(view)

    assert body == {"status_code": 30001, "status_msg": "user 9 does not exist"}


@pytest.mark.parametrize("token", ["abc", "a.b.c", ""], ids=["garbage", "three-parts", "empty-bearer"])
def test_http_endpoint_bad_token_is_clean_auth_error(token):
    event = http_event("GET", "/douyin/user/", headers={"Authorization": f"Bearer {token}"})

    response, body = call(lambda request: {"user_id": token_subject(request)}, event)

    assert response["statusCode"] == 200
    assert body["status_code"] in {20001, 20002}
    assert body["status_msg"]


def test_http_endpoint_valid_token_reaches_view():
    event = http_event("GET", "/douyin/user/", query={"token": issue_token(31)})

    _, body = call(lambda request: {"user_id": token_subject(request)}, event)

    assert body == {"status_code": 0, "status_msg": "success", "user_id": 31}


def test_http_endpoint_unexpected_exception_gives_500_with_request_id_and_no_detail(lambda_context):
    def view(request: Request) -> dict:
        raise RuntimeError("secret detail")

    response, body = call(view, context=lambda_context)

    assert response["statusCode"] == 500
    assert response["headers"]["Content-Type"].startswith("application/json")
    assert body["status_code"] == 50000
    assert body["request_id"] == lambda_context.aws_request_id
    assert isinstance(body["status_msg"], str) and body["status_msg"]
    assert "secret detail" not in response["body"]
    assert "Traceback" not in response["body"]
    assert "RuntimeError" not in response["body"]


def test_http_endpoint_unexpected_exception_without_context_uses_event_request_id():
    event = http_event("GET", "/x")

    def view(request: Request) -> dict:
        raise KeyError("boom")

    response, body = call(view, event)

    assert response["statusCode"] == 500
    assert body["request_id"] == event["requestContext"]["requestId"]


def test_http_endpoint_redis_connection_error_gives_503_with_code_50300(lambda_context):
    def view(request: Request) -> dict:
        raise redis.exceptions.ConnectionError("Error 111 connecting to 10.0.0.12:6379. Connection refused.")

    response, body = call(view, context=lambda_context)

    assert response["statusCode"] == 503
    assert body["status_code"] == 50300
    assert body["request_id"] == lambda_context.aws_request_id
    assert "10.0.0.12" not in response["body"]


def test_http_endpoint_redis_timeout_gives_503():
    def view(request: Request) -> dict:
        raise redis.exceptions.TimeoutError("Timeout reading from socket")

    response, body = call(view)

    assert (response["statusCode"], body["status_code"]) == (503, 50300)


def test_http_endpoint_unavailable_error_gives_503_with_request_id(lambda_context):
    def view(request: Request) -> dict:
        raise Unavailable()

    response, body = call(view, context=lambda_context)

    assert response["statusCode"] == 503
    assert body == {
        "status_code": 50300,
        "status_msg": Unavailable.default_message,
        "request_id": lambda_context.aws_request_id,
    }


def test_http_endpoint_logs_are_json_lines_with_invocation_context(capsys, lambda_context):
    def view(request: Request) -> dict:
        raise RuntimeError("secret detail")

    call(view, http_event("POST", "/douyin/x/"), lambda_context)

    entries = log_lines(capsys)
    assert len(entries) >= 2  # the unhandled error and the access line
    for entry in entries:
        assert entry.keys() >= LOG_KEYS, entry
        assert entry["function"] == lambda_context.function_name
        assert entry["request_id"] == lambda_context.aws_request_id
    assert any(entry["level"] == "ERROR" and "secret detail" in entry.get("exception", "") for entry in entries)
    handled = [entry for entry in entries if entry["message"] == "request handled"]
    assert handled and handled[0]["http_status"] == 500 and handled[0]["path"] == "/douyin/x/"
    assert handled[0]["method"] == "POST"


def test_http_endpoint_success_writes_one_info_access_log_line(capsys, lambda_context):
    call(lambda request: {"ok": True}, context=lambda_context)

    entries = [e for e in log_lines(capsys) if "_aws" not in e and not e.get("cold_start")]  # not metric lines
    assert [entry["message"] for entry in entries] == ["request handled"]
    assert entries[0]["level"] == "INFO"
    assert entries[0]["status_code"] == 0
    assert entries[0].keys() >= LOG_KEYS


def test_http_endpoint_logs_never_contain_the_token(capsys, lambda_context):
    token = issue_token(5)
    event = http_event("GET", "/douyin/user/", query={"token": token}, headers={"Authorization": f"Bearer {token}"})

    call(lambda request: {"user_id": token_subject(request)}, event, lambda_context)

    assert token not in capsys.readouterr().out


def test_http_endpoint_context_is_unbound_after_the_invocation(capsys, lambda_context):
    import logging

    call(lambda request: None, context=lambda_context)
    capsys.readouterr()
    logging.getLogger("gophertok.after").warning("outside an invocation")

    entry = log_lines(capsys)[0]
    assert "request_id" not in entry and "function" not in entry
