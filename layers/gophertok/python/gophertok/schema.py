"""Versioned SQL migrations (``gophertok/data/migrations``, a link to the repo's ``shared/migrations``).

Files are named ``NNNN_description.sql`` and applied in version order. Each applied file is recorded in
``schema_migrations`` with its sha256; a file whose content changed after it was applied is refused (write a
new migration instead). Running this twice is a no-op. A file may hold several statements separated by ``;``
(no DELIMITER blocks). MySQL commits DDL implicitly, so a file that fails halfway is not recorded and the
statements before the failing one stay applied: make migrations idempotent (IF NOT EXISTS) where possible.

Used by ``infra/migrate.py`` (``make migrate``) and by the ``db_migrate`` ops function, which runs inside the
VPC with the database secret, so a deployment needs no machine that reaches the database.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gophertok.adapters.mysql import Database

MIGRATIONS_DIR = Path(__file__).resolve().parent / "data" / "migrations"
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


def applied_checksums(database: Database) -> dict[int, tuple[str, str]]:
    rows = database.query("SELECT version, name, checksum FROM schema_migrations")
    return {int(row["version"]): (row["name"], row["checksum"]) for row in rows}


def check_unchanged(
    migrations: list[Migration], applied: dict[int, tuple[str, str]], warn: Callable[[str], None]
) -> None:
    by_version = {m.version: m for m in migrations}
    for version, (name, checksum) in sorted(applied.items()):
        current = by_version.get(version)
        if current is None:
            warn(f"{name} is recorded as applied but its file is gone")
        elif current.checksum != checksum:
            raise MigrationError(
                f"{current.name} changed after it was applied (recorded sha256 {checksum[:12]}…, "
                f"file now {current.checksum[:12]}…); revert it and add a new migration instead"
            )


def apply(database: Database, migration: Migration) -> None:
    try:
        statements = split_statements(migration.sql)
    except MigrationError as exc:
        raise MigrationError(f"{migration.name}: {exc}") from exc
    for number, statement in enumerate(statements, start=1):
        try:
            database.execute(statement)
        except Exception as exc:  # the driver's error, or Unavailable: reported with the file and statement
            raise MigrationError(
                f"{migration.name} statement {number} failed: {exc} "
                f"(statements before it stay applied; fix the file and run again)"
            ) from exc
    database.execute(
        "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
        (migration.version, migration.name, migration.checksum),
    )


@dataclass(frozen=True)
class MigrationRun:
    applied: list[str]  # files applied by this run
    total: int  # files recorded as applied after it


def migrate(
    database: Database, directory: Path = MIGRATIONS_DIR, report: Callable[[str], None] = lambda line: None
) -> MigrationRun:
    """Apply the pending migrations of ``directory``; ``report`` hears one line per file and warnings."""
    migrations = load_migrations(directory)
    # Serialises concurrent runs (two `make up`, or two deploys) so no file is applied twice.
    locked = database.query_one("SELECT GET_LOCK(%s, %s) AS locked", (LOCK_NAME, LOCK_TIMEOUT_S))
    if not locked or locked["locked"] != 1:
        raise MigrationError(f"another migration run holds the lock {LOCK_NAME!r}")
    try:
        database.execute(CREATE_TABLE)
        applied = applied_checksums(database)
        check_unchanged(migrations, applied, lambda warning: report(f"warning: {warning}"))
        pending = [m for m in migrations if m.version not in applied]
        for migration in pending:
            apply(database, migration)
            report(f"applied {migration.name}")
    finally:
        database.query("SELECT RELEASE_LOCK(%s)", (LOCK_NAME,))
    return MigrationRun([m.name for m in pending], len(applied) + len(pending))
