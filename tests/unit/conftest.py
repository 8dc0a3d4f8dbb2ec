"""Fixtures for the unit tier: no network, no services, no state leaking between tests."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from moto import mock_aws

from gophertok import logs
from gophertok.adapters import secrets
from gophertok.config import Settings, get_settings, load_settings

TEST_SECRET = "unit-test-secret-0123456789abcdef-0123456789"  # > 32 bytes

# Every variable load_settings reads: cleared so the developer's shell cannot change a unit test.
SETTINGS_VARIABLES = (
    "GT_STAGE",
    "MYSQL_HOST",
    "MYSQL_PORT",
    "MYSQL_USER",
    "MYSQL_PASSWORD",
    "MYSQL_DATABASE",
    "MYSQL_CONNECT_TIMEOUT",
    "MYSQL_SECRET_ID",
    "MAX_VIDEO_BYTES",
    "REDIS_URL",
    "REDIS_CLUSTER",
    "REDIS_TIMEOUT",
    "KAFKA_BOOTSTRAP_SERVERS",
    "KAFKA_SECURITY_PROTOCOL",
    "KAFKA_TIMEOUT",
    "KAFKA_SASL_MECHANISM",
    "KAFKA_SECRET_ID",
    "SECRETS_TTL_SECONDS",
    "KAFKA_PARTITIONS",
    "KAFKA_REPLICATION_FACTOR",
    "MEDIA_BUCKET",
    "MEDIA_BASE_URL",
    "AWS_ENDPOINT_URL",
    "JWT_SECRET",
    "JWT_SECRET_ID",
    "TOKEN_TTL_SECONDS",
    "LOG_LEVEL",
    "AWS_LAMBDA_FUNCTION_NAME",
    "_X_AMZN_TRACE_ID",
)


@dataclass(frozen=True)
class FakeLambdaContext:
    function_name: str = "unit-test-function"
    aws_request_id: str = "req-0000-unit"


@pytest.fixture
def settings() -> Settings:
    """Explicit settings for functions that accept ``settings=``."""
    return load_settings(env={"JWT_SECRET": TEST_SECRET})


@pytest.fixture
def process_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """A clean environment for code that calls ``get_settings()`` itself; the cache is cleared around the test."""
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JWT_SECRET", TEST_SECRET)
    monkeypatch.setenv("LOG_LEVEL", "INFO")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def json_logging(monkeypatch: pytest.MonkeyPatch):
    """Let ``logs.setup_logging`` install its stdout handler inside this test, then put logging back.

    The ``gophertok`` logger is reset too: building the local Chalice app (another test module does)
    reconfigures that logger (level ERROR, no propagation), which would hide every record from these tests.
    """
    root, package = logging.getLogger(), logging.getLogger("gophertok")
    saved_root = (list(root.handlers), root.level)
    saved_package = (list(package.handlers), package.level, package.propagate)
    for handler in saved_package[0]:
        package.removeHandler(handler)
    package.setLevel(logging.NOTSET)
    package.propagate = True
    monkeypatch.setattr(logs, "_configured", False)
    yield
    for logger, (handlers, level) in ((root, saved_root), (package, saved_package[:2])):
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        for handler in handlers:
            logger.addHandler(handler)
        logger.setLevel(level)
    package.propagate = saved_package[2]


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture
def secrets_manager(process_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A moto Secrets Manager client, with the layer's secret cache emptied before and after."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    secrets.forget()
    with mock_aws():
        import boto3

        yield boto3.client("secretsmanager")
    secrets.forget()
