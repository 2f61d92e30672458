"""A fresh database at a service's latest schema, copied from one migrated once per run.

Most tests start from an empty database of their own and need a service's whole schema:
running every migration again for each of them cost about a sixth of the suite's time
(0.1 to 0.15 s on SQLite, 0.25 to 0.35 s on PostgreSQL, some 1,500 times; copying takes
a few milliseconds on SQLite and 0.1 s on PostgreSQL). The migrations still run, once per
service and database kind in each run, and the tests of the migrations themselves start
from empty databases as before.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import uuid
from pathlib import Path

from bundling_shared.db import migrate_database
from tests.support.infra import on_server

_SQLITE = "sqlite+aiosqlite:///"
_POSTGRESQL = "postgresql+asyncpg://"

_files = Path(tempfile.mkdtemp(prefix="bundling-schemas-"))
atexit.register(shutil.rmtree, _files, True)

_sqlite_templates: dict[str, Path] = {}
_postgresql_templates: dict[tuple[str, str], str] = {}


async def at_latest_schema(url: str, migrations: str) -> None:
    """Brings the database at `url`, just created and still empty (a SQLite file not yet
    written, or a PostgreSQL database nobody is connected to), to the latest schema of
    the service whose Alembic scripts are at `migrations`."""
    if url.startswith(_SQLITE):
        await _copy_sqlite(Path(url.removeprefix(_SQLITE)), migrations)
    elif url.startswith(_POSTGRESQL):
        await _copy_postgresql(url, migrations)
    else:
        raise ValueError(f"no template for a database at {url}")


async def _copy_sqlite(path: Path, migrations: str) -> None:
    if path.exists() and path.stat().st_size > 0:
        raise ValueError(f"{path} is not empty: a template is copied only over nothing")
    template = _sqlite_templates.get(migrations)
    if template is None:
        template = _files / f"{uuid.uuid4().hex}.db"
        await migrate_database(_SQLITE + str(template), migrations)
        _sqlite_templates[migrations] = template
    shutil.copyfile(template, path)


async def _copy_postgresql(url: str, migrations: str) -> None:
    server, name = url.rsplit("/", 1)
    template = _postgresql_templates.get((server, migrations))
    if template is None:
        template = f"schema_{uuid.uuid4().hex[:12]}"
        await on_server(f"{server}/postgres", f'CREATE DATABASE "{template}"')
        await migrate_database(f"{server}/{template}", migrations)
        _postgresql_templates[server, migrations] = template
    # the empty database made for the test gives way to a copy of the template by its name
    await on_server(f"{server}/postgres", f'DROP DATABASE "{name}"', f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
