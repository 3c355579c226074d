"""`migrate` connects as the role that owns the schema (DATABASE_OWNER_URL), and ends by
granting the app's role what it may do (isotp/database_roles.py, on post_migrate)."""

from django.core.management.commands import migrate

from isotp.database_roles import connected_as_owner


class Command(migrate.Command):
    help = migrate.Command.help + " Connects as the owner role (DATABASE_OWNER_URL)."

    def handle(self, *args, **options):
        with connected_as_owner(options["database"]):
            return super().handle(*args, **options)
