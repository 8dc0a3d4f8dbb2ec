"""GET /douyin/favorite/list/ — the videos a user likes (default: the caller), most recent like first."""

from typing import Any

from gophertok.auth.session import require_user
from gophertok.http import Request, http_endpoint
from gophertok.paging import requested_cursor
from gophertok.services import favorites


@http_endpoint
def handler(request: Request) -> dict[str, Any]:
    viewer_id = require_user(request)
    user_id = request.integer("user_id", required=False, minimum=1) or viewer_id
    items, next_cursor = favorites.list_liked_videos(user_id, viewer_id, requested_cursor(request.params))
    return {"video_list": items, "next_cursor": next_cursor}
