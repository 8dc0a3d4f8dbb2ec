"""Session-wide fixtures for the integration tier. Unit tests (tests/unit) need none of them.

The integration tier expects the local stack from `make up` and its environment (`make test` runs
pytest through infra/with-env.sh); a missing variable fails loudly instead of skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from gophertok import keys
from gophertok.config import DEFAULT_RATE_LIMITS
from support.local_api import running_api

INTEGRATION_DIR = Path(__file__).parent / "integration"
STACK_DIRS = (INTEGRATION_DIR, Path(__file__).parent / "fuzz", Path(__file__).parent / "browser")  # need `make up`

# The suite registers hundreds of users and sends bursts of messages from 127.0.0.1 within minutes, far over the
# production rate limits, so it runs with generous ones (the limits still run, as scripts in Redis, on every
# write). tests/integration/test_rate_limits.py starts its own API with strict limits.
SUITE_RATE_LIMITS = {
    **{f"RATE_LIMIT_{action.upper()}": "100000/60" for action in DEFAULT_RATE_LIMITS},
    "LOGIN_FREE_FAILURES_PER_USER": "100000",
    "LOGIN_FREE_FAILURES_PER_IP": "100000",
}
for _name, _value in SUITE_RATE_LIMITS.items():
    os.environ.setdefault(_name, _value)
LOCAL_IP = "127.0.0.1"
REQUIRED_ENV = ("MYSQL_PASSWORD", "JWT_SECRET", "KAFKA_BOOTSTRAP_SERVERS", "AWS_ENDPOINT_URL", "REDIS_URL")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(folder in Path(str(item.fspath)).parents for folder in STACK_DIRS):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def stack_env() -> None:
    missing = [name for name in REQUIRED_ENV if not os.environ.get(name)]
    if missing:
        pytest.fail(f"integration tests need the local stack environment ({', '.join(missing)}): run `make test`")


@pytest.fixture(scope="session")
def api_url(stack_env: None, redis_client) -> Iterator[str]:
    """Base URL of the local API with the consumers running (started once per session)."""
    # Every request comes from 127.0.0.1, whose limits are shared with whatever else ran on this machine with
    # production limits (`make run`, say): the suite starts from a clean budget for this address.
    redis_client.delete(keys.rate_limit("register", LOCAL_IP), keys.login_failures("ip", LOCAL_IP))
    with running_api() as url:
        yield url


@pytest.fixture(scope="session")
def database(stack_env: None):
    from gophertok.adapters.mysql import Database

    db = Database()
    yield db
    db.close()


@pytest.fixture(scope="session")
def redis_client(stack_env: None):
    from gophertok.adapters.redis_client import get_redis

    return get_redis()


@pytest.fixture(scope="session")
def s3(stack_env: None):
    from support.aws import s3_client

    return s3_client()
