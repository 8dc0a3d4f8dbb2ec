"""MySQL access through one pymysql connection per container, reused across invocations.

Lambda freezes containers between invocations, so the connection may be dead when the next one
arrives: a connection idle for longer than IDLE_PING_SECONDS is pinged (and reopened) before use, and a
statement that could not even be sent is retried once on a fresh connection. A statement that was sent and
then lost (a read timeout, the server going away mid-query) is never re-sent: it may still be running, or
have committed, on the server. Driver errors leave this module as ``Unavailable`` or ``DuplicateKey``.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pymysql
import pymysql.cursors

from gophertok import tracing
from gophertok.adapters.integer_rows import integer_insert_statements
from gophertok.config import Settings, get_settings
from gophertok.errors import Unavailable

_NOT_SENT = {2006, 2055}  # server gone / lost before the statement reached it: safe to send again
_ACCESS_DENIED = 1045  # wrong user/password: after a rotation, the cached secret is stale
_DUPLICATE_ENTRY = 1062
IDLE_PING_SECONDS = 10.0


class DuplicateKey(Exception):
    """An INSERT hit a unique key; the caller decides what that means."""


def _statement_kind(sql: str) -> str:
    return sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "?"


class Database:
    """A lazily opened connection with ``query``/``execute``/``transaction`` helpers.

    ``statements`` counts round trips to the server, which the N+1 budget tests read.
    """

    def __init__(self, settings: Settings | None = None, password: str | None = None) -> None:
        self._settings = settings
        self._password = password
        self._conn: pymysql.connections.Connection[pymysql.cursors.DictCursor] | None = None
        self._lock = threading.RLock()
        self._in_transaction = False
        self._last_used = 0.0
        self.statements = 0

    def _connect(self) -> pymysql.connections.Connection[pymysql.cursors.DictCursor]:
        settings = self._settings or get_settings()
        try:
            return self._open(settings, refresh=False)
        except pymysql.err.OperationalError as exc:
            if not (exc.args and exc.args[0] == _ACCESS_DENIED and self._password is None and settings.mysql_secret_id):
                raise Unavailable("the database is unavailable, please retry") from exc
        try:  # the secret was rotated since it was cached: read it again, once
            return self._open(settings, refresh=True)
        except pymysql.err.MySQLError as exc:
            raise Unavailable("the database is unavailable, please retry") from exc

    def _open(self, settings: Settings, refresh: bool) -> pymysql.connections.Connection[pymysql.cursors.DictCursor]:
        if self._password is not None:
            user, password = settings.mysql_user, self._password
        else:
            user, password = credentials(settings, refresh)
        try:
            return pymysql.connections.Connection(
                host=settings.mysql_host,
                port=settings.mysql_port,
                user=user,
                password=password,
                database=settings.mysql_database,
                charset="utf8mb4",
                autocommit=True,
                connect_timeout=settings.mysql_connect_timeout,
                read_timeout=settings.mysql_read_timeout,
                write_timeout=settings.mysql_read_timeout,
                cursorclass=pymysql.cursors.DictCursor,
            )
        except pymysql.err.OperationalError:
            raise
        except pymysql.err.MySQLError as exc:
            raise Unavailable("the database is unavailable, please retry") from exc

    def connection(self) -> pymysql.connections.Connection[pymysql.cursors.DictCursor]:
        if self._conn is not None and self._conn.open and time.monotonic() - self._last_used > IDLE_PING_SECONDS:
            try:
                self._conn.ping(reconnect=False)  # a frozen container's connection may be long dead
            except pymysql.err.MySQLError:
                self.close()
        if self._conn is None or not self._conn.open:
            self._conn = self._connect()
        self._last_used = time.monotonic()
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn = None

    def _run(self, sql: str, args: Any, many: bool) -> tuple[list[dict[str, Any]], int, int]:
        attempts = 1 if self._in_transaction else 2
        for attempt in range(attempts):
            conn = self.connection()
            try:
                with tracing.subsegment("mysql", statement=_statement_kind(sql), many=many), conn.cursor() as cursor:
                    self.statements += 1
                    affected = _execute_many(cursor, sql, args) if many else cursor.execute(sql, args)
                    return list(cursor.fetchall() or ()), affected or 0, cursor.lastrowid or 0
            except pymysql.err.IntegrityError as exc:
                if exc.args and exc.args[0] == _DUPLICATE_ENTRY:
                    raise DuplicateKey(str(exc.args[1] if len(exc.args) > 1 else exc)) from exc
                raise
            except pymysql.err.OperationalError as exc:
                not_sent = bool(exc.args) and exc.args[0] in _NOT_SENT
                self.close()
                if not_sent and attempt + 1 < attempts:
                    continue
                raise Unavailable("the database is unavailable, please retry") from exc
            except pymysql.err.InterfaceError as exc:  # the connection was already closed: nothing was sent
                self.close()
                if attempt + 1 < attempts:
                    continue
                raise Unavailable("the database is unavailable, please retry") from exc
        raise AssertionError("unreachable")

    def query(self, sql: str, args: Sequence[Any] | dict[str, Any] | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return self._run(sql, args, many=False)[0]

    def query_one(self, sql: str, args: Sequence[Any] | dict[str, Any] | None = None) -> dict[str, Any] | None:
        rows = self.query(sql, args)
        return rows[0] if rows else None

    def execute(self, sql: str, args: Sequence[Any] | dict[str, Any] | None = None) -> tuple[int, int]:
        """Run a write; returns (affected rows, last insert id)."""
        with self._lock:
            _, affected, last_id = self._run(sql, args, many=False)
            return affected, last_id

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        """Batch a write over many rows (pymysql folds INSERT ... VALUES into one statement)."""
        if not rows:
            return 0
        with self._lock:
            return self._run(sql, rows, many=True)[1]

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Database]:
        with self._lock:
            conn = self.connection()
            try:
                conn.begin()
            except pymysql.err.MySQLError:
                self.close()
                conn = self.connection()
                conn.begin()
            self._in_transaction = True
            try:
                yield self
                conn.commit()
            except BaseException:
                with contextlib.suppress(Exception):
                    conn.rollback()
                raise
            finally:
                self._in_transaction = False


def _execute_many(cursor: pymysql.cursors.Cursor, sql: str, rows: Sequence[Sequence[Any]]) -> int:
    statements = integer_insert_statements(sql, rows, cursor.max_stmt_length)
    if statements is None:
        return cursor.executemany(sql, rows) or 0
    return sum(cursor.execute(statement) for statement in statements)


def credentials(settings: Settings, refresh: bool = False) -> tuple[str, str]:
    """(user, password): MYSQL_USER/MYSQL_PASSWORD locally; on AWS both from the MYSQL_SECRET_ID secret
    (its ``username`` and ``password`` fields, as RDS-managed secrets hold them; MYSQL_USER if no username)."""
    if settings.mysql_password or not settings.mysql_secret_id:
        return settings.mysql_user, settings.mysql_password
    from gophertok.adapters.secrets import secret_fields

    fields = secret_fields(settings.mysql_secret_id, refresh)
    return fields.get("username") or settings.mysql_user, fields.get("password", fields.get("", ""))


_database: Database | None = None


def get_database() -> Database:
    """The container-wide Database (created on first use, reused by later invocations)."""
    global _database
    if _database is None:
        _database = Database()
    return _database


def placeholders(count: int) -> str:
    """``%s, %s, ...`` for an ``IN (...)`` clause of ``count`` values."""
    return ", ".join(["%s"] * count)
