"""Rows of plain ints rendered into multi-row INSERTs without the driver's escaping, and everything else left to it."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gophertok.adapters.integer_rows import integer_insert_statements

UPSERT = "INSERT INTO t (a, b) VALUES (%s, %s) ON DUPLICATE KEY UPDATE b = GREATEST(b, VALUES(b))"
LONG = 1_000_000


def values_of(statement: str) -> list[tuple[int, ...]]:
    body = statement.split("VALUES ", 1)[1].split(" ON DUPLICATE", 1)[0]
    return [tuple(int(v) for v in group.split(",")) for group in re.findall(r"\(([-0-9, ]+)\)", body)]


@given(st.lists(st.tuples(st.integers(), st.integers()), min_size=1, max_size=50))
def test_every_row_is_rendered_exactly_once_in_order(rows):
    statements = integer_insert_statements(UPSERT, rows, LONG)
    assert statements is not None and len(statements) == 1
    assert values_of(statements[0]) == rows
    assert statements[0].startswith("INSERT INTO t (a, b) VALUES (")
    assert statements[0].endswith(" ON DUPLICATE KEY UPDATE b = GREATEST(b, VALUES(b))")


@pytest.mark.parametrize(
    "value",
    [True, None, 1.5, "1", b"1", __import__("decimal").Decimal("2.5")],
    ids=["bool", "none", "float", "str", "bytes", "decimal"],
)
def test_a_value_that_is_not_a_plain_int_leaves_the_batch_to_the_driver(value):
    assert integer_insert_statements(UPSERT, [(1, 2), (3, value)], LONG) is None


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE t SET a = %s WHERE b = %s",
        "INSERT INTO t (a, b) VALUES (%(a)s, %(b)s)",
        "INSERT INTO t (a, b) SELECT %s, %s FROM DUAL",
    ],
)
def test_a_statement_that_is_not_a_positional_multi_row_insert_is_left_to_the_driver(sql):
    assert integer_insert_statements(sql, [(1, 2)], LONG) is None


def test_no_rows_is_left_to_the_driver():
    assert integer_insert_statements(UPSERT, [], LONG) is None


def test_statements_are_split_at_the_longest_allowed_and_keep_every_row():
    rows = [(n, n * 1000) for n in range(200)]
    limit = 300
    statements = integer_insert_statements(UPSERT, rows, limit)
    assert statements is not None and len(statements) > 1
    assert all(len(statement) <= limit for statement in statements)
    assert [row for statement in statements for row in values_of(statement)] == rows


def test_a_doubled_percent_in_the_statement_reads_as_the_driver_reads_it():
    sql = "INSERT INTO t (a, b) VALUES (%s, %s) ON DUPLICATE KEY UPDATE b = IF(b LIKE '5%%', b, VALUES(b))"
    statements = integer_insert_statements(sql, [(1, 2)], LONG)
    expected = "INSERT INTO t (a, b) VALUES (1, 2) ON DUPLICATE KEY UPDATE b = IF(b LIKE '5%', b, VALUES(b))"
    assert statements == [expected]
