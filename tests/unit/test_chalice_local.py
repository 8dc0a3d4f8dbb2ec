"""`chalice local` still serves app.py: each route's view invokes the registry's function (through the
instance pool under `chalice local`) with a v2 event, and unmatched requests go to not_found."""

from __future__ import annotations

import json

from chalice.config import Config
from chalice.local import LocalGateway

from gophertok.http.response import proxy_response
from gophertok_local.chalice_bridge import build_app


def serve(method: str, path: str, invoker) -> tuple[int, dict]:
    gateway = LocalGateway(build_app(invoker=invoker), Config())
    answer = gateway.handle_request(method, path, {"host": "127.0.0.1"}, b"")
    return answer["statusCode"], json.loads(answer["body"])


def test_a_route_invokes_its_function_with_a_v2_event():
    calls = []

    def invoker(function, event):
        calls.append((function, event))
        return proxy_response((200, {"status_code": 0, "status_msg": "success"}))

    status, body = serve("GET", "/douyin/feed/?latest_time=5", invoker)
    assert (status, body["status_code"]) == (200, 0)
    function, event = calls[0]
    assert function == "video_feed"
    assert event["version"] == "2.0" and event["routeKey"] == "GET /douyin/feed"
    assert event["rawQueryString"] == "latest_time=5"


def test_unmatched_paths_and_methods_go_to_the_not_found_function():
    calls = []

    def invoker(function, event):
        calls.append((function, event["requestContext"]["http"]["method"]))
        return proxy_response((404, {"status_code": 40400, "status_msg": "no such endpoint"}))

    serve("GET", "/douyin/nope/", invoker)
    serve("DELETE", "/douyin/feed/", invoker)
    assert calls == [("not_found", "GET"), ("not_found", "DELETE")]


def test_a_failing_function_is_the_contracts_500():
    def invoker(function, event):
        raise RuntimeError("the instance died")

    status, body = serve("GET", "/douyin/feed/", invoker)
    assert status == 500 and body["status_code"] == 50000 and "RuntimeError" not in json.dumps(body)
