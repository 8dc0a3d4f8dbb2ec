"""GET /douyin/message/chat/ — the conversation with ``to_user_id``; only newer incoming messages when polled."""

from typing import Any

from gophertok.auth.session import require_user
from gophertok.http import Request, http_endpoint
from gophertok.paging import requested_cursor
from gophertok.services import messages


@http_endpoint
def handler(request: Request) -> dict[str, Any]:
    viewer_id = require_user(request)
    other_id = request.integer("to_user_id", minimum=1)
    pre_msg_time = request.integer("pre_msg_time", required=False, minimum=0)
    found, next_cursor = messages.chat(viewer_id, other_id, pre_msg_time, requested_cursor(request.params))
    return {"message_list": found, "next_cursor": next_cursor}
