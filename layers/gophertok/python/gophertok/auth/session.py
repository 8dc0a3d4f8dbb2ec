"""Who is calling: the user id behind a request's token.

A token is honoured only while its user exists: a correctly signed token of a deleted (or never
created) user is TokenInvalid, so a ghost can neither read as a viewer nor write. The check reads
the cached profile (one Redis GET when warm, see services/users.exists); deleting a user goes
through users.delete_user, which drops that cache entry, so the user's tokens stop working at once.
"""

from __future__ import annotations

from gophertok import logs, tracing
from gophertok.auth.tokens import verify_token
from gophertok.errors import TokenInvalid, TokenMissing
from gophertok.http.request import Request
from gophertok.services import users


def token_subject(request: Request) -> int:
    """The user id signed into the request's token, without asking whether that user still exists.

    Raises TokenMissing, TokenInvalid or TokenExpired.
    """
    token = request.token()
    if token is None:
        raise TokenMissing()
    return verify_token(token)


def require_user(request: Request) -> int:
    """The caller's user id; TokenMissing/TokenInvalid/TokenExpired otherwise (TokenInvalid for a ghost)."""
    user_id = token_subject(request)
    if not users.exists(user_id):
        raise TokenInvalid("this account no longer exists: log in again")
    logs.add_context(user_id=user_id)
    tracing.annotate("user_id", user_id)
    return user_id


def optional_user(request: Request) -> int | None:
    """The caller's user id, or None for anonymous requests. A bad token is still an error."""
    return require_user(request) if request.token() is not None else None
