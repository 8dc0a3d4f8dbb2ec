"""The MySQL adapter against the real server: what it re-sends after a failure, and what it never does."""

from __future__ import annotations

import uuid

import pytest

from gophertok.adapters import mysql
from gophertok.adapters.mysql import Database
from gophertok.config import load_settings
from gophertok.errors import Unavailable
from support.polling import wait_for

pytestmark = pytest.mark.integration

PROBE_TABLE = "gt_test_statement_probe"


@pytest.fixture(scope="module")
def probe_table(database):
    database.execute(f"CREATE TABLE IF NOT EXISTS {PROBE_TABLE} (token VARCHAR(64) NOT NULL)")
    return PROBE_TABLE


def test_a_statement_that_timed_out_is_not_sent_again(database, probe_table):
    # Given a connection whose read timeout is shorter than the statement's run time
    impatient = Database(load_settings(mysql_read_timeout=0.5))
    token = uuid.uuid4().hex
    # When the statement times out on the client
    with pytest.raises(Unavailable):
        impatient.execute(f"INSERT INTO {probe_table} (token) SELECT %s FROM DUAL WHERE SLEEP(1.5) = 0", (token,))
    impatient.close()

    # Then the server still runs it exactly once: the adapter did not re-send it on a new connection
    def inserted() -> int:
        row = database.query_one(f"SELECT COUNT(*) AS n FROM {probe_table} WHERE token = %s", (token,))
        return int(row["n"]) if row else 0

    def still_running() -> int:
        row = database.query_one(
            "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE %s AND INFO NOT LIKE %s",
            (f"%{token}%", "%PROCESSLIST%"),
        )
        return int(row["n"]) if row else 0

    wait_for(lambda: inserted() >= 1 and not still_running(), timeout=10, what="the statement to finish")
    assert inserted() == 1


def test_an_idle_connection_closed_by_the_server_is_reopened_before_the_next_statement(database, monkeypatch):
    db = Database()
    first = db.query_one("SELECT CONNECTION_ID() AS id")["id"]
    database.execute(f"KILL CONNECTION {int(first)}")
    monkeypatch.setattr(mysql, "IDLE_PING_SECONDS", 0.0)  # as if the container had been frozen meanwhile
    second = db.query_one("SELECT CONNECTION_ID() AS id")["id"]
    assert second != first
    db.close()


def test_a_connection_lost_mid_statement_answers_unavailable_and_the_next_statement_reconnects(database):
    db = Database()
    first = db.query_one("SELECT CONNECTION_ID() AS id")["id"]
    database.execute(f"KILL CONNECTION {int(first)}")
    with pytest.raises(Unavailable):  # sent, then lost: not re-sent behind the caller's back
        db.query_one("SELECT 1 AS one")
    assert db.query_one("SELECT CONNECTION_ID() AS id")["id"] != first
    db.close()


@pytest.fixture
def upsert_table(database):
    table = "gt_test_integer_rows"
    database.execute(
        f"CREATE TABLE IF NOT EXISTS {table} (a BIGINT NOT NULL PRIMARY KEY, b BIGINT NOT NULL, note VARCHAR(16) NULL)"
    )
    database.execute(f"DELETE FROM {table}")
    yield table
    database.execute(f"DROP TABLE {table}")


def _upsert(table: str) -> str:
    return f"INSERT INTO {table} (a, b) VALUES (%s, %s) ON DUPLICATE KEY UPDATE b = GREATEST(b, VALUES(b))"


def test_integer_rows_are_written_and_counted_as_the_driver_writes_and_counts_them(database, upsert_table):
    # Rows of plain ints skip the driver's escaping; the rows and the affected count must not change for it.
    rows = [(n, n * 10) for n in range(300)]
    assert database.execute_many(_upsert(upsert_table), rows) == 300
    again = [(n, n * 10 + (1 if n % 2 else 0)) for n in range(300)]  # half of them change
    with database.connection().cursor() as cursor:
        expected_affected = cursor.executemany(_upsert(upsert_table), again)
    database.execute(f"UPDATE {upsert_table} SET b = a * 10")
    assert database.execute_many(_upsert(upsert_table), again) == expected_affected == 300
    stored = database.query(f"SELECT a, b FROM {upsert_table} ORDER BY a")
    assert [(row["a"], row["b"]) for row in stored] == again


def test_integer_rows_longer_than_one_statement_are_all_written(database, upsert_table, monkeypatch):
    import pymysql.cursors

    monkeypatch.setattr(pymysql.cursors.Cursor, "max_stmt_length", 400)
    rows = [(n, 2**62 + n) for n in range(500)]
    assert database.execute_many(_upsert(upsert_table), rows) == 500
    stored = database.query(f"SELECT a, b FROM {upsert_table} ORDER BY a")
    assert [(row["a"], row["b"]) for row in stored] == rows


def test_rows_with_other_values_are_escaped_by_the_driver(database, upsert_table):
    hostile = "x'); DROP TABLE t; --"[:16]
    sql = f"INSERT INTO {upsert_table} (a, b, note) VALUES (%s, %s, %s)"
    assert database.execute_many(sql, [(1, 2, hostile), (3, 4, None)]) == 2
    stored = database.query(f"SELECT a, b, note FROM {upsert_table} ORDER BY a")
    assert [(row["a"], row["b"], row["note"]) for row in stored] == [(1, 2, hostile), (3, 4, None)]
