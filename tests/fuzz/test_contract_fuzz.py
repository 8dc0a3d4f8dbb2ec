"""Every operation of docs/openapi.json, fuzzed against the local API with valid and invalid inputs.

Hypothesis draws each parameter from its schema (in range, out of range, wrong type, absent), the
token (valid, absent, forged, as a Bearer header), and where a POST sends it (query or form body).
Every answer must be: no 5xx, the JSON envelope, a documented status_code with its HTTP status, and
on success the operation's response schema. Real ids (a user, a video, a comment) are offered so the
success paths run too. Figures go to build/fuzz-report.json.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from gophertok import errors
from gophertok.contract.openapi import build_spec
from support.clips import clip
from support.douyin import Account, DouyinClient
from support.polling import unique_name

SPEC = build_spec()
REPORT = Path(__file__).resolve().parents[2] / "build" / "fuzz-report.json"
EXAMPLES = 30
EXAMPLES_BY_OPERATION = {"video_publish": 12}  # a real clip takes ffmpeg a while
HTTP_STATUS_OF = {spec.status_code: spec.http_status for spec in errors.ERROR_TABLE.values()}
FORGED_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"

OPERATIONS = [
    (method.upper(), path, operation) for path, item in SPEC["paths"].items() for method, operation in item.items()
]


def validator_for(component: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"#/components/schemas/{component}", "components": SPEC["components"]})


def success_component(operation: dict[str, Any]) -> str:
    one_of = operation["responses"]["200"]["content"]["application/json"]["schema"]["oneOf"]
    return one_of[0]["$ref"].rsplit("/", 1)[1]


def parameters_of(operation: dict[str, Any]) -> dict[str, tuple[dict[str, Any], bool]]:
    """{name: (schema, required)} whether the operation lists them as query parameters or a form body."""
    if "parameters" in operation:
        return {param["name"]: (param["schema"], param["required"]) for param in operation["parameters"]}
    form = next(iter(operation["requestBody"]["content"].values()))["schema"]
    return {name: (schema, name in form["required"]) for name, schema in form["properties"].items()}


class Fixtures:
    """Real objects of the running API that valid inputs point at."""

    def __init__(self, client: DouyinClient) -> None:
        self.me = client.register()
        self.other = client.register()
        published = client.call(
            "POST",
            "/douyin/publish/action/",
            data={"token": self.me.token, "title": "fuzz target"},
            files={"data": ("clip.mp4", clip(), "video/mp4")},
        )
        assert published["status_code"] == 0, published
        videos = client.call("GET", "/douyin/publish/list/", params={"token": self.me.token})["video_list"]
        self.video_id = videos[0]["id"]
        added = client.call(
            "POST",
            "/douyin/comment/action/",
            data={"token": self.me.token, "video_id": self.video_id, "action_type": 1, "comment_text": "hi"},
        )
        self.comment_id = added["comment"]["id"]
        client.call(
            "POST",
            "/douyin/relation/action/",
            data={"token": self.other.token, "to_user_id": self.me.user_id, "action_type": 1},
        )

    def known(self, name: str) -> list[Any]:
        """Values of ``name`` that exist in the running API."""
        return {
            "video_id": [self.video_id],
            "comment_id": [self.comment_id],
            "user_id": [self.me.user_id, self.other.user_id],
            "to_user_id": [self.other.user_id, self.me.user_id],
            "username": [self.me.username],
            "password": [self.me.password],
        }.get(name, [])


def valid_value(name: str, schema: dict[str, Any], fixtures: Fixtures) -> st.SearchStrategy[Any]:
    """A value the schema allows, often one that exists (a real video id, the account's password)."""
    if schema.get("contentMediaType"):
        return st.just(clip())
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    drawn: st.SearchStrategy[Any]
    if schema.get("type") == "integer":
        drawn = st.integers(schema.get("minimum", -(2**63)), 2**63 - 1)
    else:
        alphabet = st.characters(blacklist_categories=("Cs", "Cc"))
        drawn = st.text(alphabet, min_size=schema.get("minLength", 0), max_size=schema.get("maxLength", 64))
    known = fixtures.known(name)
    return st.sampled_from(known) | drawn if known else drawn


def invalid_value(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Out of range, the wrong type, too long, empty, or odd bytes."""
    junk = (
        st.text(max_size=40)
        | st.binary(min_size=1, max_size=8)  # sent as raw bytes: often not UTF-8
        | st.sampled_from(["", " ", "1.5", "0x10", "１２", "9" * 30, "-1", "null", "\x00"])
    )
    if schema.get("contentMediaType"):
        return st.binary(max_size=4096)
    if schema.get("type") == "integer" or "enum" in schema:
        return st.integers() | junk
    max_length = schema.get("maxLength", 64)
    return st.text(min_size=max_length + 1, max_size=max_length + 5) | junk


def case_strategy(method: str, operation: dict[str, Any], fixtures: Fixtures, valid: bool) -> st.SearchStrategy:
    """A request: valid (every required parameter well-formed, a real token) or fuzzed."""
    fields = {}
    for name, (schema, required) in parameters_of(operation).items():
        value = valid_value(name, schema, fixtures)
        if not valid:
            value = value | invalid_value(schema)
        fields[name] = value if required and valid else st.none() | value
    tokens = ["param", "bearer"] if valid else ["param", "bearer", "missing", "forged", "garbage", "bearer-garbage"]
    carriers = ["query"] if method == "GET" else ["form", "query", "multipart"]
    if not valid:
        carriers += ["json", "broken-multipart", "form-on-" + method.lower()]
    carrier = st.sampled_from(carriers)
    token = st.sampled_from(tokens)
    return st.fixed_dictionaries({"fields": st.fixed_dictionaries(fields), "token": token, "carrier": carrier})


def canonical_case(method: str, operation: dict[str, Any], fixtures: Fixtures) -> dict[str, Any]:
    """One request that must succeed: every parameter set to an existing or plainly valid value."""
    fields: dict[str, Any] = {}
    for name, (schema, _) in parameters_of(operation).items():
        known = fixtures.known(name)
        if name == "username" and operation["operationId"] == "user_register":
            fields[name] = unique_name()
        elif known:
            fields[name] = known[0]
        elif schema.get("contentMediaType"):
            fields[name] = clip()
        elif "enum" in schema:
            fields[name] = schema["enum"][0]
        elif schema.get("type") == "integer":
            fields[name] = schema.get("minimum", 1)
        else:
            fields[name] = "x" * max(schema.get("minLength", 1), 1)
    return {"fields": fields, "token": "param", "carrier": "query" if method == "GET" else "form"}


def request_strategy(method: str, operation: dict[str, Any], fixtures: Fixtures) -> st.SearchStrategy:
    return case_strategy(method, operation, fixtures, True) | case_strategy(method, operation, fixtures, False)


def send(api_url: str, session: requests.Session, method: str, path: str, case: dict, account: Account, file_fields):
    params: dict[str, Any] = {}
    files: dict[str, Any] = {}
    headers: dict[str, str] = {}
    for name, value in case["fields"].items():
        if value is None:
            continue
        if name in file_fields and isinstance(value, bytes):
            files[name] = ("upload.bin", value, "application/octet-stream")
        else:
            params[name] = value if isinstance(value, bytes) else str(value)
    token = {"param": account.token, "forged": FORGED_TOKEN, "garbage": "not-a-token"}.get(case["token"])
    if case["token"] == "bearer":
        headers["Authorization"] = f"Bearer {account.token}"
    elif case["token"] == "bearer-garbage":
        headers["Authorization"] = "Bearer \u00e9\u00e9 x.y.z"
    elif token is not None:
        params["token"] = token
    if case["carrier"] == "json":
        body = json.dumps({k: v if isinstance(v, str) else repr(v) for k, v in params.items()})
        return session.request(
            method, api_url + path, data=body, headers={**headers, "Content-Type": "application/json"}, timeout=60
        )
    if case["carrier"] == "broken-multipart":
        broken = b'--xyz\r\nContent-Disposition: form-data; name="title"\r\n\r\ntruncated'
        content_type = "multipart/form-data; boundary=xyz"
        return session.request(
            method, api_url + path, data=broken, headers={**headers, "Content-Type": content_type}, timeout=60
        )
    if case["carrier"].startswith("form-on-"):  # parameters in a urlencoded body whatever the method
        return session.request(method, api_url + path, data=params, headers=headers, timeout=60)
    if case["carrier"] == "query":
        return session.request(method, api_url + path, params=params, files=files or None, headers=headers, timeout=60)
    if case["carrier"] == "multipart" or files:
        multipart = {**{name: (None, value) for name, value in params.items()}, **files}
        return session.request(method, api_url + path, files=multipart, headers=headers, timeout=60)
    return session.request(method, api_url + path, data=params, headers=headers, timeout=60)


@pytest.fixture(scope="module")
def fixtures(api_url: str) -> Fixtures:
    return Fixtures(DouyinClient(api_url))


@pytest.fixture(scope="module")
def report():
    figures: dict[str, Any] = {"operations": 0, "cases": 0, "status_codes": {}, "seconds": 0.0}
    started = time.monotonic()
    yield figures
    figures["seconds"] = round(time.monotonic() - started, 1)
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"\nfuzz: {figures['operations']} operations, {figures['cases']} cases in {figures['seconds']} s")


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=[op["operationId"] for *_, op in OPERATIONS])
def test_operation_answers_by_its_contract(api_url, fixtures, report, method, path, operation) -> None:
    success = validator_for(success_component(operation))
    failure = validator_for("Error")
    session = requests.Session()
    examples = EXAMPLES_BY_OPERATION.get(operation["operationId"], EXAMPLES)
    file_fields = {name for name, (schema, _) in parameters_of(operation).items() if schema.get("contentMediaType")}
    seen = report["status_codes"].setdefault(operation["operationId"], Counter())

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        derandomize=False,
    )
    @example(case=canonical_case(method, operation, fixtures))
    @given(case=request_strategy(method, operation, fixtures))
    def check(case: dict[str, Any]) -> None:
        response = send(api_url, session, method, path, case, fixtures.me, file_fields)
        report["cases"] += 1
        assert response.status_code < 500, response.text[:300]
        assert response.headers.get("Content-Type", "").startswith("application/json"), response.text[:300]
        body = response.json()
        seen[str(body.get("status_code"))] += 1
        if body.get("status_code") == 0:
            assert response.status_code == 200
            errors_found = [error.message for error in success.iter_errors(body)]
        else:
            errors_found = [error.message for error in failure.iter_errors(body)]
            assert response.status_code == HTTP_STATUS_OF[body["status_code"]], body
        assert not errors_found, (errors_found[:3], body)

    check()
    report["operations"] += 1
    assert seen["0"] > 0, f"no generated request succeeded, so the success schema went unchecked: {dict(seen)}"
