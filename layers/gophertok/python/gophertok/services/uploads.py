"""Large videos: a presigned S3 upload, then event-triggered ingestion (see docs/upload.md).

API Gateway and a synchronous Lambda invocation carry a few MB at most, so a client asks
``issue_upload_url`` for a presigned PUT, sends the file straight to S3 under ``uploads/<upload_id>``,
and the bucket's ObjectCreated notification reaches the ingest function through SQS. ``ingest_upload``
then validates the real bytes and publishes them through ``publishing.publish_video`` -- the very path
of the multipart upload, so the video, its cover, indexes and event are exactly the same.

What the upload is (author, title, declared type and size) is kept in Redis under the upload id, which
only the server hands out; the object key carries nothing the client could forge. Ingestion is
idempotent: the first delivery records its outcome under the upload id and later deliveries of the
same notification change nothing.
"""

from __future__ import annotations

import enum
import json
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from gophertok import keys, logs, metrics, ratelimit
from gophertok.adapters import storage
from gophertok.adapters.redis_client import get_redis
from gophertok.config import get_settings
from gophertok.errors import InvalidInput, PayloadTooLarge, Unavailable, UnsupportedMedia
from gophertok.media import sniff
from gophertok.registry import UPLOADS_PREFIX
from gophertok.services.publishing import MIB, clean_title, publish_video

UPLOAD_URL_TTL_SECONDS = 15 * 60
RECORD_TTL_SECONDS = 24 * 3600  # room for the upload itself plus the queue's retries
OUTCOME_TTL_SECONDS = 14 * 24 * 3600  # SQS keeps a message 14 days at most
LOCK_TTL_SECONDS = 5 * 60  # longer than one ingestion may take (the ingest function's timeout)
REJECTED = "rejected"

VIDEO_CONTENT_TYPES = tuple(
    video_format.content_type
    for video_format in (sniff.MP4, sniff.MOV, sniff.WEBM, sniff.MKV, sniff.AVI, sniff.MPEG_TS)
)
_UPLOAD_KEY = re.compile(re.escape(UPLOADS_PREFIX) + r"([0-9a-f]{32})")

log = logs.get_logger("gophertok.services.uploads")


@dataclass(frozen=True)
class UploadTicket:
    upload_id: str
    upload_url: str
    headers: dict[str, str]  # the client must send exactly these with its PUT
    expires_in: int

    def response(self) -> dict[str, Any]:
        return {
            "upload_id": self.upload_id,
            "upload_url": self.upload_url,
            "method": "PUT",
            "headers": self.headers,
            "expires_in": self.expires_in,
        }


def _content_type(value: str | None) -> str:
    if value is None or not value.strip():
        raise InvalidInput("content_type is required: the video's MIME type, e.g. video/mp4")
    content_type = value.split(";", 1)[0].strip().lower()
    if content_type not in VIDEO_CONTENT_TYPES:
        raise UnsupportedMedia(f"content_type must be one of {', '.join(VIDEO_CONTENT_TYPES)} (got {value[:64]!r})")
    return content_type


def _size(size: int | None, max_bytes: int) -> int:
    if size is None:
        raise InvalidInput("size is required: the file's length in bytes")
    if size <= 0:
        raise InvalidInput("size must be positive: the video file is empty")
    if size > max_bytes:
        limit = f"{max_bytes / MIB:g} MiB" if max_bytes >= MIB else f"{max_bytes} bytes"
        raise PayloadTooLarge(f"the video is too large: the limit is {limit}")
    return size


def object_key(upload_id: str) -> str:
    return f"{UPLOADS_PREFIX}{upload_id}"


def issue_upload_url(author_id: int, title: str | None, content_type: str | None, size: int | None) -> UploadTicket:
    """A presigned PUT for one video of ``author_id``; the title, type and size are checked now.

    Raises InvalidInput (title, size), UnsupportedMedia (content type), PayloadTooLarge, Unavailable.
    """
    ratelimit.hit("upload_url", author_id)
    clean_title(title)  # fail before the upload, not after it; ingestion applies it again
    content_type = _content_type(content_type)
    size = _size(size, get_settings().max_video_bytes)
    upload_id = uuid.uuid4().hex
    record = {
        "author_id": author_id,
        "title": title,
        "content_type": content_type,
        "size": size,
        "issued_at": int(time.time() * 1000),
    }
    get_redis().set(keys.upload(upload_id), json.dumps(record, ensure_ascii=False), ex=RECORD_TTL_SECONDS)
    url = storage.presigned_put_url(object_key(upload_id), content_type, size, UPLOAD_URL_TTL_SECONDS)
    logs.add_context(upload_id=upload_id)
    return UploadTicket(upload_id, url, {"Content-Type": content_type}, UPLOAD_URL_TTL_SECONDS)


# --- ingestion ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadedObject:
    bucket: str
    key: str  # decoded
    size: int


class Outcome(enum.Enum):
    PUBLISHED = "published"
    DUPLICATE = "duplicate"  # an earlier delivery already handled this upload
    REJECTED = "rejected"  # permanently bad: the object was deleted
    IGNORED = "ignored"  # not an upload of ours (other bucket or prefix)


def uploaded_objects(body: str) -> list[UploadedObject]:
    """The created objects an S3 event notification (an SQS message body) announces.

    S3's ``s3:TestEvent`` (sent when the notification is configured) announces none. Keys arrive
    URL-encoded (``+`` for spaces), from AWS and from both emulators, hence ``unquote_plus``.
    Raises ValueError for a body that is not an S3 notification.
    """
    document = json.loads(body)
    if not isinstance(document, dict):
        raise ValueError("not an S3 event notification")
    if document.get("Event") == "s3:TestEvent":
        return []
    records = document.get("Records")
    if not isinstance(records, list):
        raise ValueError("not an S3 event notification")
    objects = []
    for record in records:
        if not str(record.get("eventName", "")).startswith("ObjectCreated"):
            continue
        s3 = record["s3"]
        objects.append(
            UploadedObject(s3["bucket"]["name"], unquote_plus(s3["object"]["key"]), int(s3["object"].get("size") or 0))
        )
    return objects


def _reject(upload_id: str, key: str, error: InvalidInput) -> Outcome:
    storage.delete_object(key)
    redis = get_redis()
    redis.set(keys.upload_outcome(upload_id), REJECTED, ex=OUTCOME_TTL_SECONDS)
    redis.delete(keys.upload(upload_id))
    log.warning("upload rejected", extra={"upload_id": upload_id, "reason": error.message, "error_code": 10003})
    metrics.count("UploadsRejected", upload_id=upload_id)
    return Outcome.REJECTED


def _checked_record(upload_id: str, key: str) -> dict[str, Any]:
    """The upload's record, after checking the stored object against it (size, type, limit)."""
    raw = get_redis().get(keys.upload(upload_id))
    if raw is None:
        raise InvalidInput("unknown or expired upload: ask for a new upload URL")
    record: dict[str, Any] = json.loads(raw)
    info = storage.head_object(key)
    if info is None:
        raise InvalidInput("the uploaded object is gone")
    _size(info.size, get_settings().max_video_bytes)
    if info.size != record["size"]:
        raise InvalidInput(f"the upload has {info.size} bytes but {record['size']} were announced")
    if info.content_type.split(";", 1)[0].strip().lower() != record["content_type"]:
        raise UnsupportedMedia(f"the upload was sent as {info.content_type!r}, not {record['content_type']!r}")
    return record


def ingest_upload(uploaded: UploadedObject) -> Outcome:
    """Publish the video uploaded at ``uploaded.key``, once, however often its notification arrives.

    A permanently bad upload (unknown id, size or type differing from what was announced, over the
    limit, not a video) is deleted and recorded as rejected: InvalidInput never escapes, so the queue
    does not redeliver it. Unavailable (a backing service is down, or another delivery holds the upload)
    escapes: the message is retried later.
    """
    match = _UPLOAD_KEY.fullmatch(uploaded.key)
    if uploaded.bucket != get_settings().media_bucket or match is None:
        log.warning("not an upload of ours", extra={"bucket": uploaded.bucket, "key": uploaded.key[:200]})
        return Outcome.IGNORED
    upload_id = match.group(1)
    logs.add_context(upload_id=upload_id)
    redis = get_redis()
    if redis.exists(keys.upload_outcome(upload_id)):
        return Outcome.DUPLICATE
    if not redis.set(keys.upload_lock(upload_id), "1", nx=True, ex=LOCK_TTL_SECONDS):
        raise Unavailable("another delivery is ingesting this upload")
    try:
        if redis.exists(keys.upload_outcome(upload_id)):
            return Outcome.DUPLICATE
        try:
            record = _checked_record(upload_id, uploaded.key)
            published = publish_video(int(record["author_id"]), record["title"], storage.get_object(uploaded.key))
        except InvalidInput as error:
            return _reject(upload_id, uploaded.key, error)
        redis.set(keys.upload_outcome(upload_id), str(published.row.id), ex=OUTCOME_TTL_SECONDS)
        redis.delete(keys.upload(upload_id))
        storage.delete_object(uploaded.key)  # the media now lives content-addressed under videos/
        log.info("upload published", extra={"upload_id": upload_id, "video_id": published.row.id})
        metrics.count("UploadsPublished", upload_id=upload_id)
        return Outcome.PUBLISHED
    finally:
        redis.delete(keys.upload_lock(upload_id))


def ingest_notification(body: str) -> list[Outcome]:
    """Ingest every upload an S3 event notification announces (see ``ingest_upload``).

    A body that is not an S3 notification can never succeed: it is logged and dropped, not retried.
    """
    try:
        uploaded = uploaded_objects(body)
    except (ValueError, KeyError, TypeError, AttributeError):
        log.error("not an S3 event notification", extra={"body": body[:200], "error_code": 10001})
        metrics.count("MalformedMessages")
        return []
    return [ingest_upload(item) for item in uploaded]
