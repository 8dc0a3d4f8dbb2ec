"""POST /douyin/comment/action/ — add a comment (action_type 1) or delete one's own (2)."""

from typing import Any

from gophertok.auth.session import require_user
from gophertok.http import Request, http_endpoint
from gophertok.services import comments


@http_endpoint
def handler(request: Request) -> dict[str, Any] | None:
    user_id = require_user(request)
    video_id = request.integer("video_id", minimum=1)
    if comments.validate_action(request.integer("action_type")) == comments.ADD:
        return {"comment": comments.add_comment(user_id, video_id, request.text("comment_text"))}
    comments.delete_comment(user_id, video_id, request.integer("comment_id", minimum=1))
    return None
