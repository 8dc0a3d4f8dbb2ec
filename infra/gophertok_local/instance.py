"""One warm function instance, as a Lambda execution environment: a process that loads one function's
handler once (the init phase) and then runs one invocation at a time, for as long as its pool keeps it.

The pool talks to it over two pipes given on the command line (``python -m gophertok_local.instance
<function> <request-fd> <reply-fd>``); stdout and stderr stay the function's log stream, as on Lambda.
Each message is a 4-byte big-endian length and a JSON document. The first reply says the instance is
ready (or why its init failed); each later reply carries the handler's result or error, its duration,
and how many Redis and SQL round trips it made.
"""

from __future__ import annotations

import json
import os
import resource
import struct
import sys
import time
import traceback
from typing import Any, BinaryIO

from gophertok_local import round_trips
from gophertok_local.functions import LambdaContext, load_handler

HEADER = struct.Struct(">I")


def write_message(stream: BinaryIO, message: dict[str, Any]) -> None:
    data = json.dumps(message, separators=(",", ":"), default=str).encode()
    stream.write(HEADER.pack(len(data)) + data)
    stream.flush()


def read_message(stream: BinaryIO) -> dict[str, Any] | None:
    """The next message, or None when the other side closed the pipe."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    size = HEADER.unpack(header)[0]
    data = stream.read(size)
    if len(data) < size:
        return None
    return json.loads(data)


def error_document(exc: BaseException) -> dict[str, Any]:
    """The error as Lambda reports an unhandled exception (errorMessage, errorType, stackTrace)."""
    return {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


def _max_memory_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def invoke_once(function: str, handler: Any, request: dict[str, Any]) -> dict[str, Any]:
    context = LambdaContext(function, timeout_seconds=float(request.get("timeout_seconds", 30)))
    counter = round_trips.start()
    started = time.perf_counter()
    reply: dict[str, Any] = {"request_id": context.aws_request_id}
    try:
        reply["result"] = handler(request["event"], context)
        json.dumps(reply["result"])  # Lambda refuses a result it cannot serialise; so do we
    except Exception as exc:  # the handler's failure is the invocation's result, as on Lambda
        reply.pop("result", None)
        reply["error"] = error_document(exc)
        print(
            json.dumps({"level": "ERROR", "function": function, "message": "invocation failed", **reply["error"]}),
            file=sys.stderr,
            flush=True,
        )
    reply["duration_ms"] = round((time.perf_counter() - started) * 1000, 3)
    reply["redis"], reply["sql"] = counter.stop()
    reply["max_memory_mb"] = _max_memory_mb()
    return reply


def serve(function: str, requests: BinaryIO, replies: BinaryIO) -> int:
    started = time.perf_counter()
    try:
        round_trips.install()
        handler = load_handler(function)
    except Exception as exc:  # an init error: reported to the pool, which fails the invocation
        traceback.print_exc()
        write_message(replies, {"ready": False, "error": error_document(exc)})
        return 1
    write_message(replies, {"ready": True, "init_ms": round((time.perf_counter() - started) * 1000, 3)})
    while (request := read_message(requests)) is not None:
        write_message(replies, invoke_once(function, handler, request))
    return 0


def main(argv: list[str] | None = None) -> int:
    function, request_fd, reply_fd = (argv or sys.argv[1:])[:3]
    with os.fdopen(int(request_fd), "rb") as requests, os.fdopen(int(reply_fd), "wb") as replies:
        return serve(function, requests, replies)


if __name__ == "__main__":
    raise SystemExit(main())
