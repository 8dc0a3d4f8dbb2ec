"""GET /douyin/comment/list/ — a video's comments, newest first; the token is optional."""

from typing import Any

from gophertok.auth.session import optional_user
from gophertok.http import Request, http_endpoint
from gophertok.paging import requested_cursor
from gophertok.services import comments


@http_endpoint
def handler(request: Request) -> dict[str, Any]:
    viewer_id = optional_user(request)
    video_id = request.integer("video_id", minimum=1)
    items, next_cursor = comments.list_comments(video_id, viewer_id, requested_cursor(request.params))
    return {"comment_list": items, "next_cursor": next_cursor}
