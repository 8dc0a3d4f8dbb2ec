"""Errors means a fault of the server (5xx, status_code >= 50000); a refused request is a Rejection.

Through a real handler: the EMF line it writes, and what `make metrics` makes of it.
"""

from __future__ import annotations

import json

import pytest

from gophertok import metrics
from gophertok.errors import Conflict, LoginFailed, Unavailable
from gophertok.http import Request, http_endpoint
from gophertok_local.events import http_event
from gophertok_local.metrics_report import emf_documents, summarise


@pytest.fixture(autouse=True)
def _environment(process_settings, json_logging):
    """Real handlers: clean settings and a fresh JSON log handler on captured stdout."""


def raising(error: Exception):
    def view(request: Request) -> dict:
        raise error

    view.__module__ = "metered"  # the function name the metrics carry
    return view


def invocation_metrics(capsys, view) -> dict:
    http_endpoint(view)(http_event("POST", "/douyin/test/"), None)
    documents = list(emf_documents(capsys.readouterr().out.splitlines()))
    (document,) = [d for d in documents if "Invocations" in d]
    return document


@pytest.mark.parametrize(
    ("error", "status_code"),
    [(LoginFailed(), "20004"), (Conflict("already liked"), "30002")],
)
def test_a_refused_request_is_a_rejection_not_an_error(capsys, error, status_code):
    document = invocation_metrics(capsys, raising(error))

    assert (document["Errors"], document["Rejections"], document["status_code"]) == (0, 1, status_code)
    names = {m["Name"] for m in document["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert {"Invocations", "Errors", "Rejections", "Latency"} <= names
    assert ["function", "status_code"] in document["_aws"]["CloudWatchMetrics"][0]["Dimensions"]


@pytest.mark.parametrize(
    ("error", "status_code"),
    [(Unavailable(), "50300"), (RuntimeError("bug"), "50000")],
)
def test_a_server_fault_is_an_error_not_a_rejection(capsys, error, status_code):
    document = invocation_metrics(capsys, raising(error))

    assert (document["Errors"], document["Rejections"], document["status_code"]) == (1, 0, status_code)


def test_a_success_is_neither(capsys):
    document = invocation_metrics(capsys, lambda request: {"ok": True})

    assert (document["Errors"], document["Rejections"], document["status_code"]) == (0, 0, "0")


@pytest.mark.parametrize(
    ("status_code", "errors", "rejections"),
    [(0, 0, 0), (10001, 0, 1), (42900, 0, 1), (49999, 0, 1), (50000, 1, 0), (50300, 1, 0)],
)
def test_outcome_splits_at_the_server_fault_boundary(status_code, errors, rejections):
    outcome = metrics.outcome(status_code)
    assert (outcome["Errors"][0], outcome["Rejections"][0]) == (errors, rejections)


def test_make_metrics_reports_errors_and_rejections_by_status_code(capsys):
    for error in (LoginFailed(), LoginFailed(), Unavailable()):
        http_endpoint(raising(error))(http_event("POST", "/douyin/test/"), None)
    lines = capsys.readouterr().out.splitlines()

    row = summarise(emf_documents(lines))["metered"]

    assert row["Invocations"] == 3
    assert (row["Errors"], row["Rejections"]) == (1, 2)
    assert row["errors_by_status_code"] == {"50300": 1}
    assert row["rejections_by_status_code"] == {"20004": 2}
    assert json.dumps(row)  # the --json output stays serialisable


def counting(*counters: tuple[str, dict]):
    def view(request: Request) -> dict:
        for name, properties in counters:
            metrics.count(name, **properties)
        return {}

    view.__module__ = "metered"
    return view


def test_a_business_counter_rides_the_invocation_line(capsys):
    http_endpoint(counting(("Likes", {}), ("Likes", {})))(http_event("POST", "/douyin/test/"), None)
    documents = list(emf_documents(capsys.readouterr().out.splitlines()))

    (document,) = documents  # one EMF line per request, not one more per counter
    assert (document["Likes"], document["Invocations"]) == (2, 1)
    names = {m["Name"] for m in document["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert {"Likes", "Invocations"} <= names
    assert ["function"] in document["_aws"]["CloudWatchMetrics"][0]["Dimensions"]  # what the dashboard searches


def test_a_counter_with_properties_writes_its_own_line(capsys):
    http_endpoint(counting(("Uploads", {"bytes": 2048})))(http_event("POST", "/douyin/test/"), None)
    documents = list(emf_documents(capsys.readouterr().out.splitlines()))

    (upload,) = [document for document in documents if "Uploads" in document]
    assert (upload["Uploads"], upload["bytes"], upload["function"]) == (1, 2048, "metered")
    assert "Uploads" not in next(document for document in documents if "Invocations" in document)


def test_outside_an_invocation_a_counter_writes_nothing(capsys):
    metrics.count("Registrations")

    assert not list(emf_documents(capsys.readouterr().out.splitlines()))


def test_documents_with_different_metrics_each_declare_their_own():
    """The declarations are built once per set of metrics: a document never declares another one's metrics."""
    first = metrics.emf_document({"Likes": (1, metrics.COUNT)}, {"function": "f"})
    second = metrics.emf_document({"Likes": (2, metrics.COUNT), "Latency": (3.5, "Milliseconds")}, {"function": "f"})
    third = metrics.emf_document({"Likes": (4, metrics.COUNT)}, {"function": "g"}, dimension_sets=[["function"], []])

    def declared(document: dict) -> tuple[list, list]:
        (definition,) = document["_aws"]["CloudWatchMetrics"]
        return [(m["Name"], m["Unit"]) for m in definition["Metrics"]], definition["Dimensions"]

    assert declared(first) == ([("Likes", "Count")], [["function"]])
    assert declared(second) == ([("Likes", "Count"), ("Latency", "Milliseconds")], [["function"]])
    assert declared(third) == ([("Likes", "Count")], [["function"], []])
    assert (first["Likes"], second["Likes"], second["Latency"], third["function"]) == (1, 2, 3.5, "g")
