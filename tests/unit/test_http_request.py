"""parse_event / Request / multipart: API Gateway HTTP API v2 and REST v1 events into a Request."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from gophertok.errors import InvalidInput
from gophertok.http.request import INT64_MAX, Request, parse_event
from gophertok_local.events import http_event

FORM = {"content-type": "application/x-www-form-urlencoded"}
BOUNDARY = "----gophertokUnitBoundary7MA4YWxk"
MULTIPART = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}

# Every byte value, plus CRLF runs, a blank-line sequence and something that looks like a boundary line
# but is not ours: a parser that splits on any of these would corrupt the file.
BINARY_FILE = bytes(range(256)) + b"\r\n\r\n--" + b"\r\n--other-boundary\r\n" + bytes(range(255, -1, -1)) + b"\r\n"


def part(name: str, value: bytes, *, filename: str | None = None, content_type: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    head = f"Content-Disposition: {disposition}\r\n"
    if content_type:
        head += f"Content-Type: {content_type}\r\n"
    return f"--{BOUNDARY}\r\n".encode() + head.encode("utf-8") + b"\r\n" + value + b"\r\n"


def multipart(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def rest_v1_event(
    method: str,
    path: str,
    *,
    query: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    base64_body: bool = False,
) -> dict[str, Any]:
    """An API Gateway REST API (payload v1.0) proxy event, as API Gateway sends it."""
    encoded: str | None = None
    if body is not None:
        encoded = base64.b64encode(body).decode("ascii") if base64_body else body.decode("utf-8")
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers or {},
        "multiValueHeaders": {k: [v] for k, v in (headers or {}).items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} if query else None,
        "multiValueQueryStringParameters": query,
        "requestContext": {
            "requestId": "v1-request-id",
            "httpMethod": method,
            "path": f"/prod{path}",
            "identity": {"sourceIp": "203.0.113.9"},
        },
        "body": encoded,
        "isBase64Encoded": base64_body,
    }


# --- HTTP API v2 events -------------------------------------------------------------------------------------------


def test_parse_event_v2_query_only_reads_params_method_path_and_ip():
    event = http_event(
        "get", "/douyin/feed/", query={"latest_time": "1700000000000", "token": "t"}, source_ip="10.1.2.3"
    )

    request = parse_event(event)

    assert request.method == "GET"
    assert request.path == "/douyin/feed/"
    assert request.params == {"latest_time": "1700000000000", "token": "t"}
    assert request.files == {}
    assert request.source_ip == "10.1.2.3"


def test_parse_event_v2_urlencoded_body_only_reads_params():
    event = http_event("POST", "/douyin/user/register/", headers=FORM, body=b"username=ana%20b&password=p%26w%3D1")

    assert parse_event(event).params == {"username": "ana b", "password": "p&w=1"}


def test_parse_event_v2_urlencoded_body_decodes_utf8_text():
    body = "username=张三&title=café+au+lait".encode()

    request = parse_event(http_event("POST", "/x", headers=FORM, body=body))

    assert request.params == {"username": "张三", "title": "café au lait"}


def test_parse_event_v2_multipart_splits_text_fields_and_keeps_binary_file_exact():
    body = multipart(
        part("title", "我的第一个视频 🎬".encode()),
        part("token", b"tok"),
        part("data", BINARY_FILE, filename="视频 ünïcode.mp4", content_type="video/mp4"),
    )

    request = parse_event(http_event("POST", "/douyin/publish/action/", headers=MULTIPART, body=body))

    assert request.params == {"title": "我的第一个视频 🎬", "token": "tok"}
    upload = request.file("data")
    assert upload is not None
    assert upload.data == BINARY_FILE
    assert upload.filename == "视频 ünïcode.mp4"
    assert upload.content_type == "video/mp4"
    assert upload.field == "data"


def test_parse_event_multipart_rfc2231_filename_is_decoded():
    disposition = "Content-Disposition: form-data; name=\"data\"; filename*=UTF-8''%E8%A7%86%E9%A2%91.mp4"
    head = f"--{BOUNDARY}\r\n{disposition}\r\n\r\n"
    body = head.encode() + b"\x00\x01" + f"\r\n--{BOUNDARY}--\r\n".encode()

    upload = parse_event(http_event("POST", "/x", headers=MULTIPART, body=body)).file("data")

    assert upload is not None
    assert upload.filename == "视频.mp4"
    assert upload.data == b"\x00\x01"


def test_parse_event_multipart_file_without_content_type_defaults_to_octet_stream():
    body = multipart(part("data", b"abc", filename="a.bin"))

    upload = parse_event(http_event("POST", "/x", headers=MULTIPART, body=body)).file("data")

    assert upload is not None
    assert upload.content_type == "application/octet-stream"


def test_parse_event_multipart_empty_file_is_kept_as_empty_upload():
    body = multipart(part("data", b"", filename="empty.mp4"))

    upload = parse_event(http_event("POST", "/x", headers=MULTIPART, body=body)).file("data")

    assert upload is not None
    assert upload.data == b""


def test_parse_event_multipart_preamble_before_first_boundary_is_ignored():
    body = b"this is a preamble\r\n" + multipart(part("title", b"t"))

    assert parse_event(http_event("POST", "/x", headers=MULTIPART, body=body)).params == {"title": "t"}


def test_parse_event_multipart_duplicate_names_first_occurrence_wins():
    body = multipart(
        part("title", b"first"),
        part("title", b"second"),
        part("data", b"1", filename="one.mp4"),
        part("data", b"2", filename="two.mp4"),
    )

    request = parse_event(http_event("POST", "/x", headers=MULTIPART, body=body))

    assert request.params["title"] == "first"
    assert request.files["data"].filename == "one.mp4"


def test_parse_event_get_with_form_body_reads_body_params():
    event = http_event("GET", "/douyin/user/", headers=FORM, body=b"user_id=7&token=abc")

    request = parse_event(event)

    assert request.method == "GET"
    assert request.params == {"user_id": "7", "token": "abc"}


def test_parse_event_body_without_content_type_is_read_as_form():
    request = parse_event(http_event("GET", "/x", body=b"user_id=7"))

    assert request.params == {"user_id": "7"}


def test_parse_event_json_body_carries_no_form_params():
    event = http_event("POST", "/x", headers={"content-type": "application/json"}, body=b'{"user_id": 7}')

    assert parse_event(event).params == {}


def test_parse_event_query_wins_over_urlencoded_body_for_same_name():
    event = http_event("POST", "/x", query={"user_id": "1"}, headers=FORM, body=b"user_id=2&title=kept")

    assert parse_event(event).params == {"user_id": "1", "title": "kept"}


def test_parse_event_query_wins_over_multipart_field_for_same_name():
    body = multipart(part("title", b"from-body"), part("token", b"body-token"))
    event = http_event("POST", "/x", query={"title": "from-query"}, headers=MULTIPART, body=body)

    assert parse_event(event).params == {"title": "from-query", "token": "body-token"}


def test_parse_event_v2_duplicate_query_names_first_wins():
    request = parse_event(http_event("GET", "/x", query="user_id=1&user_id=2&x="))

    assert request.params == {"user_id": "1", "x": ""}


def test_parse_event_duplicate_urlencoded_body_names_first_wins():
    request = parse_event(http_event("POST", "/x", headers=FORM, body=b"a=1&a=2"))

    assert request.params == {"a": "1"}


def test_parse_event_header_names_are_lowercased():
    request = parse_event(http_event("GET", "/x", headers={"X-Custom-Header": "v"}))

    assert request.headers["x-custom-header"] == "v"


def test_parse_event_request_id_comes_from_context_then_request_context(lambda_context):
    event = http_event("GET", "/x")

    assert parse_event(event, lambda_context).request_id == lambda_context.aws_request_id
    assert parse_event(event).request_id == event["requestContext"]["requestId"]


# --- REST API v1 events -------------------------------------------------------------------------------------------


def test_parse_event_v1_query_only_reads_params_method_path_and_ip():
    event = rest_v1_event("GET", "/douyin/user/", query={"user_id": ["5"], "token": ["t"]})

    request = parse_event(event)

    assert (request.method, request.path) == ("GET", "/douyin/user/")
    assert request.params == {"user_id": "5", "token": "t"}
    assert request.source_ip == "203.0.113.9"
    assert request.request_id == "v1-request-id"


def test_parse_event_v1_duplicate_query_names_first_wins():
    event = rest_v1_event("GET", "/x", query={"user_id": ["1", "2"]})

    assert parse_event(event).params == {"user_id": "1"}


def test_parse_event_v1_single_value_query_used_when_multi_value_missing():
    event = rest_v1_event("GET", "/x")
    event["queryStringParameters"] = {"user_id": "9"}

    assert parse_event(event).params == {"user_id": "9"}


def test_parse_event_v1_plain_text_urlencoded_body_reads_params():
    event = rest_v1_event(
        "POST", "/x", headers={"Content-Type": "application/x-www-form-urlencoded"}, body=b"a=1&b=%E4%BD%A0"
    )

    assert parse_event(event).params == {"a": "1", "b": "你"}


def test_parse_event_v1_base64_multipart_body_keeps_binary_file_exact():
    body = multipart(part("title", b"t"), part("data", BINARY_FILE, filename="ü.mp4", content_type="video/mp4"))
    event = rest_v1_event(
        "POST", "/x", headers={"Content-Type": MULTIPART["content-type"]}, body=body, base64_body=True
    )

    request = parse_event(event)

    assert request.params == {"title": "t"}
    assert request.files["data"].data == BINARY_FILE
    assert request.files["data"].filename == "ü.mp4"


def test_parse_event_v1_query_wins_over_body_for_same_name():
    event = rest_v1_event("POST", "/x", query={"a": ["q"]}, headers=FORM, body=b"a=b&c=d")

    assert parse_event(event).params == {"a": "q", "c": "d"}


def test_parse_event_v1_null_body_and_query_give_no_params():
    request = parse_event(rest_v1_event("GET", "/x"))

    assert request.params == {}
    assert request.files == {}


# --- token -----------------------------------------------------------------------------------------------------------


def test_token_from_bearer_header_when_no_param():
    request = parse_event(http_event("GET", "/x", headers={"Authorization": "Bearer header-token"}))

    assert request.token() == "header-token"


def test_token_param_wins_over_bearer_header():
    event = http_event("GET", "/x", query={"token": "param-token"}, headers={"Authorization": "Bearer header-token"})

    assert parse_event(event).token() == "param-token"


def test_token_form_param_wins_over_bearer_header():
    headers = {**FORM, "Authorization": "Bearer header-token"}
    event = http_event("POST", "/x", headers=headers, body=b"token=form-token")

    assert parse_event(event).token() == "form-token"


@pytest.mark.parametrize("empty", ["", "   "])
def test_token_empty_param_falls_back_to_bearer_header(empty):
    event = http_event("GET", "/x", query={"token": empty}, headers={"Authorization": "Bearer header-token"})

    assert parse_event(event).token() == "header-token"


def test_token_bearer_scheme_is_case_insensitive():
    assert parse_event(http_event("GET", "/x", headers={"authorization": "bearer abc"})).token() == "abc"


@pytest.mark.parametrize("header", ["Basic dXNlcjpwdw==", "Bearer", "Bearer    ", "abc"])
def test_token_is_none_for_non_bearer_or_empty_authorization(header):
    assert parse_event(http_event("GET", "/x", headers={"Authorization": header})).token() is None


def test_token_is_none_without_param_or_header():
    assert parse_event(http_event("GET", "/x")).token() is None


# --- malformed bodies --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["%%%not-base64%%%", "abc", "YWJj\n!"])
def test_parse_event_invalid_base64_body_raises_invalid_input(body):
    event = http_event("POST", "/x", headers=FORM)
    event.update(body=body, isBase64Encoded=True)

    with pytest.raises(InvalidInput, match="base64"):
        parse_event(event)


def test_parse_event_v1_invalid_base64_body_raises_invalid_input():
    event = rest_v1_event("POST", "/x", headers=FORM)
    event.update(body="***", isBase64Encoded=True)

    with pytest.raises(InvalidInput, match="base64"):
        parse_event(event)


@pytest.mark.parametrize(
    ("content_type", "body", "detail"),
    [
        pytest.param("multipart/form-data", multipart(part("a", b"1")), "boundary", id="no-boundary"),
        pytest.param("multipart/form-data; boundary=", multipart(part("a", b"1")), "boundary", id="empty-boundary"),
        pytest.param(MULTIPART["content-type"], b"a=1&b=2", "boundary", id="boundary-absent-from-body"),
        pytest.param(MULTIPART["content-type"], multipart(part("a", b"1"))[:-20], "truncated", id="truncated"),
        pytest.param(MULTIPART["content-type"], part("a", b"1"), "truncated", id="missing-closing-delimiter"),
        pytest.param(
            MULTIPART["content-type"],
            part("a", b"1") + f"--{BOUNDARY}".encode(),
            "delimiter",
            id="closing-without-dashes",
        ),
        pytest.param(
            MULTIPART["content-type"],
            f"--{BOUNDARY}\r\nno blank line\r\n--{BOUNDARY}--\r\n".encode(),
            "headers",
            id="part-without-headers",
        ),
        pytest.param(
            MULTIPART["content-type"], multipart(part("title", b"\xff\xfe bad utf-8")), "UTF-8", id="bad-utf8-field"
        ),
        pytest.param(
            "multipart/form-data; boundary=\u00e9\u4e2d", multipart(part("a", b"1")), "read", id="non-latin1-boundary"
        ),
    ],
)
def test_parse_event_malformed_multipart_raises_invalid_input_with_a_fixed_human_message(content_type, body, detail):
    event = http_event("POST", "/douyin/publish/action/", headers={"content-type": content_type}, body=body)

    with pytest.raises(InvalidInput) as raised:
        parse_event(event)

    assert detail in raised.value.message
    assert_no_library_text(raised.value.message)


LIBRARY_TEXT = ("codec", "can't", "position", "byte", "0x", "\\x", "Error", "Traceback")


def assert_no_library_text(message: str) -> None:
    assert not any(fragment in message for fragment in LIBRARY_TEXT), message


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("raw-form", "the request body is not valid UTF-8 text"),
        ("percent-form", "the request body is not valid UTF-8 text"),
        ("multipart", "the request body is not valid UTF-8 text"),
        ("query", "the query string is not valid UTF-8 text"),
    ],
)
def test_parse_event_invalid_utf8_anywhere_is_refused_with_a_fixed_message(where, expected):
    events = {
        "raw-form": lambda: http_event("POST", "/x", headers=FORM, body=b"username=\xff\xfe&password=secret1"),
        "percent-form": lambda: http_event("POST", "/x", headers=FORM, body=b"username=ab%FFcd"),
        "multipart": lambda: http_event("POST", "/x", headers=MULTIPART, body=multipart(part("username", b"ab\xffcd"))),
        "query": lambda: http_event("GET", "/x", query="username=ab%FFcd"),
    }

    with pytest.raises(InvalidInput) as raised:
        parse_event(events[where]())

    assert raised.value.message == expected


def test_parse_event_v1_event_invalid_utf8_in_a_plain_text_body_is_refused_with_the_fixed_message():
    event = {"httpMethod": "POST", "path": "/x", "headers": FORM, "body": "username=%C3%28", "isBase64Encoded": False}

    with pytest.raises(InvalidInput) as raised:
        parse_event(event)

    assert raised.value.message == "the request body is not valid UTF-8 text"


# --- Request.text ---------------------------------------------------------------------------------------------------


def test_text_returns_value_exactly_as_sent_without_trimming():
    assert Request("POST", "/x", {"title": "  two  spaces \t"}).text("title") == "  two  spaces \t"


def test_text_whitespace_only_value_is_not_treated_as_empty():
    assert Request("POST", "/x", {"title": "   "}).text("title") == "   "


@pytest.mark.parametrize("params", [{}, {"username": ""}], ids=["missing", "empty"])
def test_text_required_missing_or_empty_raises_invalid_input_naming_param(params):
    with pytest.raises(InvalidInput, match="^username is required$"):
        Request("POST", "/x", params).text("username")


@pytest.mark.parametrize("params", [{}, {"username": ""}], ids=["missing", "empty"])
def test_text_optional_missing_or_empty_returns_none(params):
    assert Request("POST", "/x", params).text("username", required=False) is None


def test_text_at_max_length_counts_characters_not_bytes():
    name = "长" * 32  # 96 UTF-8 bytes

    assert Request("POST", "/x", {"username": name}).text("username", max_length=32) == name


def test_text_over_max_length_raises_invalid_input_with_limit():
    with pytest.raises(InvalidInput, match="^username must be at most 32 characters$"):
        Request("POST", "/x", {"username": "a" * 33}).text("username", max_length=32)


# --- Request.integer ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [("42", 42), ("0", 0), ("-7", -7), (str(INT64_MAX), INT64_MAX)])
def test_integer_parses_decimal_int64(raw, expected):
    assert Request("GET", "/x", {"n": raw}).integer("n") == expected


def test_integer_surrounding_whitespace_is_tolerated():
    assert Request("GET", "/x", {"n": " \t12 "}).integer("n") == 12


@pytest.mark.parametrize("raw", ["abc", "1.5", "1e3", "0x10", "12abc", "1 2", "--1"])
def test_integer_non_integer_raises_invalid_input_naming_param(raw):
    with pytest.raises(InvalidInput, match="^n must be an integer"):
        Request("GET", "/x", {"n": raw}).integer("n")


@pytest.mark.parametrize("raw", [str(INT64_MAX + 1), str(-(2**63) - 1), "9" * 40, "9" * 5000])
def test_integer_outside_int64_raises_invalid_input(raw):
    with pytest.raises(InvalidInput, match="^n is out of range$"):
        Request("GET", "/x", {"n": raw}).integer("n")


def test_integer_int64_min_is_accepted():
    assert Request("GET", "/x", {"n": str(-(2**63))}).integer("n") == -(2**63)


@pytest.mark.parametrize(
    "raw", ["1_000", "\u0661\u0662\u0663", "\uff11\uff12"], ids=["underscore", "arabic", "fullwidth"]
)
def test_integer_non_ascii_or_underscored_digits_raise_invalid_input(raw):
    with pytest.raises(InvalidInput):
        Request("GET", "/x", {"n": raw}).integer("n")


def test_integer_below_minimum_raises_invalid_input_with_minimum():
    with pytest.raises(InvalidInput, match="^user_id must be at least 1$"):
        Request("GET", "/x", {"user_id": "0"}).integer("user_id", minimum=1)


def test_integer_negative_below_minimum_raises_invalid_input():
    with pytest.raises(InvalidInput, match="at least 1"):
        Request("GET", "/x", {"user_id": "-3"}).integer("user_id", minimum=1)


def test_integer_equal_to_minimum_is_accepted():
    assert Request("GET", "/x", {"user_id": "1"}).integer("user_id", minimum=1) == 1


@pytest.mark.parametrize("params", [{}, {"n": ""}, {"n": "   "}], ids=["missing", "empty", "whitespace"])
def test_integer_required_absent_raises_invalid_input(params):
    with pytest.raises(InvalidInput, match="^n is required$"):
        Request("GET", "/x", params).integer("n")


@pytest.mark.parametrize("params", [{}, {"n": ""}, {"n": "  "}], ids=["missing", "empty", "whitespace"])
def test_integer_optional_absent_returns_none(params):
    assert Request("GET", "/x", params).integer("n", required=False) is None


@pytest.mark.parametrize(
    "raw",
    ["token=abc&to_user_id=7", "a=1&a=2&b", "&&x=&=y&z==3&", "name=张三&note=a;b,c", "k", "", "a=1&&b=2"],
)
def test_a_query_with_nothing_to_decode_reads_as_parse_qsl_reads_it(raw):
    from urllib.parse import parse_qsl

    expected: dict[str, str] = {}
    for name, value in parse_qsl(raw, keep_blank_values=True):
        expected.setdefault(name, value)
    assert parse_event({"rawQueryString": raw, "requestContext": {"http": {"method": "GET"}}}).params == expected
