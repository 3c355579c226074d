"""Demo data: one account per role and about 30 fictional offenders. Safe to run twice.

Every name here is invented (the surnames are made-up words); no real person or case.
"""

import datetime
from datetime import date, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction

from isotp.models import Office, ProbationArea, Role, Staff
from programme.models import Group
from programme.services import RegisterEntry, group_create, placement_allocate, register_save
from referrals.models import Assessment, Gender, Offence, Offender, OrderType, Programme
from referrals.services import assessment_record, checklist_save, referral_create

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

        self._seed_programme_work(staff, offices["Riverside PDU"])

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

    def _seed_programme_work(self, staff, office):
        """A referral on the waiting list and a running group with a few registers recorded.

        The programme app builds on this one; it is imported here so that the demo shows
        every phase, while the referrals app's own code never depends on it.
        """

        if Group.objects.exists():
            return
        manager, facilitator = staff["om.accredited"], staff["facilitator"]
        programme_manager = staff["programme.manager"]

        def refer(first: str, last: str, crn: str, ready: bool, start: date = date(2026, 6, 1)):
            # Dates run from the order's start: assessed before it, ready a month after.
            start_offset = start - date(2026, 6, 1)
            offender = Offender.objects.create(
                crn=crn,
                first_name=first,
                last_name=last,
                date_of_birth=date(1979, 4, 9),
                gender=Gender.MALE,
                offender_manager=manager,
                office=office,
                order_type=OrderType.COMMUNITY_ORDER,
                order_start=start,
                order_end=start + timedelta(days=3 * 365),
                needs_large_print=last == "Largeprintman",
            )
            Offence.objects.create(
                offender=offender,
                description=OFFENCES[0][0],
                internet_related_sexual=True,
                conviction_date=date(2026, 5, 20) + start_offset,
            )
            assessment = assessment_record(
                offender=offender,
                assessment=Assessment(
                    stage="pre_sentence",
                    assessed_on=date(2026, 5, 10) + start_offset,
                    internet_offence_confirmed=True,
                    oasys_completed_on=date(2026, 5, 1) + start_offset,
                    risk_of_serious_harm="medium",
                    rm2000_completed_on=date(2026, 5, 2) + start_offset,
                    rm2000_category="medium",
                ),
                by=manager,
            )
            referral = referral_create(
                assessment=assessment, by=manager, referred_on=date(2026, 6, 5) + start_offset
            )
            if ready:
                checklist = referral.checklist
                for field in (
                    "psr_provided_on",
                    "cps_pack_provided_on",
                    "previous_convictions_provided_on",
                    "liaison_on",
                    "understands_requirements_on",
                    "interview_on",
                ):
                    setattr(checklist, field, date(2026, 7, 1) + start_offset)
                checklist.additional_reports_not_available = True
                checklist.interview_attended = True
                checklist.interview_outcome = "suitable"
                checklist_save(checklist=checklist, by=manager)  # now ready for allocation
            return referral

        refer("Waiting", "Checklistman", "D800001", ready=False)
        group = group_create(
            programme=Programme.objects.get(code="isotp"),
            age_band="21_plus",
            office=office,
            venue="Riverside probation office, group room",
            facilitators=[facilitator],
            treatment_manager=None,
            start_date=date(2026, 9, 7),
            weekday=0,
            start_time=datetime.time(18, 0),
            by=programme_manager,
            today=min(date.today(), date(2026, 9, 7)),  # replayed: formed before it started
        )
        members = [
            refer(first, last, f"D80000{n}", ready=True)
            for n, (first, last) in enumerate(
                [("Gareth", "Groupmember"), ("Harold", "Largeprintman"), ("Ivor", "Regularson")],
                start=2,
            )
        ]
        placements = [
            placement_allocate(group=group, referral=r, by=programme_manager, on=group.start_date)
            for r in members
        ]
        for session in group.sessions.order_by("number")[:4]:
            entries = [
                RegisterEntry(placement=p, outcome="attended", homework_done=True)
                for p in placements
            ]
            if session.number == 4:
                entries[1] = RegisterEntry(placement=placements[1], outcome="unacceptable_absence")
            register_save(session=session, entries=entries, by=facilitator)

        # An earlier group, finished: Derek completed every session and awaits his
        # end-of-programme report, handover and the rest of the post-programme work.
        earlier = group_create(
            programme=Programme.objects.get(code="isotp"),
            age_band="21_plus",
            office=office,
            venue="Riverside probation office, room 3",
            facilitators=[facilitator],
            treatment_manager=None,
            start_date=date(2025, 11, 3),
            weekday=0,
            start_time=datetime.time(10, 0),
            by=programme_manager,
            today=min(date.today(), date(2025, 11, 3)),  # replayed: formed before it started
        )
        finished = refer("Derek", "Completedson", "D800005", ready=True, start=date(2025, 9, 1))
        finished_place = placement_allocate(
            group=earlier, referral=finished, by=programme_manager, on=earlier.start_date
        )
        for session in earlier.sessions.order_by("number"):
            register_save(
                session=session,
                entries=[
                    RegisterEntry(placement=finished_place, outcome="attended", homework_done=True)
                ],
                by=facilitator,
            )
