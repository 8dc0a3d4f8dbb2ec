"""What a request that matches no route gets: 405 when the path exists with other methods, else 404."""

from __future__ import annotations

from typing import NoReturn

from gophertok import registry
from gophertok.errors import MethodNotAllowed, RouteNotFound


def reject_unrouted(method: str, path: str) -> NoReturn:
    """Raise MethodNotAllowed (naming the methods the path accepts) or RouteNotFound."""
    allowed = registry.methods_for(path)
    if allowed and method.upper() not in allowed:
        raise MethodNotAllowed(f"{registry.canonical_path(path)} accepts {', '.join(allowed)} only")
    raise RouteNotFound()
