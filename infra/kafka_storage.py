"""Prepare the local Kafka broker's durable storage: wait for the S3 emulator and create tansu's bucket.

tansu (the local broker) keeps topics, records and committed consumer offsets in ``s3://<bucket>/`` on the
AWS emulator, so a broker restart (even ``kill -9``) loses nothing it acknowledged.

Usage: python infra/kafka_storage.py BUCKET [--timeout SECONDS]   (AWS_ENDPOINT_URL and AWS_* from the env)
"""

from __future__ import annotations

import argparse
import sys
import time

import boto3
from botocore.exceptions import BotoCoreError, ClientError


def ensure_bucket(bucket: str, timeout: float) -> None:
    """Create ``bucket`` once the emulator answers; raise after ``timeout`` seconds of trying."""
    s3 = boto3.client("s3")
    deadline = time.monotonic() + timeout
    while True:
        try:
            s3.head_bucket(Bucket=bucket)
            return
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchBucket"):
                s3.create_bucket(Bucket=bucket)
                return
            error: Exception = exc
        except BotoCoreError as exc:  # the emulator is still starting
            error = exc
        if time.monotonic() > deadline:
            raise TimeoutError(f"the S3 emulator did not answer within {timeout:.0f}s: {error}")
        time.sleep(0.25)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bucket")
    parser.add_argument("--timeout", type=float, default=90)
    args = parser.parse_args(argv)
    try:
        ensure_bucket(args.bucket, args.timeout)
    except (TimeoutError, BotoCoreError, ClientError) as exc:
        print(f"kafka storage: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
