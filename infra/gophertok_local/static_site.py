"""Static answers of the local API: the web client at ``/``, the OpenAPI document and Swagger UI.

The local API asks ``lookup`` about every GET/HEAD request no /douyin route matched, before its JSON
404. Swagger UI's files are npm's swagger-ui-dist, vendored by ``make web-vendor`` into the git-ignored
build/vendor/ (nothing is fetched from the internet at run time); the document is built fresh from the
code on each request.
"""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path

from gophertok_local.functions import REPO_ROOT

WEB_ROOT = REPO_ROOT / "web"
SWAGGER_ROOT = REPO_ROOT / "build" / "vendor" / "swagger-ui-dist"
DOCS_PREFIX = "/docs/"
NO_CACHE = {"Cache-Control": "no-cache"}
Answer = tuple[int, dict[str, str], bytes]

SWAGGER_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>GopherTok API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" href="/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"><p style="font-family: sans-serif">Loading Swagger UI… (if it never appears:
    run <code>make web-vendor</code>; the raw document is at <a href="/openapi.json">/openapi.json</a>)</p></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true});
  </script>
</body>
</html>
"""


def lookup(method: str, path: str) -> Answer | None:
    """(status, headers, body) for a static path, or None when ``path`` is not one (the caller answers 404)."""
    method = method.upper()
    if method not in {"GET", "HEAD"} or path.startswith("/douyin/") or path == "/douyin":
        return None
    answer = _answer(path.split("?", 1)[0])
    if answer is None:
        return None
    status, headers, body = answer
    headers = {**headers, "Content-Length": str(len(body))}
    return status, headers, b"" if method == "HEAD" else body


def _answer(path: str) -> Answer | None:
    if path == "/openapi.json":
        from gophertok.contract.openapi import build_spec  # imports the services: only when asked

        body = json.dumps(build_spec(), ensure_ascii=False).encode("utf-8")
        return 200, {"Content-Type": "application/json; charset=utf-8", **NO_CACHE}, body
    if path in {"/docs", "/docs/"}:
        return 200, {"Content-Type": "text/html; charset=utf-8", **NO_CACHE}, SWAGGER_PAGE.encode("utf-8")
    if path.startswith(DOCS_PREFIX):
        return _file(SWAGGER_ROOT, path[len(DOCS_PREFIX) :])
    if path in {"/", "/index.html"}:
        return _file(WEB_ROOT, "index.html")
    return _file(WEB_ROOT, path.lstrip("/"))


def _file(root: Path, relative: str) -> Answer | None:
    """The file ``relative`` under ``root``; None for anything outside it, hidden, or missing."""
    if not relative or any(part.startswith(".") for part in relative.split("/")):
        return None
    root = root.resolve()
    target = (root / relative).resolve()
    if root not in target.parents or not target.is_file():
        return None
    content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type in {"application/javascript", "application/json"}:
        content_type += "; charset=utf-8"
    return 200, {"Content-Type": content_type, **NO_CACHE}, target.read_bytes()
