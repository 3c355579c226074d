"""Delete old kept PDF renderings and bulk prints. Run daily from cron (docs/deployment.md):
they hold case data, and are only ever served again while the records are unchanged."""

from django.core.management.base import BaseCommand

from programme.documents.services import pdfs_purge


class Command(BaseCommand):
    help = "Delete kept PDF renderings and finished bulk prints older than --days (default 7)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7)

    def handle(self, *args, days: int, **options):
        renderings, bulk_prints = pdfs_purge(older_than_days=days)
        self.stdout.write(f"Deleted {renderings} PDF renderings and {bulk_prints} bulk prints.")
