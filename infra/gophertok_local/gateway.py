"""The local API Gateway: a small HTTP/1.1 server in front of the instance pool (``make run``).

Per request it plays API Gateway's HTTP API: route by the registry (Chalice's router, see
chalice_bridge.Router), else a static file (static_site.lookup), else the ``not_found`` function; build
the v2 event (the query string passed through raw, as ``rawQueryString``); invoke the function through
the pool; write the answer. The connection side is what a client may rely on:

- keep-alive (HTTP/1.1 by default, HTTP/1.0 on request), TCP_NODELAY, one ``sendall`` per response;
- every request gets the contract's JSON, even the broken ones: 400 (malformed request line, header
  or framing), 408 (head not received within LOCAL_HEADER_TIMEOUT_SECONDS, body not within
  LOCAL_BODY_TIMEOUT_SECONDS), 413 (body over MAX_VIDEO_BYTES plus a margin for the form around it),
  414 (request target over 16 KiB), 431 (head over 32 KiB or over 100 header fields);
- CORS for browsers: CORS_ALLOW_ORIGINS (comma list, default ``*``), preflights answered here.

One thread per connection; the functions themselves run in the pool's processes.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from typing import Any

from gophertok import registry
from gophertok.config import Settings, get_settings
from gophertok.http.response import internal_error
from gophertok_local import static_site
from gophertok_local.chalice_bridge import Router
from gophertok_local.events import http_event
from gophertok_local.pool import InstancePool, Invocation

log = logging.getLogger("gophertok_local.gateway")
BODY_MARGIN_BYTES = 1024 * 1024  # multipart boundaries and form fields around the largest video
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_VERSION = re.compile(rb"HTTP/1\.[01]")
_NOT_PRINTABLE = re.compile(rb"[^\x21-\x7e]")
PREFLIGHT_MAX_AGE = "600"


@dataclass(frozen=True)
class Limits:
    # The Douyin client sends free text in the query: 1,000 characters of CJK are 9 KB percent-encoded.
    max_target_bytes: int = 16384
    max_head_bytes: int = 32768
    max_header_fields: int = 100
    max_body_bytes: int = 50 * 1024 * 1024 + BODY_MARGIN_BYTES
    header_timeout: float = 10.0  # the whole head, from its first byte
    body_timeout: float = 60.0  # the whole body, from the end of the head
    idle_timeout: float = 75.0  # a kept-alive connection with no new request is closed silently

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_body_bytes=settings.max_video_bytes + BODY_MARGIN_BYTES,
            header_timeout=settings.local_header_timeout_seconds,
            body_timeout=settings.local_body_timeout_seconds,
        )


@functools.lru_cache(maxsize=2)
def _http_date(second: int) -> str:
    return formatdate(second, usegmt=True)


class HttpError(Exception):
    """A request the gateway refuses before any function sees it."""

    def __init__(self, http_status: int, message: str) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.message = message


class ClientGone(Exception):
    """The client closed the connection (or went quiet between requests): nothing to answer."""


@dataclass
class HttpRequest:
    method: str
    target: str  # printable ASCII: bytes outside it arrive percent-encoded
    version: str
    headers: dict[str, str]
    body: bytes
    peer: str

    @property
    def keep_alive(self) -> bool:
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection


@dataclass
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    function: str | None = None
    invocation: Invocation | None = None


def json_response(http_status: int, status_msg: str, extra_headers: dict[str, str] | None = None) -> HttpResponse:
    """The contract's envelope for an answer the gateway gives itself (status_code = HTTP status x 100)."""
    body = json.dumps({"status_code": http_status * 100, "status_msg": status_msg}, separators=(",", ":"))
    return HttpResponse(
        http_status, {"Content-Type": "application/json; charset=utf-8", **(extra_headers or {})}, body.encode()
    )


class _Connection:
    """Reads requests off one socket with the gateway's limits and deadlines."""

    def __init__(self, sock: socket.socket, limits: Limits) -> None:
        self.sock = sock
        self.limits = limits
        self.buffer = bytearray()
        self.started = time.perf_counter()

    def _fill(self, deadline: float, on_timeout: HttpError | ClientGone) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise on_timeout
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except TimeoutError:
            raise on_timeout from None
        if not data:
            raise ClientGone
        self.buffer += data

    def read_head(self) -> tuple[tuple[str, str, str], list[bytes]]:
        """((method, target, version), header lines) of the next request."""
        while not self.buffer.lstrip(b"\r\n"):  # wait for a request; blank lines before it are allowed
            self.buffer.clear()
            self._fill(time.monotonic() + self.limits.idle_timeout, ClientGone())
        del self.buffer[: len(self.buffer) - len(self.buffer.lstrip(b"\r\n"))]
        self.started = time.perf_counter()  # the request's first byte is here: its time starts now
        deadline = time.monotonic() + self.limits.header_timeout
        request_line: tuple[str, str, str] | None = None
        while True:
            end, separator = self._head_end()
            if request_line is None:  # refuse a bad request line at once, not after the whole head
                line_end = self.buffer.find(b"\n")
                if line_end >= 0:
                    request_line = parse_request_line(bytes(self.buffer[:line_end]).rstrip(b"\r"), self.limits)
                elif len(self.buffer) > self.limits.max_target_bytes + 32:
                    raise HttpError(414, "the request URL is too long")
            if end >= 0:
                if end > self.limits.max_head_bytes:
                    raise HttpError(431, "the request headers are too large")
                head = bytes(self.buffer[:end])
                del self.buffer[: end + separator]
                lines = head.replace(b"\r\n", b"\n").split(b"\n")
                assert request_line is not None  # the head's end is after the first line's
                return request_line, lines[1:]
            if len(self.buffer) > self.limits.max_head_bytes:
                raise HttpError(431, "the request headers are too large")
            self._fill(deadline, HttpError(408, "the request headers did not arrive in time"))

    def _head_end(self) -> tuple[int, int]:
        crlf, lf = self.buffer.find(b"\r\n\r\n"), self.buffer.find(b"\n\n")
        if crlf >= 0 and (lf < 0 or crlf < lf):
            return crlf, 4
        return lf, 2 if lf >= 0 else 0

    def read_exactly(self, size: int, deadline: float) -> bytes:
        while len(self.buffer) < size:
            self._fill(deadline, HttpError(408, "the request body did not arrive in time"))
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def read_line(self, deadline: float) -> bytes:
        while (end := self.buffer.find(b"\r\n")) < 0:
            if len(self.buffer) > 4096:
                raise HttpError(400, "a chunk header is malformed")
            self._fill(deadline, HttpError(408, "the request body did not arrive in time"))
        line = bytes(self.buffer[:end])
        del self.buffer[: end + 2]
        return line

    def read_chunked(self, deadline: float) -> bytes:
        body = bytearray()
        while True:
            size_text = self.read_line(deadline).split(b";", 1)[0].strip()
            if not size_text or not re.fullmatch(rb"[0-9A-Fa-f]{1,16}", size_text):
                raise HttpError(400, "a chunk header is malformed")
            size = int(size_text, 16)
            if len(body) + size > self.limits.max_body_bytes:
                raise HttpError(413, "the request body is too large")
            if size == 0:
                while self.read_line(deadline):  # trailers, ignored
                    pass
                return bytes(body)
            body += self.read_exactly(size, deadline)
            if self.read_exactly(2, deadline) != b"\r\n":
                raise HttpError(400, "a chunk is malformed")


def parse_request_line(line: bytes, limits: Limits) -> tuple[str, str, str]:
    parts = line.split(b" ")
    if len(parts) != 3 or not parts[1]:
        if len(line) > limits.max_target_bytes:
            raise HttpError(414, "the request URL is too long")
        raise HttpError(400, "the request line is malformed")
    method, target, version = parts
    if len(target) > limits.max_target_bytes:
        raise HttpError(414, "the request URL is too long")
    if not _TOKEN.fullmatch(method) or not _VERSION.fullmatch(version):
        raise HttpError(400, "the request line is malformed")
    if not (target.startswith(b"/") or target == b"*" or target.lower().startswith((b"http://", b"https://"))):
        raise HttpError(400, "the request target is malformed")
    # Bytes a client should have percent-encoded are encoded here, once, so the function sees them
    # exactly (and refuses what is not UTF-8) instead of a decoded-and-re-encoded guess.
    target = _NOT_PRINTABLE.sub(lambda m: b"%%%02X" % m.group()[0], target)
    return method.decode("ascii"), target.decode("ascii"), version.decode("ascii")


def parse_headers(lines: list[bytes], limits: Limits) -> dict[str, str]:
    if len(lines) > limits.max_header_fields:
        raise HttpError(431, "the request has too many header fields")
    headers: dict[str, str] = {}
    for raw in lines:
        line = raw.rstrip(b"\r")
        name, colon, value = line.partition(b":")
        if not colon or not _TOKEN.fullmatch(name):
            raise HttpError(400, "a request header is malformed")
        key = name.decode("ascii").lower()
        text = value.strip(b" \t").decode("latin-1")
        if key in headers:
            if key == "content-length" and headers[key] != text:
                raise HttpError(400, "conflicting Content-Length headers")
            headers[key] = text if key == "content-length" else f"{headers[key]}, {text}"
        else:
            headers[key] = text
    return headers


class Gateway:
    def __init__(
        self,
        pool: InstancePool,
        router: Router,
        *,
        limits: Limits | None = None,
        cors_origins: tuple[str, ...] = ("*",),
        on_request: Callable[[HttpRequest, HttpResponse, float], None] | None = None,
    ) -> None:
        self.pool = pool
        self.router = router
        self.limits = limits or Limits()
        self.cors_origins = cors_origins
        self.on_request = on_request
        self._listener: socket.socket | None = None
        self._stopping = threading.Event()

    @classmethod
    def from_settings(cls, pool: InstancePool, router: Router, **kwargs: Any) -> Gateway:
        settings = get_settings()
        return cls(
            pool, router, limits=Limits.from_settings(settings), cors_origins=settings.cors_allow_origins, **kwargs
        )

    # -- serving ------------------------------------------------------------------------------

    def listen(self, host: str, port: int) -> tuple[str, int]:
        self._listener = socket.create_server((host, port), backlog=1024)
        return self._listener.getsockname()[:2]

    def serve_forever(self) -> None:
        assert self._listener is not None, "listen() first"
        self._listener.settimeout(0.5)
        while not self._stopping.is_set():
            try:
                sock, peer = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                if self._stopping.is_set():
                    break
                raise
            threading.Thread(target=self.serve_connection, args=(sock, peer[0]), daemon=True).start()

    def stop(self) -> None:
        self._stopping.set()
        if self._listener is not None:
            self._listener.close()

    def serve_connection(self, sock: socket.socket, peer: str) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connection = _Connection(sock, self.limits)
        try:
            while True:
                try:
                    request = self._read_request(connection, peer)
                except HttpError as error:
                    refusal = json_response(error.http_status, error.message, self._cors_headers(None))
                    self._send(sock, refusal, None, keep_alive=False)
                    self._report(HttpRequest("-", "-", "", {}, b"", peer), refusal, connection.started)
                    return
                try:
                    response = self.respond(request)
                except Exception:  # a fault of the gateway itself: the contract's 500, and the trace for us
                    log.exception("gateway fault", extra={"method": request.method, "error_code": 50000})
                    response = json_response(500, "internal error, please retry", self._cors_headers(None))
                keep_alive = request.keep_alive
                self._send(sock, response, request, keep_alive)
                self._report(request, response, connection.started)
                if not keep_alive:
                    return
        except (ClientGone, OSError):
            return
        finally:
            sock.close()

    def _read_request(self, connection: _Connection, peer: str) -> HttpRequest:
        (method, target, version), header_lines = connection.read_head()
        headers = parse_headers(header_lines, self.limits)
        deadline = time.monotonic() + self.limits.body_timeout
        transfer_encoding = headers.get("transfer-encoding", "").lower()
        if transfer_encoding:
            if "content-length" in headers or transfer_encoding != "chunked":
                raise HttpError(400, "unsupported Transfer-Encoding")
            self._continue(connection, headers)
            body = connection.read_chunked(deadline)
        else:
            length_text = headers.get("content-length", "0") or "0"
            if not length_text.isdigit() or len(length_text) > 18:
                raise HttpError(400, "Content-Length is malformed")
            length = int(length_text)
            if length > self.limits.max_body_bytes:
                raise HttpError(413, "the request body is too large")
            if length:
                self._continue(connection, headers)
            body = connection.read_exactly(length, deadline)
        return HttpRequest(method, target, version, headers, body, peer)

    @staticmethod
    def _continue(connection: _Connection, headers: dict[str, str]) -> None:
        if headers.get("expect", "").lower() == "100-continue":
            connection.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")

    # -- answering ----------------------------------------------------------------------------

    def respond(self, request: HttpRequest) -> HttpResponse:
        path, _, query = request.target.partition("?")
        if request.target == "*" or not path.startswith("/"):
            path = request.target  # asterisk or absolute form: no route has it; not_found answers
        cors = self._cors_headers(request.headers.get("origin"))
        if self._is_preflight(request):
            return self._preflight(path, request, cors)
        route, function = self.router.function_for(request.method, path)
        if function is None:
            static = static_site.lookup(request.method, path)
            if static is not None:
                status, headers, body = static
                return HttpResponse(status, {**headers, **cors}, body)
            function = registry.FALLBACK_FUNCTION
        event = http_event(
            request.method,
            path,
            query=query,
            headers=request.headers,
            body=request.body or None,
            route_path=route if route and function != registry.FALLBACK_FUNCTION else None,
            source_ip=request.peer,
        )
        if route is None or function == registry.FALLBACK_FUNCTION:
            event["routeKey"] = event["requestContext"]["routeKey"] = "$default"
        invocation = self.pool.invoke(function, event)
        response = self._from_result(invocation, event["requestContext"]["requestId"])
        response.headers.update(cors)
        response.function, response.invocation = function, invocation
        return response

    @staticmethod
    def _from_result(invocation: Invocation, request_id: str) -> HttpResponse:
        result = invocation.result
        if invocation.error is not None or not isinstance(result, dict) or "statusCode" not in result:
            if invocation.error is None and isinstance(result, (dict, list, str)):  # API Gateway's shortcut
                body = result if isinstance(result, str) else json.dumps(result)
                return HttpResponse(200, {"Content-Type": "application/json"}, body.encode())
            status, envelope = internal_error(invocation.request_id or request_id)
            return HttpResponse(
                status, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(envelope).encode()
            )
        body = result.get("body") or ""
        data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
        headers = {str(k): str(v) for k, v in (result.get("headers") or {}).items()}
        return HttpResponse(int(result["statusCode"]), headers, data)

    def _cors_headers(self, origin: str | None) -> dict[str, str]:
        if "*" in self.cors_origins:
            return {"Access-Control-Allow-Origin": "*"}
        if origin and origin in self.cors_origins:
            return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
        return {"Vary": "Origin"}

    @staticmethod
    def _is_preflight(request: HttpRequest) -> bool:
        return (
            request.method == "OPTIONS"
            and "origin" in request.headers
            and "access-control-request-method" in request.headers
        )

    def _preflight(self, path: str, request: HttpRequest, cors: dict[str, str]) -> HttpResponse:
        if "Access-Control-Allow-Origin" not in cors:
            return json_response(403, "this origin may not call the API", cors)
        methods = registry.methods_for(path) or ["GET", "POST"]
        headers = {
            **cors,
            "Access-Control-Allow-Methods": ", ".join([*methods, "OPTIONS"]),
            "Access-Control-Allow-Headers": request.headers.get("access-control-request-headers")
            or "authorization, content-type",
            "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
        }
        return HttpResponse(204, headers, b"")

    @staticmethod
    def _send(sock: socket.socket, response: HttpResponse, request: HttpRequest | None, keep_alive: bool) -> None:
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = "Unknown"
        headers = {k: v for k, v in response.headers.items() if k.lower() not in {"content-length", "connection"}}
        lines = [f"HTTP/1.1 {response.status} {reason}", f"Date: {_http_date(int(time.time()))}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if response.status != 204:
            lines.append(f"Content-Length: {len(response.body)}")
        lines.append("Connection: keep-alive" if keep_alive else "Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        with_body = request is None or request.method != "HEAD"
        sock.sendall(head + response.body if with_body and response.status not in {204, 304} else head)

    def _report(self, request: HttpRequest, response: HttpResponse, started: float) -> None:
        if self.on_request is not None:
            self.on_request(request, response, round((time.perf_counter() - started) * 1000, 3))
