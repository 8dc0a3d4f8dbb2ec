"""Rate limits in Redis: a GCRA per (action, subject) and an exponential lockout of failed logins.

Invariants:
- Check and count are one Lua script on one key, so parallel requests (any number of Lambdas) cannot slip past
  a limit, and the scripts run unchanged on Redis Cluster. Time comes from Redis (``TIME``), one clock for all.
- A refused request writes nothing: the script changes the key only when it lets the request through.
- Every key carries a TTL equal to the time until it would be back at rest, so idle subjects cost nothing.

The limits are settings (gophertok.config: ``RATE_LIMIT_<ACTION>``, ``LOGIN_*``); docs/rate-limits.md lists
them and the answer a refused client gets (status_code 42900 and a Retry-After header).
"""

from __future__ import annotations

import hashlib
import math

from gophertok import keys
from gophertok.adapters.redis_client import get_redis
from gophertok.config import Settings, get_settings
from gophertok.errors import RateLimited

# What a refused client is told it sent too many of, per action (the message names it).
ACTIONS = {
    "register": "registrations",
    "comment": "comments",
    "message": "messages",
    "follow": "follow requests",
    "like": "likes",
    "publish": "videos published",
    "upload_url": "upload requests",
}

# GCRA. KEYS[1] the limit's key; ARGV[1] emission interval ms; ARGV[2] burst (requests allowed at once).
# Returns 0 when the request is allowed (and counted), else the ms until it would be.
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local wait = tat - interval * (tonumber(ARGV[2]) - 1) - now
if wait > 0 then return wait end
redis.call('SET', KEYS[1], tat + interval, 'PX', tat + interval - now)
return 0
"""

# Login attempt. KEYS[1] the failures hash; ARGV[1] free failures; ARGV[2] base lock ms; ARGV[3] max lock ms;
# ARGV[4] memory ms. The attempt counts as a failure up front (a success takes it back), so parallel guesses
# cannot all run before the first is counted. Returns 0 to proceed, else the ms until the lock ends.
_LOGIN_ATTEMPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local locked_until = tonumber(redis.call('HGET', KEYS[1], 'until') or 0)
if locked_until > now then return locked_until - now end
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local keep = tonumber(ARGV[4])
if failures >= tonumber(ARGV[1]) then
  local lock = math.floor(math.min(tonumber(ARGV[3]), tonumber(ARGV[2]) * 2 ^ (failures - tonumber(ARGV[1]))))
  redis.call('HSET', KEYS[1], 'until', now + lock)
  keep = keep + lock
end
redis.call('PEXPIRE', KEYS[1], keep)
return 0
"""

# Take back one attempt counted up front (it succeeded, or another check refused the request). Never creates
# the key, so it never leaves one without a TTL.
_LOGIN_TAKE_BACK = """
if tonumber(redis.call('HGET', KEYS[1], 'failures') or 0) > 0 then
  redis.call('HINCRBY', KEYS[1], 'failures', -1)
end
return 0
"""


def hit(action: str, subject: int | str, settings: Settings | None = None) -> None:
    """Count one ``action`` by ``subject`` (a user id or a source IP).

    Raises RateLimited, having counted nothing, when ``subject`` is over the action's limit.
    """
    rate = (settings or get_settings()).rate_limits.get(action)
    if rate is None:
        return
    wait_ms = get_redis().register_script(_GCRA)(
        keys=[keys.rate_limit(action, str(subject))], args=[rate.interval_ms, rate.count]
    )
    if int(wait_ms) > 0:
        raise RateLimited(ACTIONS[action], _seconds(wait_ms))


def begin_login(username: str, source_ip: str, settings: Settings | None = None) -> None:
    """Count a login attempt against the username and the source IP before the password is checked.

    Raises RateLimited, counting nothing, while either is locked out.
    """
    lockout = (settings or get_settings()).login_lockout
    common = [round(lockout.base_seconds * 1000), round(lockout.max_seconds * 1000)]
    memory = round(lockout.memory_seconds * 1000)
    user_key, ip_key = _login_keys(username, source_ip)
    script = get_redis().register_script(_LOGIN_ATTEMPT)
    wait_ms = int(script(keys=[user_key], args=[lockout.free_per_user, *common, memory]))
    if wait_ms <= 0:
        wait_ms = int(script(keys=[ip_key], args=[lockout.free_per_ip, *common, memory]))
        if wait_ms > 0:
            _take_back(user_key)
    if wait_ms > 0:
        raise RateLimited("failed logins", _seconds(wait_ms))


def login_succeeded(username: str, source_ip: str) -> None:
    """The password was right: the username's failures are cleared; the IP gets back this one attempt only
    (an attacker cannot reset an IP's count by logging into an account of their own)."""
    user_key, ip_key = _login_keys(username, source_ip)
    get_redis().delete(user_key)
    _take_back(ip_key)


def _take_back(key: str) -> None:
    get_redis().register_script(_LOGIN_TAKE_BACK)(keys=[key], args=[])


def _login_keys(username: str, source_ip: str) -> tuple[str, str]:
    # A digest keeps keys short and printable whatever the username holds.
    digest = hashlib.blake2b(username.encode("utf-8"), digest_size=16).hexdigest()
    return keys.login_failures("user", digest), keys.login_failures("ip", source_ip or "unknown")


def _seconds(wait_ms: int | str) -> int:
    return max(1, math.ceil(int(wait_ms) / 1000))
