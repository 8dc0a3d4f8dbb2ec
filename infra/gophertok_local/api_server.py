"""Serve app.py (the registry-built Chalice app) exactly as ``chalice local`` does, for ``make run``.

The only differences from ``chalice local``: the access log is a JSON line without the query string
(the Douyin client sends its token there, and tokens must never reach a log), and the stage's
environment variables from .chalice/config.json are applied without overriding the caller's.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time

from chalice.cli.factory import CLIFactory
from chalice.local import ChaliceRequestHandler, LocalDevServer

from gophertok_local.functions import REPO_ROOT


class RedactingRequestHandler(ChaliceRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        entry = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()),
            "level": "INFO",
            "logger": "gophertok_local.api",
            "message": "http access",
            "method": self.command,
            "path": (self.path or "").split("?", 1)[0],
            "http_status": int(code) if str(code).isdigit() else code,
        }
        sys.stderr.write(json.dumps(entry) + "\n")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - BaseHTTPRequestHandler's name
        text = (format % args).split("?", 1)[0]
        sys.stderr.write(json.dumps({"level": "WARNING", "logger": "gophertok_local.api", "message": text}) + "\n")


def load_app():
    spec = importlib.util.spec_from_file_location("gophertok_local_app", REPO_ROOT / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=os.environ.get("API_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("API_PORT", "8080")))
    parser.add_argument("--stage", default="dev")
    args = parser.parse_args(argv)
    config = CLIFactory(str(REPO_ROOT)).create_config_obj(chalice_stage_name=args.stage)
    for name, value in (config.environment_variables or {}).items():
        os.environ.setdefault(name, value)
    server = LocalDevServer(load_app(), config, args.host, args.port, handler_cls=RedactingRequestHandler)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
