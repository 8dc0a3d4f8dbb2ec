"""logs: JSON formatter, redaction of secret-looking fields, bound context."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from gophertok import logs


def record(message: str = "hello", level: int = logging.INFO, **extra: object) -> logging.LogRecord:
    made = logging.getLogger("gophertok.unit").makeRecord("gophertok.unit", level, __file__, 1, message, (), None)
    for key, value in extra.items():
        setattr(made, key, value)
    return made


def formatted(made: logging.LogRecord) -> dict:
    return json.loads(logs.JsonFormatter().format(made))


def test_json_formatter_writes_one_json_object_with_core_keys():
    line = logs.JsonFormatter().format(record("héllo 你好", level=logging.WARNING))

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "héllo 你好"
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "gophertok.unit"
    assert entry["timestamp"].endswith("+00:00")
    assert "你好" in line  # non-ASCII kept readable


def test_json_formatter_includes_extra_fields():
    entry = formatted(record(user_id=5, path="/douyin/feed/", duration_ms=1.5))

    assert (entry["user_id"], entry["path"], entry["duration_ms"]) == (5, "/douyin/feed/", 1.5)


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "new_password",
        "token",
        "access_token",
        "Token",
        "jwt_secret",
        "SECRET",
        "authorization",
        "Authorization_Header",
    ],
)
def test_json_formatter_redacts_extra_fields_with_secret_like_names(key):
    entry = formatted(record(**{key: "sensitive-value"}))

    assert entry[key] == "[redacted]"


def test_json_formatter_redaction_hides_value_from_the_whole_line():
    line = logs.JsonFormatter().format(record(password="hunter2", username="ana"))

    assert "hunter2" not in line
    assert json.loads(line)["username"] == "ana"


@pytest.mark.parametrize("key", ["username", "user_id", "status_code", "title"])
def test_json_formatter_keeps_ordinary_fields(key):
    assert formatted(record(**{key: "visible"}))[key] == "visible"


def test_json_formatter_serialises_non_json_values_with_str():
    entry = formatted(record(when=object, raw=b"bytes"))

    assert entry["when"] == str(object)
    assert entry["raw"] == str(b"bytes")


def test_json_formatter_keeps_values_the_fast_encoder_refuses():
    entry = formatted(record(huge=2**70, by_id={1: "a"}))

    assert entry["huge"] == 2**70  # beyond 64 bits: the line is still written, by json
    assert entry["by_id"] == {"1": "a"}


def test_json_formatter_includes_exception_trace():
    try:
        raise ValueError("broken thing")
    except ValueError:
        made = logging.getLogger("gophertok.unit").makeRecord(
            "gophertok.unit", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )

    entry = formatted(made)

    assert "Traceback" in entry["exception"] and "broken thing" in entry["exception"]


def test_bind_adds_context_fields_inside_the_block_only():
    with logs.bind(function="user_login", request_id="r1"):
        inside = formatted(record())
    outside = formatted(record())

    assert (inside["function"], inside["request_id"]) == ("user_login", "r1")
    assert "function" not in outside and "request_id" not in outside


def test_bind_nested_blocks_merge_then_restore_outer_context():
    with logs.bind(function="outer", request_id="r1"):
        with logs.bind(request_id="r2", user_id=9):
            inner = formatted(record())
        after_inner = formatted(record())

    assert (inner["function"], inner["request_id"], inner["user_id"]) == ("outer", "r2", 9)
    assert (after_inner["function"], after_inner["request_id"]) == ("outer", "r1")
    assert "user_id" not in after_inner


def test_bind_ignores_none_values():
    with logs.bind(function="f", trace_id=None):
        entry = formatted(record())

    assert "trace_id" not in entry


def test_bind_restores_context_when_the_block_raises():
    with pytest.raises(RuntimeError), logs.bind(request_id="r-raise"):
        raise RuntimeError("x")

    assert "request_id" not in formatted(record())


def test_add_context_lasts_until_the_enclosing_bind_ends():
    with logs.bind(request_id="r1"):
        logs.add_context(user_id=3)
        inside = formatted(record())
    outside = formatted(record())

    assert inside["user_id"] == 3
    assert "user_id" not in outside


def test_json_formatter_redacts_secret_like_context_fields():
    with logs.bind(session_token="sensitive-value"):
        line = logs.JsonFormatter().format(record())

    assert "sensitive-value" not in line


def test_setup_logging_routes_root_logger_to_stdout_as_json(json_logging, capsys):
    logs.setup_logging("WARNING")
    logging.getLogger("gophertok.unit").info("dropped below level")
    logging.getLogger("gophertok.unit").warning("kept", extra={"token": "t0k"})

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["message"] == "kept"
    assert entry["token"] == "[redacted]"


def test_setup_logging_twice_installs_one_handler(json_logging):
    logs.setup_logging()
    logs.setup_logging()

    json_handlers = [h for h in logging.getLogger().handlers if isinstance(h.formatter, logs.JsonFormatter)]
    assert len(json_handlers) == 1


@pytest.mark.parametrize(
    "created",
    [0.0, 1_764_000_000.0, 1_764_000_000.0005, 1_764_000_000.9994999, 1_764_000_000.9999996, 1_764_000_001.123456],
)
def test_timestamps_read_as_datetime_isoformat_writes_them(created):
    import datetime as dt

    expected = dt.datetime.fromtimestamp(created, dt.UTC).isoformat(timespec="milliseconds")
    assert logs._iso_milliseconds(created) == expected
    assert logs._iso_milliseconds(created + 1.0) == dt.datetime.fromtimestamp(created + 1.0, dt.UTC).isoformat(
        timespec="milliseconds"
    )  # the next second is formatted anew, not taken from the one before
