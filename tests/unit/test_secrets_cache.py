"""Secrets are re-read after SECRETS_TTL_SECONDS or on demand, so a rotation reaches warm containers; the
database takes both its user and its password from the secret (moto stands in for Secrets Manager)."""

from __future__ import annotations

import json
import time

import pytest

from gophertok.adapters import secrets
from gophertok.adapters.mysql import credentials
from gophertok.config import load_settings


@pytest.fixture
def clock(monkeypatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])  # the clock the cache reads
    return now


def test_a_rotated_secret_is_read_again_once_the_ttl_has_passed(secrets_manager, clock):
    arn = secrets_manager.create_secret(Name="db", SecretString=json.dumps({"password": "old"}))["ARN"]
    assert secrets.secret_field(arn, "password") == "old"
    secrets_manager.put_secret_value(SecretId=arn, SecretString=json.dumps({"password": "new"}))

    clock[0] += 299
    assert secrets.secret_field(arn, "password") == "old"  # within the 300 s TTL: cached
    clock[0] += 2
    assert secrets.secret_field(arn, "password") == "new"


def test_refresh_reads_the_secret_at_once(secrets_manager, clock):
    arn = secrets_manager.create_secret(Name="db", SecretString=json.dumps({"password": "old"}))["ARN"]
    secrets.secret_field(arn, "password")
    secrets_manager.put_secret_value(SecretId=arn, SecretString=json.dumps({"password": "new"}))

    assert secrets.secret_field(arn, "password", refresh=True) == "new"


def test_a_plain_string_secret_is_its_own_value(secrets_manager):
    arn = secrets_manager.create_secret(Name="jwt", SecretString="x" * 40)["ARN"]

    assert secrets.secret_field(arn, "jwt_secret") == "x" * 40


def test_database_user_and_password_both_come_from_the_secret(secrets_manager):
    document = {"username": "app_rotated", "password": "pw-1", "engine": "mysql"}
    arn = secrets_manager.create_secret(Name="rds", SecretString=json.dumps(document))["ARN"]
    settings = load_settings({"MYSQL_SECRET_ID": arn, "MYSQL_USER": "from-env", "JWT_SECRET": "s" * 40})

    assert credentials(settings) == ("app_rotated", "pw-1")


def test_database_credentials_come_from_the_environment_locally(process_settings):
    settings = load_settings({"MYSQL_USER": "local", "MYSQL_PASSWORD": "pw", "JWT_SECRET": "s" * 40})

    assert credentials(settings) == ("local", "pw")
