"""Settings: one typed object, read from the environment once per container.

Precedence is explicit argument -> environment -> local default. The defaults match the local stack
started by ``make up`` (see docs/local-stack.md); on AWS every value comes from template.yaml.
Secrets have no default: locally ``infra/with-env.sh`` generates them into ``.state/local.env``.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import cast
from urllib.parse import urlparse


class ConfigurationError(RuntimeError):
    """A setting is missing or malformed; raised at cold start, never for a client's request."""


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Rate:
    """``count`` requests at once, refilled evenly over ``seconds`` (a GCRA limit; see gophertok/ratelimit.py)."""

    count: int
    seconds: float

    @property
    def interval_ms(self) -> int:
        return max(1, round(self.seconds * 1000 / self.count))


# Per-action limits: env RATE_LIMIT_<ACTION> = "<count>/<seconds>", or "off". Subjects: the source IP for
# register, the user id for the others. docs/rate-limits.md explains the choices.
DEFAULT_RATE_LIMITS: dict[str, Rate | None] = {
    "register": Rate(10, 3600),
    "comment": Rate(20, 60),
    "message": Rate(30, 60),
    "follow": Rate(30, 60),
    "like": Rate(60, 60),
    "publish": Rate(10, 3600),
    "upload_url": Rate(10, 3600),
}


@dataclass(frozen=True)
class LoginLockout:
    """Exponential lockout of login attempts, per username and per source IP (see gophertok/ratelimit.py).

    The first ``free_per_user`` (``free_per_ip``) failures are free; each further one locks the subject for
    ``base_seconds`` doubled per failure, capped at ``max_seconds``. Failures are forgotten ``memory_seconds``
    after the last attempt (or lock end); a successful login clears the username's count.
    """

    free_per_user: int = 5
    free_per_ip: int = 20
    base_seconds: float = 1.0
    max_seconds: float = 900.0
    memory_seconds: float = 900.0


@dataclass(frozen=True)
class Settings:
    stage: str
    mysql_host: str
    mysql_port: int
    mysql_user: str
    mysql_password: str
    mysql_database: str
    mysql_connect_timeout: float
    mysql_read_timeout: float
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
    rate_limits: dict[str, Rate | None] = field(default_factory=lambda: dict(DEFAULT_RATE_LIMITS))
    login_lockout: LoginLockout = field(default_factory=LoginLockout)
    # The local API (gophertok_local); on AWS, API Gateway plays this part (CORS from the template).
    cors_allow_origins: tuple[str, ...] = ("*",)
    local_max_concurrency: int = 0  # 0: cores x 2, like a small Lambda account concurrency
    local_header_timeout_seconds: float = 10.0
    local_body_timeout_seconds: float = 60.0
    secrets_ttl_seconds: float = 300.0  # how long a Secrets Manager value is reused (rotation takes effect after)
    kafka_sasl_mechanism: str = ""  # "", SCRAM-SHA-512 (user/password from KAFKA_SECRET_ID) or AWS_MSK_IAM
    kafka_secret_id: str = ""  # Secrets Manager secret {"username", "password"} for SCRAM
    kafka_topic_partitions: int = 3  # for topics created by infra/topics.py / the kafka_topics function
    kafka_replication_factor: int = 1
    redis_cluster_nodes: str = ""  # host:port,host:port seed nodes of a cluster (else REDIS_URL's host list)

    @property
    def kafka_servers(self) -> list[str]:
        return [server.strip() for server in self.kafka_bootstrap_servers.split(",") if server.strip()]


def load_settings(env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Build Settings from ``env`` (default: ``os.environ``); keyword overrides win over both."""
    env = os.environ if env is None else env

    def get(name: str, default: str) -> str:
        return env.get(name, default) or default

    def number(name: str, default: str, kind: Callable[[str], object] = int) -> object:
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
        "mysql_read_timeout": number("MYSQL_READ_TIMEOUT", "10", float),
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
        "cors_allow_origins": tuple(
            origin.strip() for origin in get("CORS_ALLOW_ORIGINS", "*").split(",") if origin.strip()
        ),
        "local_max_concurrency": number("LOCAL_MAX_CONCURRENCY", "0"),
        "local_header_timeout_seconds": number("LOCAL_HEADER_TIMEOUT_SECONDS", "10", float),
        "local_body_timeout_seconds": number("LOCAL_BODY_TIMEOUT_SECONDS", "60", float),
        "secrets_ttl_seconds": number("SECRETS_TTL_SECONDS", "300", float),
        "kafka_sasl_mechanism": get("KAFKA_SASL_MECHANISM", "").upper().replace("NONE", ""),
        "kafka_secret_id": get("KAFKA_SECRET_ID", ""),
        "kafka_topic_partitions": number("KAFKA_PARTITIONS", "3"),
        "kafka_replication_factor": number("KAFKA_REPLICATION_FACTOR", "1"),
        "redis_cluster_nodes": get("REDIS_CLUSTER_NODES", ""),
    }
    values["rate_limits"] = {
        action: _rate(f"RATE_LIMIT_{action.upper()}", env.get(f"RATE_LIMIT_{action.upper()}", ""), default)
        for action, default in DEFAULT_RATE_LIMITS.items()
    }
    values["login_lockout"] = LoginLockout(
        free_per_user=cast(int, number("LOGIN_FREE_FAILURES_PER_USER", str(LoginLockout.free_per_user))),
        free_per_ip=cast(int, number("LOGIN_FREE_FAILURES_PER_IP", str(LoginLockout.free_per_ip))),
        base_seconds=cast(float, number("LOGIN_LOCKOUT_BASE_SECONDS", str(LoginLockout.base_seconds), float)),
        max_seconds=cast(float, number("LOGIN_LOCKOUT_MAX_SECONDS", str(LoginLockout.max_seconds), float)),
        memory_seconds=cast(float, number("LOGIN_FAILURE_MEMORY_SECONDS", str(LoginLockout.memory_seconds), float)),
    )
    values.update(overrides)
    settings = Settings(**values)  # type: ignore[arg-type]
    _validate(settings)
    return settings


def _rate(name: str, raw: str, default: Rate | None) -> Rate | None:
    """Parse "<count>/<seconds>" (or "off"); empty means ``default``."""
    raw = raw.strip().lower()
    if not raw:
        return default
    if raw in {"off", "0", "none"}:
        return None
    count, _, seconds = raw.partition("/")
    try:
        rate = Rate(int(count), float(seconds))
    except ValueError as exc:
        raise ConfigurationError(f"{name} must look like 20/60 (count/seconds) or off, got {raw!r}") from exc
    if rate.count <= 0 or rate.seconds <= 0:
        raise ConfigurationError(f"{name} must have a positive count and period, got {raw!r}")
    return rate


def _validate(settings: Settings) -> None:
    if urlparse(settings.redis_url).scheme not in {"redis", "rediss", "unix"}:
        raise ConfigurationError(f"REDIS_URL must be a redis:// URL, got {settings.redis_url!r}")
    if not settings.kafka_servers:
        raise ConfigurationError("KAFKA_BOOTSTRAP_SERVERS is empty")
    if settings.token_ttl_seconds <= 0:
        raise ConfigurationError("TOKEN_TTL_SECONDS must be positive")
    if settings.local_max_concurrency < 0:
        raise ConfigurationError("LOCAL_MAX_CONCURRENCY must be 0 (cores x 2) or positive")
    if min(settings.local_header_timeout_seconds, settings.local_body_timeout_seconds) <= 0:
        raise ConfigurationError("LOCAL_HEADER_TIMEOUT_SECONDS and LOCAL_BODY_TIMEOUT_SECONDS must be positive")
    if settings.max_video_bytes <= 0:
        raise ConfigurationError("MAX_VIDEO_BYTES must be positive")
    lockout = settings.login_lockout
    if min(lockout.free_per_user, lockout.free_per_ip) < 1 or min(lockout.base_seconds, lockout.memory_seconds) <= 0:
        raise ConfigurationError("LOGIN_FREE_FAILURES_* must be >= 1 and lockout durations positive")
    if lockout.max_seconds < lockout.base_seconds:
        raise ConfigurationError("LOGIN_LOCKOUT_MAX_SECONDS must be at least LOGIN_LOCKOUT_BASE_SECONDS")
    if settings.kafka_sasl_mechanism not in {"", "SCRAM-SHA-512", "SCRAM-SHA-256", "AWS_MSK_IAM"}:
        raise ConfigurationError("KAFKA_SASL_MECHANISM must be SCRAM-SHA-512, SCRAM-SHA-256 or AWS_MSK_IAM")


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings, read on first use (never at import time)."""
    return load_settings()
