"""`makemigrations` reads the migration history as the owner role, as `migrate` writes it."""

from django.core.management.commands import makemigrations

from isotp.database_roles import connected_as_owner


class Command(makemigrations.Command):
    def handle(self, *app_labels, **options):
        with connected_as_owner():
            return super().handle(*app_labels, **options)
