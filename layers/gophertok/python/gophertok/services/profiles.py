"""Default profile for new accounts: a generated avatar, background image and signature.

Runs in the consumer of ``user.registered``. Object keys derive from the user id and the images from
the username, so handling the same event twice writes the same bytes to the same keys and the same
row values: one avatar per user, whatever the number of deliveries.
"""

from __future__ import annotations

from collections.abc import Iterable

from gophertok import logs
from gophertok.adapters.mysql import get_database
from gophertok.adapters.storage import put_object
from gophertok.events import Event
from gophertok.media import images
from gophertok.services.users import USER_REGISTERED, refresh_profiles

log = logs.get_logger("gophertok.profiles")


def avatar_key(user_id: int) -> str:
    return f"avatars/{user_id}.png"


def background_key(user_id: int) -> str:
    return f"backgrounds/{user_id}.png"


def create_default_profiles(events: Iterable[Event]) -> int:
    """Give every registered user in ``events`` its default images and signature; returns how many."""
    users = {int(e.data["user_id"]): str(e.data["username"]) for e in events if e.type == USER_REGISTERED}
    if not users:
        return 0
    rows = []
    for user_id, username in users.items():
        put_object(avatar_key(user_id), images.identicon(username), "image/png")
        put_object(background_key(user_id), images.background(username), "image/png")
        rows.append((avatar_key(user_id), background_key(user_id), images.signature(username), user_id))
    get_database().execute_many(
        "UPDATE users SET avatar = %s, background_image = %s, signature = %s WHERE id = %s", rows
    )
    refresh_profiles(users)
    log.info("default profiles created", extra={"users": len(users)})
    return len(users)
