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
from typing import Any, BinaryIO, cast

import orjson

from gophertok_local import round_trips
from gophertok_local.functions import LambdaContext, load_handler

HEADER = struct.Struct(">I")


def encode(message: dict[str, Any]) -> bytes:
    """A message on the pipe: orjson (a consumer batch's event is hundreds of records), json for what it refuses."""
    try:
        return orjson.dumps(message)
    except TypeError:
        return json.dumps(message, separators=(",", ":")).encode()


def write_message(stream: BinaryIO, data: bytes) -> None:
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
    return cast("dict[str, Any]", orjson.loads(data))


def error_document(exc: BaseException) -> dict[str, Any]:
    """The error as Lambda reports an unhandled exception (errorMessage, errorType, stackTrace)."""
    return {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


def _max_memory_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _failed(function: str, reply: dict[str, Any], exc: BaseException) -> None:
    reply.pop("result", None)
    reply["error"] = error_document(exc)
    log_line = {"level": "ERROR", "function": function, "message": "invocation failed", **reply["error"]}
    print(json.dumps(log_line, default=str), file=sys.stderr)


def invoke_once(function: str, handler: Any, request: dict[str, Any]) -> bytes:
    """Run one invocation; returns the encoded reply."""
    context = LambdaContext(function, timeout_seconds=float(request.get("timeout_seconds", 30)))
    counter = round_trips.start()
    started = time.perf_counter()
    reply: dict[str, Any] = {"request_id": context.aws_request_id}
    try:
        reply["result"] = handler(request["event"], context)
    except Exception as exc:  # the handler's failure is the invocation's result, as on Lambda
        _failed(function, reply, exc)
    reply["duration_ms"] = round((time.perf_counter() - started) * 1000, 3)
    reply["redis"], reply["sql"] = counter.stop()
    reply["max_memory_mb"] = _max_memory_mb()
    try:
        data = encode(reply)
    except (TypeError, ValueError) as exc:  # Lambda refuses a result it cannot serialise; so do we
        _failed(function, reply, exc)
        data = encode(reply)
    # The invocation's logs leave in one write, before its reply: the pool sees them first.
    sys.stdout.flush()
    sys.stderr.flush()
    return data


def serve(function: str, requests: BinaryIO, replies: BinaryIO) -> int:
    started = time.perf_counter()
    try:
        round_trips.install()
        handler = load_handler(function)
    except Exception as exc:  # an init error: reported to the pool, which fails the invocation
        traceback.print_exc()
        sys.stderr.flush()
        write_message(replies, encode({"ready": False, "error": error_document(exc)}))
        return 1
    sys.stdout.flush()
    write_message(replies, encode({"ready": True, "init_ms": round((time.perf_counter() - started) * 1000, 3)}))
    while (request := read_message(requests)) is not None:
        write_message(replies, invoke_once(function, handler, request))
    return 0


def main(argv: list[str] | None = None) -> int:
    function, request_fd, reply_fd = (argv or sys.argv[1:])[:3]
    # Block-buffered logs, flushed once per invocation (see invoke_once): one wake-up for the pool's
    # log reader per invocation instead of one per line.
    sys.stdout = open(sys.stdout.fileno(), "w", buffering=1 << 16, encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stderr = open(sys.stderr.fileno(), "w", buffering=1 << 16, encoding="utf-8", closefd=False)  # noqa: SIM115
    with os.fdopen(int(request_fd), "rb") as requests, os.fdopen(int(reply_fd), "wb") as replies:
        return serve(function, requests, replies)


if __name__ == "__main__":
    raise SystemExit(main())
