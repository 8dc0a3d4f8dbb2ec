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
from collections.abc import Iterator

from gophertok import jsontext

_EMPTY: dict[str, object] = {}  # never mutated: bind/add_context always set a new dict
_context: contextvars.ContextVar[dict[str, object]] = contextvars.ContextVar("gophertok_log_context")
_SECRET_KEYS = ("password", "token", "secret", "authorization")
_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def _redact(key: str, value: object) -> object:
    return "[redacted]" if any(word in key.lower() for word in _SECRET_KEYS) else value


def record_fields(
    message: str, level: str = "INFO", logger: str = "gophertok.metrics", created: float | None = None
) -> dict[str, object]:
    """The keys every JSON line carries: time, level, logger, message and the invocation context."""
    moment = dt.datetime.now(dt.UTC) if created is None else dt.datetime.fromtimestamp(created, dt.UTC)
    entry: dict[str, object] = {
        "timestamp": moment.isoformat(timespec="milliseconds"),
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


@contextlib.contextmanager
def bind(**fields: object) -> Iterator[None]:
    """Attach fields to every log record written inside the block."""
    token = _context.set({**_context.get(_EMPTY), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


def add_context(**fields: object) -> None:
    """Add fields to the current invocation's context (e.g. the user id once the token is read)."""
    _context.set({**_context.get(_EMPTY), **fields})


def current(field: str) -> object | None:
    """A field of the current invocation's context (e.g. ``function``), or None."""
    return _context.get(_EMPTY).get(field)


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(name)
