"""The options that say where and how the local API listens, shared by the API server and the supervisor that
starts it (which passes them through)."""

from __future__ import annotations

import argparse
import os


def add_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=os.environ.get("API_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("API_PORT", "8080")))
    parser.add_argument("--stage", default="dev")
