"""The Lambda entry point shared by every HTTP function: parse, call the view, map errors, log.

A view takes a Request and returns the response's extra fields (or None). Errors the client caused
become the documented envelope; anything unexpected is logged with its trace and answered with a
generic 500 that carries the request id, never the exception text.
"""

from __future__ import annotations

import functools
import logging
import sys
import uuid
from collections.abc import Callable
from typing import Any

from gophertok import logs
from gophertok.errors import AppError, Unavailable, spec_for
from gophertok.http.request import Request, parse_event
from gophertok.http.response import Envelope, failure, internal_error, proxy_response, success
from gophertok.invocation import invocation

View = Callable[[Request], "dict[str, Any] | None"]
log = logs.get_logger("gophertok.http")


def http_endpoint(view: View) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """Wrap ``view`` into ``handler(event, context)`` for API Gateway proxy events."""
    fallback_name = view.__module__.rsplit(".", 1)[-1]

    @functools.wraps(view)
    def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        request_context = event.get("requestContext") or {}
        request_id = getattr(context, "aws_request_id", None) or request_context.get("requestId") or uuid.uuid4().hex
        with invocation(context, fallback_name, request_id, _trace_header(event.get("headers"))) as call:
            (http_status, body), headers = _invoke(view, event, context, request_id)
            call.status_code = int(body.get("status_code", 0))
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "request handled",
                    extra={
                        "method": (request_context.get("http") or {}).get("method") or event.get("httpMethod"),
                        "path": event.get("rawPath") or event.get("path"),
                        "http_status": http_status,
                        "status_code": call.status_code,
                        "duration_ms": call.elapsed_ms,
                    },
                )
            return proxy_response((http_status, body), request_id, headers)

    return handler


def _trace_header(headers: dict[str, Any] | None) -> str | None:
    """X-Amzn-Trace-Id, whatever its case (HTTP APIs send header names in lower case, REST APIs as sent)."""
    if not headers:
        return None
    found = headers.get("x-amzn-trace-id") or headers.get("X-Amzn-Trace-Id")
    if found is None:
        found = next((value for name, value in headers.items() if str(name).lower() == "x-amzn-trace-id"), None)
    return None if found is None else str(found)


def _redis_errors() -> tuple[type[BaseException], ...]:
    """The errors that mean Redis is unreachable. Empty while redis-py is not loaded: then none can have been
    raised, and a function that never uses Redis (not_found) does not import it at cold start for this clause."""
    if "redis" not in sys.modules:
        return ()
    from gophertok.adapters.redis_client import REDIS_ERRORS

    return REDIS_ERRORS


def _invoke(view: View, event: dict[str, Any], context: Any, request_id: str) -> tuple[Envelope, dict[str, str]]:
    """The envelope and the extra HTTP headers the answer carries (an error's Retry-After, say)."""
    try:
        return success(view(parse_event(event, context))), {}
    except AppError as error:
        if spec_for(error).http_status >= 500:
            log.error("request failed", extra={"error_code": spec_for(error).status_code}, exc_info=True)
        else:
            log.info("request rejected", extra={"error_code": spec_for(error).status_code})
        return failure(error, request_id), error.headers()
    except _redis_errors():
        log.error("redis unavailable", extra={"error_code": 50300}, exc_info=True)
        return failure(Unavailable(), request_id), {}
    except Exception:
        log.exception("unhandled error", extra={"error_code": 50000})
        return internal_error(request_id), {}
