"""Create the project's AWS resources on the local AWS emulator, idempotently.

Runs in two places:
  * from ``infra/stack.sh up`` with the project venv's python, AWS_ENDPOINT_URL pointing at LocalStack or moto;
  * inside the official LocalStack image as a ready.d hook (LocalStack ``exec``s the file in its own process,
    so ``__name__`` is not ``"__main__"`` there). The endpoint then defaults to http://localhost:4566 and the
    credentials to test/test.

To add a resource, add one entry to ``resources()``; entries are applied in order (queues before the buckets
that notify them).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys

DEFAULT_ENDPOINT = "http://localhost:4566"


class Queue:
    """An SQS queue; ``attributes`` are re-applied on every run."""

    def __init__(
        self, name: str, attributes: dict[str, str] | None = None, dead_letter: str = "", max_receives: int = 5
    ) -> None:
        self.name = name
        self.attributes = dict(attributes or {})
        self.dead_letter, self.max_receives = dead_letter, max_receives

    def ensure(self, aws: Aws) -> str:
        sqs = aws.client("sqs")
        if self.dead_letter:  # the dead-letter queue is declared (and so created) before this one
            dlq_url = sqs.get_queue_url(QueueName=self.dead_letter)["QueueUrl"]
            dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(self.max_receives)}
            self.attributes["RedrivePolicy"] = json.dumps(redrive)
        try:
            url = sqs.get_queue_url(QueueName=self.name)["QueueUrl"]
            if self.attributes:
                sqs.set_queue_attributes(QueueUrl=url, Attributes=self.attributes)
        except sqs.exceptions.QueueDoesNotExist:
            sqs.create_queue(QueueName=self.name, Attributes=self.attributes)
        return f"queue {self.name}"


class QueueNotification:
    """S3 → SQS event notification, declared on its bucket."""

    def __init__(
        self, queue: str, events: tuple[str, ...] = ("s3:ObjectCreated:*",), prefix: str = "", suffix: str = ""
    ) -> None:
        self.queue, self.events, self.prefix, self.suffix = queue, events, prefix, suffix


class Bucket:
    """An S3 bucket. ``public_read`` lets anyone GET objects over plain HTTP (media for the phone app);
    ``cors`` allows browser access from any origin; ``notifications`` replace the bucket's whole
    notification configuration (and the target queues' policies) on every run."""

    def __init__(
        self,
        name: str,
        public_read: bool = False,
        cors: bool = False,
        notifications: tuple[QueueNotification, ...] = (),
    ) -> None:
        self.name, self.public_read, self.cors, self.notifications = name, public_read, cors, notifications

    def ensure(self, aws: Aws) -> str:
        s3 = aws.client("s3")
        try:
            s3.head_bucket(Bucket=self.name)
        except aws.ClientError:
            kwargs = {}
            if aws.region != "us-east-1":
                kwargs["CreateBucketConfiguration"] = {"LocationConstraint": aws.region}
            s3.create_bucket(Bucket=self.name, **kwargs)
        traits = []
        if self.public_read:
            with contextlib.suppress(aws.ClientError):  # real S3 blocks public policies on new buckets
                s3.delete_public_access_block(Bucket=self.name)
            s3.put_bucket_policy(Bucket=self.name, Policy=json.dumps(self.public_read_policy()))
            traits.append("public-read")
        if self.cors:
            s3.put_bucket_cors(
                Bucket=self.name,
                CORSConfiguration={
                    "CORSRules": [
                        {
                            "AllowedOrigins": ["*"],
                            "AllowedMethods": ["GET", "HEAD", "PUT", "POST"],
                            "AllowedHeaders": ["*"],
                            "ExposeHeaders": ["ETag", "Content-Length", "Content-Type"],
                            "MaxAgeSeconds": 3000,
                        }
                    ]
                },
            )
            traits.append("CORS")
        if self.notifications:
            s3.put_bucket_notification_configuration(
                Bucket=self.name,
                NotificationConfiguration={
                    "QueueConfigurations": [self._queue_config(aws, n) for n in self.notifications]
                },
            )
            traits.append("notifies " + ", ".join(n.queue for n in self.notifications))
        return f"bucket {self.name}" + (f" ({', '.join(traits)})" if traits else "")

    def public_read_policy(self) -> dict:
        return {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "PublicReadGetObject",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{self.name}/*",
                }
            ],
        }

    def _queue_config(self, aws: Aws, notification: QueueNotification) -> dict:
        sqs = aws.client("sqs")
        url = sqs.get_queue_url(QueueName=notification.queue)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "s3.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": arn,
                    "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{self.name}"}},
                }
            ],
        }
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
        config: dict = {"QueueArn": arn, "Events": list(notification.events)}
        rules = [
            {"Name": k, "Value": v} for k, v in (("prefix", notification.prefix), ("suffix", notification.suffix)) if v
        ]
        if rules:
            config["Filter"] = {"Key": {"FilterRules": rules}}
        return config


class Parameter:
    """An SSM parameter, overwritten with ``value`` on every run."""

    def __init__(self, name: str, value: str, type: str = "String") -> None:
        self.name, self.value, self.type = name, value, type

    def ensure(self, aws: Aws) -> str:
        aws.client("ssm").put_parameter(Name=self.name, Value=self.value, Type=self.type, Overwrite=True)
        return f"parameter {self.name}"


# Kept in step with gophertok.registry (Queues.MEDIA_UPLOADS, UPLOADS_PREFIX); this file also runs inside the
# LocalStack image, where the project's packages are not importable.
UPLOADS_QUEUE = "gophertok-media-uploads"
UPLOADS_PREFIX = "uploads/"


def resources() -> list:
    stage = os.environ.get("GT_STAGE") or "local"
    bucket = os.environ.get("MEDIA_BUCKET") or "gophertok-media"
    return [
        Queue(UPLOADS_QUEUE + "-dlq", {"MessageRetentionPeriod": str(14 * 24 * 3600)}),
        # The visibility timeout outlasts one ingestion (the local runner's invocation), as on AWS.
        Queue(UPLOADS_QUEUE, {"VisibilityTimeout": "60"}, dead_letter=UPLOADS_QUEUE + "-dlq", max_receives=5),
        Bucket(
            bucket,
            public_read=True,
            cors=True,
            notifications=(QueueNotification(UPLOADS_QUEUE, prefix=UPLOADS_PREFIX),),
        ),
        # Non-secret configuration, readable as on AWS (aws ssm get-parameters-by-path --path /gophertok/<stage>/).
        Parameter(f"/gophertok/{stage}/media-bucket", bucket),
        Parameter(f"/gophertok/{stage}/uploads-queue", UPLOADS_QUEUE),
        Parameter(f"/gophertok/{stage}/uploads-prefix", UPLOADS_PREFIX),
        Parameter(f"/gophertok/{stage}/max-video-bytes", os.environ.get("MAX_VIDEO_BYTES") or str(50 * 1024 * 1024)),
    ]


class Aws:
    """Client factory: localstack_client when importable (it honours AWS_ENDPOINT_URL and LOCALSTACK_HOST),
    else boto3 with AWS_ENDPOINT_URL or http://localhost:4566."""

    def __init__(self) -> None:
        import boto3
        from botocore.config import Config
        from botocore.exceptions import ClientError

        self.ClientError = ClientError
        self.region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        self.endpoint = os.environ.get("AWS_ENDPOINT_URL") or DEFAULT_ENDPOINT
        credentials = {
            "aws_access_key_id": os.environ.get("AWS_ACCESS_KEY_ID") or "test",
            "aws_secret_access_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or "test",
        }
        self._config = Config(
            s3={"addressing_style": "path"}, retries={"max_attempts": 3}, connect_timeout=5, read_timeout=30
        )
        self._clients: dict = {}
        try:
            from localstack_client.session import Session
        except ImportError:
            session = boto3.session.Session(region_name=self.region, **credentials)
            self._make = lambda name: session.client(name, endpoint_url=self.endpoint, config=self._config)
        else:
            session = Session(region_name=self.region, **credentials)
            self._make = lambda name: session.client(name, config=self._config)

    def client(self, name: str):
        if name not in self._clients:
            self._clients[name] = self._make(name)
        return self._clients[name]


def main() -> int:
    try:
        aws = Aws()
        for resource in resources():
            print(f"aws resources: {resource.ensure(aws)} ready")
    except Exception as exc:  # noqa: BLE001 - one line for the user, not a traceback
        endpoint = os.environ.get("AWS_ENDPOINT_URL") or DEFAULT_ENDPOINT
        print(f"aws resources: error: {exc.__class__.__name__}: {exc} (endpoint {endpoint})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
elif __name__ == "builtins" and main() != 0:  # LocalStack's ready.d runner: exec() with empty globals
    raise RuntimeError("gophertok resources could not be created")
