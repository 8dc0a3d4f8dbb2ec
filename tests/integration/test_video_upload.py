"""Large uploads: POST /douyin/publish/upload_url/, a presigned PUT to S3, the bucket's notification on SQS
and the video_ingest function (run by the local SQS runner) publishing the video as publish/action does."""

from __future__ import annotations

import json
import random
import uuid

import pytest
import requests

from gophertok import keys, registry
from gophertok.config import get_settings
from gophertok.registry import UPLOADS_PREFIX
from gophertok_local.events import sqs_event, sqs_record
from gophertok_local.functions import invoke
from support.aws import receive_message_like, s3_notification
from support.clips import clip
from support.douyin import DouyinClient
from support.polling import wait_for

UPLOAD_URL = "/douyin/publish/upload_url/"
INGEST_TIMEOUT = 45  # seconds: the runner's long poll plus one ingestion (ffmpeg) with room to spare


@pytest.fixture(scope="module")
def client(api_url: str) -> DouyinClient:
    return DouyinClient(api_url)


def unique_clip() -> bytes:
    return clip(f"color=c=0x{random.randrange(1 << 24):06x}", 1.0, "mp4")


def ask(client: DouyinClient, token: str | None, **params) -> dict:
    fields = {"token": token, **params} if token is not None else params
    return client.call("POST", UPLOAD_URL, data={k: str(v) for k, v in fields.items()})


def put(ticket: dict, data: bytes) -> None:
    response = requests.put(ticket["upload_url"], data=data, headers=ticket["headers"], timeout=30)
    assert response.status_code == 200, response.text[:300]


def publish_list(client: DouyinClient, token: str, user_id: int) -> list[dict]:
    body = client.call("GET", "/douyin/publish/list/", params={"token": token, "user_id": user_id})
    assert body["status_code"] == 0, body
    return body["video_list"]


def object_exists(s3, key: str) -> bool:
    return bool(s3.list_objects_v2(Bucket=get_settings().media_bucket, Prefix=key).get("KeyCount"))


def redeliver(key: str, size: int) -> dict:
    """Hand the ingest function the notification of ``key`` once more, as SQS would after a lost delete."""
    body = s3_notification(get_settings().media_bucket, key, size)
    arn = "arn:aws:sqs:us-east-1:000000000000:gophertok-media-uploads"
    return invoke("video_ingest", sqs_event([sqs_record(receive_message_like(body), arn)]))


@pytest.mark.parametrize(
    ("token", "params", "status_code", "message"),
    [
        (None, {"title": "t", "content_type": "video/mp4", "size": 10}, 20001, "token is required"),
        ("not-a-token", {"title": "t", "content_type": "video/mp4", "size": 10}, 20002, "log in again"),
        ("VALID", {"content_type": "video/mp4", "size": 10}, 10001, "title is required"),
        ("VALID", {"title": "t", "content_type": "image/png", "size": 10}, 10003, "content_type must be one of"),
        ("VALID", {"title": "t", "size": 10}, 10001, "content_type is required"),
        ("VALID", {"title": "t", "content_type": "video/mp4"}, 10001, "size is required"),
        ("VALID", {"title": "t", "content_type": "video/mp4", "size": 0}, 10001, "size must be positive"),
        ("VALID", {"title": "t", "content_type": "video/mp4", "size": "many"}, 10001, "size must be an integer"),
        ("VALID", {"title": "t", "content_type": "video/mp4", "size": "OVER"}, 10002, "too large"),
    ],
    ids=["no-token", "bad-token", "no-title", "not-video", "no-type", "no-size", "empty", "size-nan", "too-large"],
)
def test_upload_url_rejects_bad_requests_with_clear_errors(client, token, params, status_code, message):
    account = client.register()
    if params.get("size") == "OVER":
        params = {**params, "size": get_settings().max_video_bytes + 1}

    body = ask(client, account.token if token == "VALID" else token, **params)

    assert body["status_code"] == status_code and body["_http_status"] == 200, body
    assert message in body["status_msg"], body
    assert "upload_url" not in body


def test_presigned_upload_is_ingested_and_published_like_a_multipart_publish(client, s3, redis_client):
    account = client.register()
    data = unique_clip()

    # Given an upload URL for a real clip
    ticket = ask(client, account.token, title="Big clip 🎬", content_type="video/mp4", size=len(data))
    assert ticket["status_code"] == 0, ticket
    assert ticket["method"] == "PUT" and ticket["headers"] == {"Content-Type": "video/mp4"}
    assert 0 < ticket["expires_in"] <= 3600 and len(ticket["upload_id"]) == 32
    # When the client PUTs the file straight to S3
    put(ticket, data)

    # Then the notification reaches video_ingest, which publishes it
    videos = wait_for(
        lambda: publish_list(client, account.token, account.user_id), timeout=INGEST_TIMEOUT, what="the ingested video"
    )
    assert len(videos) == 1
    video = videos[0]
    assert video["title"] == "Big clip 🎬" and video["author"]["work_count"] == 1
    played = requests.get(video["play_url"], timeout=10)
    assert played.status_code == 200 and played.content == data
    cover = requests.get(video["cover_url"], timeout=10)
    assert cover.status_code == 200 and cover.content.startswith(b"\xff\xd8")
    feed = client.call("GET", "/douyin/feed/", params={"token": account.token})
    assert video["id"] in [v["id"] for v in feed["video_list"]]
    # and the upload object is gone, its outcome recorded under the upload id
    key = UPLOADS_PREFIX + ticket["upload_id"]
    wait_for(lambda: not object_exists(s3, key), timeout=10, what="the upload object to be deleted")
    assert redis_client.get(keys.upload_outcome(ticket["upload_id"])) == str(video["id"])

    # When the same notification is delivered again
    response = redeliver(key, len(data))

    # Then nothing new is created
    assert response == {"batchItemFailures": []}
    assert [v["id"] for v in publish_list(client, account.token, account.user_id)] == [video["id"]]
    user = client.call("GET", "/douyin/user/", params={"token": account.token})["user"]
    assert user["work_count"] == 1


def test_a_non_video_upload_is_rejected_deleted_and_publishes_nothing(client, s3, redis_client):
    account = client.register()
    data = b"%PDF-1.7 this is a document, not a video " * 50
    ticket = ask(client, account.token, title="sneaky", content_type="video/mp4", size=len(data))
    assert ticket["status_code"] == 0, ticket

    put(ticket, data)

    outcome = keys.upload_outcome(ticket["upload_id"])
    wait_for(lambda: redis_client.get(outcome), timeout=INGEST_TIMEOUT, what="the upload to be settled")
    assert redis_client.get(outcome) == "rejected"
    assert not object_exists(s3, UPLOADS_PREFIX + ticket["upload_id"])
    assert publish_list(client, account.token, account.user_id) == []
    # a redelivery of the rejected upload settles quietly too (no retry loop)
    assert redeliver(UPLOADS_PREFIX + ticket["upload_id"], len(data)) == {"batchItemFailures": []}
    assert publish_list(client, account.token, account.user_id) == []


def test_an_upload_that_differs_from_what_was_announced_is_rejected(client, s3, redis_client):
    # S3 itself refuses a PUT whose signed Content-Length differs; the emulators do not check signatures,
    # so ingestion compares the stored object with the upload's record as well.
    account = client.register()
    data = unique_clip()
    ticket = ask(client, account.token, title="short", content_type="video/mp4", size=len(data) - 1)

    put(ticket, data)

    outcome = keys.upload_outcome(ticket["upload_id"])
    wait_for(lambda: redis_client.get(outcome), timeout=INGEST_TIMEOUT, what="the upload to be settled")
    assert redis_client.get(outcome) == "rejected"
    assert publish_list(client, account.token, account.user_id) == []


def test_a_notification_for_an_unknown_upload_is_dropped_without_retries(s3):
    key = UPLOADS_PREFIX + uuid.uuid4().hex
    s3.put_object(Bucket=get_settings().media_bucket, Key=key + "-other", Body=b"x")  # not an upload key

    assert redeliver(key, 1) == {"batchItemFailures": []}
    assert redeliver(key + "-other", 1) == {"batchItemFailures": []}
    body = json.dumps({"not": "an s3 event"})
    arn = "arn:aws:sqs:us-east-1:000000000000:gophertok-media-uploads"
    assert invoke("video_ingest", sqs_event([sqs_record(receive_message_like(body), arn)])) == {"batchItemFailures": []}


def test_the_emulator_has_the_upload_queue_its_dead_letters_notification_and_parameters(s3):
    from support.aws import emulator_session, sqs_client

    sqs = sqs_client()
    url = sqs.get_queue_url(QueueName=registry.Queues.MEDIA_UPLOADS)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(":" + registry.Queues.MEDIA_UPLOADS + "-dlq")
    assert int(redrive["maxReceiveCount"]) == 5
    notifications = s3.get_bucket_notification_configuration(Bucket=get_settings().media_bucket)
    (queue,) = notifications["QueueConfigurations"]
    assert queue["QueueArn"] == attributes["QueueArn"]
    assert {"Name": "Prefix", "Value": UPLOADS_PREFIX} in [
        {"Name": rule["Name"].capitalize(), "Value": rule["Value"]} for rule in queue["Filter"]["Key"]["FilterRules"]
    ]
    ssm = emulator_session().client("ssm")
    stage = get_settings().stage
    names = {p["Name"] for p in ssm.get_parameters_by_path(Path=f"/gophertok/{stage}/")["Parameters"]}
    assert f"/gophertok/{stage}/uploads-queue" in names and f"/gophertok/{stage}/media-bucket" in names
