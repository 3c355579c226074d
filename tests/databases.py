"""Test databases copied from one migrated template (tests/conftest.py, django_db_setup).

Migrating a test database (104 migrations, the history triggers, the grants) takes most of a
minute here, nearly all of it Django rendering migration states; copying a database with
PostgreSQL's `CREATE DATABASE … TEMPLATE` takes about a second. So the suite migrates
`test_<name>_template` once and every xdist worker copies it into its own `test_<name>_gwN`,
dropped when the worker ends.

The template is kept between runs, as Zulip keeps its own: its comment is a digest of
everything a migrated database depends on (every migration, the models, the grants and
reference data, the versions of Django and django-pghistory). A run whose digest differs
migrates a new one, so a changed migration or grant is always in the copy. An advisory lock
on the server makes workers (and other checkouts) wait while one of them migrates.
"""

import hashlib
import time
from contextlib import contextmanager
from pathlib import Path

import django
import pghistory
from django.conf import settings
from django.db import connection, connections
from django.db.backends.base.base import NO_DB_ALIAS

# What a migrated database is made from: a change to any of these makes a new template.
MADE_FROM = (
    "*/migrations/*.py",
    "*/models.py",
    "*/apps.py",
    "*/reference_data.py",
    "isotp/database_roles.py",
    "isotp/management/commands/migrate.py",
    "tests/databases.py",
)


def template_digest() -> str:
    base = Path(settings.BASE_DIR)
    digest = hashlib.sha256(
        f"django {django.__version__} pghistory {pghistory.__version__}".encode()
    )
    for path in sorted({p for pattern in MADE_FROM for p in base.glob(pattern)}):
        digest.update(f"\n{path.relative_to(base)}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _server_connection(**credentials):
    """A connection of the default database's kind to the server's `postgres` database (as
    the owner, unless other credentials are given), outside every test database."""
    settings_dict = {**connection.settings_dict, **credentials, "NAME": "postgres"}
    return type(connections[connection.alias])(settings_dict, alias=NO_DB_ALIAS)


@contextmanager
def _server_cursor(**credentials):
    server = _server_connection(**credentials)
    try:
        with server.cursor() as cursor:
            yield cursor
    finally:
        server.close()


def _comment_of(cursor, name: str) -> str | None:
    cursor.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
        [name],
    )
    row = cursor.fetchone()
    return None if row is None else (row[0] or "")


def create_from_template(*, verbosity: int) -> str:
    """Make this worker's test database as a copy of the migrated template (migrating the
    template first when none matches the code); returns the copy's name. The connection must
    be the owner role's."""
    copy = connection.creation._get_test_db_name()
    template = f"test_{settings.DATABASES[connection.alias]['NAME']}_template"
    digest = template_digest()
    with _server_cursor() as lock:
        lock.execute("SELECT pg_advisory_lock(hashtext(%s))", [template])
        try:
            if _comment_of(lock, template) != digest:
                lock.execute(f"DROP DATABASE IF EXISTS {_quote(template)}")
                _migrate_template(template, verbosity=verbosity)
                lock.execute(f"COMMENT ON DATABASE {_quote(template)} IS %s", [digest])
            lock.execute(f"DROP DATABASE IF EXISTS {_quote(copy)}")
            lock.execute(
                f"CREATE DATABASE {_quote(copy)} TEMPLATE {_quote(template)} "
                f"OWNER {_quote(connection.settings_dict['USER'])}"
            )
        finally:
            lock.execute("SELECT pg_advisory_unlock(hashtext(%s))", [template])
    _use_database(copy)
    return copy


def _migrate_template(template: str, *, verbosity: int) -> None:
    """Create and migrate the template with Django's own test database creation, then close
    the connection to it: a database someone is connected to cannot be copied."""
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
    with _server_cursor(**app_credentials) as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND usename = current_user AND pid <> pg_backend_pid()",
            [name],
        )
    with _server_cursor() as cursor:
        for _ in range(50):  # a terminated session takes a moment to go
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name])
            if cursor.fetchone()[0] == 0:
                break
            time.sleep(0.1)
        cursor.execute(f"DROP DATABASE IF EXISTS {_quote(name)}")
