"""A user's publish list: the videos they published, newest first, one page at a time."""

from __future__ import annotations

from gophertok import paging
from gophertok.errors import NotFound
from gophertok.services import id_sets, users, videos


def list_published(user_id: int, viewer_id: int | None, cursor: paging.Cursor | None = None) -> paging.Listing:
    """Video objects of ``user_id``'s videos, newest first, one page after ``cursor``; NotFound for an unknown user."""
    if not users.exists(user_id):
        raise NotFound("user not found")
    page = id_sets.page(id_sets.AUTHOR_VIDEOS, user_id, cursor)
    return videos.video_list(page.ids, viewer_id), page.next_cursor
