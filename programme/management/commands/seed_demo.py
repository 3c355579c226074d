"""Demo data: one account per role and about 30 fictional offenders. Safe to run twice.

Every name here is invented (the surnames are made-up words); no real person or case.
"""

import datetime
from datetime import date, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from isotp.management.commands.demo_code import DEMO_TOTP_KEY, demo_secret
from isotp.models import Office, ProbationArea, Role, Staff
from programme.models import Group, OneToOneKind, add_working_days
from programme.services.one_to_ones import one_to_one_schedule
from programme.services.register import RegisterEntry, catch_up_record, register_save
from programme.services.scheduling import (
    bank_holidays,
    group_create,
    placement_allocate,
    session_dates,
    session_move,
)
from referrals.models import (
    Assessment,
    CaseAccess,
    CaseAccessKind,
    Gender,
    Offence,
    Offender,
    OrderType,
    Programme,
)
from referrals.services import assessment_record, checklist_save, referral_create

# The demo accounts' password is published in the README on purpose (reviewed: not a secret).
DEMO_PASSWORD = "demo-password-2026"  # nosec B105

DEMO_STAFF = [
    # username, first, last, role, office name, accredited (days before the demo is made)
    ("om.accredited", "Alex", "Quillfeather", Role.OFFENDER_MANAGER, "Riverside PDU", 620),
    ("om.unaccredited", "Sam", "Brackenwhistle", Role.OFFENDER_MANAGER, "Riverside PDU", None),
    ("om.other", "Jordan", "Pebblewick", Role.OFFENDER_MANAGER, "Riverside PDU", 810),
    ("facilitator", "Robin", "Thistledown", Role.FACILITATOR, "Riverside PDU", None),
    ("programme.manager", "Morgan", "Fennimore", Role.PROGRAMME_MANAGER, "Riverside PDU", None),
    ("admin", "Casey", "Admininson", Role.ADMIN, "Riverside PDU", None),
    ("auditor", "Avery", "Ledgerwood", Role.AUDITOR, "Riverside PDU", None),
    ("senior.manager", "Drew", "Hawthornley", Role.SENIOR_MANAGER, "Riverside PDU", None),
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
        today = timezone.localdate()
        staff = {}
        for username, first, last, role, office_name, accredited_days_ago in DEMO_STAFF:
            member, created = Staff.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "role": role,
                    "office": offices[office_name],
                    "accredited_on": (
                        today - timedelta(days=accredited_days_ago) if accredited_days_ago else None
                    ),
                    "is_staff": role == Role.ADMIN,
                    "is_superuser": role == Role.ADMIN,
                    "email": f"{username}@example.invalid",
                },
            )
            if created:
                member.set_password(DEMO_PASSWORD)
                member.save(update_fields=["password"])
                # The second factor: every demo account shares the published demo key.
                TOTPDevice.objects.create(
                    user=member, name="Demo authenticator", key=DEMO_TOTP_KEY, confirmed=True
                )
            staff[username] = member

        managers = [staff["om.accredited"], staff["om.accredited"], staff["om.other"]]
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
                    date_of_birth=date(
                        today.year - 22 - (number * 7) % 45, 1 + number % 12, 1 + number % 27
                    ),
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

        # A limited-access case, as offices have them: a colleague excluded from a man he knows
        # outside work (he no longer finds him in the office's lists or searches).
        CaseAccess.objects.get_or_create(
            offender=Offender.objects.get(crn=f"D{900000 + number:06d}"),
            staff=staff["om.unaccredited"],
            defaults={
                "kind": CaseAccessKind.EXCLUDED,
                "note": "Knows him outside work (demo)",
            },
        )

        self._seed_programme_work(staff, offices["Riverside PDU"], today)

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
        self.stdout.write(
            "Then the security code: every demo account uses the demo authenticator key\n"
            f"  {demo_secret()}\n"
            "Add it to an authenticator app (time-based), or print the current code with\n"
            "  make demo-code"
        )

    def _seed_programme_work(self, staff, office, today: date):
        """The programme as it stands this week, every date counted from today.

        A running group meets today (its register is due; the earlier ones are recorded).
        One of its men missed last week's session without an acceptable reason: his catch-up
        is to run and his offender manager's enforcement decision is due in a few days. A man
        who finished an earlier group awaits his end-of-programme report, and a referral waits
        on the list with its checklist still open. Places are given the week before each group
        first met (a group takes new members only before its first session).

        The programme app builds on this one; it is imported here so that the demo shows
        every phase, while the referrals app's own code never depends on it.
        """

        if Group.objects.exists():
            return
        manager, facilitator = staff["om.accredited"], staff["facilitator"]
        programme_manager = staff["programme.manager"]
        isotp = Programme.objects.get(code="isotp")
        holidays = bank_holidays()

        def refer(first: str, last: str, crn: str, order_start: date, ready_on: date | None):
            """A man assessed before his order began, referred a few days into it and, with
            `ready_on`, ready for allocation on that day (checklist complete)."""
            offender = Offender.objects.create(
                crn=crn,
                first_name=first,
                last_name=last,
                date_of_birth=years_before(today, 47),
                gender=Gender.MALE,
                offender_manager=manager,
                office=office,
                order_type=OrderType.COMMUNITY_ORDER,
                order_start=order_start,
                order_end=order_start + timedelta(days=3 * 365),
                needs_large_print=last == "Largeprintman",
            )
            Offence.objects.create(
                offender=offender,
                description=OFFENCES[0][0],
                internet_related_sexual=True,
                conviction_date=order_start - timedelta(days=12),
            )
            assessment = assessment_record(
                offender=offender,
                assessment=Assessment(
                    stage="pre_sentence",
                    assessed_on=order_start - timedelta(days=22),
                    internet_offence_confirmed=True,
                    oasys_completed_on=order_start - timedelta(days=31),
                    risk_of_serious_harm="medium",
                    rm2000_completed_on=order_start - timedelta(days=30),
                    rm2000_category="medium",
                ),
                by=manager,
            )
            referral = referral_create(
                assessment=assessment, by=manager, referred_on=order_start + timedelta(days=4)
            )
            checklist = referral.checklist
            if ready_on is None:  # the first papers are in; the rest is still to do
                checklist.psr_provided_on = order_start + timedelta(days=6)
                checklist.liaison_on = order_start + timedelta(days=6)
                checklist_save(checklist=checklist, by=manager)
                return referral
            for field in (
                "psr_provided_on",
                "cps_pack_provided_on",
                "previous_convictions_provided_on",
                "liaison_on",
                "understands_requirements_on",
                "interview_on",
            ):
                setattr(checklist, field, ready_on)
            checklist.additional_reports_not_available = True
            checklist.interview_attended = True
            checklist.interview_outcome = "suitable"
            checklist_save(checklist=checklist, by=manager)  # now ready for allocation
            return referral

        def form_group(start_date: date, weekday: int, at: datetime.time, venue: str) -> Group:
            return group_create(
                programme=isotp,
                age_band="21_plus",
                office=office,
                venue=venue,
                facilitators=[facilitator],
                treatment_manager=None,
                start_date=start_date,
                weekdays=[weekday],
                start_time=at,
                by=programme_manager,
                today=start_date,  # replayed: formed on the day it starts, or earlier
            )

        # On the waiting list: referred three weeks ago, checklist still open.
        waiting = refer(
            "Waiting", "Checklistman", "D800001", today - timedelta(days=25), ready_on=None
        )
        # His pre-group one-to-one (the assessment interview) is booked for three days on.
        one_to_one_schedule(
            referral=waiting,
            kind=OneToOneKind.PRE_GROUP,
            on=today + timedelta(days=3),
            start_time=datetime.time(14, 0),
            place="Riverside probation office, interview room 1",
            facilitators=[facilitator],
            by=manager,
            today=today,
        )

        # The running group meets today, on today's weekday, and first met five weeks ago.
        # (A bank holiday pushes a session a week; on a bank holiday itself there is no
        # session today, and the register due is the last one held.)
        start = today - timedelta(weeks=5)
        group = form_group(
            start, today.weekday(), datetime.time(18, 0), "Riverside probation office, group room"
        )
        allocated_on = start - timedelta(days=7)
        members = [
            refer(
                first,
                last,
                f"D80000{n}",
                order_start=start - timedelta(days=90),
                ready_on=allocated_on - timedelta(days=14),
            )
            for n, (first, last) in enumerate(
                [("Gareth", "Groupmember"), ("Harold", "Largeprintman"), ("Ivor", "Regularson")],
                start=2,
            )
        ]
        gareth, harold, ivor = (
            placement_allocate(group=group, referral=r, by=programme_manager, on=allocated_on)
            for r in members
        )
        # The register of the last session held (today's, unless today is a bank holiday) is
        # due; the earlier ones are recorded, and Ivor missed the last of them.
        held = list(group.sessions.filter(date__lte=today).order_by("number"))
        due, held = held[-1], held[:-1]
        deadline = isotp.enforcement_deadline_working_days
        if add_working_days(held[-1].date, deadline, holidays) <= today:
            # Bank holidays on the group's weekday for weeks running (Christmas and New Year
            # fall on the same weekday) would make his decision overdue: the facilitators
            # held that session on the last working day before the next one instead.
            day = due.date - timedelta(days=1)
            while day.weekday() >= 5 or day in holidays:
                day -= timedelta(days=1)
            session_move(session=held[-1], new_date=day, move_later=False)
            held[-1].refresh_from_db()
        for index, session in enumerate(held):
            outcomes = {
                p: RegisterEntry(placement=p, outcome="attended", homework_done=True)
                for p in (gareth, harold, ivor)
            }
            if index == 1:  # Gareth was ill; his catch-up was run two days later
                outcomes[gareth] = RegisterEntry(
                    placement=gareth, outcome="acceptable_absence", absence_reason="medical"
                )
            if session == held[-1]:  # Ivor did not come last time and gave no reason
                outcomes[ivor] = RegisterEntry(placement=ivor, outcome="unacceptable_absence")
            register_save(session=session, entries=list(outcomes.values()), by=facilitator)
            if index == 1:
                catch_up_record(
                    catch_up=gareth.catch_ups.get(session=session),
                    held_on=session.date + timedelta(days=2),
                    facilitator=facilitator,
                    completed=True,
                    note="Went through the session's exercises one to one",
                    by=facilitator,
                )

        # An earlier group, on Mondays, that ended two weeks or more ago: Derek completed
        # every session and awaits his end-of-programme report, handover and the rest.
        monday = today - timedelta(days=today.weekday())
        weeks_back = isotp.sessions + 2
        while True:
            earlier_start = monday - timedelta(weeks=weeks_back)
            dates = session_dates(
                first_on_or_after=earlier_start,
                weekdays=[0],
                count=isotp.sessions,
                holidays=holidays,
            )
            if dates[-1] <= today - timedelta(days=14):
                break
            weeks_back += 1
        earlier = form_group(
            earlier_start, 0, datetime.time(10, 0), "Riverside probation office, room 3"
        )
        earlier_allocated_on = earlier_start - timedelta(days=7)
        finished = refer(
            "Derek",
            "Completedson",
            "D800005",
            order_start=earlier_start - timedelta(days=90),
            ready_on=earlier_allocated_on - timedelta(days=14),
        )
        finished_place = placement_allocate(
            group=earlier, referral=finished, by=programme_manager, on=earlier_allocated_on
        )
        for session in earlier.sessions.order_by("number"):
            register_save(
                session=session,
                entries=[
                    RegisterEntry(placement=finished_place, outcome="attended", homework_done=True)
                ],
                by=facilitator,
            )


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)
