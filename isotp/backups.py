"""Backups that are tested (docs/deployment.md, "Backups").

`make backup` (`manage.py backup`) writes a pg_dump of the database in its custom format and,
beside it, a manifest: the row count and a checksum of every table, taken in the same snapshot
as the dump (pg_dump --snapshot), so they describe exactly what the dump holds even while the
service keeps writing.

`make restore-check` (`manage.py restore_check`) restores the newest dump into a scratch
database, works the same figures out there and compares them with the manifest: any table
missing, added, or with another count or checksum fails the check (a non-zero exit). The
scratch database is dropped afterwards.

Both connect as the owner role (DATABASE_OWNER_URL), which owns every table; the scratch
database needs that role to be allowed to create databases, as the local one is.
"""

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
from django.conf import settings

# Every ordinary table of the database's own schemas.
_TABLES = """
    select format('%I.%I', n.nspname, c.relname)
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'r'
      and n.nspname not in ('pg_catalog', 'information_schema')
      and n.nspname not like 'pg\\_toast%'
    order by 1
"""
# The row count, and the sum of the first 60 bits of each row's md5: the same whatever order
# the rows come in, and different as soon as one value of one row is (sum(bigint) is numeric,
# so it cannot overflow).
_FIGURES = """
    select count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint), 0)::text
    from {table} t
"""


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class Backup:
    dump: Path

    @property
    def manifest(self) -> Path:
        return self.dump.with_suffix(".json")


def owner_connection_settings(database: str | None = None) -> dict:
    owner = settings.DATABASE_OWNER
    return {
        "host": owner["HOST"] or "127.0.0.1",
        "port": str(owner["PORT"] or 5432),
        "user": owner["USER"],
        "password": owner["PASSWORD"] or "",
        "dbname": database or settings.DATABASES["default"]["NAME"],
    }


def _connect(database: str | None = None):
    return psycopg2.connect(**owner_connection_settings(database))


def _libpq_env(database: str | None = None) -> dict:
    params = owner_connection_settings(database)
    return {
        **os.environ,
        "PGHOST": params["host"],
        "PGPORT": params["port"],
        "PGUSER": params["user"],
        "PGPASSWORD": params["password"],
        "PGDATABASE": params["dbname"],
    }


def pg_program(name: str, server_version_num: int) -> str:
    """pg_dump or pg_restore of the server's major version (an older one refuses a newer
    server): Debian's, else the pgserver wheel's (the private server's own), else on PATH."""
    major = server_version_num // 10000
    debian = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    if debian.exists():
        return str(debian)
    try:
        import pgserver

        wheel = pgserver.POSTGRES_BIN_PATH / name
        if major == 16 and wheel.exists():  # pgserver 0.1.4 carries PostgreSQL 16
            return str(wheel)
    except ImportError:
        pass
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (apt-get install -y postgresql-client).")
    return found


def table_figures(cursor) -> dict[str, dict]:
    cursor.execute(_TABLES)
    figures = {}
    for (table,) in cursor.fetchall():
        cursor.execute(_FIGURES.format(table=table))
        rows, checksum = cursor.fetchone()
        figures[table] = {"rows": rows, "checksum": checksum}
    return figures


def take_backup(folder: Path) -> Backup:
    # A dump holds every case record: readable by its owner only.
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    backup = Backup(folder / f"{settings.DATABASES['default']['NAME']}-{stamp}.dump")
    partial = backup.dump.with_suffix(".partial")
    db = _connect()
    try:
        db.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with db.cursor() as cursor:
            cursor.execute("select pg_export_snapshot(), current_setting('server_version_num')")
            snapshot, version = cursor.fetchone()
            dumped = subprocess.run(
                [pg_program("pg_dump", int(version)), "--format=custom", f"--snapshot={snapshot}",
                 f"--file={partial}"],
                env=_libpq_env(),
                capture_output=True,
                text=True,
            )  # fmt: skip
            if dumped.returncode != 0:
                partial.unlink(missing_ok=True)
                raise BackupError(f"pg_dump failed: {dumped.stderr.strip()}")
            figures = table_figures(cursor)
    finally:
        db.close()
    partial.chmod(0o600)
    partial.rename(backup.dump)
    backup.manifest.touch(mode=0o600)
    backup.manifest.write_text(
        json.dumps({"database": settings.DATABASES["default"]["NAME"], "tables": figures}, indent=1)
    )
    return backup


def newest_backup(folder: Path) -> Backup:
    backups = [b for b in (Backup(p) for p in folder.glob("*.dump")) if b.manifest.exists()]
    if not backups:
        raise BackupError(f"No backup (a .dump with its .json manifest) in {folder}.")
    return max(backups, key=lambda b: b.dump.name)


def compare(expected: dict[str, dict], found: dict[str, dict]) -> list[str]:
    """What differs between the figures of the source and of the restored copy."""
    differences = []
    for table in sorted(expected.keys() | found.keys()):
        if table not in found:
            differences.append(f"{table}: missing from the restored copy")
        elif table not in expected:
            differences.append(f"{table}: in the restored copy but not in the source")
        elif expected[table]["rows"] != found[table]["rows"]:
            differences.append(
                f"{table}: {expected[table]['rows']} rows in the source, "
                f"{found[table]['rows']} restored"
            )
        elif expected[table]["checksum"] != found[table]["checksum"]:
            differences.append(f"{table}: the same number of rows, but their contents differ")
    return differences


def restore_check(folder: Path) -> tuple[Backup, dict[str, dict], list[str]]:
    """Restores the newest backup into a scratch database and compares it with its manifest:
    (the backup, the restored figures, the differences)."""
    backup = newest_backup(folder)
    expected = json.loads(backup.manifest.read_text())["tables"]
    scratch = f"{settings.DATABASES['default']['NAME']}_restore_check"[:63]
    admin = _connect("postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute("select current_setting('server_version_num')")
            (version,) = cursor.fetchone()
            cursor.execute(f'drop database if exists "{scratch}"')
            cursor.execute(f'create database "{scratch}"')
        try:
            restored = subprocess.run(
                [pg_program("pg_restore", int(version)), "--exit-on-error", "--no-owner",
                 f"--dbname={scratch}", str(backup.dump)],
                env=_libpq_env(scratch),
                capture_output=True,
                text=True,
            )  # fmt: skip
            if restored.returncode != 0:
                raise BackupError(f"pg_restore of {backup.dump} failed: {restored.stderr.strip()}")
            db = _connect(scratch)
            try:
                with db.cursor() as cursor:
                    found = table_figures(cursor)
            finally:
                db.close()
        finally:
            with admin.cursor() as cursor:
                cursor.execute(f'drop database if exists "{scratch}"')
    finally:
        admin.close()
    return backup, found, compare(expected, found)
