"""POST /douyin/publish/upload_url/ — a presigned S3 PUT for a video too large for publish/action."""

from typing import Any

from gophertok.auth.session import require_user
from gophertok.http import Request, http_endpoint
from gophertok.services.uploads import issue_upload_url


@http_endpoint
def handler(request: Request) -> dict[str, Any]:
    author_id = require_user(request)
    ticket = issue_upload_url(
        author_id,
        request.text("title", required=False),
        request.text("content_type", required=False),
        request.integer("size", required=False),
    )
    return ticket.response()
