"""The JSON envelope and the API Gateway proxy response around it."""

from __future__ import annotations

from typing import Any

from gophertok import jsontext
from gophertok.errors import AppError, InternalError, spec_for

JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}
Envelope = tuple[int, dict[str, Any]]  # (HTTP status, JSON body)


def success(fields: dict[str, Any] | None) -> Envelope:
    return 200, {"status_code": 0, "status_msg": "success", **(fields or {})}


def failure(error: AppError, request_id: str = "") -> Envelope:
    spec = spec_for(error)
    body: dict[str, Any] = {"status_code": spec.status_code, "status_msg": error.message}
    if spec.http_status >= 500:
        body["request_id"] = request_id
    return spec.http_status, body


def internal_error(request_id: str) -> Envelope:
    return failure(InternalError(f"internal error, please retry (request id {request_id})"), request_id)


def proxy_response(
    envelope: Envelope, request_id: str = "", extra_headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """The API Gateway proxy answer; ``extra_headers`` (e.g. an error's Retry-After) join the JSON ones."""
    http_status, body = envelope
    headers = {**(extra_headers or {}), **JSON_HEADERS}
    if request_id:
        headers["X-Request-Id"] = request_id
    return {
        "statusCode": http_status,
        "headers": headers,
        "body": jsontext.dumps(body),
        "isBase64Encoded": False,
    }
