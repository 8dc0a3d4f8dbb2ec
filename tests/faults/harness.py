"""A bounded fault-injection harness: writer threads drive follows, likes, comments and messages through the
local API while a fault is injected, recording every write the API acknowledged (status_code 0); afterwards the
acknowledged state is compared with MySQL."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import requests

from support.douyin import Account

FOLLOW, UNFOLLOW = 1, 2
TRANSPORT_BACKOFF_SECONDS = 0.25
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
    answers: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Writer(threading.Thread):
    """One user writing ``ops`` times: toggles a follow and a like, comments and messages, in turn."""

    def __init__(self, base_url: str, me: Account, other: Account, video_id: int, ops: int, ledger: Ledger):
        super().__init__(daemon=True)
        self.base_url, self.me, self.other, self.video_id, self.ops, self.ledger = (
            base_url,
            me,
            other,
            video_id,
            ops,
            ledger,
        )
        self.session = requests.Session()

    def _post(self, path: str, **params) -> bool:
        params["token"] = self.me.token
        try:
            body = self.session.post(self.base_url + path, params=params, timeout=15).json()
            code = body.get("status_code")
        except (requests.RequestException, ValueError):
            code = "transport"
            time.sleep(TRANSPORT_BACKOFF_SECONDS)  # as a client does: not every remaining write into a dead port
        with self.ledger.lock:
            self.ledger.sent += 1
            self.ledger.answers[code] += 1
            if code == 0:
                self.ledger.acked += 1
                self.ledger.ack_times.append(time.monotonic())
        return code == 0

    def run(self) -> None:
        following = liked = False
        pair = (self.me.user_id, self.other.user_id)
        like_pair = (self.me.user_id, self.video_id)
        for n in range(self.ops):
            kind = n % 4
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
