"""Turn an API Gateway proxy event (HTTP API v2 or REST v1) into a Request.

Every parameter may come in the query string or in the body (urlencoded or multipart), GET included;
the query wins when both carry a name. The token may also come as ``Authorization: Bearer``.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal, overload
from urllib.parse import parse_qsl

from gophertok.errors import InvalidInput
from gophertok.http.multipart import NOT_UTF8, UploadedFile, parse_multipart

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
NOT_UTF8_QUERY = "the query string is not valid UTF-8 text"
_INTEGER = re.compile(r"[+-]?[0-9]+")  # ASCII digits only: no "1_000", no full-width digits


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    request_id: str = ""
    source_ip: str = ""

    def token(self) -> str | None:
        """The token from the ``token`` parameter, else from ``Authorization: Bearer``; None if absent."""
        token = self.params.get("token", "").strip()
        if token:
            return token
        scheme, _, credentials = self.headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() == "bearer" and credentials.strip():
            return credentials.strip()
        return None

    @overload
    def text(self, name: str, *, required: Literal[True] = True, max_length: int | None = None) -> str: ...
    @overload
    def text(self, name: str, *, required: bool, max_length: int | None = None) -> str | None: ...
    def text(self, name: str, *, required: bool = True, max_length: int | None = None) -> str | None:
        """A string parameter as sent (not trimmed). Missing or empty counts as absent."""
        value = self.params.get(name)
        if value is None or value == "":
            if required:
                raise InvalidInput(f"{name} is required")
            return None
        if max_length is not None and len(value) > max_length:
            raise InvalidInput(f"{name} must be at most {max_length} characters")
        return value

    @overload
    def integer(self, name: str, *, required: Literal[True] = True, minimum: int | None = None) -> int: ...
    @overload
    def integer(self, name: str, *, required: bool, minimum: int | None = None) -> int | None: ...
    def integer(self, name: str, *, required: bool = True, minimum: int | None = None) -> int | None:
        """An int64 parameter; absent/empty gives None unless required."""
        raw = self.params.get(name, "").strip()
        if raw == "":
            if required:
                raise InvalidInput(f"{name} is required")
            return None
        if not _INTEGER.fullmatch(raw):
            raise InvalidInput(f"{name} must be an integer, got {raw[:32]!r}")
        if len(raw.lstrip("+-").lstrip("0")) > 19 or not INT64_MIN <= int(raw) <= INT64_MAX:
            raise InvalidInput(f"{name} is out of range")
        value = int(raw)
        if minimum is not None and value < minimum:
            raise InvalidInput(f"{name} must be at least {minimum}")
        return value

    def file(self, name: str) -> UploadedFile | None:
        return self.files.get(name)


def _body_bytes(event: dict[str, Any]) -> bytes:
    body: str | bytes | None = event.get("body")
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput("request body is not valid base64") from None
    return body.encode("utf-8")


def _query_pairs(event: dict[str, Any]) -> list[tuple[str, str]]:
    if "rawQueryString" in event:
        raw = event.get("rawQueryString") or ""
        if "%" not in raw and "+" not in raw:  # nothing to decode (the common case): what parse_qsl gives, quicker
            return [(name, value) for name, _, value in (field.partition("=") for field in raw.split("&") if field)]
        try:
            return parse_qsl(raw, keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            raise InvalidInput(NOT_UTF8_QUERY) from None
    multi = event.get("multiValueQueryStringParameters") or {}
    if multi:
        return [(name, value) for name, values in multi.items() for value in (values or [])]
    single = event.get("queryStringParameters") or {}
    return list(single.items())


def _body_params(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    media_type = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}, {}
    try:
        if media_type == "multipart/form-data":
            return parse_multipart(body, content_type)
        if media_type in {"application/x-www-form-urlencoded", ""} or media_type.startswith("text/"):
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
            params: dict[str, str] = {}
            for name, value in pairs:
                params.setdefault(name, value)
            return params, {}
    except UnicodeDecodeError:  # a malformed multipart body raises its own InvalidInput, not a ValueError
        raise InvalidInput(NOT_UTF8) from None
    except ValueError:
        raise InvalidInput("the form body could not be read") from None
    return {}, {}  # JSON or other bodies carry no form parameters in this API


def parse_event(event: dict[str, Any], context: Any = None) -> Request:
    """Build a Request from an API Gateway v2 (HTTP API) or v1 (REST) proxy event."""
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    request_context = event.get("requestContext") or {}
    http = request_context.get("http") or {}
    method = (http.get("method") or event.get("httpMethod") or "GET").upper()
    path = event.get("rawPath") or event.get("path") or http.get("path") or "/"
    source_ip = http.get("sourceIp") or (request_context.get("identity") or {}).get("sourceIp") or ""
    request_id = getattr(context, "aws_request_id", None) or request_context.get("requestId") or uuid.uuid4().hex
    params, files = _body_params(headers.get("content-type", ""), _body_bytes(event))
    query: dict[str, str] = {}
    for name, value in _query_pairs(event):
        query.setdefault(name, value)
    params.update(query)  # the query string wins over the body
    return Request(method, path, params, files, headers, str(request_id), source_ip)
