"""POST /douyin/relation/action/ — follow (action_type 1) or unfollow (2) ``to_user_id``."""

from gophertok.auth.session import require_user
from gophertok.http import Request, http_endpoint
from gophertok.services import relations


@http_endpoint
def handler(request: Request) -> None:
    actor_id = require_user(request)
    relations.relation_action(actor_id, request.integer("to_user_id", minimum=1), request.integer("action_type"))
