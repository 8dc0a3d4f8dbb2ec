"""POST /douyin/favorite/action/ — like (action_type 1) or unlike (2) a video; idempotent."""

from gophertok.auth.session import require_user
from gophertok.http import Request, http_endpoint
from gophertok.services import favorites


@http_endpoint
def handler(request: Request) -> None:
    user_id = require_user(request)
    video_id = request.integer("video_id", minimum=1)
    favorites.apply_favorite_action(user_id, video_id, request.integer("action_type"))
