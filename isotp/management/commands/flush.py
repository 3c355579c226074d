"""`flush` empties every table, the access log and the history included: only the owner role
may (TRUNCATE), so it connects as that role. The test suite's transactional tests use it."""

from django.core.management.commands import flush

from isotp.database_roles import connected_as_owner


class Command(flush.Command):
    def handle(self, **options):
        with connected_as_owner(options["database"]):
            return super().handle(**options)
