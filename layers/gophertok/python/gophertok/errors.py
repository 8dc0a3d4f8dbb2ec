"""The error hierarchy and the one table that maps it onto the wire.

Business and validation errors travel as HTTP 200 with a non-zero ``status_code`` (the Douyin client
shows ``status_msg``); only faults of the server itself use 5xx. docs/errors.md is generated from
ERROR_TABLE by ``python -m gophertok.errors`` and a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass


class AppError(Exception):
    """Base of every error a client may see. ``message`` is shown to people: keep it plain."""

    default_message = "request failed"

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)

    def headers(self) -> dict[str, str]:
        """HTTP headers the answer carries besides the envelope's (e.g. Retry-After)."""
        return {}


class InvalidInput(AppError):
    default_message = "invalid parameter"


class PayloadTooLarge(InvalidInput):
    default_message = "the upload is too large"


class UnsupportedMedia(InvalidInput):
    default_message = "the file is not a supported video"


class Unauthorized(AppError):
    default_message = "please log in"


class TokenMissing(Unauthorized):
    default_message = "token is required: log in first"


class TokenInvalid(Unauthorized):
    default_message = "token is invalid: log in again"


class TokenExpired(Unauthorized):
    default_message = "token has expired: log in again"


class LoginFailed(Unauthorized):
    default_message = "incorrect username or password"


class RateLimited(AppError):
    """Too many requests of one kind: nothing was done; the client may retry after ``retry_after`` seconds."""

    default_message = "too many attempts, try again later"

    def __init__(self, what: str = "attempts", retry_after: int = 1) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(f"too many {what}, try again in {self.retry_after} s")

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class Forbidden(AppError):
    default_message = "you are not allowed to do that"


class NotFound(AppError):
    default_message = "not found"


class Conflict(AppError):
    default_message = "already exists"


class RouteNotFound(AppError):
    default_message = "no such endpoint"


class MethodNotAllowed(AppError):
    default_message = "method not allowed for this endpoint"


class Unavailable(AppError):
    """A backing service (database, cache, broker, storage) cannot be reached."""

    default_message = "the service is temporarily unavailable, please retry"


class InternalError(AppError):
    default_message = "internal error"


@dataclass(frozen=True)
class ErrorSpec:
    status_code: int
    http_status: int
    meaning: str


# Most specific classes first: lookup walks the exception's MRO.
ERROR_TABLE: dict[type[AppError], ErrorSpec] = {
    InvalidInput: ErrorSpec(10001, 200, "a parameter is missing, empty, too long or malformed"),
    PayloadTooLarge: ErrorSpec(10002, 200, "an upload exceeds the configured size limit"),
    UnsupportedMedia: ErrorSpec(10003, 200, "an upload is not a readable video"),
    TokenMissing: ErrorSpec(20001, 200, "the endpoint needs a token and none was sent"),
    TokenInvalid: ErrorSpec(20002, 200, "the token is malformed, its signature is wrong, or its user no longer exists"),
    TokenExpired: ErrorSpec(20003, 200, "the token has expired"),
    LoginFailed: ErrorSpec(20004, 200, "unknown username or wrong password (same message for both)"),
    Unauthorized: ErrorSpec(20000, 200, "authentication failed"),
    Forbidden: ErrorSpec(30003, 200, "the caller may not act on this resource"),
    NotFound: ErrorSpec(30001, 200, "the user, video, comment or message does not exist"),
    Conflict: ErrorSpec(30002, 200, "the resource already exists (e.g. the username is taken)"),
    RouteNotFound: ErrorSpec(40400, 404, "unknown path"),
    RateLimited: ErrorSpec(
        42900, 200, "too many requests of one kind (see docs/rate-limits.md); nothing was done; `Retry-After` says when"
    ),
    MethodNotAllowed: ErrorSpec(40500, 405, "the path exists but not with this HTTP method"),
    InternalError: ErrorSpec(50000, 500, "a fault of the server; the response carries a request_id"),
    Unavailable: ErrorSpec(50300, 503, "a backing service is down; retry later"),
    AppError: ErrorSpec(10000, 200, "any other business error"),
}


def spec_for(error: AppError) -> ErrorSpec:
    for cls in type(error).__mro__:
        if cls in ERROR_TABLE:
            return ERROR_TABLE[cls]
    raise LookupError(type(error))  # unreachable: AppError is in the table


def markdown_table() -> str:
    rows = ["| status_code | HTTP | error | meaning |", "|---|---|---|---|", "| 0 | 200 | — | success |"]
    for cls, spec in sorted(ERROR_TABLE.items(), key=lambda item: item[1].status_code):
        rows.append(f"| {spec.status_code} | {spec.http_status} | `{cls.__name__}` | {spec.meaning} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
