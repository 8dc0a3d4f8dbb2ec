"""Traces, logs and metrics of real requests through the local API (collector started by the api_url fixture)."""

from __future__ import annotations

import contextlib
import json

import pytest

from gophertok_local.metrics_report import emf_documents
from gophertok_local.xray_collector import entity_names, load_segments, traces
from support.douyin import DouyinClient
from support.interactions import like, make_video
from support.local_api import LOG_DIR, TRACE_STORE
from support.polling import unique_name, wait_for

LOG_KEYS = {"timestamp", "level", "message", "function", "request_id"}


def test_a_like_is_one_trace_from_http_through_kafka_to_mysql(api_url, database):
    client = DouyinClient(api_url)
    author, fan = client.register(), client.register()
    video_id = make_video(database, author.user_id)
    assert like(client, fan, video_id)["status_code"] == 0

    def complete_trace():
        for trace in traces(load_segments(TRACE_STORE)).values():
            roots = {segment["name"] for segment in trace}
            http = [s for s in trace if s["name"] == "favorite_action"]
            if "favorite_consumer" in roots and http and http[0].get("annotations", {}).get("user_id") == fan.user_id:
                return trace
        return None

    trace = wait_for(complete_trace, timeout=30, what="the like's trace to reach the collector")
    http = next(s for s in trace if s["name"] == "favorite_action")
    consumer = next(s for s in trace if s["name"] == "favorite_consumer")
    http_children = entity_names([http])
    assert "redis" in http_children and "kafka" in http_children
    assert "mysql" in entity_names([consumer])
    # the consumer's segment hangs under the producer's Kafka subsegment
    kafka_ids = {e["id"] for e in _flatten(http) if e["name"] == "kafka"}
    assert consumer.get("parent_id") in kafka_ids
    assert consumer["trace_id"] == http["trace_id"]


def _flatten(entity):
    yield entity
    for child in entity.get("subsegments", []) or []:
        yield from _flatten(child)


class LogWindow:
    """The lines appended to the test API's log files after this object was created."""

    def __init__(self) -> None:
        self.offsets = {path: path.stat().st_size for path in LOG_DIR.glob("test-*.log")}

    def text(self) -> str:
        chunks = []
        for path in LOG_DIR.glob("test-*.log"):
            with path.open("rb") as handle:
                handle.seek(self.offsets.get(path, 0))
                chunks.append(handle.read().decode(errors="replace"))
        return "".join(chunks)


def _json_lines(text: str) -> list[dict]:
    entries = []
    for line in text.splitlines():
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                entries.append(json.loads(line))
    return entries


def test_function_logs_are_json_with_required_keys_and_never_leak_credentials(api_url):
    client = DouyinClient(api_url)
    window = LogWindow()
    password = "pw-" + unique_name()[:20]
    account = client.register(password=password)
    client.call("GET", "/douyin/user/", params={"token": account.token})
    client.call("GET", "/douyin/user/", headers={"Authorization": f"Bearer {account.token}"})
    client.call("POST", "/douyin/user/login/", params={"username": account.username, "password": password})

    def mentions_the_user(text: str) -> bool:
        return any(entry.get("user_id") == account.user_id for entry in _json_lines(text))

    text = wait_for(lambda: (t := window.text()) and mentions_the_user(t) and t, timeout=10, what="log lines")
    assert password not in text
    assert account.token not in text
    lines = [line for line in text.splitlines() if line.startswith("{")]
    function_lines = [json.loads(line) for line in lines if '"function"' in line]
    assert function_lines
    for entry in function_lines:
        assert entry.keys() >= LOG_KEYS, entry
    assert any(entry.get("user_id") == account.user_id for entry in function_lines)


def test_emf_lines_follow_the_embedded_metric_format(api_url):
    client = DouyinClient(api_url)
    window = LogWindow()
    client.register()
    documents = wait_for(lambda: list(emf_documents(window.text().splitlines())), timeout=10, what="EMF lines")
    for document in documents:
        _assert_valid_emf(document)
        assert document.keys() >= LOG_KEYS


def _assert_valid_emf(document: dict) -> None:
    metadata = document["_aws"]
    assert isinstance(metadata["Timestamp"], int) and metadata["Timestamp"] > 1_600_000_000_000
    directives = metadata["CloudWatchMetrics"]
    assert isinstance(directives, list) and directives
    for directive in directives:
        assert isinstance(directive["Namespace"], str) and 1 <= len(directive["Namespace"]) <= 255
        assert isinstance(directive["Dimensions"], list)
        for dimension_set in directive["Dimensions"]:
            assert isinstance(dimension_set, list) and len(dimension_set) <= 30
            for name in dimension_set:
                assert isinstance(document[name], str), f"dimension {name} must be a string member"
        assert 1 <= len(directive["Metrics"]) <= 100
        for metric in directive["Metrics"]:
            assert isinstance(metric["Name"], str) and metric["Name"]
            assert metric.get("Unit", "None") in {"Count", "Milliseconds", "Seconds", "Bytes", "Percent", "None"}
            value = document[metric["Name"]]
            assert isinstance(value, int | float), (metric, value)


@pytest.mark.parametrize("bad_unit", ["Parsecs"])
def test_the_emf_validator_itself_rejects_a_bad_document(bad_unit):
    document = {
        "_aws": {
            "Timestamp": 1_795_000_000_000,
            "CloudWatchMetrics": [
                {"Namespace": "X", "Dimensions": [["function"]], "Metrics": [{"Name": "A", "Unit": bad_unit}]}
            ],
        },
        "function": "f",
        "A": 1,
    }
    with pytest.raises(AssertionError):
        _assert_valid_emf(document)
