"""The sample events in ``events/``: one real-shaped event per function of the registry, built with the
same builders the local API and the runners use (gophertok_local.events).

- HTTP functions: an API Gateway HTTP API v2 event per route (``events/<function>.json``), with the
  parameters the Douyin client sends and no token (add ``token=...`` to act as a user), and
  ``not_found.json`` for the ``$default`` route.
- Kafka consumers: a self-managed Kafka event (``<function>.kafka.json``) and an Amazon MSK event
  (``<function>.msk.json``) carrying the domain event the producer writes.
- SQS consumers: ``video_ingest.json``, an S3 ObjectCreated notification delivered through SQS.

Ids in the samples (8e18 + 101, 102, 201, 301, 401) are far above the ids the API and MySQL hand out, so
invoking a sample never touches a real user's data.

Regenerate: ``python -m gophertok_local.sample_events`` (``make events``); ``--check`` fails when a
file differs from what the generator writes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from gophertok import registry
from gophertok.events import Event
from gophertok_local.events import (
    http_event,
    kafka_event,
    kafka_record,
    msk_event,
    scheduled_event,
    sqs_event,
    sqs_record,
)
from gophertok_local.functions import REPO_ROOT

EVENTS_DIR = REPO_ROOT / "events"
EPOCH_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z: a fixed time keeps the files stable
SAMPLE_ID_BASE = 8_000_000_000_000_000_000  # far above auto-increment user ids and snowflake ids
USER, OTHER_USER, VIDEO, COMMENT, MESSAGE = (SAMPLE_ID_BASE + n for n in (101, 102, 201, 301, 401))
SAMPLE_USERNAME, SAMPLE_PASSWORD = "sample_user", "sample-password-1"
SAMPLE_UPLOAD_ID = "5a" * 16  # shaped like the ids upload_url hands out; no such upload is pending
FORM = "application/x-www-form-urlencoded"
CLIENT_HEADERS = {"host": "127.0.0.1:8080", "user-agent": "okhttp/4.12.0", "accept": "*/*"}

# What each route's sample sends: (query parameters, form parameters).
HTTP_PARAMETERS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "user_register": ({}, {"username": SAMPLE_USERNAME, "password": SAMPLE_PASSWORD}),
    "user_login": ({}, {"username": SAMPLE_USERNAME, "password": SAMPLE_PASSWORD}),
    "user_info": ({"user_id": USER}, {}),
    "favorite_action": ({"video_id": VIDEO, "action_type": 1}, {}),
    "favorite_list": ({"user_id": USER}, {}),
    "comment_action": ({"video_id": VIDEO, "action_type": 1, "comment_text": "nice video"}, {}),
    "comment_list": ({"video_id": VIDEO}, {}),
    "relation_action": ({"to_user_id": OTHER_USER, "action_type": 1}, {}),
    "relation_follow_list": ({"user_id": USER}, {}),
    "relation_follower_list": ({"user_id": USER}, {}),
    "relation_friend_list": ({"user_id": USER}, {}),
    "message_action": ({"to_user_id": OTHER_USER, "action_type": 1, "content": "hello"}, {}),
    "message_chat": ({"to_user_id": OTHER_USER, "pre_msg_time": 0}, {}),
    "video_feed": ({"latest_time": 0}, {}),
    "video_publish": ({}, {"title": "sample video"}),  # multipart, see _multipart_body
    "video_publish_list": ({"user_id": USER}, {}),
    "video_upload_url": ({}, {"title": "sample video"}),
}


def _request_id(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:32]


def _multipart_body(fields: dict[str, Any]) -> tuple[str, bytes]:
    boundary = "----gophertok-sample-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    video = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 16  # the head of an MP4; too short to be published
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="data"; filename="sample.mp4"\r\n'
        "Content-Type: video/mp4\r\n\r\n".encode()
        + video
        + b"\r\n"
    )
    return f"multipart/form-data; boundary={boundary}", b"".join(parts) + f"--{boundary}--\r\n".encode()


def http_sample(function: str) -> dict[str, Any]:
    if function == registry.FALLBACK_FUNCTION:
        event = http_event(
            "GET",
            "/douyin/nope/",
            headers=CLIENT_HEADERS,
            request_id=_request_id(function),
            time_epoch_ms=EPOCH_MS,
        )
        event["routeKey"] = event["requestContext"]["routeKey"] = "$default"
        return event
    route = next(route for route in registry.ROUTES if route.function == function)
    query, form = HTTP_PARAMETERS[function]
    headers, body = dict(CLIENT_HEADERS), None
    if function == "video_publish":
        headers["content-type"], body = _multipart_body(form)
    elif form:
        headers["content-type"], body = FORM, urlencode(form).encode()
    if body is not None:
        headers["content-length"] = str(len(body))
    return http_event(
        route.method,
        route.path + "/",  # the Douyin client's spelling
        query=urlencode(query),
        headers=headers,
        body=body,
        route_path=route.path,
        request_id=_request_id(function),
        time_epoch_ms=EPOCH_MS,
    )


def domain_event(function: str) -> tuple[bytes, Event]:
    """(record key, domain event) as the producer of the consumer's topic writes them."""
    at = EPOCH_MS
    samples: dict[str, tuple[str, str, dict[str, Any]]] = {
        "user_profile_consumer": (f"{USER}", "user.registered", {"user_id": USER, "username": SAMPLE_USERNAME}),
        "favorite_consumer": (
            f"{USER}",
            "favorite.changed",
            {"user_id": USER, "video_id": VIDEO, "liked": True, "at": at, "version": at},
        ),
        "comment_consumer": (
            f"{VIDEO}",
            "comment.added",
            {
                "id": COMMENT,
                "video_id": VIDEO,
                "user_id": USER,
                "content": "nice video",
                "created_at": at,
                "deleted_at": None,
            },
        ),
        "relation_consumer": (
            f"{USER}:{OTHER_USER}",
            "relation.changed",
            {"follower_id": USER, "followee_id": OTHER_USER, "following": True, "followed_at": at, "version": at},
        ),
        "message_consumer": (
            f"{min(USER, OTHER_USER)}:{max(USER, OTHER_USER)}",
            "message.sent",
            {"id": MESSAGE, "from_user_id": USER, "to_user_id": OTHER_USER, "content": "hello", "create_time": at},
        ),
        "video_published_consumer": (
            f"{VIDEO}",
            "video.published",
            {
                "id": VIDEO,
                "author_id": USER,
                "title": "sample video",
                "play_key": f"videos/{VIDEO}.mp4",
                "cover_key": f"covers/{VIDEO}.jpg",
                "created_at": at,
                "content_sha256": "0" * 64,
            },
        ),
    }
    key, kind, data = samples[function]
    return key.encode(), Event(kind, data, id=_request_id(f"{function}-event"), occurred_at=at)


def _kafka_records(function: str) -> list[dict[str, Any]]:
    consumer = next(consumer for consumer in registry.CONSUMERS if consumer.function == function)
    key, event = domain_event(function)
    return [kafka_record(consumer.topic, 0, 42, event.to_json(), key, (), EPOCH_MS)]


def s3_notification(bucket: str, key: str, size: int) -> dict[str, Any]:
    """The S3 ObjectCreated notification S3 sends to the uploads queue."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": "2026-01-01T00:00:00.000Z",
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AWS:AROAEXAMPLE"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {"x-amz-request-id": "SAMPLE0REQUEST0ID", "x-amz-id-2": "sample"},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "media-uploads",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "A3SAMPLEOWNER"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {"key": key, "size": size, "eTag": "0" * 32, "sequencer": "0065920080000000"},
                },
            }
        ]
    }


def sqs_sample(function: str) -> dict[str, Any]:
    consumer = next(consumer for consumer in registry.QUEUE_CONSUMERS if consumer.function == function)
    # An upload nobody announced: the consumer finds no pending upload for it and settles the message.
    body = json.dumps(s3_notification("gophertok-media", f"{registry.UPLOADS_PREFIX}{SAMPLE_UPLOAD_ID}", 24))
    message = {
        "MessageId": "00000000-0000-4000-8000-000000000001",
        "ReceiptHandle": "AQEBsample-receipt-handle==",
        "Body": body,
        "MD5OfBody": hashlib.md5(body.encode()).hexdigest(),  # noqa: S324 - SQS's checksum, not security
        "Attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": str(EPOCH_MS),
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": str(EPOCH_MS),
        },
    }
    arn = f"arn:aws:sqs:us-east-1:000000000000:{consumer.queue}"
    return sqs_event([sqs_record(message, arn)])


# What an operator (or the deploy workflow) sends the ops functions; replay_dlq's sample re-drives nothing.
OPS_SAMPLES: dict[str, dict[str, Any]] = {
    "db_migrate": {},
    "kafka_topics": {},
    "replay_dlq": {"topic": registry.Topics.USER_REGISTERED, "limit": 0},
}


def render_all() -> dict[str, str]:
    """``{file name: JSON text}`` for every sample event."""
    documents: dict[str, Any] = {}
    for function in registry.http_functions():
        documents[f"{function}.json"] = http_sample(function)
    for consumer in registry.CONSUMERS:
        records = _kafka_records(consumer.function)
        documents[f"{consumer.function}.kafka.json"] = kafka_event(records)
        documents[f"{consumer.function}.msk.json"] = msk_event(records)
    for queue_consumer in registry.QUEUE_CONSUMERS:
        documents[f"{queue_consumer.function}.json"] = sqs_sample(queue_consumer.function)
    for function in registry.OPS_FUNCTIONS:
        documents[f"{function}.json"] = OPS_SAMPLES[function]
    for schedule in registry.SCHEDULES:
        event = scheduled_event(f"gophertok-{schedule.function}")
        fixed_time = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(EPOCH_MS / 1000))
        documents[f"{schedule.function}.json"] = {**event, "id": _request_id(schedule.function), "time": fixed_time}
    return {name: json.dumps(doc, indent=2, ensure_ascii=False) + "\n" for name, doc in sorted(documents.items())}


def function_of(file_name: str) -> str:
    """The function a sample file is for (``favorite_consumer.msk.json`` -> ``favorite_consumer``)."""
    return file_name.split(".", 1)[0]


def stale_files(directory: Path = EVENTS_DIR) -> list[str]:
    """Files that are missing, differ from the generator's output, or are left over."""
    expected = render_all()
    present = {path.name for path in directory.glob("*.json")}
    differing = [
        name
        for name, text in expected.items()
        if not (directory / name).is_file() or (directory / name).read_text(encoding="utf-8") != text
    ]
    return sorted(differing + sorted(present - set(expected)))


def write_all(directory: Path = EVENTS_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    expected = render_all()
    for leftover in set(p.name for p in directory.glob("*.json")) - set(expected):
        (directory / leftover).unlink()
    for name, text in expected.items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if events/ differs from the generator")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files()
        for name in stale:
            print(f"events/{name} is not what the generator writes (run: make events)", file=sys.stderr)
        return 1 if stale else 0
    for path in write_all():
        print(path.relative_to(REPO_ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
