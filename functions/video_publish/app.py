"""POST /douyin/publish/action/ — publish the multipart file ``data`` as a video titled ``title``."""

from gophertok.auth.session import require_user
from gophertok.http import Request, http_endpoint
from gophertok.services.publishing import publish_video


@http_endpoint
def handler(request: Request) -> None:
    author_id = require_user(request)
    upload = request.file("data")
    publish_video(author_id, request.text("title", required=False), upload.data if upload else None)
