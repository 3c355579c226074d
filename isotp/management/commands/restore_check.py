"""Restores the newest backup into a scratch database and compares it with what was backed up
(isotp/backups.py). Exits non-zero on any difference."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from isotp.backups import BackupError, restore_check


class Command(BaseCommand):
    help = "Restore the newest backup into a scratch database; compare every table's rows and checksum."

    def add_arguments(self, parser):
        parser.add_argument("--dir", required=True, type=Path, help="the folder of backups")

    def handle(self, *args, dir: Path, **options):
        try:
            backup, found, differences = restore_check(dir)
        except BackupError as error:
            raise CommandError(str(error)) from None
        if differences:
            raise CommandError(
                f"The restored copy of {backup.dump.name} differs from the source:\n  "
                + "\n  ".join(differences)
            )
        rows = sum(figures["rows"] for figures in found.values())
        self.stdout.write(
            f"{backup.dump.name} restored: {len(found)} tables, {rows} rows, every count and "
            "checksum the same as the source's when it was taken."
        )
