"""Nothing acknowledged is lost when MariaDB or Redis fails, or the API's or the consumers' process is killed, under
load (issue 13): 8 writers drive follows, likes,
comments and messages through a fresh local API (with its consumers) while one fault is injected; afterwards MySQL
must hold exactly the acknowledged final state, and the API's counts must equal its lists and MySQL, as served and
again after a Redis FLUSHALL. Each fault runs once (a module-scoped, parametrised fixture) and prints its row of the
closing note's table."""

from __future__ import annotations

import time

import pytest

from support.local_api import LocalApi
from support.services_faults import flush_redis, take_down

from .harness import OPS_PER_WRITER, WRITERS, Figures, Ledger, run_scenario

pytestmark = pytest.mark.integration

RECOVERY_LIMIT_SECONDS = 10
UNAVAILABLE = 50300


def mariadb_down(seconds: float):
    def inject(_ledger: Ledger, _api: LocalApi) -> float:
        return take_down("mariadb", seconds)

    return inject


def redis_killed(seconds: float):
    def inject(_ledger: Ledger, _api: LocalApi) -> float:
        return take_down("redis", seconds)

    return inject


def process_killed(program: str, times: int = 2):
    """kill -9 the local API's process or its consumers' process ``times`` times (at a quarter, then every tenth
    of the writes); its supervisor starts it again, as under `make run`. Over once the last one is back."""

    def inject(ledger: Ledger, api: LocalApi) -> float:
        total = WRITERS * OPS_PER_WRITER
        for n in range(times):
            _wait_until_sent(ledger, total * (25 + n * 10) // 100)
            api.wait_restarted(program, api.kill(program))
        return time.monotonic()

    return inject


def redis_flushed(times: int):
    """FLUSHALL ``times`` times, spread from a quarter to about two thirds of the writes."""

    def inject(ledger: Ledger, _api: LocalApi) -> float:
        total = WRITERS * OPS_PER_WRITER
        flushed_at = time.monotonic()
        for n in range(times):
            mark = total * (25 + n * 10) // 100
            _wait_until_sent(ledger, mark)
            flush_redis()
            flushed_at = time.monotonic()
        return flushed_at

    return inject


def _wait_until_sent(ledger: Ledger, count: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while ledger.sent < count:
        assert time.monotonic() < deadline, f"only {ledger.sent} of {count} writes sent after {timeout:.0f}s"
        time.sleep(0.02)


FAULTS = {
    "MariaDB kill -9, down 3 s": mariadb_down(3),
    "MariaDB kill -9, down 10 s": mariadb_down(10),
    "Redis FLUSHALL x5 under load": redis_flushed(5),
    "Redis kill -9, down 3 s": redis_killed(3),
    "API process kill -9 x2": process_killed("api"),
    "consumers process kill -9 x2": process_killed("consumers"),
}


# A flush while changes are on their way to MySQL (a Redis restarted without persistence comes back empty: the same):
# the counters it rebuilds miss them until the reconciliation's second look (a minute or two on its schedule);
# write-behind cannot know what a flush erased.
FLUSHES_IN_FLIGHT = {"Redis FLUSHALL x5 under load", "Redis kill -9, down 3 s"}
API_DOWN = {"API process kill -9 x2"}


@pytest.fixture(scope="module", params=list(FAULTS))
def fault(request, stack_env) -> Figures:
    return run_scenario(request.param, FAULTS[request.param])


def test_writes_are_acknowledged(fault):
    assert fault.acked > fault.sent // 2, fault.answers


def test_nothing_acknowledged_is_lost(fault):
    lost = {k: v for k, v in fault.differences.items() if v and not k.startswith("duplicated")}
    assert fault.lost == 0, f"{lost}; e.g. {fault.lost_examples}"


def test_nothing_is_stored_twice(fault):
    assert fault.duplicated == 0, fault.differences


def test_only_refused_writes_may_be_stored_unacknowledged(fault):
    assert fault.phantom <= fault.not_acked, fault.phantom_examples


def test_counts_equal_lists_and_mysql_as_served(fault):
    if fault.fault in FLUSHES_IN_FLIGHT:
        pytest.skip("counters rebuilt while changes were in flight are repaired by the reconciliation (next test)")
    assert fault.mismatches == []


def test_counts_equal_lists_and_mysql_once_reconciled(fault):
    assert fault.mismatches_after_repair == []


def test_counts_equal_lists_and_mysql_after_a_rebuild_from_mysql(fault):
    assert fault.mismatches_after_flush == []


def test_writes_are_acknowledged_again_soon_after_the_fault(fault):
    assert fault.recovery is not None and fault.recovery < RECOVERY_LIMIT_SECONDS, fault.recovery


def test_no_server_errors_and_every_request_answered(fault):
    assert fault.server_errors == {}
    if fault.fault not in API_DOWN:  # a killed API cannot answer: its requests end in a dropped connection
        assert "transport" not in fault.answers, fault.answers  # a timeout or a dropped connection: no answer at all


def test_an_outage_is_answered_503_while_redis_is_down(fault):
    if not fault.fault.startswith("Redis kill"):
        pytest.skip("only Redis being down must refuse writes")
    assert fault.answers.get(UNAVAILABLE, 0) > 0, fault.answers
