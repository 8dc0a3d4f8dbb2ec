"""Two users exchange 200 messages while both clients poll every 50 ms the way the Android app does.

The app polls with ``pre_msg_time`` = the create_time of the newest message it holds and appends
whatever comes back without de-duplicating, so a server that returned a message twice or skipped
one inside a millisecond would show up here.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from gophertok.ids import timestamp_ms
from support.douyin import Account, DouyinClient
from support.polling import wait_for
from support.social import chat, send

MESSAGES = 200
BURST = 10  # messages released together (5 each way) so several are sent in the same millisecond
POLL_INTERVAL = 0.05


class PollingClient(threading.Thread):
    """Polls the conversation like the app: appends every answer to what it holds."""

    def __init__(self, api_url: str, me: Account, other: Account) -> None:
        super().__init__(daemon=True)
        self.client = DouyinClient(api_url)
        self.me, self.other = me, other
        self.held: list[dict] = chat(self.client, me, other)  # the first screen: the whole conversation
        self.stopping = threading.Event()
        self.polls = 0

    def newest(self) -> int:
        # The first screen was an empty conversation: 1 (not 0, which means "everything") asks for
        # every incoming message, as a client that holds nothing yet would want.
        return max((m["create_time"] for m in self.held), default=1)

    def run(self) -> None:
        while not self.stopping.is_set():
            self.held += chat(self.client, self.me, self.other, self.newest())
            self.polls += 1
            time.sleep(POLL_INTERVAL)


def _send_in_bursts(api_url: str, alice: Account, bob: Account) -> None:
    clients = [DouyinClient(api_url) for _ in range(BURST)]
    barrier = threading.Barrier(BURST)

    def sender(slot: int) -> None:
        me, other = (alice, bob) if slot % 2 == 0 else (bob, alice)
        for round_number in range(MESSAGES // BURST):
            barrier.wait(timeout=30)
            send(clients[slot], me, other, f"{slot}:{round_number}")

    with ThreadPoolExecutor(BURST) as pool:
        for future in [pool.submit(sender, slot) for slot in range(BURST)]:
            future.result()


def test_polling_clients_receive_every_message_addressed_to_them_exactly_once_in_order(api_url):
    setup = DouyinClient(api_url)
    alice, bob = setup.register(), setup.register()
    pollers = {alice.user_id: PollingClient(api_url, alice, bob), bob.user_id: PollingClient(api_url, bob, alice)}
    assert all(poller.held == [] for poller in pollers.values())
    for poller in pollers.values():
        poller.start()
    try:
        _send_in_bursts(api_url, alice, bob)
        wait_for(
            lambda: all(len(p.held) >= MESSAGES // 2 for p in pollers.values()),
            timeout=30,
            what="both clients to receive their messages",
        )
        # A few more polls after everything arrived: they must add nothing.
        after = {user_id: poller.polls for user_id, poller in pollers.items()}
        wait_for(lambda: all(p.polls >= after[u] + 3 for u, p in pollers.items()), timeout=10, what="more polls")
    finally:
        for poller in pollers.values():
            poller.stopping.set()
            poller.join(timeout=10)

    conversation = chat(setup, alice, bob)
    assert len(conversation) == MESSAGES
    times = [m["create_time"] for m in conversation]
    assert times == sorted(times) and len(set(times)) == MESSAGES, "create_time must be unique and ordered"
    same_ms = sum(n for n in Counter(timestamp_ms(m["id"]) for m in conversation).values() if n > 1)
    print(f"\n{same_ms} of {MESSAGES} messages were sent in a millisecond shared with another one")
    assert same_ms > 0, "the test did not exercise same-millisecond sends"

    for user_id, poller in pollers.items():
        expected = [m for m in conversation if m["to_user_id"] == user_id]
        assert poller.held == expected, f"user {user_id}: duplicates, gaps or disorder after {poller.polls} polls"
        assert len({m["id"] for m in poller.held}) == MESSAGES // 2
        # Each sender thread's messages arrive in the order that thread sent them.
        by_sender: dict[str, list[int]] = {}
        for message in poller.held:
            slot, round_number = message["content"].split(":")
            by_sender.setdefault(slot, []).append(int(round_number))
        assert all(rounds == sorted(rounds) for rounds in by_sender.values())
