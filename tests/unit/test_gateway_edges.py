"""The local API gateway's edges (issue 11 item 6): every method, path and malformed or slow request gets
the contract's JSON, the query string reaches the function raw, and CORS is answered.

A recording pool stands in for the instance pool here (it answers like the not_found function and keeps
every event); one test goes through the real pool and the real not_found function.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from gophertok import registry
from gophertok.http.fallback import reject_unrouted
from gophertok.http.response import failure, proxy_response
from gophertok_local.chalice_bridge import Router, build_app
from gophertok_local.gateway import Gateway, Limits
from gophertok_local.pool import InstancePool, Invocation


class RecordingPool:
    """Answers every invocation as the real functions' envelope would, and records the events."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict]] = []

    def invoke(self, function: str, event: dict) -> Invocation:
        self.events.append((function, event))
        if function == registry.FALLBACK_FUNCTION:
            try:
                reject_unrouted(event["requestContext"]["http"]["method"], event["rawPath"])
            except Exception as error:  # the AppError the fallback raises
                result = proxy_response(failure(error))  # type: ignore[arg-type]
        else:
            result = proxy_response((200, {"status_code": 0, "status_msg": "success", "function": function}))
        return Invocation(function, request_id="r", result=result)


ROUTER = Router(build_app())


@contextmanager
def serving(pool=None, **limits: float) -> Iterator[tuple[int, object]]:
    pool = pool or RecordingPool()
    gateway = Gateway(pool, ROUTER, limits=Limits(**{"max_body_bytes": 1024, **limits}))  # type: ignore[arg-type]
    _, port = gateway.listen("127.0.0.1", 0)
    threading.Thread(target=gateway.serve_forever, daemon=True).start()
    try:
        yield port, pool
    finally:
        gateway.stop()  # its accept loop notices within half a second; no need to wait for it


def exchange(port: int, data: bytes, *, pause_after: float = 0.0, wait: float = 5.0) -> bytes:
    """Send ``data`` and read until the server closes (or ``wait`` seconds pass)."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(data)
        if pause_after:
            time.sleep(pause_after)
        sock.settimeout(wait)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except TimeoutError:
            pass
        return received


def parse(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body


def envelope(raw: bytes) -> tuple[int, dict]:
    status, headers, body = parse(raw)
    assert headers["content-type"].startswith("application/json"), headers
    assert headers["access-control-allow-origin"] == "*"
    document = json.loads(body)
    assert set(document) >= {"status_code", "status_msg"} and document["status_msg"], document
    return status, document


def request(method: str, target: str, headers: str = "", body: bytes = b"") -> bytes:
    return f"{method} {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{headers}\r\n".encode() + body


@pytest.mark.parametrize(
    ("method", "target", "http_status", "status_code"),
    [
        ("TRACE", "/douyin/feed/", 405, 40500),
        ("PROPFIND", "/douyin/feed/", 405, 40500),
        ("BREW", "/douyin/feed/", 405, 40500),
        ("OPTIONS", "/douyin/feed/", 405, 40500),  # not a preflight: no Origin
        ("GET", "/a/b/c/d/e/f/g/h/i/j/", 404, 40400),
        ("GET", "//douyin/feed/", 404, 40400),
        ("GET", "/douyin/feed;x=1", 404, 40400),
        ("GET", "/douyin/feed/;x=1", 404, 40400),
        ("GET", "/douyin/feed//", 404, 40400),
        ("GET", "*", 404, 40400),
        ("GET", "http://example.com/douyin/feed/", 404, 40400),
    ],
)
def test_unrouted_methods_and_paths_get_the_contract_json_from_not_found(method, target, http_status, status_code):
    with serving() as (port, pool):
        status, document = envelope(exchange(port, request(method, target)))
    assert (status, document["status_code"]) == (http_status, status_code)
    assert [function for function, _ in pool.events] == [registry.FALLBACK_FUNCTION]
    assert pool.events[0][1]["routeKey"] == "$default"


@pytest.mark.parametrize("target", ["/douyin/feed", "/douyin/feed/", "/douyin/feed/?latest_time=0"])
def test_registry_routes_are_served_by_their_function(target):
    with serving() as (port, pool):
        status, document = envelope(exchange(port, request("GET", target)))
    assert (status, document["status_code"]) == (200, 0)
    assert pool.events[0][0] == "video_feed"
    assert pool.events[0][1]["routeKey"] == "GET /douyin/feed"


def test_head_answers_headers_only_with_the_length_of_the_json():
    with serving() as (port, _):
        status, headers, body = parse(exchange(port, request("HEAD", "/douyin/feed/")))
    assert status == 405 and body == b""
    assert int(headers["content-length"]) > 0 and headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    ("data", "http_status"),
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"hello\r\n", 400),  # answered at once, without waiting for the rest of a head
        (b"GET /douyin/feed/ HTTP/9.9\r\n\r\n", 400),
        (b"GET douyin HTTP/1.1\r\n\r\n", 400),
        (b"G(T /douyin/feed/ HTTP/1.1\r\n\r\n", 400),
        (b"GET /douyin/feed/ HTTP/1.1\r\nbad header line\r\n\r\n", 400),
        (b"GET /douyin/feed/ HTTP/1.1\r\nName : v\r\n\r\n", 400),
        (b"POST /douyin/user/login/ HTTP/1.1\r\nContent-Length: ten\r\n\r\n", 400),
        (b"POST /douyin/user/login/ HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400),
        (b"POST /douyin/user/login/ HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
        (b"POST /douyin/user/login/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        (b"GET /" + b"a" * 17000 + b" HTTP/1.1\r\n\r\n", 414),
        (b"GET /" + b"a" * 17000, 414),  # no line end yet: refused as soon as it is too long
        (b"GET / HTTP/1.1\r\nX-Big: " + b"b" * 40000 + b"\r\n\r\n", 431),
        (b"GET / HTTP/1.1\r\n" + b"X-A: 1\r\n" * 101 + b"\r\n", 431),
        (b"POST /douyin/user/login/ HTTP/1.1\r\nContent-Length: 1025\r\n\r\n", 413),
        (b"POST /douyin/user/login/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n401\r\n" + b"x" * 1025, 413),
    ],
)
def test_malformed_and_oversized_requests_get_the_contract_json_and_no_function_runs(data, http_status):
    with serving() as (port, pool):
        status, document = envelope(exchange(port, data))
    assert status == http_status and document["status_code"] == http_status * 100
    assert pool.events == []


@pytest.mark.parametrize(
    "data",
    [
        b"GET /douyin/feed/ HTTP/1.1\r\nHost: x\r\n",  # the head never ends
        b"POST /douyin/user/login/ HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc",  # the body never ends
    ],
)
def test_a_slow_partial_request_gets_408_after_the_read_timeout(data):
    with serving(header_timeout=0.3, body_timeout=0.3) as (port, pool):
        started = time.monotonic()
        status, document = envelope(exchange(port, data, wait=5))
    assert status == 408 and document["status_code"] == 40800
    assert time.monotonic() - started < 3
    assert pool.events == []


def test_bodies_up_to_the_limit_reach_the_function_plain_or_chunked():
    chunked = b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n"
    with serving() as (port, pool):
        envelope(exchange(port, request("POST", "/douyin/user/login/", "Content-Length: 1024\r\n", b"a" * 1024)))
        envelope(exchange(port, request("POST", "/douyin/user/login/", "Transfer-Encoding: chunked\r\n", chunked)))
    bodies = [base64.b64decode(event["body"]) for _, event in pool.events]
    assert bodies == [b"a" * 1024, b"hello world"]


def test_the_query_string_reaches_the_function_raw_and_raw_bytes_are_percent_encoded_once():
    with serving() as (port, pool):
        envelope(exchange(port, request("GET", "/douyin/user/?username=%FF%2B&x=a+b")))
        envelope(exchange(port, b"GET /douyin/user/?name=\xe5\xbc\xa0&bad=\xff HTTP/1.1\r\nConnection: close\r\n\r\n"))
    assert pool.events[0][1]["rawQueryString"] == "username=%FF%2B&x=a+b"
    assert pool.events[1][1]["rawQueryString"] == "name=%E5%BC%A0&bad=%FF"


def test_keep_alive_serves_several_requests_on_one_connection_each_in_one_answer():
    one = b"GET /douyin/feed/ HTTP/1.1\r\nHost: x\r\n\r\n"
    with serving() as (port, pool), socket.create_connection(("127.0.0.1", port)) as sock:
        for _ in range(3):
            sock.sendall(one)
            status, headers, body = _read_response(sock)
            assert status == 200 and headers["connection"] == "keep-alive"
            assert json.loads(body)["status_code"] == 0
        assert len(pool.events) == 3


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    sock.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    status, headers, body = parse(data)
    while len(body) < int(headers["content-length"]):
        body += sock.recv(65536)
    return status, headers, body


def test_a_preflight_is_answered_with_the_cors_headers_and_no_function_runs():
    preflight = "Origin: http://localhost:3000\r\nAccess-Control-Request-Method: POST\r\n"
    preflight += "Access-Control-Request-Headers: content-type\r\n"
    with serving() as (port, pool):
        status, headers, body = parse(exchange(port, request("OPTIONS", "/douyin/user/login/", preflight)))
    assert status == 204 and body == b""
    assert headers["access-control-allow-origin"] == "*"
    assert "POST" in headers["access-control-allow-methods"]
    assert headers["access-control-allow-headers"] == "content-type"
    assert pool.events == []


def test_a_configured_origin_list_echoes_allowed_origins_only():
    pool = RecordingPool()
    gateway = Gateway(pool, ROUTER, cors_origins=("http://app.example",))
    _, port = gateway.listen("127.0.0.1", 0)
    threading.Thread(target=gateway.serve_forever, daemon=True).start()
    try:
        _, allowed, _ = parse(exchange(port, request("GET", "/douyin/feed/", "Origin: http://app.example\r\n")))
        _, other, _ = parse(exchange(port, request("GET", "/douyin/feed/", "Origin: http://evil.example\r\n")))
    finally:
        gateway.stop()
    assert allowed["access-control-allow-origin"] == "http://app.example" and allowed["vary"] == "Origin"
    assert "access-control-allow-origin" not in other


def test_unmatched_requests_ask_the_static_site_first(monkeypatch):
    from gophertok_local import static_site

    monkeypatch.setattr(
        static_site,
        "lookup",
        lambda method, path: (200, {"Content-Type": "text/plain"}, b"static") if path == "/" else None,
    )
    with serving() as (port, pool):
        status, headers, body = parse(exchange(port, request("GET", "/")))
    assert (status, body) == (200, b"static") and headers["access-control-allow-origin"] == "*"
    assert pool.events == []


def test_the_real_not_found_function_answers_through_the_instance_pool(capfd):
    pool = InstancePool(max_concurrency=1)
    try:
        with serving(pool) as (port, _):
            status, document = envelope(exchange(port, request("DELETE", "/douyin/feed/")))
            garbage_status, _ = envelope(exchange(port, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"))
    finally:
        pool.close()
    assert (status, document["status_code"]) == (405, 40500) and "GET" in document["status_msg"]
    assert garbage_status == 400
    assert "Traceback" not in capfd.readouterr().err
