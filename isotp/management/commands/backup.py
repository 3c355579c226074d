"""Writes a backup of the database and its manifest (isotp/backups.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from isotp.backups import BackupError, take_backup


class Command(BaseCommand):
    help = "pg_dump the database (custom format) into a folder, with each table's row count and checksum."

    def add_arguments(self, parser):
        parser.add_argument("--dir", required=True, type=Path, help="the folder of backups")

    def handle(self, *args, dir: Path, **options):
        try:
            backup = take_backup(dir)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Backup written: {backup.dump} (manifest {backup.manifest.name})")
