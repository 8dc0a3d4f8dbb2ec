"""The local stack from `make up` is what the rest of the integration tier assumes: migrated schema,
every registry topic, and a media bucket that serves objects anonymously over plain HTTP."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import pymysql
import pytest
import requests
from botocore.config import Config
from kafka import KafkaAdminClient

from gophertok import registry

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
MIGRATIONS = REPO / "shared" / "migrations"


def env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run the tests through `make test` (infra/with-env.sh)")
    return value


def schema_migrations() -> list[tuple]:
    conn = pymysql.connect(
        host=env("MYSQL_HOST"),
        port=int(env("MYSQL_PORT")),
        user=env("MYSQL_USER"),
        password=env("MYSQL_PASSWORD"),
        database=env("MYSQL_DATABASE"),
        connect_timeout=5,
    )
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version")
            return list(cur.fetchall())
    finally:
        conn.close()


def run_migrate() -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO / "infra" / "migrate.py")], capture_output=True, text=True, timeout=120
    )


def test_migrate_twice_records_every_file_once_with_its_checksum():
    # Given the stack is up and migrated, when migrate runs twice more
    first, second = run_migrate(), run_migrate()
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert "0 applied now" in second.stdout

    # Then schema_migrations is unchanged by the second run and matches the files byte for byte
    before = schema_migrations()
    assert run_migrate().returncode == 0
    assert schema_migrations() == before
    expected = {
        int(path.name[:4]): (path.name, hashlib.sha256(path.read_bytes()).hexdigest())
        for path in MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.sql")
    }
    assert {version: (name, checksum) for version, name, checksum, _ in before} == expected


def test_every_registry_topic_exists_on_the_broker():
    admin = KafkaAdminClient(bootstrap_servers=env("KAFKA_BOOTSTRAP_SERVERS").split(","), request_timeout_ms=10_000)
    try:
        existing = set(admin.list_topics())
    finally:
        admin.close()
    assert set(registry.topics()) <= existing


def test_media_bucket_serves_an_uploaded_object_anonymously_over_http():
    bucket = env("MEDIA_BUCKET")
    key = f"tests/local-stack/{uuid.uuid4().hex}.txt"
    body = b"gophertok local stack " + key.encode()
    s3 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}))
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="text/plain")
    try:
        # No credentials, no signature: what a phone does with a play_url / cover_url.
        response = requests.get(f"{env('MEDIA_BASE_URL')}/{key}", timeout=10)
        assert response.status_code == 200
        assert response.content == body
        assert response.headers["Content-Type"].startswith("text/plain")
    finally:
        s3.delete_object(Bucket=bucket, Key=key)


def test_status_reports_one_line_per_service_all_up():
    result = subprocess.run([str(REPO / "infra" / "stack.sh"), "status"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["mariadb", "redis", "kafka", "aws"]
    assert all(" up " in line for line in lines), result.stdout
