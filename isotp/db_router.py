"""Reads of read-only heavy pages go to a read replica, when there is one.

With `DATABASE_REPLICA_URL` set, settings.py adds a `replica` database alias (a streaming
replica of the primary). A view marked `@reads_from_replica` runs its queries there: the
printed reports that read a whole group or a man's whole record, and later the management
information pages and bulk prints. Everything else, and every write from anywhere (the access
log row such a page causes, the session, a cached PDF), goes to the primary; so does a read
that locks (`select_for_update`). Without the setting there is no alias and all of it is the
primary's.

A replica is a little behind the primary (normally well under a second), so only pages whose
reader would not notice a write of the last moment are marked: not a page someone opens
straight after saving what it shows.
"""

from contextvars import ContextVar
from functools import wraps

from django.db import connections

REPLICA = "replica"

_reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)


def reads_from_replica(view):
    """Marks a view whose reads may come from the replica (writes always go to the primary)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        token = _reading_from_replica.set(True)
        try:
            return view(*args, **kwargs)
        finally:
            _reading_from_replica.reset(token)

    return wrapped


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _reading_from_replica.get() and REPLICA in connections.settings:
            return REPLICA
        return None  # the default database

    def db_for_write(self, model, **hints):
        # Said outright: left to Django, a record read from the replica would be saved there.
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the primary's rows: one database as far as keys go

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None
