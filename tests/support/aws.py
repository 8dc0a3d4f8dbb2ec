"""Developer-side AWS clients for the emulator (LocalStack or moto), built with localstack-client."""

from __future__ import annotations

import json
import os
from urllib.parse import urlparse

from localstack_client.session import Session


def emulator_session() -> Session:
    endpoint = urlparse(os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"))
    return Session(
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "test"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "test"),
        region_name=os.environ.get("AWS_REGION", "us-east-1"),
        localstack_host=endpoint.netloc,
    )


def s3_client():
    return emulator_session().client("s3")


def sqs_client():
    return emulator_session().client("sqs")


def s3_notification(bucket: str, key: str, size: int, event_name: str = "ObjectCreated:Put") -> str:
    """The body S3 sends to an SQS queue when ``key`` is created (keys URL-encoded, as S3 does)."""
    from urllib.parse import quote_plus

    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": os.environ.get("AWS_REGION", "us-east-1"),
        "eventTime": "2026-01-01T00:00:00.000Z",
        "eventName": event_name,
        "s3": {
            "s3SchemaVersion": "1.0",
            "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
            "object": {"key": quote_plus(key, safe="/"), "size": size},
        },
    }
    return json.dumps({"Records": [record]})


def receive_message_like(body: str) -> dict:
    """A ReceiveMessage result entry for ``body`` (to build an SQS event without a queue)."""
    import hashlib
    import uuid

    return {
        "MessageId": str(uuid.uuid4()),
        "ReceiptHandle": uuid.uuid4().hex,
        "MD5OfBody": hashlib.md5(body.encode()).hexdigest(),  # noqa: S324 - SQS's own checksum
        "Body": body,
        "Attributes": {"ApproximateReceiveCount": "2", "SentTimestamp": "1767225600000"},
    }
