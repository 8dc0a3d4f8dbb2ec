"""GET /douyin/user/ — a user's profile and counts; ``user_id`` defaults to the caller."""

from typing import Any

from gophertok.auth.session import require_user
from gophertok.http import Request, http_endpoint
from gophertok.services import users


@http_endpoint
def handler(request: Request) -> dict[str, Any]:
    viewer_id = require_user(request)
    user_id = request.integer("user_id", required=False, minimum=1) or viewer_id
    return {"user": users.get_user(user_id, viewer_id)}
