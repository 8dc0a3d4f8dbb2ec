"""The local SQS event-source runner against a real queue: event shape, deletes on success, redelivery of the
messages a handler reports in batchItemFailures (and of a whole batch when the handler raises)."""

from __future__ import annotations

import uuid

import pytest

from gophertok_local.sqs_runner import QueueWorker
from support.aws import sqs_client
from support.polling import wait_for


@pytest.fixture
def queue(stack_env):
    client = sqs_client()
    name = f"gophertok-test-{uuid.uuid4().hex[:12]}"
    url = client.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    yield client, name, url
    client.delete_queue(QueueUrl=url)


def test_runner_invokes_with_the_sqs_event_and_deletes_only_what_succeeded(queue):
    client, name, url = queue
    for body in ("ok-1", "bad", "ok-2"):
        client.send_message(QueueUrl=url, MessageBody=body)
    events: list[dict] = []

    def handler(event, context):
        events.append(event)
        failed = [r["messageId"] for r in event["Records"] if r["body"] == "bad"]
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}

    worker = QueueWorker("probe", name, handler, batch_size=10, wait_seconds=1, client=client)
    worker.start()
    try:
        # the failed message comes back after the visibility timeout, with a higher receive count
        wait_for(
            lambda: any(
                r["body"] == "bad" and r["attributes"]["ApproximateReceiveCount"] == "2"
                for event in events
                for r in event["Records"]
            ),
            timeout=20,
            what="the failed message to be redelivered",
        )
    finally:
        worker.stop()
        worker.join(timeout=10)
    records = [r for event in events for r in event["Records"]]
    assert sorted(r["body"] for r in records if r["body"] != "bad") == ["ok-1", "ok-2"]  # each exactly once
    first = records[0]
    assert first["eventSource"] == "aws:sqs" and first["eventSourceARN"].endswith(":" + name)
    assert first["awsRegion"] and first["md5OfBody"] and first["receiptHandle"]


def test_a_handler_that_raises_leaves_the_whole_batch_for_redelivery(queue):
    client, name, url = queue
    client.send_message(QueueUrl=url, MessageBody="boom")
    calls: list[str] = []

    def handler(event, context):
        calls.extend(r["attributes"]["ApproximateReceiveCount"] for r in event["Records"])
        raise RuntimeError("crash")

    worker = QueueWorker("probe", name, handler, wait_seconds=1, client=client)
    worker.start()
    try:
        wait_for(lambda: "2" in calls, timeout=20, what="the batch to be redelivered")
    finally:
        worker.stop()
        worker.join(timeout=10)
    assert worker.failed >= 2 and worker.delivered == 0
