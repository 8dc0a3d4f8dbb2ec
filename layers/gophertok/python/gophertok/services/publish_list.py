"""A user's publish list: the videos they published, newest first, one page at a time."""

from __future__ import annotations

from gophertok import keys, paging
from gophertok.errors import NotFound
from gophertok.services import id_sets, users, video_index, videos


def list_published(user_id: int, viewer_id: int | None, cursor: paging.Cursor | None = None) -> paging.Listing:
    """Video objects of ``user_id``'s videos, newest first, one page after ``cursor``; NotFound for an unknown user."""
    if user_id not in users.load_profiles([user_id]):
        raise NotFound("user not found")
    page = paging.newest_first(
        keys.user_videos(user_id),
        cursor,
        rebuild=lambda: video_index.rebuild_author_indexes([user_id]),
        below=id_sets.below(id_sets.AUTHOR_VIDEOS, user_id),
    )
    return videos.video_objects(page.ids, viewer_id), page.next_cursor
