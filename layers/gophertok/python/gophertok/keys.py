"""Redis key names, in one place. Every key is prefixed so the database can be shared safely."""

from __future__ import annotations

PREFIX = "gt:"
PROFILE_TTL_SECONDS = 24 * 3600


def user_profile(user_id: int) -> str:
    return f"{PREFIX}user:{user_id}:profile"
