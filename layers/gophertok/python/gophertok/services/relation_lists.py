"""Follow, follower and friend lists: full User objects with the viewer's ``is_follow``.

Lists come from the follow ZSETs of the read model (most recent relation first); a missing ZSET is
rebuilt from MySQL. User objects are assembled once per list by ``users.user_objects``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gophertok import keys
from gophertok.adapters.redis_client import get_redis
from gophertok.services import conversations, read_model, users
from gophertok.services.social_targets import list_owner


def follow_list(viewer_id: int, user_id: int | None) -> list[dict[str, Any]]:
    """The users ``user_id`` (default: the viewer) follows, most recently followed first."""
    owner = list_owner(viewer_id, user_id)
    ranked = _ranked(keys.user_following(owner), read_model.ensure_following, owner)
    return _users_in_order(list(ranked), viewer_id)


def follower_list(viewer_id: int, user_id: int | None) -> list[dict[str, Any]]:
    """The users who follow ``user_id`` (default: the viewer), most recent follower first."""
    owner = list_owner(viewer_id, user_id)
    ranked = _ranked(keys.user_followers(owner), read_model.ensure_followers, owner)
    return _users_in_order(list(ranked), viewer_id)


def friend_list(viewer_id: int, user_id: int | None) -> list[dict[str, Any]]:
    """Mutual follows of ``user_id`` (default: the viewer) as FriendUser objects, newest friendship first.

    Each carries the last message between the list owner and the friend (``""`` if none) and
    ``msgType`` 1 when the owner sent it, 0 otherwise. Those are private to the two of them: a viewer
    reading someone else's friend list gets ``""`` and 0 for every friend (docs/privacy.md).
    """
    owner = list_owner(viewer_id, user_id)
    following_key, followers_key = keys.user_following(owner), keys.user_followers(owner)
    pipe = get_redis().pipeline(transaction=False)
    pipe.zrange(following_key, 0, -1, withscores=True)
    pipe.zrange(followers_key, 0, -1, withscores=True)
    following_rows, follower_rows = pipe.execute()
    # An empty answer means a missing ZSET (a loaded one holds the sentinel): rebuild that one only.
    following = _scores(following_rows) or _ranked(following_key, read_model.ensure_following, owner)
    followers = _scores(follower_rows) or _ranked(followers_key, read_model.ensure_followers, owner)
    # A friendship starts when the second of the two follows happened.
    since = {friend: max(at, followers[friend]) for friend, at in following.items() if friend in followers}
    order = sorted(since, key=lambda friend: (since[friend], friend), reverse=True)
    last = conversations.last_messages(owner, order) if owner == viewer_id else {}
    friends = []
    for user in _users_in_order(order, viewer_id):
        message = last.get(user["id"])
        friends.append(
            {
                **user,
                "message": message.content if message else "",
                "msgType": 1 if message and message.from_user_id == owner else 0,
            }
        )
    return friends


def _ranked(key: str, ensure: Callable[[int], str], owner: int) -> dict[int, float]:
    """{member id: score} of an id ZSET, most recent first; rebuilt first if missing."""
    rows = get_redis().zrevrange(key, 0, -1, withscores=True)
    if not rows:  # a loaded ZSET holds at least the sentinel
        ensure(owner)
        rows = get_redis().zrevrange(key, 0, -1, withscores=True)
    return _scores(rows)


def _scores(rows: list[tuple[str, float]]) -> dict[int, float]:
    return {int(member): score for member, score in rows if member != keys.SENTINEL}


def _users_in_order(user_ids: list[int], viewer_id: int) -> list[dict[str, Any]]:
    objects = users.user_objects(user_ids, viewer_id)
    return [objects[user_id] for user_id in user_ids if user_id in objects]
