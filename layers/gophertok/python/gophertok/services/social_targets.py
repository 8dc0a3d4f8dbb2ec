"""Who a social action may target: another user that exists, and whose list the caller may read."""

from __future__ import annotations

from gophertok.errors import InvalidInput, NotFound
from gophertok.services import users


def require_other_user(actor_id: int, target_id: int, action: str) -> int:
    """``target_id`` if it names an existing user other than the actor.

    ``action`` completes the sentence "you cannot ... yourself" (e.g. "follow", "send a message to").
    Raises InvalidInput for the actor themselves and NotFound for an unknown user.
    """
    if target_id == actor_id:
        raise InvalidInput(f"you cannot {action} yourself")
    require_existing_user(target_id)
    return target_id


def require_existing_user(user_id: int) -> int:
    """``user_id`` if that user exists (one cached profile read), else NotFound."""
    if not users.exists(user_id):
        raise NotFound("user not found")
    return user_id


def list_owner(viewer_id: int, user_id: int | None) -> int:
    """Whose list to show: ``user_id`` when given (it must exist), else the viewer."""
    if user_id is None or user_id == viewer_id:
        return viewer_id
    return require_existing_user(user_id)
