"""Demo data: one account per role and about 30 fictional offenders. Safe to run twice.

Every name here is invented (the surnames are made-up words); no real person or case.
"""

from datetime import date, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction

from isotp.models import Office, ProbationArea, Role, Staff
from referrals.models import Gender, Offence, Offender, OrderType

DEMO_PASSWORD = "demo-password-2026"

DEMO_STAFF = [
    # username, first, last, role, office name, accredited on
    (
        "om.accredited",
        "Alex",
        "Quillfeather",
        Role.OFFENDER_MANAGER,
        "Riverside PDU",
        date(2024, 3, 14),
    ),
    ("om.unaccredited", "Sam", "Brackenwhistle", Role.OFFENDER_MANAGER, "Riverside PDU", None),
    ("om.other", "Jordan", "Pebblewick", Role.OFFENDER_MANAGER, "Riverside PDU", date(2023, 9, 5)),
    ("facilitator", "Robin", "Thistledown", Role.FACILITATOR, "Riverside PDU", None),
    ("programme.manager", "Morgan", "Fennimore", Role.PROGRAMME_MANAGER, "Riverside PDU", None),
    ("admin", "Casey", "Admininson", Role.ADMIN, "Riverside PDU", None),
]

FIRST_NAMES = ["Adam", "Ben", "Carl", "Dean", "Evan", "Finn", "Gary", "Hugo", "Ian", "Jack"]
SURNAMES = ["Applebrook", "Birchwhistle", "Cobblethorpe"]

OFFENCES = [
    ("Making indecent photographs of children (internet)", True),
    ("Possession of indecent images of children (online)", True),
    ("Attempting to meet a child following online grooming", True),
    ("Theft from a shop", False),
]


class Command(BaseCommand):
    help = "Create demo staff (one per role) and about 30 fictional offenders. Idempotent."

    @transaction.atomic
    def handle(self, *args, **options):
        area, _ = ProbationArea.objects.get_or_create(name="Northshire (demo area)")
        offices = {
            name: Office.objects.get_or_create(area=area, name=name)[0]
            for name in ("Riverside PDU", "Hillside PDU")
        }
        staff = {}
        for username, first, last, role, office_name, accredited_on in DEMO_STAFF:
            member, created = Staff.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "role": role,
                    "office": offices[office_name],
                    "accredited_on": accredited_on,
                    "is_staff": role == Role.ADMIN,
                    "is_superuser": role == Role.ADMIN,
                    "email": f"{username}@example.invalid",
                },
            )
            if created:
                member.set_password(DEMO_PASSWORD)
                member.save(update_fields=["password"])
            staff[username] = member

        managers = [staff["om.accredited"], staff["om.accredited"], staff["om.other"]]
        today = date.today()
        number = 0
        for surname in SURNAMES:
            for first in FIRST_NAMES:
                number += 1
                crn = f"D{900000 + number:06d}"
                if Offender.objects.filter(crn=crn).exists():
                    continue
                manager = managers[number % len(managers)]
                start = today - timedelta(days=30 * (number % 12))
                offender = Offender.objects.create(
                    crn=crn,
                    first_name=first,
                    last_name=surname,
                    date_of_birth=date(1960 + (number * 7) % 45, 1 + number % 12, 1 + number % 27),
                    gender=Gender.MALE,
                    offender_manager=manager,
                    office=manager.office,
                    order_type=[
                        OrderType.COMMUNITY_ORDER,
                        OrderType.LICENCE,
                        OrderType.SUSPENDED_SENTENCE_ORDER,
                    ][number % 3],
                    order_start=start,
                    order_end=start + timedelta(days=365 * (1 + number % 3)),
                    needs_large_print=number % 7 == 0,
                    interpreter_language="Polish" if number % 11 == 0 else "",
                )
                description, internet = OFFENCES[number % len(OFFENCES)]
                Offence.objects.create(
                    offender=offender,
                    description=description,
                    internet_related_sexual=internet,
                    conviction_date=start - timedelta(days=14),
                )

        self.stdout.write(
            self.style.SUCCESS("Demo data is ready. Sign in at http://127.0.0.1:8000 as:")
        )
        for username, _first, _last, role, _office, accredited_on in DEMO_STAFF:
            note = " (accredited assessor)" if accredited_on else ""
            if role == Role.OFFENDER_MANAGER and not accredited_on:
                note = " (not accredited: cannot assess)"
            self.stdout.write(
                f"  {Role(role).label:<20} {username:<20} password {DEMO_PASSWORD}{note}"
            )
