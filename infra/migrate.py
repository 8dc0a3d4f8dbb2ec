"""Apply the SQL migrations in shared/migrations/ to the database named by the MYSQL_* variables.

Files are named ``NNNN_description.sql`` and applied in version order. Each applied file is recorded in
``schema_migrations`` with its sha256; a file whose content changed after it was applied is refused (write a
new migration instead). Running this twice is a no-op. A file may hold several statements separated by ``;``
(no DELIMITER blocks). MySQL commits DDL implicitly, so a file that fails halfway is not recorded and the
statements before the failing one stay applied: make migrations idempotent (IF NOT EXISTS) where possible.

Usage: python infra/migrate.py [--dir DIR]      (environment: MYSQL_HOST/PORT/USER/PASSWORD/DATABASE)
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pymysql

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "shared" / "migrations"
FILE_NAME = re.compile(r"^(\d{4})_([A-Za-z0-9_\-]+)\.sql$")
LOCK_NAME = "gophertok.schema_migrations"
LOCK_TIMEOUT_S = 60

CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INT UNSIGNED NOT NULL,
    name       VARCHAR(255) NOT NULL,
    checksum   CHAR(64)     NOT NULL,
    applied_at DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (version)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4
"""


class MigrationError(Exception):
    """An expected failure, reported as one line without a traceback."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path
    sql: str
    checksum: str


def load_migrations(directory: Path) -> list[Migration]:
    if not directory.is_dir():
        raise MigrationError(f"migrations directory {directory} does not exist")
    found: dict[int, Migration] = {}
    for path in sorted(directory.iterdir()):
        if path.suffix != ".sql":
            continue
        match = FILE_NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files must be named NNNN_description.sql")
        version = int(match.group(1))
        if version in found:
            raise MigrationError(f"{path.name} and {found[version].path.name} share version {version}")
        raw = path.read_bytes()
        found[version] = Migration(
            version=version,
            name=path.name,
            path=path,
            sql=raw.decode("utf-8"),
            checksum=hashlib.sha256(raw).hexdigest(),
        )
    return [found[v] for v in sorted(found)]


def split_statements(sql: str) -> list[str]:
    """Split on ``;`` outside quotes and comments; comments are dropped, empty statements skipped."""
    statements: list[str] = []
    current: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in ("'", '"', "`"):
            end = i + 1
            while end < n:
                if sql[end] == "\\" and ch != "`":
                    end += 2
                    continue
                if sql[end] == ch:
                    if end + 1 < n and sql[end + 1] == ch:  # doubled quote inside the literal
                        end += 2
                        continue
                    break
                end += 1
            current.append(sql[i : end + 1])
            i = end + 1
        elif sql.startswith("--", i) and (i + 2 == n or sql[i + 2].isspace()) or ch == "#":
            end = sql.find("\n", i)
            i = n if end == -1 else end + 1
            current.append("\n")
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            if end == -1:
                raise MigrationError("unterminated /* comment")
            i = end + 2
            current.append(" ")
        elif ch == ";":
            statements.append("".join(current))
            current = []
            i += 1
        else:
            current.append(ch)
            i += 1
    statements.append("".join(current))
    return [s.strip() for s in statements if s.strip()]


def connect() -> pymysql.connections.Connection:
    missing = [k for k in ("MYSQL_USER", "MYSQL_DATABASE") if not os.environ.get(k)]
    if missing:
        raise MigrationError(f"{', '.join(missing)} not set (run through infra/with-env.sh)")
    host = os.environ.get("MYSQL_HOST", "127.0.0.1")
    port = int(os.environ.get("MYSQL_PORT", "3306"))
    try:
        return pymysql.connect(
            host=host,
            port=port,
            user=os.environ["MYSQL_USER"],
            password=os.environ.get("MYSQL_PASSWORD", ""),
            database=os.environ["MYSQL_DATABASE"],
            charset="utf8mb4",
            autocommit=True,
            connect_timeout=5,
            read_timeout=300,
        )
    except pymysql.err.OperationalError as exc:
        raise MigrationError(f"cannot connect to MySQL at {host}:{port}: {exc.args[-1]} (is the stack up?)") from exc


def applied_checksums(cur) -> dict[int, tuple[str, str]]:
    cur.execute("SELECT version, name, checksum FROM schema_migrations")
    return {int(version): (name, checksum) for version, name, checksum in cur.fetchall()}


def check_unchanged(migrations: list[Migration], applied: dict[int, tuple[str, str]]) -> None:
    by_version = {m.version: m for m in migrations}
    for version, (name, checksum) in sorted(applied.items()):
        current = by_version.get(version)
        if current is None:
            print(f"migrate: warning: {name} is recorded as applied but its file is gone", file=sys.stderr)
        elif current.checksum != checksum:
            raise MigrationError(
                f"{current.name} changed after it was applied (recorded sha256 {checksum[:12]}…, "
                f"file now {current.checksum[:12]}…); revert it and add a new migration instead"
            )


def apply(cur, migration: Migration) -> None:
    try:
        statements = split_statements(migration.sql)
    except MigrationError as exc:
        raise MigrationError(f"{migration.name}: {exc}") from exc
    for number, statement in enumerate(statements, start=1):
        try:
            cur.execute(statement)
            while cur.nextset():
                pass
        except pymysql.err.MySQLError as exc:
            raise MigrationError(
                f"{migration.name} statement {number} failed: {exc.args[-1]} "
                f"(statements before it stay applied; fix the file and run again)"
            ) from exc
    cur.execute(
        "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
        (migration.version, migration.name, migration.checksum),
    )


def migrate(directory: Path) -> int:
    migrations = load_migrations(directory)
    conn = connect()
    try:
        with conn.cursor() as cur:
            # Serialises concurrent runs (two `make up` at once) so no file is applied twice.
            cur.execute("SELECT GET_LOCK(%s, %s)", (LOCK_NAME, LOCK_TIMEOUT_S))
            row = cur.fetchone()
            if row is None or row[0] != 1:
                raise MigrationError(f"another migration run holds the lock {LOCK_NAME!r}")
            cur.execute(CREATE_TABLE)
            applied = applied_checksums(cur)
            check_unchanged(migrations, applied)
            pending = [m for m in migrations if m.version not in applied]
            for migration in pending:
                apply(cur, migration)
                print(f"migrate: applied {migration.name}")
            print(f"migrate: {len(pending)} applied now, {len(applied) + len(pending)} in total, up to date")
            cur.execute("SELECT RELEASE_LOCK(%s)", (LOCK_NAME,))
    finally:
        conn.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path(os.environ.get("MIGRATIONS_DIR", DEFAULT_DIR)))
    args = parser.parse_args(argv)
    try:
        return migrate(args.dir)
    except MigrationError as exc:
        print(f"migrate: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
