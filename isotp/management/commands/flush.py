"""`flush` empties every table, the access log and the history included: only the owner role
may (TRUNCATE), so it connects as that role. The test suite's transactional tests use it.

Grants and triggers survive a TRUNCATE, so the post_migrate that a flush sends does not
re-grant (isotp/database_roles.py, `flushing`): a flush is not a migration."""

from django.core.management.commands import flush

from isotp import database_roles
from isotp.database_roles import connected_as_owner


class Command(flush.Command):
    def handle(self, **options):
        with connected_as_owner(options["database"]), database_roles.flushing():
            return super().handle(**options)
