"""A bounded fault-injection harness: writer threads drive follows, likes, comments and messages through the
local API while a fault is injected, recording every write the API acknowledged (status_code 0); afterwards the
acknowledged state is compared with MySQL, and the API's counts with its lists and with MySQL (as served, and
again after a Redis FLUSHALL). `run_scenario` does all of it for one fault and returns its `Figures`."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from gophertok.errors import Unavailable
from support.douyin import Account, DouyinClient
from support.interactions import make_video
from support.local_api import LocalApi, local_api
from support.polling import wait_for
from support.services_faults import answers, flush_redis

FOLLOW, UNFOLLOW = 1, 2
LIKE, UNLIKE = 1, 2


@dataclass
class Ledger:
    """What the API acknowledged (and what it refused, which may or may not have happened)."""

    comments: set[str] = field(default_factory=set)  # texts of acknowledged comments
    messages: set[str] = field(default_factory=set)  # contents of acknowledged messages
    follows: dict[tuple[int, int], bool] = field(default_factory=dict)  # last acknowledged state per pair
    likes: dict[tuple[int, int], bool] = field(default_factory=dict)
    uncertain: set[tuple[str, int, int]] = field(default_factory=set)  # pairs whose last attempt was refused
    sent: int = 0
    acked: int = 0
    ack_times: list[float] = field(default_factory=list)
    answers: Counter = field(default_factory=Counter)  # status_code (or "transport") -> how many
    server_errors: Counter = field(default_factory=Counter)  # "HTTP 500 / 50000"-style answers -> how many
    lock: threading.Lock = field(default_factory=threading.Lock)


class Writer(threading.Thread):
    """One user writing ``ops`` times: toggles a follow and a like, comments and messages, in turn."""

    # With ``fault_over`` given, a writer that used up its ``ops`` waits for the fault to be over, then sends this
    # many more, so every scenario measures how soon writes are acknowledged again, however long the fault lasted.
    OPS_AFTER_FAULT = 6
    FAULT_WAIT_SECONDS = 120

    def __init__(
        self,
        base_url: str,
        me: Account,
        other: Account,
        video_id: int,
        ops: int,
        ledger: Ledger,
        fault_over: threading.Event | None = None,
    ):
        super().__init__(daemon=True)
        self.fault_over = fault_over
        self.base_url, self.me, self.other, self.video_id, self.ops, self.ledger = (
            base_url,
            me,
            other,
            video_id,
            ops,
            ledger,
        )
        self.session = requests.Session()
        self.refused_in_a_row = 0

    # A refused write is followed by a pause before the writer's next one, as a client backs off: BACKOFF_SECONDS,
    # doubled after each further refusal in a row up to BACKOFF_MAX_SECONDS. The doubling keeps an outage from using
    # up a writer's whole budget of writes however long it lasts: with a fixed 0.3 s, a slow machine's 12 s of API
    # restarts took 183 of 324 writes, and fewer than half were acknowledged.
    BACKOFF_SECONDS = 0.3
    BACKOFF_MAX_SECONDS = 2.4

    def _post(self, path: str, **params) -> bool:
        params["token"] = self.me.token
        http_status = None
        try:
            response = self.session.post(self.base_url + path, params=params, timeout=15)
            http_status = response.status_code
            code = response.json().get("status_code")
        except (requests.RequestException, ValueError):
            code = "transport"
        with self.ledger.lock:
            self.ledger.sent += 1
            self.ledger.answers[code] += 1
            if code == 0:
                self.ledger.acked += 1
                self.ledger.ack_times.append(time.monotonic())
            if (http_status is not None and http_status >= 500 and http_status != 503) or code == 50000:
                self.ledger.server_errors[f"HTTP {http_status} / {code} on {path}"] += 1
        if code != 0:
            time.sleep(min(self.BACKOFF_SECONDS * 2**self.refused_in_a_row, self.BACKOFF_MAX_SECONDS))
        self.refused_in_a_row = 0 if code == 0 else self.refused_in_a_row + 1
        return code == 0

    def run(self) -> None:
        following = liked = False
        pair = (self.me.user_id, self.other.user_id)
        like_pair = (self.me.user_id, self.video_id)
        n = after_fault = 0
        while n < self.ops or (self.fault_over is not None and after_fault < self.OPS_AFTER_FAULT):
            if self.fault_over is not None:
                if n >= self.ops:
                    self.fault_over.wait(self.FAULT_WAIT_SECONDS)
                if self.fault_over.is_set():
                    after_fault += 1
            kind = n % 4
            n += 1
            if kind == 0:
                want = not following
                ok = self._post("/douyin/relation/action/", to_user_id=self.other.user_id, action_type=1 if want else 2)
                self._settle("follow", pair, want, ok, self.ledger.follows)
                following = want if ok else following
            elif kind == 1:
                want = not liked
                ok = self._post("/douyin/favorite/action/", video_id=self.video_id, action_type=1 if want else 2)
                self._settle("like", like_pair, want, ok, self.ledger.likes)
                liked = want if ok else liked
            elif kind == 2:
                text = f"comment {uuid.uuid4().hex}"
                if self._post("/douyin/comment/action/", video_id=self.video_id, action_type=1, comment_text=text):
                    with self.ledger.lock:
                        self.ledger.comments.add(text)
            else:
                content = f"message {uuid.uuid4().hex}"
                if self._post("/douyin/message/action/", to_user_id=self.other.user_id, action_type=1, content=content):
                    with self.ledger.lock:
                        self.ledger.messages.add(content)

    def _settle(self, kind: str, pair: tuple[int, int], want: bool, ok: bool, states: dict) -> None:
        with self.ledger.lock:
            if ok:
                states[pair] = want
                self.ledger.uncertain.discard((kind, *pair))
            else:
                self.ledger.uncertain.add((kind, *pair))


def recovery_seconds(ledger: Ledger, fault_over_at: float) -> float | None:
    """Seconds from the end of the fault to the first acknowledged write after it."""
    later = [t for t in ledger.ack_times if t >= fault_over_at]
    return min(later) - fault_over_at if later else None


def mysql_state(database, users: list[Account], video_id: int):
    """What MySQL holds of the scenario's writes: comment texts, message contents, follow and like states."""
    ids = [u.user_id for u in users]
    marks = ", ".join(["%s"] * len(ids))
    comments = [r["content"] for r in database.query("SELECT content FROM comments WHERE video_id = %s", (video_id,))]
    messages = [
        r["content"] for r in database.query(f"SELECT content FROM messages WHERE from_user_id IN ({marks})", ids)
    ]
    follows = {
        (r["follower_id"], r["followee_id"]): bool(r["following"])
        for r in database.query(
            f"SELECT follower_id, followee_id, following FROM follows WHERE follower_id IN ({marks})", ids
        )
    }
    likes = {
        (r["user_id"], r["video_id"]): bool(r["liked"])
        for r in database.query("SELECT user_id, video_id, liked FROM favorites WHERE video_id = %s", (video_id,))
    }
    return comments, messages, follows, likes


def differences(ledger: Ledger, state) -> dict[str, int]:
    """Acknowledged writes missing or wrong in MySQL, and comments/messages stored more than once."""
    comments, messages, follows, likes = state
    settled_follows = {p: s for p, s in ledger.follows.items() if ("follow", *p) not in ledger.uncertain}
    settled_likes = {p: s for p, s in ledger.likes.items() if ("like", *p) not in ledger.uncertain}
    return {
        "lost comments": len(ledger.comments - set(comments)),
        "duplicated comments": len(comments) - len(set(comments)),
        "lost messages": len(ledger.messages - set(messages)),
        "duplicated messages": len(messages) - len(set(messages)),
        "wrong follows": sum(follows.get(p, False) != s for p, s in settled_follows.items()),
        "wrong likes": sum(likes.get(p, False) != s for p, s in settled_likes.items()),
    }


def phantoms(ledger: Ledger, state) -> list[str]:
    """Comments and messages in MySQL that the API never acknowledged."""
    comments, messages, _, _ = state
    return sorted((set(comments) - ledger.comments) | (set(messages) - ledger.messages))


# (label, list path, the profile's counter, the follows column that is the user) for both sides of following
_FOLLOW_SIDES = (
    ("follows", "/douyin/relation/follow/list/", "follow_count", "follower_id"),
    ("followers", "/douyin/relation/follower/list/", "follower_count", "followee_id"),
)


class CountReader:
    """Reads counts and lists through the API and from MySQL, and lists every disagreement between them."""

    def __init__(self, base_url: str, database, users: list[Account], video_id: int) -> None:
        self.client, self.database, self.users, self.video_id = DouyinClient(base_url), database, users, video_id

    def _get(self, path: str, viewer: Account, **params: Any) -> dict[str, Any]:
        response = self.client.session.get(
            self.client.base_url + path, params={"token": viewer.token, **params}, timeout=30
        )
        body = response.json()
        assert response.status_code == 200 and body["status_code"] == 0, (path, response.status_code, body)
        return body

    def _mysql_count(self, sql: str, *args: int) -> int:
        return int(self.database.query_one(sql, args)["n"])

    def mismatches(self) -> list[str]:
        author, video_id, found = self.users[0], self.video_id, []

        def compare(what: str, **values: int) -> None:
            if len(set(values.values())) > 1:
                found.append(f"{what}: " + ", ".join(f"{k} {v}" for k, v in values.items()))

        published = self._get("/douyin/publish/list/", author, user_id=author.user_id)["video_list"]
        video = next((v for v in published if v["id"] == video_id), None)
        assert video is not None, f"video {video_id} missing from its author's publish list"
        comment_list = self._get("/douyin/comment/list/", author, video_id=video_id)["comment_list"]
        compare(
            "video comments",
            served=video["comment_count"],
            listed=len(comment_list),
            mysql=self._mysql_count(
                "SELECT COUNT(*) AS n FROM comments WHERE video_id = %s AND deleted_at IS NULL", video_id
            ),
        )
        likers = 0
        for user in self.users:
            me = user.user_id
            profile = self._get("/douyin/user/", user, user_id=me)["user"]
            liked = [v["id"] for v in self._get("/douyin/favorite/list/", user, user_id=me)["video_list"]]
            likers += video_id in liked
            compare(
                f"user {me} likes",
                served=profile["favorite_count"],
                listed=len(liked),
                mysql=self._mysql_count("SELECT COUNT(*) AS n FROM favorites WHERE user_id = %s AND liked = 1", me),
            )
            for label, path, counter, column in _FOLLOW_SIDES:
                listed = self._get(path, user, user_id=me)["user_list"]
                compare(
                    f"user {me} {label}",
                    served=profile[counter],
                    listed=len(listed),
                    mysql=self._mysql_count(
                        f"SELECT COUNT(*) AS n FROM follows WHERE {column} = %s AND following = 1", me
                    ),
                )
            if user is author:
                total_favorited = profile["total_favorited"]
        liked_in_mysql = self._mysql_count(
            "SELECT COUNT(*) AS n FROM favorites WHERE video_id = %s AND liked = 1", video_id
        )
        compare("video likes", served=video["favorite_count"], likers=likers, mysql=liked_in_mysql)
        compare("author total_favorited", served=total_favorited, mysql=liked_in_mysql)
        return found


@dataclass
class Figures:
    """One fault's outcome: the row of the closing note's table, and what the assertions need."""

    fault: str
    sent: int
    acked: int
    lost: int
    duplicated: int
    phantom: int
    differences: dict[str, int]
    lost_examples: list[str]
    phantom_examples: list[str]
    mismatches: list[str]  # counts vs lists vs MySQL, as served after convergence
    mismatches_after_repair: list[str]  # the same after two reconciliation runs (the scheduled repair)
    mismatches_after_flush: list[str]  # the same once a FLUSHALL forced a rebuild from MySQL
    outage: float  # seconds from the start of the fault until it was over (the service answered again)
    recovery: float | None  # seconds from the end of the fault to the first acknowledged write
    server_errors: dict[str, int]
    answers: dict[Any, int]
    converged_in: float | None  # seconds after the writers finished until MySQL held every acknowledged write

    @property
    def not_acked(self) -> int:
        return self.sent - self.acked

    HEADER = (
        "| fault | acked / sent | lost | duplicated | phantom (≤ not acked) | count mismatches served / reconciled / "
        "after flush | fault s | recovery s | 5xx | answers |\n|---|---|---|---|---|---|---|---|---|---|"
    )

    def row(self) -> str:
        recovery = "never" if self.recovery is None else f"{self.recovery:.2f}"
        return (
            f"| {self.fault} | {self.acked}/{self.sent} | {self.lost} | {self.duplicated} | "
            f"{self.phantom} (≤ {self.not_acked}) | {len(self.mismatches)} / {len(self.mismatches_after_repair)} / "
            f"{len(self.mismatches_after_flush)} | "
            f"{self.outage:.1f} | {recovery} | {sum(self.server_errors.values())} | {dict(self.answers)} |"
        )


RESULTS: list[Figures] = []  # every scenario's figures, printed as a table at the end of the session (conftest)

WRITERS = 8
OPS_PER_WRITER = 40
CONVERGENCE_SECONDS = 20


# A fault: called once a quarter of the writes were sent, with the ledger (to pace itself on the writes);
# returns the monotonic time at which the fault was over.
Fault = Callable[[Ledger, LocalApi], float]


def run_scenario(fault_name: str, inject: Fault, writers: int = WRITERS, ops: int = OPS_PER_WRITER) -> Figures:
    """Drive ``writers`` x ``ops`` writes through a fresh local API while ``inject`` runs, wait (bounded) for
    MySQL to converge, then measure everything the closing note reports; the figures are kept in RESULTS."""
    from gophertok.adapters.mysql import Database

    with local_api() as api:
        url = api.url
        setup = Database()
        client = DouyinClient(url)
        users = [client.register() for _ in range(writers)]
        video_id = make_video(setup, users[0].user_id)
        setup.close()
        ledger = Ledger()
        over = threading.Event()
        threads = [Writer(url, users[i], users[(i + 1) % writers], video_id, ops, ledger, over) for i in range(writers)]
        for thread in threads:
            thread.start()
        wait_for(lambda: ledger.sent >= writers * ops // 4, timeout=120, what="a quarter of the writes")
        fault_started = time.monotonic()
        fault_over = inject(ledger, api)
        over.set()
        for thread in threads:
            thread.join(timeout=180)
        assert not any(t.is_alive() for t in threads), "writers did not finish within 180 s"
        writers_done = time.monotonic()
        wait_for(lambda: answers("mariadb") and answers("redis"), timeout=60, what="MariaDB and Redis to answer")

        database = Database()
        try:
            converged_in = wait_for_convergence(database, ledger, users, video_id, writers_done)
            state = mysql_state(database, users, video_id)
            counts = CountReader(url, database, users, video_id)
            served = counts.mismatches()
            _reconcile_twice()
            repaired = counts.mismatches()
            flush_redis()
            after_flush = counts.mismatches()
        finally:
            database.close()
    found = differences(ledger, state)
    missing = sorted((ledger.comments - set(state[0])) | (ledger.messages - set(state[1])))
    phantom = phantoms(ledger, state)
    figures = Figures(
        fault=fault_name,
        sent=ledger.sent,
        acked=ledger.acked,
        lost=sum(v for k, v in found.items() if not k.startswith("duplicated")),
        duplicated=found["duplicated comments"] + found["duplicated messages"],
        phantom=len(phantom),
        differences=found,
        lost_examples=missing[:5],
        phantom_examples=phantom[:5],
        mismatches=served,
        mismatches_after_repair=repaired,
        mismatches_after_flush=after_flush,
        outage=fault_over - fault_started,
        recovery=recovery_seconds(ledger, fault_over),
        server_errors=dict(ledger.server_errors),
        answers=dict(ledger.answers),
        converged_in=converged_in,
    )
    RESULTS.append(figures)
    print(f"\n{Figures.HEADER}\n{figures.row()}\nin MySQL: {found}; count mismatches: {served} / {after_flush}")
    return figures


def _reconcile_twice() -> None:
    """What two runs of the scheduled reconcile function do (the second at least SUSPECT_SECONDS after the first),
    run here at once: counters that drifted from MySQL are repaired."""
    from gophertok.services import reconciliation

    now = time.time()
    for look in (now, now + reconciliation.SUSPECT_SECONDS):
        reconciliation.reconcile(now=look)


def wait_for_convergence(
    database, ledger: Ledger, users, video_id: int, since: float, timeout: float = CONVERGENCE_SECONDS
) -> float | None:
    """Seconds until MySQL holds every acknowledged write exactly once, or None if it did not within the bound
    (the figures then tell what is missing)."""

    def converged() -> bool:
        with contextlib.suppress(Unavailable):  # a connection opened before a restart is reopened on its next use
            return not any(differences(ledger, mysql_state(database, users, video_id)).values())
        return False

    try:
        wait_for(converged, timeout=timeout, interval=0.5, what="MySQL to hold every acknowledged write")
    except AssertionError:
        return None
    return time.monotonic() - since
