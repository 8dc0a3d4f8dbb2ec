"""The local instance pool plays Lambda's concurrency model: one invocation per instance at a time, warm
instances reused, at most max_concurrency running, cold starts reported, and failures (exceptions,
timeouts, crashes, init errors) reported as Lambda does while the pool keeps serving."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from gophertok_local.pool import InstancePool

FUNCTIONS = {
    "echo": """
import os
def handler(event, context):
    print("echo log line", flush=False)
    return {"event": event, "pid": os.getpid(), "function": context.function_name}
""",
    "slow": """
import os, time
def handler(event, context):
    time.sleep(event.get("sleep", 0.3))
    return {"pid": os.getpid()}
""",
    "fails": """
def handler(event, context):
    raise ValueError("bad event")
""",
    "crashes": """
import os
def handler(event, context):
    os._exit(3)
""",
    "broken_init": """
raise RuntimeError("cannot start")
""",
}


@pytest.fixture(scope="module")
def functions_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("functions")
    for name, source in FUNCTIONS.items():
        (root / name).mkdir()
        (root / name / "app.py").write_text(source)
    return root


@pytest.fixture
def make_pool(functions_dir):
    pools: list[InstancePool] = []

    def make(**options) -> InstancePool:
        pool = InstancePool(env={"LOCAL_FUNCTIONS_DIR": str(functions_dir)}, log_sink=lambda f, line: None, **options)
        pools.append(pool)
        return pool

    yield make
    for pool in pools:
        pool.close()


def test_the_first_invocation_is_cold_and_the_next_reuses_the_warm_instance(make_pool):
    pool = make_pool(max_concurrency=2)
    first, second = pool.invoke("echo", {"n": 1}), pool.invoke("echo", {"n": 2})
    assert first.error is None and first.result["event"] == {"n": 1} and first.result["function"] == "echo"
    assert first.cold and first.init_ms > 0
    assert not second.cold and second.result["pid"] == first.result["pid"]
    assert pool.stats()["cold_starts"] == 1


def test_logs_reach_the_sink_with_the_function_name(functions_dir):
    lines: list[tuple[str, str]] = []
    pool = InstancePool(
        env={"LOCAL_FUNCTIONS_DIR": str(functions_dir)}, log_sink=lambda f, line: lines.append((f, line))
    )
    try:
        pool.invoke("echo", {})
    finally:
        pool.close()  # joins the log reader
    assert ("echo", "echo log line") in lines


def test_at_most_max_concurrency_run_at_once_and_each_instance_runs_one_at_a_time(make_pool):
    pool = make_pool(max_concurrency=2)
    started = time.monotonic()
    with ThreadPoolExecutor(6) as executor:
        outcomes = list(executor.map(lambda _: pool.invoke("slow", {"sleep": 0.3}), range(6)))
    elapsed = time.monotonic() - started
    assert all(outcome.error is None for outcome in outcomes)
    assert pool.stats()["peak_running"] == 2
    assert len({outcome.result["pid"] for outcome in outcomes}) == 2
    assert elapsed >= 0.9  # three rounds of two


def test_concurrent_invocations_each_see_only_their_own_event(make_pool):
    pool = make_pool(max_concurrency=4)
    with ThreadPoolExecutor(16) as executor:
        outcomes = list(executor.map(lambda n: (n, pool.invoke("echo", {"n": n})), range(200)))
    assert all(outcome.result["event"] == {"n": n} for n, outcome in outcomes)


def test_a_handler_exception_is_lambdas_error_document_and_the_instance_stays_warm(make_pool):
    pool = make_pool(max_concurrency=1)
    first, second = pool.invoke("fails", {}), pool.invoke("fails", {})
    assert first.error["errorType"] == "ValueError" and first.error["errorMessage"] == "bad event"
    assert first.error["stackTrace"]
    assert not second.cold


def test_a_timeout_kills_the_instance_and_the_next_invocation_starts_a_new_one(make_pool):
    pool = make_pool(max_concurrency=1, timeout_seconds=1.0)
    warm = pool.invoke("slow", {"sleep": 0})
    timed_out = pool.invoke("slow", {"sleep": 5})
    after = pool.invoke("slow", {"sleep": 0})
    assert timed_out.error["errorType"] == "Sandbox.Timedout"
    assert after.error is None and after.cold and after.result["pid"] != warm.result["pid"]


def test_a_crash_and_an_init_error_are_reported_and_the_pool_keeps_serving(make_pool):
    pool = make_pool(max_concurrency=1)
    crashed = pool.invoke("crashes", {})
    broken = pool.invoke("broken_init", {})
    fine = pool.invoke("echo", {"n": 1})
    assert crashed.error["errorType"] == "Runtime.ExitError"
    assert broken.error is not None and broken.result is None
    assert fine.error is None and pool.stats()["running"] == 0


def test_the_least_recently_used_idle_instance_makes_room_when_too_many_are_alive(make_pool):
    pool = make_pool(max_concurrency=1)
    pool.max_instances = 1
    pool.invoke("echo", {})
    pool.invoke("slow", {"sleep": 0})
    assert pool.stats()["live"] == 1
    assert pool.invoke("echo", {}).cold


def test_the_pool_handler_raises_for_the_runners_retry_logic(make_pool):
    pool = make_pool(max_concurrency=1)
    seen = []
    handler = pool.handler("fails", on_done=lambda outcome, event: seen.append(outcome.error["errorType"]))
    with pytest.raises(Exception, match="bad event"):
        handler({"records": {}}, None)
    assert seen == ["ValueError"]
    assert threading.active_count() < 50
