"""events/: one real-shaped sample event per function, equal to the generator's output, and each one
runs with ``make invoke`` against the local stack (as ``sam local invoke -e`` would)."""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from gophertok import registry
from gophertok_local import sam_env, sample_events
from gophertok_local.sample_events import SAMPLE_ID_BASE, function_of

REPO_ROOT = Path(__file__).resolve().parents[2]
EVENT_FILES = sorted((REPO_ROOT / "events").glob("*.json"))


def test_events_dir_is_exactly_what_the_generator_writes():
    assert sample_events.stale_files() == [], "run `make events`"


def test_every_function_has_a_sample_and_every_kafka_consumer_both_kafka_and_msk():
    names = {path.name for path in EVENT_FILES}
    assert {function_of(name) for name in names} == set(registry.all_functions())
    for consumer in registry.CONSUMERS:
        assert {f"{consumer.function}.kafka.json", f"{consumer.function}.msk.json"} <= names
    msk = json.loads((REPO_ROOT / "events" / f"{registry.CONSUMERS[0].function}.msk.json").read_text())
    assert msk["eventSource"] == "aws:kafka" and msk["eventSourceArn"].startswith("arn:aws:kafka:")


def test_env_json_is_the_generators_defaults_without_secrets():
    assert (REPO_ROOT / "env.json").read_text() == sam_env.render()
    parameters = json.loads(sam_env.render())["Parameters"]
    assert all(parameters[name] == "" for name in sam_env.SECRETS)


@pytest.fixture
def sample_rows_removed(database, redis_client):
    """The consumer samples write rows for the sample ids (far above real ids); remove them afterwards."""
    yield
    low = SAMPLE_ID_BASE
    for sql in (
        "DELETE FROM videos WHERE id >= %s",
        "DELETE FROM comments WHERE id >= %s",
        "DELETE FROM messages WHERE id >= %s",
        "DELETE FROM favorites WHERE user_id >= %s",
        "DELETE FROM follows WHERE follower_id >= %s",
    ):
        database.execute(sql, (low,))
    marker = str(low)[:10]
    for key in list(redis_client.scan_iter(f"*{marker}*", count=1000)):
        redis_client.delete(key)
    for key in redis_client.scan_iter("*feed*", count=1000):
        if redis_client.type(key) == "zset":
            members = [m for m in redis_client.zrange(key, 0, -1) if str(m).startswith(marker)]
            if members:
                redis_client.zrem(key, *members)


def _make_invoke(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", "invoke", f"FN={function_of(path.name)}", f"EVENT=events/{path.name}"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_make_invoke_runs_every_sample_event(sample_rows_removed):
    with ThreadPoolExecutor(4) as executor:
        runs = dict(zip(EVENT_FILES, executor.map(_make_invoke, EVENT_FILES), strict=True))
    assert len(runs) >= len(registry.all_functions())
    for path, run in runs.items():
        assert run.returncode == 0, (path.name, run.stderr[-2000:])
        assert "REPORT RequestId:" in run.stderr and "Init Duration:" in run.stderr, path.name
        assert "Traceback" not in run.stderr, (path.name, run.stderr[-2000:])
        result = json.loads(run.stdout)
        if path.name == "video_feed.json":  # the instance counts the invocation's round trips
            assert "Redis round trips: 0\t" not in run.stderr, run.stderr[-500:]
        if function_of(path.name) in registry.http_functions():
            body = json.loads(result["body"])
            assert result["statusCode"] < 500 and body["status_code"] < 50000, (path.name, body)
        elif path.name.endswith((".kafka.json", ".msk.json")) or function_of(path.name) in {
            *registry.OPS_FUNCTIONS,
            *registry.scheduled_functions(),
        }:
            assert isinstance(result, dict) and "errorType" not in result, (path.name, result)
        else:
            assert result == {"batchItemFailures": []}, (path.name, result)  # settled, not left for retry
