"""Follow, follower and friend lists: full User objects with the viewer's ``is_follow``, one page at a time.

Lists come from the read model's ZSETs (most recent relation first; a missing one is rebuilt from MySQL);
User objects for a page are assembled once by ``users.user_objects``.
"""

from __future__ import annotations

from typing import Any

from gophertok import paging
from gophertok.services import conversations, id_sets, read_model, users
from gophertok.services.social_targets import list_owner


def follow_list(viewer_id: int, user_id: int | None, cursor: paging.Cursor | None = None) -> paging.Listing:
    """The users ``user_id`` (default: the viewer) follows, most recently followed first."""
    owner = list_owner(viewer_id, user_id)
    page = id_sets.page(id_sets.FOLLOWING, owner, cursor)
    return _users_in_order(page.ids, viewer_id, followed_by_viewer=owner == viewer_id), page.next_cursor


def follower_list(viewer_id: int, user_id: int | None, cursor: paging.Cursor | None = None) -> paging.Listing:
    """The users who follow ``user_id`` (default: the viewer), most recent follower first."""
    owner = list_owner(viewer_id, user_id)
    page = id_sets.page(id_sets.FOLLOWERS, owner, cursor)
    return _users_in_order(page.ids, viewer_id), page.next_cursor


def friend_list(viewer_id: int, user_id: int | None, cursor: paging.Cursor | None = None) -> paging.Listing:
    """Mutual follows of ``user_id`` (default: the viewer) as FriendUser objects, newest friendship first.

    Each carries the last message between the list owner and the friend (``""`` if none) and
    ``msgType`` 1 when the owner sent it, 0 otherwise. Those are private to the two of them: a viewer
    reading someone else's friend list gets ``""`` and 0 for every friend (docs/privacy.md).
    """
    owner = list_owner(viewer_id, user_id)
    page = id_sets.page(id_sets.FRIENDS, owner, cursor, rebuild=lambda: read_model.ensure_friends(owner))
    last = conversations.last_messages(owner, page.ids) if owner == viewer_id else {}
    friends = []
    for user in _users_in_order(page.ids, viewer_id, followed_by_viewer=owner == viewer_id):  # friends: followed
        message = last.get(user["id"])
        friends.append(
            {
                **user,
                "message": message.content if message else "",
                "msgType": 1 if message and message.from_user_id == owner else 0,
            }
        )
    return friends, page.next_cursor


def _users_in_order(user_ids: list[int], viewer_id: int, followed_by_viewer: bool = False) -> list[dict[str, Any]]:
    objects = users.user_objects(user_ids, viewer_id, followed_by_viewer)
    return [objects[user_id] for user_id in user_ids if user_id in objects]
