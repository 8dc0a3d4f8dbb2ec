"""A Redis Cluster master killed while 8 writers drive follows, likes, comments and messages through the local API:
every write the API acknowledged must reach MySQL exactly once (no lost, no duplicated comments or messages, the
last acknowledged follow/like state of every pair), no answer may be a server fault (50000), and writes are
acknowledged again once a replica took over. The cluster is rebuilt (emptied) afterwards."""

from __future__ import annotations

import os
import time

import pytest
import requests
from faults.harness import Ledger, Writer, wait_for_convergence
from faults.harness import differences as _differences
from faults.harness import mysql_state as _mysql_state

from support.douyin import DouyinClient
from support.interactions import make_video
from support.local_api import local_api
from support.polling import wait_for

from .test_failover import _kill_node, _master_of, _rebuild_cluster, redis_client_reset

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(os.environ.get("REDIS_CLUSTER") != "true", reason="runs in the cluster pass: make test-cluster"),
]

WRITERS = 8
OPS_PER_WRITER = 40


def _healed_in(url: str, token: str, video_id: int, killed_at: float) -> float:
    """Seconds from the kill until a comment is acknowledged again (a client retrying every 0.2 s)."""

    def acknowledged() -> bool:
        params: dict[str, str | int] = {"token": token, "video_id": video_id, "action_type": 1}
        params["comment_text"] = "after the failover"
        return requests.post(url + "/douyin/comment/action/", params=params, timeout=15).json()["status_code"] == 0

    wait_for(acknowledged, timeout=60, interval=0.2, what="a comment acknowledged after the failover")
    return time.monotonic() - killed_at


def test_acknowledged_writes_survive_a_master_kill(stack_env):
    from gophertok import keys
    from gophertok.adapters.mysql import Database

    database = Database()
    try:
        with local_api() as api:
            client = DouyinClient(api.url)
            users = [client.register() for _ in range(WRITERS)]
            video_id = make_video(database, users[0].user_id)
            ledger = Ledger()
            writers = [
                Writer(api.url, users[i], users[(i + 1) % WRITERS], video_id, OPS_PER_WRITER, ledger)
                for i in range(WRITERS)
            ]
            for writer in writers:
                writer.start()
            wait_for(lambda: ledger.sent >= WRITERS * OPS_PER_WRITER // 4, timeout=120, what="a quarter of the writes")
            _kill_node(_master_of(keys.video_stats(video_id)))
            killed_at = time.monotonic()
            for writer in writers:
                writer.join(timeout=300)
            assert not any(w.is_alive() for w in writers), "writers did not finish within 300 s"

            wait_for_convergence(database, ledger, users, video_id, time.monotonic(), timeout=60)  # figures below
            differences = _differences(ledger, _mysql_state(database, users, video_id))
            healed = _healed_in(api.url, users[0].token, video_id, killed_at)
        print(
            f"\ncluster master kill: acked {ledger.acked}/{ledger.sent}, answers {dict(ledger.answers)}, "
            f"writes acknowledged again {healed:.1f} s after the kill, in MySQL: {differences}"
        )
        assert differences == dict.fromkeys(differences, 0)
        assert ledger.answers.get(50000, 0) == 0, dict(ledger.answers)
        assert healed < 30, healed
    finally:
        database.close()
        _rebuild_cluster()
        redis_client_reset()
