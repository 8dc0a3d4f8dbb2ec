"""Signed, expiring access tokens (JWT, HS256, PyJWT).

A token's subject is the user id. Anything wrong with a token maps onto one of three errors:
TokenInvalid (malformed or forged), TokenExpired, or TokenMissing at the caller.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass

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


def verify_token(token: str, settings: Settings | None = None, now: float | None = None) -> int:
    """Return the user id in ``token``; raise TokenExpired or TokenInvalid."""
    settings = settings or get_settings()
    secret = _secret(settings)
    at = time.time() if now is None else now
    known = _verified.get(token)
    if known is not None and known.secret == secret:
        if at >= known.expires:
            raise TokenExpired()
        return known.user_id
    try:
        claims = jwt.decode(
            token,
            secret,
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
    user_id, expires = _subject(claims.get("sub")), int(claims["exp"])  # PyJWT checked it is an integer
    if at >= expires:  # PyJWT's own check (no leeway) used the wall clock; ``now`` may differ
        raise TokenExpired()
    _remember(token, _Verified(secret, user_id, expires))
    return user_id


def _subject(subject: object) -> int:
    # Length first: int() of thousands of digits is slow (and refused past 4300 digits).
    if not isinstance(subject, str) or not 0 < len(subject) <= _MAX_SUBJECT_DIGITS or not subject.isascii():
        raise TokenInvalid("token is malformed: log in again")
    if not subject.isdigit() or not 0 < int(subject) <= USER_ID_MAX:
        raise TokenInvalid("token is malformed: log in again")
    return int(subject)


@dataclass(frozen=True, slots=True)
class _Verified:
    secret: str  # the secret it was verified with: after a rotation the token is checked again
    user_id: int
    expires: int


# Tokens whose signature and claims were checked: a warm instance sees the same few tokens again and again, and
# PyJWT's decode was a fifth of a small request. Only valid tokens get in, at most _VERIFIED_MAX (oldest out first).
_VERIFIED_MAX = 4096
_verified: OrderedDict[str, _Verified] = OrderedDict()


def _remember(token: str, verified: _Verified) -> None:
    _verified[token] = verified
    if len(_verified) > _VERIFIED_MAX:
        _verified.popitem(last=False)
