"""The friends read model: mutual follows of each user, newest friendship first.

A friendship begins with the later of the two follows and ends with either unfollow. Each relation change
updates the two users' friends ZSETs (only where loaded: a missing one is rebuilt from MySQL when read), so
a friend list is one page of one ZSET, whatever the number of followers.
"""

from __future__ import annotations

from gophertok import keys
from gophertok.adapters.redis_client import get_redis
from gophertok.services import id_sets, read_model


def on_follow_changed(follower_id: int, followee_id: int, following: bool, followed_at: int) -> None:
    """Keep both users' friends ZSETs in step with a follow (``following``) or an unfollow that took effect."""
    if not following:
        pipe = get_redis().pipeline(transaction=False)
        pipe.zrem(keys.user_friends(follower_id), str(followee_id))
        pipe.zrem(keys.user_friends(followee_id), str(follower_id))
        pipe.execute()
        return
    # The followee follows back iff they are among the follower's followers.
    back = id_sets.ensure_scores(id_sets.FOLLOWERS, follower_id, [followee_id])[str(followee_id)]
    if back is None:
        return
    since = max(int(back), int(followed_at))
    read_model.add_if_loaded_each(
        {
            keys.user_friends(follower_id): {str(followee_id): since},
            keys.user_friends(followee_id): {str(follower_id): since},
        }
    )
