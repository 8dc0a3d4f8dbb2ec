"""GET /douyin/feed/ — up to 30 videos published before ``latest_time``, newest first."""

from typing import Any

from gophertok.auth.session import optional_user
from gophertok.http import Request, http_endpoint
from gophertok.services.feed import list_feed


@http_endpoint
def handler(request: Request) -> dict[str, Any]:
    viewer_id = optional_user(request)
    page = list_feed(request.integer("latest_time", required=False, minimum=0), viewer_id)
    return {"video_list": page.videos, "next_time": page.next_time}
