"""Who is calling: the user id behind a request's token."""

from __future__ import annotations

from gophertok import logs, tracing
from gophertok.auth.tokens import verify_token
from gophertok.errors import TokenMissing
from gophertok.http.request import Request


def require_user(request: Request) -> int:
    """The caller's user id; TokenMissing/TokenInvalid/TokenExpired otherwise."""
    token = request.token()
    if token is None:
        raise TokenMissing()
    user_id = verify_token(token)
    logs.add_context(user_id=user_id)
    tracing.annotate("user_id", user_id)
    return user_id


def optional_user(request: Request) -> int | None:
    """The caller's user id, or None for anonymous requests. A bad token is still an error."""
    return require_user(request) if request.token() is not None else None
