"""make run's console: one short line per request and per consumer batch, JSON lines to the log file,
and LOG_FORMAT=json for JSON on the console."""

from __future__ import annotations

import io
import json

from gophertok_local.console import Console, console_format
from gophertok_local.pool import Invocation

COLD = Invocation("user_info", request_id="r1", duration_ms=2.5, init_ms=480.0, redis=3, sql=1)
WARM = Invocation("favorite_consumer", request_id="r2", duration_ms=4.0, redis=1, sql=2, total_ms=5.0)


def test_a_request_is_one_short_line_and_one_json_line_in_the_log_file(tmp_path):
    stream, log_file = io.StringIO(), tmp_path / "api.log"
    console = Console(stream=stream, log_file=log_file, fmt="pretty")
    console.request("GET", "/douyin/user/", "user_info", 200, 0, 483.2, COLD)
    console.log_line("user_info", '{"message": "request handled"}')

    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    for part in ("GET", "/douyin/user/", "user_info", " 0 ", "483.2 ms", "cold (init 480 ms)", "redis 3 sql 1"):
        assert part in lines[0], (part, lines[0])
    logged = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert logged[0]["message"] == "http access" and logged[0]["cold_start"] is True
    assert logged[0]["redis_round_trips"] == 3 and logged[0]["sql_statements"] == 1
    assert logged[1] == {"message": "request handled"}


def test_a_consumer_batch_is_one_line_with_its_records_and_outcome():
    stream = io.StringIO()
    Console(stream=stream, fmt="pretty").batch(WARM, {"records": {"t-0": [{}, {}], "t-1": [{}]}})
    line = stream.getvalue()
    assert "kafka" in line and "3 records" in line and "favorite_consumer" in line and "ok" in line
    assert "warm" in line and "redis 1 sql 2" in line


def test_log_format_json_prints_the_json_lines_instead(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "json")
    stream = io.StringIO()
    console = Console(stream=stream)
    console.request("POST", "/douyin/user/login/", "user_login", 200, 20004, 3.0, WARM)
    console.log_line("user_login", '{"message": "request rejected"}')
    documents = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [d["message"] for d in documents] == ["http access", "request rejected"]
    assert documents[0]["status_code"] == 20004


def test_without_log_format_a_pipe_gets_json_and_a_terminal_short_lines(monkeypatch):
    monkeypatch.delenv("LOG_FORMAT", raising=False)

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert console_format(io.StringIO()) == "json"
    assert console_format(Terminal()) == "pretty"
