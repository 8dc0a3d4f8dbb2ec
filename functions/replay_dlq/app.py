"""Ops function: re-drive the records parked in ``<topic>.dlq`` to ``<topic>`` once their cause is fixed.

Invoke with ``{"topic": "gophertok.favorite.events"}`` (or no topic for every consumer topic); ``make replay-dlq``
does the same locally.
"""

from typing import Any

from gophertok import dead_letters


def handler(event: dict[str, Any] | None, context: object = None) -> dict[str, Any]:
    request = event or {}
    return dead_letters.replay_named(request.get("topic"), int(request.get("limit", 10_000)))
