"""Domain events: the JSON envelope carried by Kafka records and SQS messages.

Every event has a unique ``id`` (consumers use it, or the natural key of the data, for idempotency),
a ``type``, the time it happened in milliseconds and its ``data``.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson


@dataclass(frozen=True, slots=True)
class Event:
    type: str
    data: dict[str, Any]
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    occurred_at: int = field(default_factory=lambda: int(time.time() * 1000))

    def to_json(self) -> bytes:
        envelope = {"id": self.id, "type": self.type, "occurred_at": self.occurred_at, "data": self.data}
        return orjson.dumps(envelope)

    @classmethod
    def from_json(cls, raw: bytes | str) -> Event:
        """Parse an envelope; raises ValueError for anything that is not one."""
        document = orjson.loads(raw)  # orjson.JSONDecodeError is a ValueError
        if not isinstance(document, dict) or not isinstance(document.get("data"), dict):
            raise ValueError("not an event envelope")
        if not isinstance(document.get("type"), str) or not isinstance(document.get("id"), str):
            raise ValueError("event envelope without id/type")
        try:
            occurred_at = int(document.get("occurred_at") or 0)
        except (TypeError, ValueError):
            raise ValueError("event envelope with a non-numeric occurred_at") from None
        return cls(type=document["type"], data=document["data"], id=document["id"], occurred_at=occurred_at)
