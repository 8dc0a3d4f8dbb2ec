"""Reconciliation: the read model's counters and id sets against MySQL, repaired where they drifted.

Write-behind keeps Redis ahead of MySQL by the consumers' lag, so one difference may be a change still in
flight. A difference is therefore only a *suspect* the first time; it is repaired when the next run (a
scheduled function, SUSPECT_SECONDS later at the earliest) still sees the same difference, which a change in
flight would have closed by then. Repairs overwrite a loaded counters hash with MySQL's counts and drop an id
set (a user's follows, followers or likes, a video's comments) whose size disagrees with MySQL (it is rebuilt on
its next read): so a comment shown by a writer that crashed before announcing it leaves the list again. Every run
walks the next BATCH users and videos by id, from a cursor kept in Redis, so a deployment is covered in turn
whatever its size; ids whose counters or id sets were rebuilt from MySQL lately (after an eviction or a flush,
possibly while changes were in flight) come first, and stay first until nothing of theirs is suspect, so their drift
is repaired within two runs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import cast

from gophertok import keys, logs, metrics
from gophertok.adapters.mysql import get_database
from gophertok.adapters.redis_client import get_redis, mget, run_script_per_key
from gophertok.services import read_model

BATCH = 500
SUSPECT_SECONDS = 30
log = logs.get_logger("gophertok.reconciliation")

# KEYS[1] a counters hash; ARGV field, value pairs then the TTL. Overwrites a loaded hash only.
_OVERWRITE_IF_LOADED = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 1, #ARGV - 1, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('EXPIRE', KEYS[1], ARGV[#ARGV])
return 1
"""

# id set -> (its key, the MySQL count its size must match): per user, and per video
SetSizes = dict[str, tuple[Callable[[int], str], str]]
_USER_SETS: SetSizes = {
    "following": (keys.user_following, "follow_count"),
    "followers": (keys.user_followers, "follower_count"),
    "likes": (keys.user_likes, "favorite_count"),
}
# A comment shown and never announced (its writer crashed in between) lists a comment MySQL never gets.
_VIDEO_SETS: SetSizes = {"comments": (keys.video_comments, "comment_count")}


@dataclass
class Report:
    checked: int = 0
    suspects: int = 0
    repaired: dict[str, int] = field(default_factory=dict)

    def repair(self, kind: str) -> None:
        self.repaired[kind] = self.repaired.get(kind, 0) + 1


def reconcile_summary() -> dict[str, int]:
    """One scheduled run (the reconcile function): what was checked, suspected and repaired."""
    report = reconcile()
    return {"checked": report.checked, "suspects": report.suspects, **report.repaired}


def reconcile(batch: int = BATCH, now: float | None = None) -> Report:
    """Check the next ``batch`` users and videos; repair the drift seen twice. Emits ``Drift`` metrics."""
    now = time.time() if now is None else now
    report = Report()
    user_priority, video_priority = _priority_ids("users", batch), _priority_ids("videos", batch)
    user_ids = sorted({*user_priority, *_next_ids("users", batch)})
    video_ids = sorted({*video_priority, *_next_ids("videos", batch)})
    user_drift = _counter_drift(user_ids, keys.user_stats, keys.USER_STAT_FIELDS, read_model.user_counts)
    video_drift = _counter_drift(video_ids, keys.video_stats, keys.VIDEO_STAT_FIELDS, read_model.video_counts)
    set_drift = {
        **_set_drift(user_ids, _USER_SETS, read_model.user_counts),
        **_set_drift(video_ids, _VIDEO_SETS, read_model.video_counts),
    }
    report.checked = len(user_ids) + len(video_ids)
    found = {**user_drift, **video_drift, **set_drift}
    confirmed = _confirm(found, now)
    report.suspects = len(found) - len(confirmed)
    _repair(confirmed, report)
    _settle_priority("users", user_priority, keys.user_stats, _USER_SETS, found, confirmed)
    _settle_priority("videos", video_priority, keys.video_stats, _VIDEO_SETS, found, confirmed)
    metrics.count("Drift", sum(report.repaired.values()))
    log.info("reconciled", extra={"checked": report.checked, "suspects": report.suspects, **report.repaired})
    return report


def _next_ids(table: str, batch: int) -> list[int]:
    """The next ``batch`` ids of ``table`` after the cursor kept in Redis (wrapping around at the end)."""
    redis, cursor_key = get_redis(), keys.reconcile_cursor(table)
    after = int(redis.get(cursor_key) or 0)
    rows = get_database().query(f"SELECT id FROM {table} WHERE id > %s ORDER BY id LIMIT %s", (after, batch))
    ids = [int(row["id"]) for row in rows]
    redis.set(cursor_key, ids[-1] if len(ids) == batch else 0, ex=keys.CACHE_TTL_SECONDS)
    return ids


def _priority_ids(table: str, batch: int) -> list[int]:
    """Up to ``batch`` ids whose counters were rebuilt lately (read_model), checked before the cursor's."""
    members = get_redis().srandmember(keys.reconcile_priority(table), batch)
    return [int(member) for member in cast("list[str]", members or [])]


def _settle_priority(
    table: str, ids: Sequence[int], key: Callable[[int], str], sets: SetSizes, found: Drift, confirmed: Drift
) -> None:
    """Drop from the priority set the ids found right or repaired; one with a suspect (its counters or one of its
    sets) stays for its second look."""

    def settled(item: int) -> bool:
        names = [f"counters:{key(item)}", *(f"set:{key_of(item)}" for key_of, _ in sets.values())]
        return all(name not in found or name in confirmed for name in names)

    done = [item for item in ids if settled(item)]
    if done:
        get_redis().srem(keys.reconcile_priority(table), *done)


Drift = dict[str, dict[str, int]]  # drift key ("<kind>:<redis key>") -> what MySQL says


def _counter_drift(
    ids: Sequence[int],
    key: Callable[[int], str],
    fields: Sequence[str],
    counts: Callable[[Sequence[int]], read_model.Counts],
) -> Drift:
    if not ids:
        return {}
    pipe = get_redis().pipeline(transaction=False)
    for item in ids:
        pipe.hgetall(key(item))
    cached = dict(zip(ids, pipe.execute(), strict=True))
    loaded = [item for item in ids if cached[item]]
    truth = counts(loaded) if loaded else {}
    drift: Drift = {}
    for item in loaded:
        seen = {name: int(cached[item].get(name, 0)) for name in fields}
        if seen != truth[item]:
            drift[f"counters:{key(item)}"] = truth[item]
    return drift


def _set_drift(ids: Sequence[int], sets: SetSizes, counts: Callable[[Sequence[int]], read_model.Counts]) -> Drift:
    """Loaded id sets whose size differs from MySQL's count (their counters are checked above)."""
    if not ids:
        return {}
    pipe = get_redis().pipeline(transaction=False)
    for item in ids:
        for key_of, _ in sets.values():
            pipe.zcard(key_of(item))
            pipe.zscore(key_of(item), keys.SENTINEL)
    replies = iter(pipe.execute())
    loaded: dict[tuple[str, int], int] = {}
    for item in ids:
        for kind in sets:
            size, floor = int(next(replies)), next(replies)
            if size and not floor:  # loaded and whole (a bounded set above its floor is not a count)
                loaded[(kind, item)] = size - 1  # without the sentinel
    if not loaded:
        return {}
    truth = counts(sorted({item for _, item in loaded}))
    return {
        f"set:{sets[kind][0](item)}": {"size": truth[item][sets[kind][1]]}
        for (kind, item), size in loaded.items()
        if size != truth[item][sets[kind][1]]
    }


def _confirm(found: Drift, now: float) -> Drift:
    """The drift already suspected by an earlier run (at least SUSPECT_SECONDS ago) with the same truth;
    the rest is remembered as suspects for the next run."""
    redis = get_redis()
    names = list(found)
    earlier = mget(redis, [keys.reconcile_suspect(name) for name in names])
    confirmed: Drift = {}
    pipe = redis.pipeline(transaction=False)
    for name, previous in zip(names, earlier, strict=True):
        seen = json.loads(previous) if previous else None
        if seen and seen["truth"] == found[name] and now - seen["at"] >= SUSPECT_SECONDS:
            confirmed[name] = found[name]
            pipe.delete(keys.reconcile_suspect(name))
        elif not seen or seen["truth"] != found[name]:
            record = json.dumps({"truth": found[name], "at": now})
            pipe.set(keys.reconcile_suspect(name), record, ex=10 * SUSPECT_SECONDS + 600)
    pipe.execute()
    return confirmed


def _repair(confirmed: Drift, report: Report) -> None:
    counters = [(name.split(":", 1)[1], truth) for name, truth in confirmed.items() if name.startswith("counters:")]
    run_script_per_key(
        _OVERWRITE_IF_LOADED,
        [(key, [*read_model.field_pairs(truth), keys.CACHE_TTL_SECONDS]) for key, truth in counters],
    )
    for _ in counters:
        report.repair("counters")
    stale_sets = [name.split(":", 1)[1] for name in confirmed if name.startswith("set:")]
    if stale_sets:
        pipe = get_redis().pipeline(transaction=False)  # one key per command: cluster-safe
        for name in stale_sets:
            pipe.delete(name)
            report.repair("sets")
        pipe.execute()
