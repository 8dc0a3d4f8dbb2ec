"""Loud duplicate ids: a consumer's insert must not silently keep another row that holds the event's id.

Rows are inserted with ``ON DUPLICATE KEY UPDATE id = id`` so a replayed event is a no-op. Should two instances
ever issue the same id (see gophertok/ids.py), that clause would drop the second row without a trace; the
consumers therefore split each batch first: rows whose id is free or already holds the very same values are
written, rows whose id holds a different row raise IdCollision (a content failure: the record is parked, not
retried forever) after the rest of the batch is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gophertok.adapters.mysql import get_database


class IdCollision(ValueError):
    """Another row already holds the id of an event's row."""


def split_collisions(
    table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> tuple[list[Sequence[Any]], list[int]]:
    """Split ``rows`` (``(id, *values of columns)``) into the ones safe to insert and the colliding ids.

    One primary-key lookup for the whole batch.
    """
    if not rows:
        return [], []
    marks = ", ".join(["%s"] * len(rows))
    stored = get_database().query(
        f"SELECT id, {', '.join(columns)} FROM {table} WHERE id IN ({marks})", [row[0] for row in rows]
    )
    held = {int(r["id"]): tuple(r[c] for c in columns) for r in stored}
    safe, clashes = [], []
    for row in rows:
        existing = held.get(int(row[0]))
        if existing is None or existing == tuple(row[1:]):
            safe.append(row)
        else:
            clashes.append(int(row[0]))
    return safe, clashes


def raise_for(table: str, clashes: Sequence[int]) -> None:
    if clashes:
        raise IdCollision(f"{table}: id(s) {', '.join(map(str, clashes))} already hold a different row")
