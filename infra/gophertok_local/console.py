"""What ``make run`` shows: one short coloured line per request and per consumer batch.

Every JSON line (the functions' logs, the access and batch lines) also goes to the log file that
``make logs`` follows. ``LOG_FORMAT=json`` prints the JSON lines on the console instead of the short
ones; without LOG_FORMAT the console is short when it is a terminal and JSON otherwise (tests, pipes).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from gophertok.logs import JsonFormatter, setup_logging
from gophertok_local.pool import Invocation

RESET, DIM, BOLD = "\033[0m", "\033[2m", "\033[1m"
GREEN, YELLOW, RED, CYAN, MAGENTA = "\033[32m", "\033[33m", "\033[31m", "\033[36m", "\033[35m"


def console_format(stream: TextIO) -> str:
    chosen = os.environ.get("LOG_FORMAT", "").strip().lower()
    if chosen in {"json", "pretty"}:
        return chosen
    return "pretty" if stream.isatty() else "json"


def _records_in(event: dict[str, Any]) -> tuple[str, int]:
    if "Records" in event:
        return "sqs", len(event["Records"])
    records = event.get("records") or {}
    source = "msk" if event.get("eventSource") == "aws:kafka" else "kafka"
    return source, sum(len(batch) for batch in records.values())


def _clock() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")[11:23]


class _ConsoleHandler(logging.Handler):
    def __init__(self, console: Console) -> None:
        super().__init__()
        self.console = console
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.console.own_log(self.format(record), record.levelno, record.name, record.getMessage())
        except Exception:
            self.handleError(record)


class Console:
    def __init__(self, stream: TextIO | None = None, log_file: Path | None = None, fmt: str | None = None) -> None:
        self.stream = stream or sys.stdout
        self.format = fmt or console_format(self.stream)
        self.colour = self.format == "pretty" and (self.stream.isatty() or bool(os.environ.get("FORCE_COLOR")))
        self._file = log_file.open("a", encoding="utf-8") if log_file else None  # flushed by _emit
        self._lock = threading.Lock()

    # -- sinks --------------------------------------------------------------------------------

    def log_line(self, function: str, lines: str) -> None:
        """Lines an instance wrote (the function's JSON logs), one or more, without the last newline."""
        self._emit(lines, None)

    def _emit(self, json_line: str, short_line: Callable[[], str] | None) -> None:
        with self._lock:
            if self._file is not None:
                self._file.write(json_line + "\n")
                self._file.flush()
            if self.format == "json":
                self.stream.write(json_line + "\n")
                self.stream.flush()
            elif short_line is not None:
                self.stream.write(short_line() + "\n")
                self.stream.flush()

    def own_log(self, json_line: str, level: int, logger: str, message: str) -> None:
        """A line this process logged (the runners, the gateway): short on the console only from WARNING."""

        def short() -> str:
            colour = RED if level >= logging.ERROR else YELLOW
            return (
                f"{self._paint(DIM, _clock())} {self._paint(colour, logging.getLevelName(level))} {logger}: {message}"
            )

        self._emit(json_line, short if level >= logging.WARNING else None)

    def capture_process_logs(self, level: str = "INFO") -> None:
        """Send this process's own log records here (as JSON, like the functions' lines)."""
        setup_logging(level)  # the layer's levels for noisy libraries; its stdout handler is replaced
        root = logging.getLogger()
        for handler in list(root.handlers):
            root.removeHandler(handler)
        root.addHandler(_ConsoleHandler(self))

    # -- events -------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        function: str | None,
        http_status: int,
        status_code: int | None,
        total_ms: float,
        invocation: Invocation | None = None,
    ) -> None:
        entry = self._entry("http access", method=method, path=path, function=function, http_status=http_status)
        entry.update(status_code=status_code, total_ms=total_ms, **self._figures(invocation))
        self._emit(json.dumps(entry, ensure_ascii=False), lambda: self._short_request(entry))

    def batch(self, invocation: Invocation, event: dict[str, Any]) -> None:
        source, records = _records_in(event)
        entry = self._entry("batch", function=invocation.function, source=source, records=records)
        entry.update(ok=invocation.error is None, total_ms=invocation.total_ms, **self._figures(invocation))
        if invocation.error:
            entry["error"] = f"{invocation.error.get('errorType')}: {invocation.error.get('errorMessage')}"[:300]
        self._emit(json.dumps(entry, ensure_ascii=False), lambda: self._short_batch(entry))

    @staticmethod
    def _entry(message: str, **fields: Any) -> dict[str, Any]:
        return {
            "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "level": "INFO",
            "logger": "gophertok_local.api",
            "message": message,
            **fields,
        }

    @staticmethod
    def _figures(invocation: Invocation | None) -> dict[str, Any]:
        if invocation is None:
            return {}
        return {
            "request_id": invocation.request_id,
            "duration_ms": invocation.duration_ms,
            "cold_start": invocation.cold,
            "init_ms": invocation.init_ms,
            "redis_round_trips": invocation.redis,
            "sql_statements": invocation.sql,
            "max_memory_mb": invocation.max_memory_mb,
        }

    # -- short lines --------------------------------------------------------------------------

    def _paint(self, colour: str, text: str) -> str:
        return f"{colour}{text}{RESET}" if self.colour else text

    def _status(self, status_code: int | None, http_status: int) -> str:
        if status_code is None:
            return self._paint(RED if http_status >= 500 else YELLOW, f"HTTP {http_status}")
        colour = GREEN if status_code == 0 else RED if status_code >= 50000 else YELLOW
        return self._paint(colour, str(status_code))

    def _tail(self, entry: dict[str, Any]) -> str:
        parts = [f"{entry['total_ms']:7.1f} ms"]
        if "cold_start" in entry:
            warmth = f"cold (init {entry['init_ms']:.0f} ms)" if entry["cold_start"] else "warm"
            parts.append(self._paint(MAGENTA if entry["cold_start"] else DIM, warmth))
            parts.append(self._paint(DIM, f"redis {entry['redis_round_trips']} sql {entry['sql_statements']}"))
        return "  ".join(parts)

    def _short_request(self, entry: dict[str, Any]) -> str:
        clock = entry["timestamp"][11:23]
        method = self._paint(BOLD, f"{entry['method'][:10]:<6}")
        function = self._paint(CYAN, f"{entry['function'] or '-':<24}")
        status = self._status(entry["status_code"], entry["http_status"])
        return (
            f"{self._paint(DIM, clock)} {method} {entry['path'][:60]:<34} {function} {status:>5}  {self._tail(entry)}"
        )

    def _short_batch(self, entry: dict[str, Any]) -> str:
        clock = entry["timestamp"][11:23]
        outcome = self._paint(GREEN, "ok") if entry["ok"] else self._paint(RED, "failed")
        what = f"{entry['records']} record{'s' if entry['records'] != 1 else ''}"
        source = self._paint(BOLD, f"{entry['source']:<6}")
        function = self._paint(CYAN, f"{entry['function']:<24}")
        line = f"{self._paint(DIM, clock)} {source} {what:<34} {function} {outcome:>5}  {self._tail(entry)}"
        return line + (f"  {entry['error']}" if "error" in entry else "")
