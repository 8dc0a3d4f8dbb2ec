"""Follow, follower and friend lists: full User objects with the viewer's ``is_follow``, one page at a time.

Lists come from the read model's ZSETs (most recent relation first; a missing one is rebuilt from MySQL);
User objects for a page are rendered once by ``users.user_texts``.
"""

from __future__ import annotations

import orjson

from gophertok import jsontext, paging
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
    texts = users.open_user_texts(page.ids, viewer_id, followed_by_viewer=owner == viewer_id)  # friends: followed
    friends = []
    for user_id in page.ids:
        if user_id in texts:
            message = last.get(user_id)
            content, sent = (message.content, message.from_user_id == owner) if message else ("", False)
            friends.append(_FRIEND % (texts[user_id], orjson.dumps(content), 1 if sent else 0))
    return jsontext.Rendered(friends), page.next_cursor


_FRIEND = b'%b,"message":%b,"msgType":%d}'  # a FriendUser: a User object, left open, and these


def _users_in_order(user_ids: list[int], viewer_id: int, followed_by_viewer: bool = False) -> jsontext.Rendered:
    texts = users.user_texts(user_ids, viewer_id, followed_by_viewer)
    return jsontext.Rendered([texts[user_id] for user_id in user_ids if user_id in texts])
