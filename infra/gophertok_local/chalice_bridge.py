"""Build the Chalice app that serves every registry route by invoking the function's own handler.

Chalice (``chalice local``) plays API Gateway: each request becomes an HTTP API v2 proxy event for
the function the registry names, so local behaviour is the deployed handler's behaviour. Unknown
paths and wrong methods get the contract's JSON 404/405 instead of API Gateway's defaults.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any
from urllib.parse import urlencode

from chalice import Chalice, Response

from gophertok import registry
from gophertok.errors import MethodNotAllowed, RouteNotFound
from gophertok.http.response import JSON_HEADERS, failure
from gophertok_local import static_site
from gophertok_local.events import http_event
from gophertok_local.functions import invoke

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
CATCH_ALL_DEPTH = 8  # chalice local matches path parameters segment by segment, so cover each depth


def _json_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(body=json.dumps(body, ensure_ascii=False), status_code=status, headers=headers or JSON_HEADERS)


def _to_v2_event(original: dict[str, Any], route_path: str) -> dict[str, Any]:
    body = original.get("body")
    if isinstance(body, str):
        body = body.encode("utf-8")
    return http_event(
        original["requestContext"]["httpMethod"],
        original["requestContext"].get("path") or route_path,
        query=urlencode(original.get("multiValueQueryStringParameters") or {}, doseq=True),
        headers=original.get("headers") or {},
        body=body or None,
        route_path=route_path,
        source_ip=(original["requestContext"].get("identity") or {}).get("sourceIp", "127.0.0.1"),
    )


def _proxy_view(app: Chalice, path: str, functions: dict[str, str]):
    def view(**_: str) -> Response:
        original = app.current_request.to_original_event()
        method = original["requestContext"]["httpMethod"]
        function = functions.get(method)
        if function is None:
            status, body = failure(MethodNotAllowed(f"{path} accepts {', '.join(sorted(functions))} only"))
            return _json_response(status, body, {**JSON_HEADERS, "Allow": ", ".join(sorted(functions))})
        result = invoke(function, _to_v2_event(original, path))
        return Response(body=result["body"], status_code=result["statusCode"], headers=result.get("headers") or {})

    return view


def _not_found_view(app: Chalice):
    def view(**_: str) -> Response:
        context = app.current_request.to_original_event()["requestContext"]
        static = static_site.lookup(context["httpMethod"], context.get("path") or "/")
        if static is not None:  # chalice local writes its own Content-Length
            status, headers, content = static
            headers = {name: value for name, value in headers.items() if name.lower() != "content-length"}
            return Response(body=content, status_code=status, headers=headers)
        status, body = failure(RouteNotFound())
        return _json_response(status, body)

    return view


def build_app(app_name: str = "gophertok") -> Chalice:
    # configure_logs=False: the layer owns logging (JSON on stdout); Chalice would mute our logger.
    app = Chalice(app_name=app_name, configure_logs=False)
    functions_by_path: dict[str, dict[str, str]] = defaultdict(dict)
    for route in registry.ROUTES:
        functions_by_path[route.path][route.method] = route.function
    for path, functions in functions_by_path.items():
        name = "route" + path.replace("/", "_")
        app.route(path, methods=METHODS, content_types=["*/*"], name=name)(_proxy_view(app, path, functions))
    app.route("/", methods=[*METHODS, "HEAD"], content_types=["*/*"], name="not_found_0")(_not_found_view(app))
    for depth in range(1, CATCH_ALL_DEPTH + 1):
        pattern = "/" + "/".join(f"{{segment{i}}}" for i in range(depth))
        app.route(pattern, methods=[*METHODS, "HEAD"], content_types=["*/*"], name=f"not_found_{depth}")(
            _not_found_view(app)
        )
    return app
