"""The two database roles, and what the app's role may do (docs/security.md).

The owner role owns the schema and runs migrations; the app role (the web process, commands,
the tests) owns nothing. Every migrate ends with `secure_after_migrate`, as the owner:
`keep_history_triggers_on` (below), and `grant_app_role`, which gives the app role exactly:

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

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pghistory.models
import pghistory.trigger
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
    """Give the app role what it may do on every table in the schema, and nothing more."""
    connection = connections[using]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        privileges = privileges_by_table()
        role = quote(settings.DATABASE_APP_ROLE)
        cursor.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        for table in connection.introspection.table_names(cursor, include_views=True):
            cursor.execute(f"REVOKE ALL ON TABLE {quote(table)} FROM PUBLIC, {role}")
            cursor.execute(f"GRANT {privileges.get(table, READ)} ON TABLE {quote(table)} TO {role}")


def history_trigger_ids() -> list[str]:
    """The PostgreSQL names of pghistory's triggers, which write every event."""
    return sorted(
        {
            trigger.get_pgid(model)
            for model, trigger in pgtrigger.registered()
            if isinstance(trigger, pghistory.trigger.Event)
        }
    )


def keep_history_triggers_on(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Make pgtrigger's `ignore` unable to skip pghistory's triggers.

    Every pgtrigger trigger asks `_pgtrigger_should_ignore` whether the session's
    `pgtrigger.ignore` setting names it; any role may set that, so the app role could change
    a record without an event. This is pgtrigger's function with one line more: the history
    triggers are never skipped. pgtrigger puts its own back whenever a migration installs a
    trigger; every migrate ends by running this again.
    """
    ids = history_trigger_ids()
    assert all(re.fullmatch(r"[a-z0-9_]+", pgid) for pgid in ids), ids
    never = ", ".join(f"'{pgid}'" for pgid in ids)
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"""
            CREATE OR REPLACE FUNCTION public._pgtrigger_should_ignore(trigger_name NAME)
            RETURNS BOOLEAN AS $$
                DECLARE
                    _pgtrigger_ignore TEXT[];
                BEGIN
                    IF trigger_name = ANY(ARRAY[{never}]::NAME[]) THEN
                        RETURN FALSE;
                    END IF;
                    BEGIN
                        SELECT INTO _pgtrigger_ignore CURRENT_SETTING('pgtrigger.ignore');
                        EXCEPTION WHEN OTHERS THEN
                    END;
                    RETURN COALESCE(trigger_name = ANY(_pgtrigger_ignore), FALSE);
                END;
            $$ LANGUAGE plpgsql
            """
        )


_flushes = threading.local()


@contextmanager
def flushing() -> Iterator[None]:
    """Marks a `flush` (isotp/management/commands/flush.py): it sends post_migrate too, but
    emptying tables changes no grant or trigger, so secure_after_migrate has nothing to do."""
    _flushes.active = True
    try:
        yield
    finally:
        _flushes.active = False


def secure_after_migrate(sender, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate receiver (isotp/apps.py): every migrate ends, as the owner, with the app
    role's grants and the history triggers kept on. Nothing to do when the app and the owner
    are one role (only DATABASE_URL set): that role owns everything anyway, or after a flush."""
    if getattr(_flushes, "active", False):
        return
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute("SELECT current_user")
        if cursor.fetchone()[0] == settings.DATABASE_APP_ROLE:
            return
        grant_app_role(using=using)
        keep_history_triggers_on(using=using)


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
