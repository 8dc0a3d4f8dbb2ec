"""Object storage on S3 (or LocalStack / moto / MinIO through ``AWS_ENDPOINT_URL``).

Keys are relative (``avatars/42.png``); ``public_url`` turns a key into a URL a phone can fetch,
based on MEDIA_BASE_URL (the emulator locally, the bucket or CDN domain on AWS).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from gophertok import tracing
from gophertok.config import get_settings
from gophertok.errors import Unavailable

if TYPE_CHECKING:  # types-boto3-s3, a dev-only stub package
    from types_boto3_s3.client import S3Client


@functools.cache
def _client() -> S3Client:
    import boto3
    from botocore.config import Config

    # An emulator on 127.0.0.1 has no per-bucket DNS names, so address buckets by path there.
    style: Literal["path", "auto"] = "path" if os.environ.get("AWS_ENDPOINT_URL") else "auto"
    config = Config(
        signature_version="s3v4",  # presigned URLs must be SigV4 (SigV2 is refused in newer regions)
        connect_timeout=3,
        read_timeout=20,
        retries={"max_attempts": 3, "mode": "standard"},
        s3={"addressing_style": style},
    )
    return boto3.client("s3", config=config)


def _storage_errors() -> tuple[type[Exception], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return BotoCoreError, ClientError


def put_object(key: str, data: bytes, content_type: str) -> None:
    settings = get_settings()
    with tracing.subsegment("s3", operation="PutObject", bytes=len(data)):
        try:
            _client().put_object(
                Bucket=settings.media_bucket,
                Key=key,
                Body=data,
                ContentType=content_type,
                CacheControl="public, max-age=31536000, immutable",
            )
        except _storage_errors() as exc:
            raise Unavailable("media storage is unavailable, please retry") from exc


def delete_object(key: str) -> None:
    settings = get_settings()
    with tracing.subsegment("s3", operation="DeleteObject"):
        try:
            _client().delete_object(Bucket=settings.media_bucket, Key=key)
        except _storage_errors() as exc:
            raise Unavailable("media storage is unavailable, please retry") from exc


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    content_type: str


def head_object(key: str) -> ObjectInfo | None:
    """Size and content type of ``key``; None when there is no such object."""
    settings = get_settings()
    from botocore.exceptions import ClientError

    with tracing.subsegment("s3", operation="HeadObject"):
        try:
            head = _client().head_object(Bucket=settings.media_bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise Unavailable("media storage is unavailable, please retry") from exc
        except _storage_errors() as exc:
            raise Unavailable("media storage is unavailable, please retry") from exc
    return ObjectInfo(int(head.get("ContentLength") or 0), str(head.get("ContentType") or ""))


def get_object(key: str) -> bytes:
    settings = get_settings()
    with tracing.subsegment("s3", operation="GetObject"):
        try:
            return _client().get_object(Bucket=settings.media_bucket, Key=key)["Body"].read()
        except _storage_errors() as exc:
            raise Unavailable("media storage is unavailable, please retry") from exc


def presigned_put_url(key: str, content_type: str, content_length: int, expires_in: int) -> str:
    """A URL that lets its holder PUT exactly one object at ``key`` until it expires.

    Content-Type and Content-Length are signed headers: S3 refuses a PUT whose headers differ (the
    emulators do not check signatures, so ingestion validates the stored object again).
    """
    settings = get_settings()
    params = {
        "Bucket": settings.media_bucket,
        "Key": key,
        "ContentType": content_type,
        "ContentLength": content_length,
    }
    try:
        return _client().generate_presigned_url("put_object", Params=params, ExpiresIn=expires_in)
    except _storage_errors() as exc:
        raise Unavailable("media storage is unavailable, please retry") from exc


def public_url(key: str) -> str:
    return f"{media_base_url()}/{key}" if key else ""


def media_base_url() -> str:
    """What ``public_url`` puts before a key (for building many URLs at once)."""
    return get_settings().media_base_url


def object_exists(key: str) -> bool:
    return head_object(key) is not None
