"""template.yaml declares the dashboard and the alarms of the observability design."""

from __future__ import annotations

import json
import re

import pytest

from gophertok import registry
from support.template import function_folder, functions, load_template


@pytest.fixture(scope="module")
def resources():
    return load_template()["Resources"]


def _logical_ids(resources) -> dict[str, str]:
    """function folder -> logical id."""
    return {function_folder(resource): name for name, resource in functions({"Resources": resources}).items()}


def test_dashboard_body_is_valid_json_with_the_expected_widgets(resources):
    body = resources["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    document = json.loads(re.sub(r"\$\{[^}]+\}", "X", body))
    titles = {widget["properties"]["title"] for widget in document["widgets"]}
    assert {
        "Feed latency",
        "Consumer lag (OffsetLag records; record age ms)",
        "Dead-letter queues",
        "Requests and errors (all functions)",
    } <= titles
    metrics = json.dumps(document)
    assert "OffsetLag" in metrics and "Rejections" in metrics  # Errors are 5xx only; client rejections apart


def test_consumer_lag_alarm_watches_lambdas_offset_lag_of_every_kafka_consumer(resources):
    ids = _logical_ids(resources)
    stats = [m["MetricStat"] for m in resources["ConsumerLagAlarm"]["Properties"]["Metrics"] if "MetricStat" in m]
    watched = {stat["Metric"]["Dimensions"][0]["Value"]["Ref"] for stat in stats}
    assert watched == {ids[consumer.function] for consumer in registry.CONSUMERS}
    assert {(s["Metric"]["Namespace"], s["Metric"]["MetricName"]) for s in stats} == {("AWS/Lambda", "OffsetLag")}


def test_feed_latency_alarm_is_on_the_feed_function_p99(resources):
    alarm = resources["FeedLatencyAlarm"]["Properties"]
    assert alarm["Dimensions"][0]["Value"] == {"Ref": _logical_ids(resources)["video_feed"]}
    assert alarm["ExtendedStatistic"] == "p99" and alarm["MetricName"] == "Latency"


def test_error_rate_and_dead_letter_alarms_notify_the_alarm_topic(resources):
    for name in ("ApiErrorRateAlarm", "FeedLatencyAlarm", "ConsumerLagAlarm", "DeadLetterDepthAlarm"):
        assert resources[name]["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
    queues = {
        metric["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Fn::GetAtt"].split(".")[0]
        for metric in resources["DeadLetterDepthAlarm"]["Properties"]["Metrics"]
        if "MetricStat" in metric
    }
    assert queues == {"KafkaFailureQueue", "UploadDeadLetterQueue"}
