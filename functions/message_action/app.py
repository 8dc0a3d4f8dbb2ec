"""POST /douyin/message/action/ — send ``content`` to ``to_user_id`` (action_type 1)."""

from gophertok.auth.session import require_user
from gophertok.http import Request, http_endpoint
from gophertok.services import messages


@http_endpoint
def handler(request: Request) -> None:
    sender_id = require_user(request)
    messages.send_message(
        sender_id,
        request.integer("to_user_id", minimum=1),
        request.integer("action_type"),
        request.text("content", max_length=messages.CONTENT_MAX),
    )
