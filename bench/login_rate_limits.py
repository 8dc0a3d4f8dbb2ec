"""How many login guesses per second an attacker gets, per username and per source IP, without and with the lockout.

The user_login handler is invoked in-process (as Lambda does) with API Gateway events, one attempt after another
with a wrong password, for a fixed window. A refused attempt (42900) makes the "attacker" wait the Retry-After
it was given, the fastest legal pace. Two scenarios:
- per username: every guess against one username from one IP;
- per IP: every guess against a new username (password spraying) from one IP.
"before" is the same code with the lockout set out of reach (the behaviour before rate limits existed, bound by
Argon2); "after" uses the configured settings. It also prints what the settings allow over a whole hour, which
the window is too short to measure. Uses its own usernames and IPs and deletes their keys afterwards.

Run with the stack's environment, e.g.:
    infra/with-env.sh .venv/bin/python bench/login_rate_limits.py --seconds 20
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import time
import uuid

from gophertok import keys, logs
from gophertok.adapters.redis_client import get_redis
from gophertok.config import LoginLockout, get_settings
from gophertok_local.events import http_event
from gophertok_local.functions import invoke

UNREACHABLE = "1000000000"


def attempt(username: str, source_ip: str) -> tuple[int, int]:
    """(status_code, Retry-After seconds or 0) of one login with a wrong password."""
    event = http_event(
        "POST", "/douyin/user/login/", query={"username": username, "password": "wrong-guess"}, source_ip=source_ip
    )
    with contextlib.redirect_stdout(io.StringIO()):  # the handler's metric lines
        response = invoke("user_login", event)
    return json.loads(response["body"])["status_code"], int(response["headers"].get("Retry-After", 0))


def run(seconds: float, spray: bool) -> float:
    """Guesses that reached the password check per second over the window."""
    source_ip = f"198.18.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    target = f"bench{uuid.uuid4().hex[:12]}"
    names = []
    checked = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        username = f"bench{uuid.uuid4().hex[:12]}" if spray else target
        names.append(username)
        status, retry_after = attempt(username, source_ip)
        if status == 42900:
            time.sleep(min(retry_after, max(0.0, deadline - time.monotonic())))
        else:
            assert status == 20004, status
            checked += 1
    _forget(names, source_ip)
    return checked / seconds


def _forget(usernames: list[str], source_ip: str) -> None:
    from gophertok.ratelimit import _login_keys

    names = {_login_keys(name, source_ip)[0] for name in usernames} | {keys.login_failures("ip", source_ip)}
    get_redis().delete(*names)


def allowed_in(window_s: float, free: int, lockout: LoginLockout) -> int:
    """Guesses the lockout lets through in ``window_s`` at the fastest legal pace (attempts themselves take 0 s)."""
    allowed, clock, failures = 0, 0.0, 0
    while clock <= window_s:
        allowed += 1
        failures += 1
        if failures >= free:
            clock += min(lockout.max_seconds, lockout.base_seconds * 2 ** (failures - free))
    return allowed


def configure(unlimited: bool) -> None:
    for name in ("LOGIN_FREE_FAILURES_PER_USER", "LOGIN_FREE_FAILURES_PER_IP"):
        if unlimited:
            os.environ[name] = UNREACHABLE
        else:
            os.environ.pop(name, None)
    get_settings.cache_clear()


def main() -> None:
    logs.setup_logging()
    for handler in logging.getLogger().handlers:  # one access log line per guess would drown the figures
        handler.setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each measured window")
    args = parser.parse_args()
    results = {}
    for phase, unlimited in (("before", True), ("after", False)):
        configure(unlimited)
        for scenario, spray in (("per username", False), ("per IP", True)):
            results[(phase, scenario)] = run(args.seconds, spray)
            print(f"{phase:6} {scenario:12}: {results[(phase, scenario)]:6.2f} guesses/s over {args.seconds:.0f} s")
    lockout = get_settings().login_lockout
    for scenario, free in (("per username", lockout.free_per_user), ("per IP", lockout.free_per_ip)):
        hour = allowed_in(3600, free, lockout)
        print(
            f"after  {scenario:12}: {hour} guesses in the first hour ({hour / 3600:.4f}/s), "
            f"then 1 per {lockout.max_seconds:.0f} s"
        )
    print(f"settings: {lockout}")


if __name__ == "__main__":
    main()
