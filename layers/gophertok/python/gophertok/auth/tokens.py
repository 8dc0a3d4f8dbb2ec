"""Signed, expiring access tokens (JWT, HS256, PyJWT).

A token's subject is the user id. Anything wrong with a token maps onto one of three errors:
TokenInvalid (malformed or forged), TokenExpired, or TokenMissing at the caller.
"""

from __future__ import annotations

import time
import uuid

import jwt

from gophertok.config import ConfigurationError, Settings, get_settings
from gophertok.errors import TokenExpired, TokenInvalid

ALGORITHM = "HS256"
ISSUER = "gophertok"
_MIN_SECRET_BYTES = 32
USER_ID_MAX = 2**63 - 1  # user ids are signed BIGINTs
_MAX_SUBJECT_DIGITS = len(str(USER_ID_MAX))


def _secret(settings: Settings) -> str:
    secret = settings.jwt_secret
    if not secret and settings.jwt_secret_id:
        from gophertok.adapters.secrets import secret_field

        secret = secret_field(settings.jwt_secret_id, "jwt_secret")
    if len(secret.encode()) < _MIN_SECRET_BYTES:
        raise ConfigurationError("JWT_SECRET (or JWT_SECRET_ID) must hold at least 32 bytes")
    return secret


def issue_token(user_id: int, settings: Settings | None = None, now: float | None = None) -> str:
    settings = settings or get_settings()
    issued = int(time.time() if now is None else now)
    claims = {
        "sub": str(user_id),
        "iss": ISSUER,
        "iat": issued,
        "exp": issued + settings.token_ttl_seconds,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, _secret(settings), algorithm=ALGORITHM)


def verify_token(token: str, settings: Settings | None = None) -> int:
    """Return the user id in ``token``; raise TokenExpired or TokenInvalid."""
    settings = settings or get_settings()
    try:
        claims = jwt.decode(
            token,
            _secret(settings),
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["sub", "exp", "iat", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenExpired() from exc
    except jwt.InvalidSignatureError as exc:
        raise TokenInvalid("token signature is not valid: log in again") from exc
    except jwt.PyJWTError as exc:
        raise TokenInvalid("token is malformed: log in again") from exc
    subject = claims.get("sub")
    # Length first: int() of thousands of digits is slow (and refused past 4300 digits).
    if not isinstance(subject, str) or not 0 < len(subject) <= _MAX_SUBJECT_DIGITS or not subject.isascii():
        raise TokenInvalid("token is malformed: log in again")
    if not subject.isdigit() or not 0 < int(subject) <= USER_ID_MAX:
        raise TokenInvalid("token is malformed: log in again")
    return int(subject)
