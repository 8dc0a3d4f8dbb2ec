"""Parsing what SQS and S3 deliver to video_ingest, and the local runner's reading of partial batch failures."""

from __future__ import annotations

import json

import pytest

from gophertok.queue_consumer import queue_messages
from gophertok.services.uploads import UploadedObject, uploaded_objects
from gophertok_local.events import sqs_event, sqs_record
from gophertok_local.sqs_runner import failed_ids


def notification(key: str, event_name: str = "ObjectCreated:Put", size: int = 7) -> str:
    s3 = {"bucket": {"name": "media"}, "object": {"key": key, "size": size}}
    return json.dumps({"Records": [{"eventSource": "aws:s3", "eventName": event_name, "s3": s3}]})


@pytest.mark.parametrize(
    "encoded",
    ["uploads/a%20b/v%201.mp4", "uploads%2Fa+b%2Fv+1.mp4", "uploads/a+b/v+1.mp4"],
    ids=["localstack", "moto", "aws"],
)
def test_uploaded_objects_decode_keys_as_every_emulator_and_aws_encode_them(encoded):
    assert uploaded_objects(notification(encoded)) == [UploadedObject("media", "uploads/a b/v 1.mp4", 7)]


def test_uploaded_objects_skip_the_test_event_and_other_event_kinds():
    assert uploaded_objects(json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "media"})) == []
    assert uploaded_objects(notification("uploads/x", event_name="ObjectRemoved:Delete")) == []


@pytest.mark.parametrize("body", ["", "[]", "{}", '{"Records": 3}', "not json"])
def test_uploaded_objects_refuse_what_is_not_an_s3_notification(body):
    with pytest.raises(ValueError):
        uploaded_objects(body)


def receive_result(message_id: str, body: str = "{}") -> dict:
    return {
        "MessageId": message_id,
        "ReceiptHandle": "handle-" + message_id,
        "MD5OfBody": "0" * 32,
        "Body": body,
        "Attributes": {"ApproximateReceiveCount": "3", "SentTimestamp": "1"},
        "MessageAttributes": {"kind": {"StringValue": "x", "DataType": "String"}},
    }


def test_sqs_event_has_the_shape_lambda_sends_and_the_layer_reads_it_back():
    event = sqs_event([sqs_record(receive_result("m1", "hello"), "arn:aws:sqs:us-east-1:1:q", "us-east-1")])

    (record,) = event["Records"]
    assert set(record) == {
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "md5OfBody",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    }
    assert record["eventSource"] == "aws:sqs" and record["messageAttributes"]["kind"]["stringValue"] == "x"
    (message,) = queue_messages(event)
    assert (message.message_id, message.body, message.receive_count) == ("m1", "hello", 3)


@pytest.mark.parametrize(
    ("response", "failed"),
    [
        (None, set()),
        ({"batchItemFailures": []}, set()),
        ({"batchItemFailures": [{"itemIdentifier": "b"}]}, {"b"}),
        ({"batchItemFailures": [{"itemIdentifier": "nope"}]}, {"a", "b"}),  # unknown id: the whole batch
        ({"batchItemFailures": [{}]}, {"a", "b"}),
        ({"batchItemFailures": "b"}, {"a", "b"}),
    ],
)
def test_runner_reads_batch_item_failures_as_lambda_does(response, failed):
    assert failed_ids(response, ["a", "b"]) == failed
