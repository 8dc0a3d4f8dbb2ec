"""GET /douyin/relation/follow/list/ — the users ``user_id`` (default: the caller) follows, most recent first."""

from typing import Any

from gophertok.auth.session import require_user
from gophertok.http import Request, http_endpoint
from gophertok.paging import requested_cursor
from gophertok.services import relation_lists


@http_endpoint
def handler(request: Request) -> dict[str, Any]:
    viewer_id = require_user(request)
    user_id = request.integer("user_id", required=False, minimum=1)
    items, next_cursor = relation_lists.follow_list(viewer_id, user_id, requested_cursor(request.params))
    return {"user_list": items, "next_cursor": next_cursor}
