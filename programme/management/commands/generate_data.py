"""`manage.py generate_data --scale 1.0 --seed 1`: a national-scale data set for measuring
the app (the generator is beside this folder: programme/management/data_generator.py). Never
on production data: it refuses to run with DEBUG off unless told this is not production, and
refuses a database that holds offenders unless --replace, which empties every table but the
reference data first."""

import time
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from isotp.database_roles import connected_as_owner
from programme.management import data_generator

REFUSED_PRODUCTION = (
    "DEBUG is off, so this may be a production database: generate_data writes a whole "
    "invented national data set. Run it with --i-know-this-is-not-production if it is not."
)
REFUSED_NOT_EMPTY = (
    "The database already holds offenders: run with --replace to empty the app's tables "
    "(every case, member of staff, history and log; the reference data stays) and generate anew."
)


class Command(BaseCommand):
    help = "Generate a national-scale, internally consistent data set (deterministic per seed)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=0.01, help="1.0: 100,000 offenders")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="The day the data is dated from (default today); the same seed and day "
            "give the same rows.",
        )
        parser.add_argument("--replace", action="store_true")
        parser.add_argument("--i-know-this-is-not-production", action="store_true")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["i_know_this_is_not_production"]:
            raise CommandError(REFUSED_PRODUCTION)
        if not 0 < options["scale"] <= 2:
            raise CommandError("--scale must be above 0 and at most 2")
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM referrals_offender)")
            if cursor.fetchone()[0] and not options["replace"]:
                raise CommandError(REFUSED_NOT_EMPTY)
        today = options["today"] or timezone.localdate()
        started = time.monotonic()
        # Only the owner may empty the history and switch its triggers off for the load.
        with connected_as_owner(), transaction.atomic():
            counts = data_generator.generate(
                scale=options["scale"], seed=options["seed"], today=today, out=self.say
            )
        seconds = time.monotonic() - started
        width = max(len(name) for name in counts)
        for name, count in sorted(counts.items()):
            self.say(f"  {name:<{width}}  {count:>10,}")
        self.say(
            f"Generated at scale {options['scale']} (seed {options['seed']}, dated {today}) "
            f"in {seconds:.1f} s."
        )
        self.say(
            f"Every account's password is {data_generator.PASSWORD!r}, and each has a confirmed "
            "authenticator (its key is in the admin's TOTP devices). Hot spots: "
            f"{data_generator.BIG_OFFICE_PM} (programme manager of the big office), "
            f"{data_generator.BIG_CASELOAD_OM} (the biggest caseload and open notices), "
            f"{data_generator.HOT_FACILITATOR} (facilitator); admin.generated, auditor.generated."
        )

    def say(self, message: str) -> None:
        self.stdout.write(message)
