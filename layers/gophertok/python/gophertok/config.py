"""Settings: one typed object, read from the environment once per container.

Precedence is explicit argument -> environment -> local default. The defaults match the local stack
started by ``make up`` (see docs/local-stack.md); on AWS every value comes from template.yaml.
Secrets have no default: locally ``infra/with-env.sh`` generates them into ``.state/local.env``.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlparse


class ConfigurationError(RuntimeError):
    """A setting is missing or malformed; raised at cold start, never for a client's request."""


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    stage: str
    mysql_host: str
    mysql_port: int
    mysql_user: str
    mysql_password: str
    mysql_database: str
    mysql_connect_timeout: float
    mysql_secret_id: str
    redis_url: str
    redis_cluster: bool
    redis_timeout: float
    kafka_bootstrap_servers: str
    kafka_security_protocol: str
    kafka_timeout: float
    media_bucket: str
    media_base_url: str
    jwt_secret: str
    jwt_secret_id: str
    token_ttl_seconds: int
    log_level: str
    max_video_bytes: int = 50 * 1024 * 1024
    redis_cluster_nodes: str = ""  # host:port,host:port seed nodes of a cluster (else REDIS_URL's host list)

    @property
    def kafka_servers(self) -> list[str]:
        return [server.strip() for server in self.kafka_bootstrap_servers.split(",") if server.strip()]


def load_settings(env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Build Settings from ``env`` (default: ``os.environ``); keyword overrides win over both."""
    env = os.environ if env is None else env

    def get(name: str, default: str) -> str:
        return env.get(name, default) or default

    def number(name: str, default: str, kind: type = int):
        raw = get(name, default)
        try:
            return kind(raw)
        except ValueError as exc:
            raise ConfigurationError(f"{name} must be a number, got {raw!r}") from exc

    bucket = get("MEDIA_BUCKET", "gophertok-media")
    endpoint = get("AWS_ENDPOINT_URL", "")
    default_media = f"{endpoint.rstrip('/')}/{bucket}" if endpoint else f"https://{bucket}.s3.amazonaws.com"
    values: dict[str, object] = {
        "stage": get("GT_STAGE", "local"),
        "mysql_host": get("MYSQL_HOST", "127.0.0.1"),
        "mysql_port": number("MYSQL_PORT", "3307"),
        "mysql_user": get("MYSQL_USER", "gophertok"),
        "mysql_password": env.get("MYSQL_PASSWORD", ""),
        "mysql_database": get("MYSQL_DATABASE", "gophertok"),
        "mysql_connect_timeout": number("MYSQL_CONNECT_TIMEOUT", "3", float),
        "mysql_secret_id": get("MYSQL_SECRET_ID", ""),
        "redis_url": get("REDIS_URL", "redis://127.0.0.1:6380/0"),
        "redis_cluster": _flag(get("REDIS_CLUSTER", "false")),
        "redis_timeout": number("REDIS_TIMEOUT", "2", float),
        "kafka_bootstrap_servers": get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092"),
        "kafka_security_protocol": get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT"),
        "kafka_timeout": number("KAFKA_TIMEOUT", "5", float),
        "media_bucket": bucket,
        "media_base_url": get("MEDIA_BASE_URL", default_media).rstrip("/"),
        "jwt_secret": env.get("JWT_SECRET", ""),
        "jwt_secret_id": get("JWT_SECRET_ID", ""),
        "token_ttl_seconds": number("TOKEN_TTL_SECONDS", str(7 * 24 * 3600)),
        "log_level": get("LOG_LEVEL", "INFO").upper(),
        "max_video_bytes": number("MAX_VIDEO_BYTES", str(50 * 1024 * 1024)),
        "redis_cluster_nodes": get("REDIS_CLUSTER_NODES", ""),
    }
    values.update(overrides)
    settings = Settings(**values)  # type: ignore[arg-type]
    _validate(settings)
    return settings


def _validate(settings: Settings) -> None:
    if urlparse(settings.redis_url).scheme not in {"redis", "rediss", "unix"}:
        raise ConfigurationError(f"REDIS_URL must be a redis:// URL, got {settings.redis_url!r}")
    if not settings.kafka_servers:
        raise ConfigurationError("KAFKA_BOOTSTRAP_SERVERS is empty")
    if settings.token_ttl_seconds <= 0:
        raise ConfigurationError("TOKEN_TTL_SECONDS must be positive")
    if settings.max_video_bytes <= 0:
        raise ConfigurationError("MAX_VIDEO_BYTES must be positive")


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings, read on first use (never at import time)."""
    return load_settings()
