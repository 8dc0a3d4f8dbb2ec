"""Developer-side AWS clients for the emulator (LocalStack or moto), built with localstack-client."""

from __future__ import annotations

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
