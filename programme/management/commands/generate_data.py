"""`manage.py generate_data --scale 1.0 --seed 1`: a national-scale data set for measuring
the app (programme/data_generator.py). Never on production data: it refuses to run with DEBUG
off unless told this is not production, and refuses a database that holds offenders unless
--replace, which empties every table but the reference data first."""

import time
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from isotp.database_roles import connected_as_owner
from programme import data_generator

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
        today = options["today"] or timezone.localdate()
        started = time.monotonic()
        # Only the owner may empty the history and switch the triggers off for the load.
        with connected_as_owner():
            with transaction.atomic():
                tables = app_tables()
                with connection.cursor() as cursor:
                    cursor.execute("SELECT EXISTS (SELECT 1 FROM referrals_offender)")
                    if cursor.fetchone()[0]:
                        if not options["replace"]:
                            raise CommandError(REFUSED_NOT_EMPTY)
                        quoted = ", ".join(f'"{t}"' for t in tables)
                        cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY")
                    else:
                        # Restart the ids too, so that a seed gives the same rows every time.
                        quoted = ", ".join(f'"{t}"' for t in tables)
                        cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY")
                    ensure_reference_data()
                    for table in tables:
                        cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
                counts = data_generator.generate(
                    scale=options["scale"], seed=options["seed"], today=today, out=self.say
                )
                with connection.cursor() as cursor:
                    # The foreign keys are checked now (they are deferred), before the
                    # triggers can be switched back on.
                    checked = time.monotonic()
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    self.say(f"Foreign keys checked in {time.monotonic() - checked:.1f} s")
                    for table in tables:
                        cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
                    cursor.execute("ANALYZE")
        seconds = time.monotonic() - started
        width = max(len(name) for name in counts)
        for name, count in sorted(counts.items()):
            self.say(f"  {name:<{width}}  {count:>10,}")
        self.say(f"Generated at scale {options['scale']} (seed {options['seed']}, dated "
                 f"{today}) in {seconds:.1f} s.")
        self.say(
            "Sign in with password "
            f"{data_generator.PASSWORD!r} (every account has a confirmed authenticator; "
            "`make demo-code` does not know these keys): "
            f"{data_generator.BIG_OFFICE_PM} (programme manager of the big office), "
            f"{data_generator.BIG_CASELOAD_OM} (the biggest caseload and open notices), "
            f"{data_generator.HOT_FACILITATOR} (facilitator), admin.generated, auditor.generated."
        )

    def say(self, message: str) -> None:
        self.stdout.write(message)


# Kept: the data migrations' reference data (programmes and their numbers, the allowed status
# moves, closing reasons, bank holidays, treatment targets) and Django's own bookkeeping.
KEPT = {
    "referrals_programme",
    "referrals_programmeevent",
    "referrals_statustransition",
    "referrals_statustransitionevent",
    "referrals_closingreason",
    "referrals_closingreasonevent",
    "programme_bankholiday",
    "programme_bankholidayevent",
    "programme_treatmenttarget",
    "programme_treatmenttargetevent",
    "django_migrations",
    "django_content_type",
    "auth_permission",
}


def app_tables() -> list[str]:
    """Every table that holds cases, staff, their history or logs."""
    return [t for t in connection.introspection.table_names() if t not in KEPT]


def ensure_reference_data() -> None:
    """After a flush (the tests' transactional cases) the reference data must come back."""
    from programme.models import BankHoliday, TreatmentTarget
    from programme.reference_data import ensure_bank_holidays, ensure_treatment_targets
    from referrals.models import ClosingReason, Programme, StatusTransition
    from referrals.reference_data import ensure_reference_data as ensure_referrals

    ensure_referrals(Programme, StatusTransition, ClosingReason)
    ensure_bank_holidays(BankHoliday)
    ensure_treatment_targets(Programme, TreatmentTarget)
