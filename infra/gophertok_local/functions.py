"""Load a function's handler from ``functions/<name>/app.py`` the way Lambda would (``app.handler``)."""

from __future__ import annotations

import importlib.util
import os
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
# LOCAL_FUNCTIONS_DIR: another folder of functions (the instance pool's tests use one)
FUNCTIONS_DIR = Path(os.environ.get("LOCAL_FUNCTIONS_DIR") or REPO_ROOT / "functions")
HANDLER_MODULE = "app"
HANDLER_NAME = "handler"

Handler = Callable[[dict[str, Any], Any], Any]
_handlers: dict[str, Handler] = {}
_lock = threading.Lock()


def handler_path(function: str) -> Path:
    return FUNCTIONS_DIR / function / f"{HANDLER_MODULE}.py"


def load_handler(function: str) -> Handler:
    """Import (once) and return ``handler`` of the named function."""
    with _lock:
        if function not in _handlers:
            path = handler_path(function)
            if not path.is_file():
                raise LookupError(f"function {function!r} has no {path}")
            spec = importlib.util.spec_from_file_location(f"gophertok_functions.{function}", path)
            assert spec and spec.loader
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            _handlers[function] = getattr(module, HANDLER_NAME)
        return _handlers[function]


class LambdaContext:
    """The attributes of the Lambda context object that our handlers read."""

    def __init__(self, function_name: str, timeout_seconds: float = 30, memory_mb: int = 256) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.aws_request_id = str(uuid.uuid4())
        self.memory_limit_in_mb = memory_mb
        self.invoked_function_arn = f"arn:aws:lambda:local:000000000000:function:{function_name}"
        self.log_group_name = f"/aws/lambda/{function_name}"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def invoke(function: str, event: dict[str, Any]) -> Any:
    """Invoke a function's handler in this process with a fresh context."""
    return load_handler(function)(event, LambdaContext(function))
