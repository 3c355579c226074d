"""Test databases copied from one migrated template (tests/conftest.py, django_db_setup).

Migrating a test database (every migration, the history triggers, the grants) takes most of a
minute here; copying a database with PostgreSQL's `CREATE DATABASE … TEMPLATE` takes about a
second. So the first xdist worker of a run migrates `test_<name>_template` once, and every
worker copies it into its own `test_<name>_gwN` and drops that copy when it ends. A template
made by an earlier run is never reused: each run makes its own (its id is the database's
comment), so a changed migration or grant is always in the copy. A lock file makes the other
workers wait for the first.
"""

import fcntl
import hashlib
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.db.backends.base.base import NO_DB_ALIAS

LOCK_FILE = Path(settings.BASE_DIR) / ".venv" / "test-database.lock"


@contextmanager
def _only_one_worker_at_a_time():
    LOCK_FILE.parent.mkdir(parents=True, exist_ok=True)
    with LOCK_FILE.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _maintenance_cursor():
    """A cursor on the server's `postgres` database, as the owner role (which may create
    databases), outside any test database."""
    return connection._nodb_cursor()


def _comment_of(cursor, name: str) -> str | None:
    cursor.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
        [name],
    )
    row = cursor.fetchone()
    return None if row is None else (row[0] or "")


def create_from_template(*, run_id: str, verbosity: int) -> str:
    """Make this worker's test database as a copy of the run's migrated template (migrating
    the template first, if this is the run's first worker); returns the copy's name. The
    connection must be the owner role's."""
    copy = connection.creation._get_test_db_name()
    template = f"test_{settings.DATABASES[connection.alias]['NAME']}_template"
    marker = hashlib.sha256(run_id.encode()).hexdigest()[:16]
    with _only_one_worker_at_a_time():
        with _maintenance_cursor() as cursor:
            made_by_this_run = _comment_of(cursor, template) == marker
        if not made_by_this_run:
            with _maintenance_cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {_quote(template)}")
            _migrate_template(template, marker=marker, verbosity=verbosity)
        with _maintenance_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {_quote(copy)} WITH (FORCE)")
            cursor.execute(
                f"CREATE DATABASE {_quote(copy)} TEMPLATE {_quote(template)} "
                f"OWNER {_quote(connection.settings_dict['USER'])}"
            )
    _use_database(copy)
    return copy


def _migrate_template(template: str, *, marker: str, verbosity: int) -> None:
    """Create and migrate the template with Django's own test database creation, then close
    every connection to it: a database being used cannot be copied."""
    test_settings = connection.settings_dict["TEST"]
    named = test_settings.get("NAME")
    test_settings["NAME"] = template
    try:
        connection.creation.create_test_db(
            verbosity=verbosity, autoclobber=True, serialize=False, keepdb=False
        )
    finally:
        test_settings["NAME"] = named
    connection.close()
    with _maintenance_cursor() as cursor:
        cursor.execute(f"COMMENT ON DATABASE {_quote(template)} IS %s", [marker])


def _use_database(name: str) -> None:
    """Point the default connection at the test database, as Django's creation does."""
    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = name
    connection.settings_dict["NAME"] = name


def drop(name: str, *, app_credentials: dict) -> None:
    """Drop this worker's copy at the end of its run. A session a test left open (one of the
    app's connections, idle after a ROLLBACK) would make DROP DATABASE fail with "is being
    accessed by other users", and the owner may not end the app's sessions: the app's role
    ends its own, then the owner drops the database."""
    connections.close_all()
    app = type(connections[connection.alias])(
        {**connection.settings_dict, **app_credentials, "NAME": "postgres"}, alias=NO_DB_ALIAS
    )
    try:
        with app.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND usename = current_user AND pid <> pg_backend_pid()",
                [name],
            )
    finally:
        app.close()
    with _maintenance_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {_quote(name)}")
