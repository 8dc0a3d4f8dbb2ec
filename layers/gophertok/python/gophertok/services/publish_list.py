"""A user's publish list: every video they published, newest first."""

from __future__ import annotations

from typing import Any

from gophertok.errors import NotFound
from gophertok.services import users, video_index, videos


def list_published(user_id: int, viewer_id: int | None) -> list[dict[str, Any]]:
    """Video objects of ``user_id``'s videos, newest first; NotFound for an unknown user."""
    if user_id not in users.load_profiles([user_id]):
        raise NotFound("user not found")
    entries = video_index.author_entries(user_id)
    return videos.video_objects([entry.video_id for entry in entries], viewer_id)
