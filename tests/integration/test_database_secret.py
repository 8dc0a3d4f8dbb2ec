"""On AWS the database user and password come from a Secrets Manager secret: against the real MariaDB and the
AWS emulator, a password rotated after it was cached is picked up on the first "access denied"."""

from __future__ import annotations

import dataclasses
import json
import os

import boto3
import pytest

from gophertok.adapters import secrets
from gophertok.adapters.mysql import Database
from gophertok.config import get_settings
from support.polling import unique_name

pytestmark = pytest.mark.integration


def test_a_rotated_database_secret_is_read_again_on_access_denied(stack_env):
    client = boto3.client("secretsmanager")
    real_user, real_password = os.environ["MYSQL_USER"], os.environ["MYSQL_PASSWORD"]
    stale = {"username": real_user, "password": "rotated-away", "engine": "mysql"}
    arn = client.create_secret(Name=unique_name("db-secret"), SecretString=json.dumps(stale))["ARN"]
    try:
        secrets.secret_fields(arn)  # cached, as a warm container holds it
        client.put_secret_value(SecretId=arn, SecretString=json.dumps({**stale, "password": real_password}))
        settings = dataclasses.replace(
            get_settings(), mysql_user="not-this-one", mysql_password="", mysql_secret_id=arn
        )
        database = Database(settings)

        row = database.query_one("SELECT SUBSTRING_INDEX(CURRENT_USER(), '@', 1) AS user")

        assert row == {"user": real_user}
        database.close()
    finally:
        client.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
