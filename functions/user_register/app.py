"""POST /douyin/user/register/ — create an account and return a token."""

from typing import Any

# Every call hashes a password and issues a token: loaded at init, not by the first call (services.users
# imports them lazily for the functions that only read profiles).
from gophertok.auth import passwords, tokens  # noqa: F401
from gophertok.http import Request, http_endpoint
from gophertok.services import users


@http_endpoint
def handler(request: Request) -> dict[str, Any]:
    user_id, token = users.register(request.text("username"), request.text("password"), request.source_ip)
    return {"user_id": user_id, "token": token}
