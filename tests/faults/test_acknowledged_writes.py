"""Acknowledged writes survive a broker kill: 8 writers drive follows, likes, comments and messages through the
local API (with its consumers) while the broker is killed (-9) and started again. Every acknowledged comment and
message must then be in its topic (nothing the broker acknowledged is lost, and publishing recovers), and MySQL must
hold every acknowledged comment and message exactly once and the last acknowledged follow/like state of every pair.
The scenario runs once for the module."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass

import pytest

from gophertok.events import Event
from gophertok.registry import Topics
from support.broker import DURABLE, durable_broker, restart_broker
from support.douyin import DouyinClient
from support.interactions import make_video
from support.kafka_topics import topic_records
from support.local_api import running_api
from support.polling import wait_for

from .harness import Ledger, Writer, recovery_seconds, wait_for_convergence
from .harness import differences as _differences
from .harness import mysql_state as _mysql_state

pytestmark = pytest.mark.integration

WRITERS = 8
OPS_PER_WRITER = 40


@dataclass
class Outcome:
    ledger: Ledger
    differences: dict[str, int]
    lost: list[str]
    recovery: float | None
    not_in_topics: list[str]  # acknowledged, yet not in the durable broker's log


@pytest.fixture(scope="module")
def broker_kill(stack_env) -> Outcome:
    from gophertok.adapters.mysql import Database

    database = Database()
    with durable_broker(), running_api() as url:
        client = DouyinClient(url)
        users = [client.register() for _ in range(WRITERS)]
        video_id = make_video(database, users[0].user_id)
        ledger = Ledger()
        writers = [
            Writer(url, users[i], users[(i + 1) % WRITERS], video_id, OPS_PER_WRITER, ledger) for i in range(WRITERS)
        ]
        for writer in writers:
            writer.start()
        wait_for(lambda: ledger.sent >= WRITERS * OPS_PER_WRITER // 4, timeout=120, what="a quarter of the writes")
        restart_broker(DURABLE)
        broker_back = time.monotonic()
        for writer in writers:
            writer.join(timeout=300)
        assert not any(w.is_alive() for w in writers), "writers did not finish within 300 s"

        wait_for_convergence(database, ledger, users, video_id, time.monotonic(), timeout=60)  # figures below
        state = _mysql_state(database, users, video_id)
        comments = _texts(Topics.COMMENT_EVENTS, "comment.added", "content", ledger.comments)
        messages = _texts(Topics.MESSAGE_EVENTS, "message.sent", "content", ledger.messages)
        outcome = Outcome(
            ledger,
            _differences(ledger, state),
            sorted((ledger.comments - set(state[0])) | (ledger.messages - set(state[1]))),
            recovery_seconds(ledger, broker_back),
            sorted((ledger.comments - set(comments)) | (ledger.messages - set(messages))),
        )
    database.close()
    print(
        f"\nbroker kill -9: acked {ledger.acked}/{ledger.sent}, answers {dict(ledger.answers)}, "
        f"first ack {outcome.recovery}s after the broker was back, not in the topics: "
        f"{len(outcome.not_in_topics)}, in MySQL: {outcome.differences}"
    )
    return outcome


def _texts(topic: str, event_type: str, field: str, wanted: set[str]) -> list[str]:
    records = topic_records(topic, lambda e: e.type == event_type and e.data.get(field) in wanted, timeout=60)
    return [Event.from_json(base64.b64decode(r["value"])).data[field] for r in records]


def test_every_acknowledged_write_is_in_its_topic_after_a_broker_kill(broker_kill):
    assert broker_kill.ledger.acked > 0 and broker_kill.recovery is not None, "nothing acknowledged after the kill"
    assert broker_kill.not_in_topics == []


def test_writes_are_acknowledged_again_at_once_after_a_broker_kill(broker_kill):
    assert broker_kill.recovery is not None and broker_kill.recovery < 10, broker_kill.recovery


def test_mysql_holds_every_acknowledged_write_after_a_broker_kill(broker_kill):
    assert broker_kill.differences == dict.fromkeys(broker_kill.differences, 0), broker_kill.lost[:5]
