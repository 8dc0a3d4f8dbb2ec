"""Multi-row INSERTs whose values are all plain ints, rendered without the driver's per-value escaping.

pymysql's ``executemany`` escapes every value through its converter table, about 10 µs for a row of five
ints: a consumer's batch of likes spent longer being escaped than MySQL spent writing it. A plain int needs
no escaping (``%d`` renders it exactly), so such rows are formatted in C. Any other value (a string, None,
a bool, a float, a Decimal) sends the whole batch the driver's way, as do statements that are not a
multi-row ``INSERT ... VALUES``.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any

from pymysql.cursors import RE_INSERT_VALUES


def integer_insert_statements(sql: str, rows: Sequence[Sequence[Any]], max_length: int) -> list[str] | None:
    """The statements that insert ``rows`` (each at most ``max_length`` characters unless one row alone
    is longer), or None when ``sql`` or a value is not one this handles."""
    match = RE_INSERT_VALUES.match(sql)
    if match is None or "%(" in match.group(2) or not rows:
        return None
    if set(map(type, chain.from_iterable(rows))) != {int}:
        return None
    prefix, postfix = match.group(1) % (), (match.group(3) or "") % ()  # "%%" reads as pymysql reads it
    template = match.group(2).rstrip().replace("%s", "%d")
    statements: list[str] = []
    chunk: list[str] = []
    length = len(prefix) + len(postfix)
    for rendered in [template % tuple(row) for row in rows]:
        if chunk and length + len(rendered) + 1 > max_length:
            statements.append(prefix + ",".join(chunk) + postfix)
            chunk, length = [], len(prefix) + len(postfix)
        chunk.append(rendered)
        length += len(rendered) + 1
    statements.append(prefix + ",".join(chunk) + postfix)
    return statements
