"""Build the Chalice app that routes every registry route to the function the registry names.

Chalice is the router: its routes come from gophertok.registry, and both servers use them. Under
``chalice local`` each view turns Chalice's request into an HTTP API v2 event and invokes the
function through the instance pool (gophertok_local.pool), so local behaviour is the deployed
handler's behaviour; requests no route matches go to the registry's fallback function (``not_found``),
as API Gateway's ``$default`` route does. ``make run`` serves the same routes through
gophertok_local.gateway, which matches them with Chalice's RouteMatcher (see ``Router``).
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from chalice import Chalice, Response
from chalice.local import RouteMatcher

from gophertok import registry
from gophertok.http.response import JSON_HEADERS, internal_error
from gophertok_local.events import http_event

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
CATCH_ALL_DEPTH = 8  # chalice local matches path parameters segment by segment, so cover each depth
Invoker = Callable[[str, dict[str, Any]], Any]  # (function, event) -> the function's proxy result


def route_table() -> dict[str, dict[str, str]]:
    """``{path: {method: function}}`` from the registry."""
    table: dict[str, dict[str, str]] = defaultdict(dict)
    for route in registry.ROUTES:
        table[route.path][route.method] = route.function
    return dict(table)


@functools.cache
def _default_pool():
    from gophertok_local.pool import InstancePool

    return InstancePool()


def invoke(function: str, event: dict[str, Any]) -> Any:
    """Invoke through the process-wide instance pool (what ``chalice local`` uses)."""
    return _default_pool().invoke(function, event).raise_for_error()


def _to_v2_event(original: dict[str, Any], route_path: str | None) -> dict[str, Any]:
    body = original.get("body")
    if isinstance(body, str):
        body = body.encode("utf-8")
    return http_event(
        original["requestContext"]["httpMethod"],
        original["requestContext"].get("path") or route_path or "/",
        query=urlencode(original.get("multiValueQueryStringParameters") or {}, doseq=True),
        headers=original.get("headers") or {},
        body=body or None,
        route_path=route_path,
        source_ip=(original["requestContext"].get("identity") or {}).get("sourceIp", "127.0.0.1"),
    )


def _proxy(
    app: Chalice, invoker: Invoker | None, route_path: str | None, function_for: Callable[[str], str]
) -> Response:
    request = app.current_request
    assert request is not None  # chalice sets it before calling a view
    original = request.to_original_event()
    function = function_for(original["requestContext"]["httpMethod"])
    event = _to_v2_event(original, route_path)
    try:
        result = (invoker or invoke)(function, event)  # looked up per call: tests replace ``invoke``
    except Exception:  # the function failed: API Gateway answers 500; we answer the contract's 500
        status, body = internal_error(event["requestContext"]["requestId"])
        return Response(body=json.dumps(body), status_code=status, headers={**JSON_HEADERS})
    headers: dict[str, str | list[str]] = {**(result.get("headers") or {})}
    return Response(body=result["body"], status_code=result["statusCode"], headers=headers)


def _route_view(app: Chalice, invoker: Invoker | None, path: str, functions: dict[str, str]):
    def view(**_: str) -> Response:
        return _proxy(app, invoker, path, lambda method: functions.get(method, registry.FALLBACK_FUNCTION))

    view.functions = functions  # type: ignore[attr-defined]  # read by Router
    return view


def _fallback_view(app: Chalice, invoker: Invoker | None):
    def view(**_: str) -> Response:
        return _proxy(app, invoker, None, lambda method: registry.FALLBACK_FUNCTION)

    return view


def build_app(app_name: str = "gophertok", invoker: Invoker | None = None) -> Chalice:
    # configure_logs=False: the layer owns logging (JSON on stdout); Chalice would mute our logger.
    app = Chalice(app_name=app_name, configure_logs=False)
    for path, functions in route_table().items():
        name = "route" + path.replace("/", "_")
        app.route(path, methods=METHODS, content_types=["*/*"], name=name)(_route_view(app, invoker, path, functions))
    fallback = _fallback_view(app, invoker)
    for depth in range(1, CATCH_ALL_DEPTH + 1):
        pattern = "/" + "/".join(f"{{segment{i}}}" for i in range(depth))
        app.route(pattern, methods=METHODS, content_types=["*/*"], name=f"not_found_{depth}")(fallback)
    return app


class Router:
    """Which function serves (method, path): the app's registry routes, matched by Chalice's RouteMatcher.

    The path must equal a route exactly (one trailing slash allowed): RouteMatcher parses its input as
    a URL, which would serve ``//douyin/feed/`` (a network path) or ``/douyin/feed;x=1`` (path
    parameters) as the feed; API Gateway serves neither.
    """

    def __init__(self, app: Chalice) -> None:
        self._functions: dict[str, dict[str, str]] = {}
        for path, entries in app.routes.items():
            view = next(iter(entries.values())).view_function
            if hasattr(view, "functions"):
                self._functions[path] = view.functions
        self._matcher = RouteMatcher(list(self._functions))

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one Router per process; paths repeat
    def route(self, path: str) -> str | None:
        """The registry path ``path`` names, or None."""
        try:
            matched = self._matcher.match_route(path).route
        except ValueError:
            return None
        return matched if path in (matched, matched + "/") else None

    def function_for(self, method: str, path: str) -> tuple[str | None, str | None]:
        """(route path, function) for a request; function None when no route serves it."""
        route = self.route(path)
        return route, self._functions[route].get(method) if route else None
