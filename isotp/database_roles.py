"""The two database roles, and what the app's role may do (docs/security.md).

The owner role owns the schema and runs migrations; the app role (the web process, commands,
the tests) owns nothing. After every migrate, `grant_app_role` gives the app role exactly:

- on the tables of append-only models, SELECT and INSERT: every pghistory event model and
  every model whose Meta.triggers hold an unconditional `pgtrigger.Protect` of UPDATE and
  DELETE (the access log, the status history, amendments, corrections, ...);
- on pghistory's context table, SELECT, INSERT and UPDATE: its triggers upsert the context
  of a request's events, but nothing may delete it;
- on the tables of every other model, SELECT, INSERT, UPDATE and DELETE;
- on any other table (django_migrations), SELECT.

Never TRUNCATE, REFERENCES or TRIGGER; and as it owns no table it cannot alter one or disable
its triggers. The set is worked out from the models each time, so a table added later gets
its grants from the migrate that creates it.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import pghistory.models
import pgtrigger
from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction

CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT", "OPTIONS")

READ = "SELECT"
APPEND = "SELECT, INSERT"
UPSERT = "SELECT, INSERT, UPDATE"
READ_WRITE = "SELECT, INSERT, UPDATE, DELETE"


def _refuses_update_and_delete(trigger: pgtrigger.Trigger) -> bool:
    operations = set(getattr(trigger.operation, "operations", (trigger.operation,)))
    return (
        isinstance(trigger, pgtrigger.Protect)
        and trigger.condition is None
        and {pgtrigger.Update, pgtrigger.Delete} <= operations
    )


def is_append_only(model: type[models.Model]) -> bool:
    """A history table, or one that a database trigger keeps as it was written."""
    if issubclass(model, pghistory.models.Event):
        return True
    return any(_refuses_update_and_delete(t) for t in getattr(model._meta, "triggers", []))


def _concrete_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]


def privileges_by_table() -> dict[str, str]:
    """What the app role may do on each model's table."""
    privileges = {}
    for model in _concrete_models():
        if is_append_only(model):
            privileges[model._meta.db_table] = APPEND
        elif issubclass(model, pghistory.models.Context):
            privileges[model._meta.db_table] = UPSERT
        else:
            privileges[model._meta.db_table] = READ_WRITE
    return privileges


def grant_app_role(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Give the app role what it may do on every table in the schema, and nothing more.

    Runs as the owner after every migrate; does nothing when the app and the owner are one
    role (a single DATABASE_URL).
    """
    connection = connections[using]
    app_role = settings.DATABASE_APP_ROLE
    quote = connection.ops.quote_name
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        if cursor.fetchone()[0] == app_role:
            return
        privileges = privileges_by_table()
        role = quote(app_role)
        cursor.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        for table in connection.introspection.table_names(cursor, include_views=True):
            cursor.execute(f"REVOKE ALL ON TABLE {quote(table)} FROM PUBLIC, {role}")
            cursor.execute(f"GRANT {privileges.get(table, READ)} ON TABLE {quote(table)} TO {role}")


def grant_after_migrate(sender, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate receiver (isotp/apps.py): every migrate ends with the grants."""
    grant_app_role(using=using)


def reconnect_as(connection, credentials: dict) -> dict:
    """Make the connection's next queries use these credentials; returns the ones it had."""
    had = {key: connection.settings_dict.get(key) for key in CREDENTIALS}
    connection.close()
    connection.settings_dict.update({key: credentials.get(key) for key in CREDENTIALS})
    return had


@contextmanager
def connected_as_owner(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Connect as the owner role for the block (migrations), then as before.

    The database's name is kept, so under pytest this is the test database.
    """
    connection = connections[using]
    if all(connection.settings_dict.get(k) == settings.DATABASE_OWNER.get(k) for k in CREDENTIALS):
        yield
        return
    had = reconnect_as(connection, settings.DATABASE_OWNER)
    try:
        yield
    finally:
        reconnect_as(connection, had)
