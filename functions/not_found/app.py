"""The API's ``$default`` route: any path or method no other route serves gets the contract's JSON 404/405."""

from gophertok.http import Request, http_endpoint
from gophertok.http.fallback import reject_unrouted


@http_endpoint
def handler(request: Request) -> None:
    reject_unrouted(request.method, request.path)
