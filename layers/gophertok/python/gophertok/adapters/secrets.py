"""Secrets Manager look-ups for credentials that must not sit in plain environment variables on AWS."""

from __future__ import annotations

import functools
import json

from gophertok.errors import Unavailable


@functools.cache
def _secret_string(secret_id: str) -> str:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return boto3.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    except (BotoCoreError, ClientError) as exc:
        raise Unavailable("configuration secret unavailable") from exc


def secret_field(secret_id: str, field: str) -> str:
    """A field of a JSON secret (as RDS-managed secrets store them), or the whole string if not JSON."""
    raw = _secret_string(secret_id)
    try:
        document = json.loads(raw)
    except ValueError:
        return raw
    return str(document[field]) if isinstance(document, dict) and field in document else raw
