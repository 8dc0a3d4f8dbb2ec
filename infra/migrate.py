"""Apply the SQL migrations in shared/migrations/ to the database the settings name (``make migrate``).

The logic lives in the layer (gophertok.schema), shared with the ``db_migrate`` ops function that the deploy
workflow invokes inside the VPC. Credentials: MYSQL_USER/MYSQL_PASSWORD, or MYSQL_SECRET_ID (a Secrets Manager
secret with ``username`` and ``password``) as on AWS.

Usage: python infra/migrate.py [--dir DIR]      (environment: MYSQL_HOST/PORT/DATABASE + credentials as above)
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from gophertok.adapters.mysql import Database
from gophertok.config import get_settings
from gophertok.errors import AppError
from gophertok.schema import MigrationError, migrate

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "shared" / "migrations"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path(os.environ.get("MIGRATIONS_DIR", DEFAULT_DIR)))
    args = parser.parse_args(argv)
    database = Database(get_settings())
    try:
        run = migrate(database, args.dir, lambda line: print(f"migrate: {line}"))
    except (MigrationError, AppError) as exc:
        settings = get_settings()
        print(f"migrate: error: {exc} (MySQL at {settings.mysql_host}:{settings.mysql_port})", file=sys.stderr)
        return 1
    finally:
        database.close()
    print(f"migrate: {len(run.applied)} applied now, {run.total} in total, up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
