"""Secrets Manager look-ups for credentials that must not sit in plain environment variables on AWS.

A value is reused for ``SECRETS_TTL_SECONDS`` (default 300 s) and then read again, so a rotated secret reaches
warm containers; a caller that sees the credentials rejected (MySQL's "access denied") asks for a fresh read
at once with ``refresh=True``.

When the AWS Parameters and Secrets Lambda Extension is attached (the template's SecretsExtensionLayerArn sets
PARAMETERS_SECRETS_EXTENSION_HTTP_PORT), secrets are read from it over localhost: no boto3 import and no Secrets
Manager client on a cold start. A fresh read (``refresh=True``) and any failure of the extension go to Secrets
Manager through boto3, since the extension answers from its own cache.
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any

from gophertok.config import get_settings
from gophertok.errors import Unavailable

_cache: dict[str, tuple[float, str]] = {}  # secret id -> (read at, monotonic; SecretString)
_lock = threading.Lock()
_client: Any = None


EXTENSION_TIMEOUT_SECONDS = 2.0


def _read_through_extension(secret_id: str, port: str) -> str | None:
    """The secret from the extension's local endpoint, or None when it cannot give it."""
    import http.client
    from urllib.parse import quote

    connection = http.client.HTTPConnection("localhost", int(port), timeout=EXTENSION_TIMEOUT_SECONDS)
    try:
        connection.request(
            "GET",
            f"/secretsmanager/get?secretId={quote(secret_id, safe='')}",
            headers={"X-Aws-Parameters-Secrets-Token": os.environ.get("AWS_SESSION_TOKEN", "")},
        )
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            return None
        value = json.loads(body).get("SecretString")
        return value if isinstance(value, str) else None
    except (OSError, ValueError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def _read(secret_id: str, refresh: bool = False) -> str:
    port = os.environ.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT")
    if port and not refresh:
        value = _read_through_extension(secret_id, port)
        if value is not None:
            return value
    return _read_with_boto3(secret_id)


def _read_with_boto3(secret_id: str) -> str:
    global _client
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        if _client is None:
            _client = boto3.client("secretsmanager")
        return str(_client.get_secret_value(SecretId=secret_id)["SecretString"])
    except (BotoCoreError, ClientError) as exc:
        raise Unavailable("configuration secret unavailable") from exc


def secret_string(secret_id: str, refresh: bool = False) -> str:
    """The secret's value, read again when older than the TTL or when ``refresh`` is asked."""
    ttl = get_settings().secrets_ttl_seconds
    with _lock:
        cached = _cache.get(secret_id)
        if cached and not refresh and time.monotonic() - cached[0] < ttl:
            return cached[1]
    value = _read(secret_id, refresh)
    with _lock:
        _cache[secret_id] = (time.monotonic(), value)
    return value


def secret_fields(secret_id: str, refresh: bool = False) -> dict[str, str]:
    """A JSON secret's fields (as RDS-managed secrets store them); a plain string is ``{"": value}``."""
    raw = secret_string(secret_id, refresh)
    try:
        document = json.loads(raw)
    except ValueError:
        return {"": raw}
    return {str(k): str(v) for k, v in document.items()} if isinstance(document, dict) else {"": raw}


def secret_field(secret_id: str, field: str, refresh: bool = False) -> str:
    """A field of a JSON secret, or the whole string if the secret is not a JSON object with that field."""
    fields = secret_fields(secret_id, refresh)
    return fields.get(field, fields.get("", secret_string(secret_id)))


def forget() -> None:
    """Drop every cached value (tests; a new boto3 endpoint)."""
    global _client
    with _lock:
        _cache.clear()
        _client = None
