"""Serve the local API for ``make run``: app.py's routes (Chalice's router, built from the registry)
through the gateway, each invocation run by a warm function instance from the pool.

The event-source runners run in their own process (consumers.py); supervisor.py starts and restarts both.
``--log-file`` receives every JSON line (functions' logs and access lines); the console is short or JSON
(see console.py).
``chalice local`` still works with app.py; this server is the fast, concurrent one.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import signal
import sys
from pathlib import Path

from chalice.cli.factory import CLIFactory

from gophertok.config import get_settings
from gophertok_local.chalice_bridge import Router
from gophertok_local.console import Console
from gophertok_local.functions import REPO_ROOT
from gophertok_local.gateway import Gateway, HttpRequest, HttpResponse
from gophertok_local.pool import InstancePool
from gophertok_local.server_options import add_server_options

STATUS_CODE_SCAN_LIMIT = 64 * 1024  # bodies larger than this are not parsed for the console's status_code


def load_app():
    spec = importlib.util.spec_from_file_location("gophertok_local_app", REPO_ROOT / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


def _status_code(response: HttpResponse) -> int | None:
    if len(response.body) > STATUS_CODE_SCAN_LIMIT or not response.body.startswith(b"{"):
        return None
    try:
        value = json.loads(response.body).get("status_code")
    except ValueError:
        return None
    return value if isinstance(value, int) else None


def request_reporter(console: Console):
    def report(request: HttpRequest, response: HttpResponse, total_ms: float) -> None:
        path = request.target.split("?", 1)[0]  # never the query: the Douyin client sends its token there
        console.request(
            request.method,
            path,
            response.function,
            response.status,
            _status_code(response),
            total_ms,
            response.invocation,
        )

    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_server_options(parser)
    parser.add_argument("--log-file", type=Path, help="append every JSON log line here")
    args = parser.parse_args(argv)
    config = CLIFactory(str(REPO_ROOT)).create_config_obj(chalice_stage_name=args.stage)
    for name, value in (config.environment_variables or {}).items():
        os.environ.setdefault(name, value)
    console = Console(log_file=args.log_file)
    console.capture_process_logs(get_settings().log_level)
    pool = InstancePool(log_sink=console.log_line)
    gateway = Gateway.from_settings(pool, Router(load_app()), on_request=request_reporter(console))
    host, port = gateway.listen(args.host, args.port)
    signal.signal(signal.SIGTERM, lambda *_: gateway.stop())
    print(
        f"api: http://{host}:{port}  (up to {pool.max_concurrency} concurrent invocations)",
        file=sys.stderr,
        flush=True,
    )
    try:
        gateway.serve_forever()
    except KeyboardInterrupt:
        gateway.stop()
    finally:
        pool.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
