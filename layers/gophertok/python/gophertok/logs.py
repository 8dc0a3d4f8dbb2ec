"""Structured logs: one JSON object per line with the invocation's context attached.

``bind(...)`` sets context fields (function, request_id, trace_id, user_id) for the current
invocation; every record logged inside carries them. Values under keys that look secret are
replaced before they are written.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
import sys
import time
from collections.abc import Iterator

from gophertok import jsontext

_EMPTY: dict[str, object] = {}  # never mutated: bind/add_context always set a new dict
_context: contextvars.ContextVar[dict[str, object]] = contextvars.ContextVar("gophertok_log_context")
_SECRET_KEYS = ("password", "token", "secret", "authorization")
_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


_secret_by_key: dict[str, bool] = {}  # a line carries the same few keys every time: decide each once


def _redact(key: str, value: object) -> object:
    secret = _secret_by_key.get(key)
    if secret is None:
        secret = _secret_by_key[key] = any(word in key.lower() for word in _SECRET_KEYS)
    return "[redacted]" if secret else value


_second: tuple[int, str] = (-1, "")  # the last whole second formatted, and its text


def _iso_milliseconds(created: float) -> str:
    """``created`` (unix seconds) as ``datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")``
    writes it (microseconds rounded half to even, then cut to milliseconds), with the date and time part formatted
    once per second instead of once per line."""
    global _second
    whole = int(created)
    micros = round((created - whole) * 1_000_000)
    if micros >= 1_000_000:
        whole, micros = whole + 1, micros - 1_000_000
    if whole != _second[0]:
        _second = (whole, dt.datetime.fromtimestamp(whole, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"))
    return f"{_second[1]}.{micros // 1000:03d}+00:00"


def record_fields(
    message: str, level: str = "INFO", logger: str = "gophertok.metrics", created: float | None = None
) -> dict[str, object]:
    """The keys every JSON line carries: time, level, logger, message and the invocation context."""
    entry: dict[str, object] = {
        "timestamp": _iso_milliseconds(time.time() if created is None else created),
        "level": level,
        "logger": logger,
        "message": message,
    }
    entry.update({key: _redact(key, value) for key, value in _context.get(_EMPTY).items()})
    return entry


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = record_fields(record.getMessage(), record.levelname, record.name, record.created)
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = _redact(key, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return jsontext.dumps(entry, default=str)


_configured = False


def setup_logging(level: str = "INFO") -> None:
    """Route every logger through one JSON handler on stdout (Lambda ships stdout to CloudWatch)."""
    global _configured
    if _configured:
        return
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("kafka", "botocore", "urllib3", "aws_xray_sdk"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    _configured = True


Bound = contextvars.Token[dict[str, object]]


def push(**fields: object) -> Bound:
    """Attach fields (None ones skipped) to every log record until ``pop`` of what this returns."""
    return _context.set({**_context.get(_EMPTY), **{k: v for k, v in fields.items() if v is not None}})


def pop(bound: Bound) -> None:
    _context.reset(bound)


@contextlib.contextmanager
def bind(**fields: object) -> Iterator[None]:
    """Attach fields to every log record written inside the block."""
    bound = push(**fields)
    try:
        yield
    finally:
        pop(bound)


def add_context(**fields: object) -> None:
    """Add fields to the current invocation's context (e.g. the user id once the token is read)."""
    _context.set({**_context.get(_EMPTY), **fields})


def current(field: str) -> object | None:
    """A field of the current invocation's context (e.g. ``function``), or None."""
    return _context.get(_EMPTY).get(field)


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(name)
