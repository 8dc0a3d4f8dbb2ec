"""Secrets are re-read after SECRETS_TTL_SECONDS or on demand, so a rotation reaches warm containers; the
database takes both its user and its password from the secret (moto stands in for Secrets Manager)."""

from __future__ import annotations

import http.server
import json
import threading
import time
import urllib.parse

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


class FakeExtension(http.server.BaseHTTPRequestHandler):
    """The Parameters and Secrets extension's local endpoint: GET /secretsmanager/get?secretId=..., answering only
    with the session token; it serves what it cached, which may be older than Secrets Manager."""

    values: dict[str, str] = {}
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        secret_id = query.get("secretId", [""])[0]
        FakeExtension.requests.append(secret_id)
        if self.headers.get("X-Aws-Parameters-Secrets-Token") != "session-token" or secret_id not in self.values:
            self.send_response(400 if secret_id in self.values else 404)
            self.end_headers()
            return
        body = json.dumps({"Name": secret_id, "SecretString": self.values[secret_id]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def extension(monkeypatch, secrets_manager):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeExtension)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    FakeExtension.values, FakeExtension.requests = {}, []
    monkeypatch.setenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", str(server.server_address[1]))
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token")
    yield FakeExtension
    server.shutdown()
    server.server_close()


def test_with_the_extension_attached_secrets_are_read_from_it(extension, secrets_manager):
    arn = secrets_manager.create_secret(Name="db", SecretString=json.dumps({"password": "in manager"}))["ARN"]
    extension.values[arn] = json.dumps({"password": "from the extension"})

    assert secrets.secret_field(arn, "password") == "from the extension"
    assert extension.requests == [arn]


def test_a_fresh_read_and_a_failing_extension_go_to_secrets_manager(extension, secrets_manager):
    arn = secrets_manager.create_secret(Name="db", SecretString=json.dumps({"password": "rotated"}))["ARN"]
    extension.values[arn] = json.dumps({"password": "stale"})
    assert secrets.secret_field(arn, "password") == "stale"

    assert secrets.secret_field(arn, "password", refresh=True) == "rotated"  # the extension's cache is bypassed
    other = secrets_manager.create_secret(Name="jwt", SecretString="j" * 40)["ARN"]
    assert secrets.secret_field(other, "jwt_secret") == "j" * 40  # the extension does not know it: 404
