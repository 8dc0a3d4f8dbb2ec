"""Count one invocation's Redis and SQL round trips inside a function instance (for the console line).

Redis: every packet redis-py sends is one round trip (a command alone, or a whole pipeline), counted
where the connection sends it so cluster and standalone clients count alike. SQL: the layer's
Database already counts its statements.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

_redis_packets = 0


def install() -> None:
    """Count the packets every redis-py connection of this process sends (idempotent)."""
    from redis.connection import AbstractConnection

    if getattr(AbstractConnection.send_packed_command, "_counted", False):
        return
    send = AbstractConnection.send_packed_command

    def counted(self, command, check_health=True):
        global _redis_packets
        _redis_packets += 1
        return send(self, command, check_health)

    counted._counted = True  # type: ignore[attr-defined]
    AbstractConnection.send_packed_command = counted  # type: ignore[method-assign]


def _sql_statements() -> int:
    mysql = sys.modules.get("gophertok.adapters.mysql")
    database = getattr(mysql, "_database", None)
    return database.statements if database is not None else 0


@dataclass
class Counter:
    redis_before: int
    sql_before: int

    def stop(self) -> tuple[int, int]:
        """(Redis round trips, SQL statements) since ``start()``."""
        return _redis_packets - self.redis_before, _sql_statements() - self.sql_before


def start() -> Counter:
    return Counter(_redis_packets, _sql_statements())
