"""Plain make_* helpers for tests: each makes one valid record, overridable by keyword."""

from datetime import date, timedelta
from itertools import count

from isotp.models import Office, ProbationArea, Role, Staff
from referrals.models import Gender, Offence, Offender, OrderType

PASSWORD = "correct-horse-battery-staple"
_numbers = count(1)


def make_office(name: str = "Riverside PDU", area: str = "Northshire") -> Office:
    probation_area, _ = ProbationArea.objects.get_or_create(name=area)
    office, _ = Office.objects.get_or_create(area=probation_area, name=name)
    return office


def make_staff(username: str, role: str, office: Office | None = None, **fields) -> Staff:
    staff = Staff(
        username=username,
        first_name=fields.pop("first_name", username.split(".")[0].title()),
        last_name=fields.pop("last_name", "Testington"),
        role=role,
        office=office or make_office(),
        **fields,
    )
    staff.set_password(PASSWORD)
    staff.save()
    return staff


# The named characters (tests/conftest.py): username, role, office and fields of each.
CHARACTERS = {
    "alice": (
        "alice.accredited",
        Role.OFFENDER_MANAGER,
        "Riverside PDU",
        {"accredited_on": date(2024, 3, 14)},
    ),
    "uma": ("uma.unaccredited", Role.OFFENDER_MANAGER, "Riverside PDU", {}),
    "otto": (
        "otto.other",
        Role.OFFENDER_MANAGER,
        "Riverside PDU",
        {"accredited_on": date(2023, 1, 9)},
    ),
    "fern": ("fern.facilitator", Role.FACILITATOR, "Riverside PDU", {}),
    "pat": ("pat.manager", Role.PROGRAMME_MANAGER, "Riverside PDU", {}),
    "hilary": ("hilary.elsewhere", Role.PROGRAMME_MANAGER, "Hillside PDU", {}),
    "ada": ("ada.admin", Role.ADMIN, "Riverside PDU", {"is_staff": True, "is_superuser": True}),
    "audrey": ("audrey.auditor", Role.AUDITOR, "Riverside PDU", {}),
    "sam": ("sam.senior", Role.SENIOR_MANAGER, "Riverside PDU", {}),
}


def make_character(name: str) -> Staff:
    """One of the named characters, in their office (made if missing)."""
    username, role, office, fields = CHARACTERS[name]
    return make_staff(username, role, make_office(office), **fields)


def make_offender(offender_manager: Staff, **fields) -> Offender:
    number = next(_numbers)
    values = {
        "crn": f"T{number:06d}",
        "first_name": "Test",
        "last_name": f"Personnumber{number}",
        "date_of_birth": date(1985, 6, 15),
        "gender": Gender.MALE,
        "offender_manager": offender_manager,
        "office": offender_manager.office,
        "order_type": OrderType.COMMUNITY_ORDER,
        "order_start": date(2026, 1, 5),
        "order_end": date(2029, 1, 4),
    }
    values.update(fields)
    return Offender.objects.create(**values)


def make_offence(offender: Offender, internet: bool = True, **fields) -> Offence:
    return Offence.objects.create(
        offender=offender,
        description=fields.pop("description", "Possession of indecent images (online)"),
        internet_related_sexual=internet,
        **fields,
    )


def make_authenticator(staff: Staff):
    """A confirmed TOTP authenticator for the member of staff (their one, if they have it)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=staff, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=staff, name="Authenticator app", confirmed=True)
    return device


def totp_code(device, offset: int = 0) -> str:
    """The code the authenticator shows now (or `offset` time steps away)."""
    import time

    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset * device.step
    return f"{totp.token():0{device.digits}d}"


def sign_in_verified(client, staff: Staff):
    """Signs the member of staff in on a test client as a finished sign-in leaves them: the
    password step (force_login) and the second factor (the session names their confirmed
    authenticator, as django_otp.login does)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    device = make_authenticator(staff)
    client.force_login(staff)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


__all__ = [
    "PASSWORD",
    "Role",
    "make_authenticator",
    "make_office",
    "make_offence",
    "make_offender",
    "make_staff",
    "sign_in_verified",
    "totp_code",
]


def make_assessment(offender: Offender, assessor: Staff, **fields):
    """An assessment recorded through the service, so its outcome is decided by the rules."""
    from referrals.models import Assessment
    from referrals.services import assessment_record

    values = {
        "stage": "pre_sentence",
        "assessed_on": date(2026, 1, 2),
        "internet_offence_confirmed": True,
        "oasys_completed_on": date(2025, 12, 20),
        "risk_of_serious_harm": "medium",
        "rm2000_completed_on": date(2025, 12, 21),
        "rm2000_category": "low",
    }
    values.update(fields)
    return assessment_record(offender=offender, assessment=Assessment(**values), by=assessor)


def make_referral(offender: Offender, by: Staff, **assessment_fields):
    """Referred on 5 January 2026, or three days after a later assessment."""
    from referrals.services import referral_create

    assessment = make_assessment(offender, by, **assessment_fields)
    referred_on = max(date(2026, 1, 5), assessment.assessed_on + timedelta(days=3))
    return referral_create(assessment=assessment, by=by, referred_on=referred_on)


def complete_checklist(referral, on: date | None = None, by: Staff | None = None):
    """Fill in every checklist item (on 10 January 2026, or five days after a later referral).
    Saved through the service (which makes the referral ready for allocation) when `by` is
    given, else saved directly, moving nothing."""
    if on is None:
        on = max(date(2026, 1, 10), referral.referred_on + timedelta(days=5))
    checklist = referral.checklist
    checklist.psr_provided_on = on
    checklist.additional_reports_not_available = True
    checklist.cps_pack_provided_on = on
    checklist.previous_convictions_provided_on = on
    checklist.liaison_on = on
    checklist.understands_requirements_on = on
    checklist.interview_on = on
    checklist.interview_attended = True
    checklist.interview_outcome = "suitable"
    if by is None:
        checklist.save()
        return checklist
    from referrals.services import checklist_save

    checklist_save(checklist=checklist, by=by)
    return checklist


def make_ready_referral(offender: Offender, by: Staff, **assessment_fields):
    """A referral with its checklist complete, ready for allocation to a group."""
    referral = make_referral(offender, by, **assessment_fields)
    complete_checklist(referral, by=by)
    return referral


def make_young_ready_referral(offender_manager: Staff, **offender_fields):
    """A man of 19 (the young adults' band, 18 to 20) ready for allocation: assessed, referred
    and his checklist completed in the last month, so he was an adult at each step whatever
    the day the suite runs (his order, of three years, starts then too)."""
    born = today() - timedelta(days=365 * 19)
    assessed = today() - timedelta(days=30)
    offender_fields.setdefault("order_start", assessed)
    offender_fields.setdefault("order_end", assessed + timedelta(days=3 * 365))
    offender = make_offender(offender_manager, date_of_birth=born, **offender_fields)
    return make_ready_referral(
        offender,
        offender_manager,
        assessed_on=assessed,
        oasys_completed_on=assessed - timedelta(days=10),
        rm2000_completed_on=assessed - timedelta(days=9),
    )


def make_group(by: Staff, facilitators: list[Staff], **fields):
    """An i-SOTP 21+ group of the manager's office, sessions generated by the service."""
    from datetime import time

    from programme.services.scheduling import group_create
    from referrals.models import Programme

    values = {
        "programme": Programme.objects.get(code="isotp"),
        "age_band": "21_plus",
        "office": by.office,
        "venue": "Riverside probation office, room 2",
        "facilitators": facilitators,
        "treatment_manager": None,
        "start_date": date(2026, 2, 2),
        "weekdays": [0],
        "start_time": time(18, 0),
    }
    # A group meeting on one day may be given as weekday=.
    if "weekday" in fields:
        fields["weekdays"] = [fields.pop("weekday")]
    values.update(fields)
    # A group cannot start in the past: tests replay past groups by forming them on their
    # start date (or today, for a group that starts later).
    values.setdefault("today", min(today(), values["start_date"]))
    if "version" not in values:
        values["version"] = version_for_test(values["programme"])
    return group_create(by=by, **values)


def version_for_test(programme):
    """The newest complete version of the programme; for a test that shortened the programme
    (sessions=2), a new version of that many sessions, named as the newest one's first ones,
    made the way an admin would (copy, then edit the copy)."""
    from programme.models import ProgrammeModule, ProgrammeSession, ProgrammeVersion
    from programme.reference_data import ensure_programme_versions
    from programme.services.versions import newest_usable_version, version_copy
    from referrals.models import Programme

    # Transactional tests that seed their own reference data may not have made version 1.
    ensure_programme_versions(Programme, ProgrammeVersion, ProgrammeModule, ProgrammeSession)
    programme.refresh_from_db()
    version = newest_usable_version(programme)
    if version is not None:
        return version
    newest = programme.versions.order_by("-number").first()
    copy = version_copy(version=newest, by=None)
    ProgrammeSession.objects.filter(version=copy, number__gt=programme.sessions).delete()
    last_module = copy.modules.order_by("-number").first()
    ProgrammeSession.objects.bulk_create(
        ProgrammeSession(version=copy, number=number, module=last_module, title=f"Session {number}")
        for number in range(copy.sessions.count() + 1, programme.sessions + 1)
    )
    return copy


def make_placement(group, offender: Offender, manager: Staff, by: Staff | None = None):
    """A man ready for allocation, allocated to the group."""
    from programme.services.scheduling import placement_allocate

    referral = make_ready_referral(offender, manager)
    return placement_allocate(
        group=group, referral=referral, by=by or manager, on=allocation_day(group)
    )


def allocation_day(group) -> date:
    """A day to allocate on before the group first meets: today, or the group's start date if
    that has passed (tests replay past groups: the service takes the day of allocation)."""
    return min(today(), group.start_date)


def record(session, placement, outcome: str, by: Staff, **fields):
    """Record one member's outcome at one session through the register service."""
    from programme.services.register import RegisterEntry, register_save

    return register_save(
        session=session,
        entries=[RegisterEntry(placement=placement, outcome=outcome, **fields)],
        by=by,
    )


def give_warning(enforcement, by: Staff, *, on: date | None = None, reason: str = ""):
    """The offender manager gives the formal warning for this failure on the day after it (or
    on `on`): a warning counts towards a breach only for failures after the day it was given."""
    from programme.services.enforcement import enforcement_decide
    from tests.clock import on_day

    with on_day(on or enforcement.failure_on + timedelta(days=1)):
        return enforcement_decide(
            enforcement=enforcement, decision="warning_given", reason=reason, by=by
        )


def make_handover_overdue(referral, author: Staff, *, days_ago: int = 60):
    """After the programme, his report submitted `days_ago` days ago and no handover held
    since: overdue (set directly, for the daily reminders' tests)."""
    from django.utils import timezone

    from programme.models import EndOfProgrammeReport, ReportStatus
    from referrals.models import ReferralStatus

    referral.status = ReferralStatus.POST_PROGRAMME
    referral.save(update_fields=["status"])
    return EndOfProgrammeReport.objects.create(
        referral=referral,
        version=1,
        author=author,
        status=ReportStatus.SUBMITTED,
        submitted_at=timezone.now() - timedelta(days=days_ago),
    )


def make_handover(referral, by: Staff, **fields):
    """A three-way handover meeting, all three present unless told otherwise."""
    from programme.models import HandoverMeeting

    values = {
        "held_on": date(2026, 3, 16),
        "place": "Riverside probation office",
        "offender_attended": True,
        "facilitator_attended": True,
        "offender_manager_attended": True,
    }
    values.update(fields)
    return HandoverMeeting.objects.create(referral=referral, recorded_by=by, **values)


def make_reassessment(referral, by: Staff, **fields):
    from programme.models import Reassessment

    values = {
        "oasys_on": date(2026, 3, 20),
        "risk_of_serious_harm": "low",
        "rm2000_on": date(2026, 3, 20),
        "rm2000_category": "low",
        "what_changed": "Completed the programme",
    }
    values.update(fields)
    return Reassessment.objects.create(referral=referral, recorded_by=by, **values)


# --- Dates that hold on any day (tests/clock.py) --------------------------------------------
# A test that needs "a session today", "sessions behind us" or "a group next week" asks these
# for its dates: they walk the meeting days and skip the bank holidays as the scheduling service
# does, instead of shifting dates by whole weeks (which a bank holiday breaks).


def today() -> date:
    """The day the suite runs as: the real date, or TEST_TODAY (tests/clock.py)."""
    from django.utils import timezone

    return timezone.localdate()


def _holidays() -> set[date]:
    from programme.services.scheduling import bank_holidays

    return bank_holidays()


def next_meeting_day(
    weekdays, *, on_or_after: date | None = None, holidays: set[date] | None = None
) -> date:
    """The first day on or after the given one (today) a group meeting on these weekdays
    meets: today itself when it is one of them and no bank holiday."""
    from programme.services.scheduling import meeting_days_from

    start = on_or_after or today()
    holidays = _holidays() if holidays is None else holidays
    return next(meeting_days_from(start, weekdays=weekdays, holidays=holidays))


def start_with_sessions_behind(
    weekdays, behind: int, holidays: set[date] | None = None, *, on_or_after: date | None = None
) -> date:
    """The start date of a group meeting on these weekdays whose first `behind` sessions were
    held before today (or before `on_or_after`) and whose next session is its next meeting day
    from then (today, if it meets today)."""
    holidays = _holidays() if holidays is None else holidays
    days = set(weekdays)
    start = next_meeting_day(weekdays, on_or_after=on_or_after, holidays=holidays)
    day = start
    for _ in range(behind):
        day -= timedelta(days=1)
        while day.weekday() not in days or day in holidays:
            day -= timedelta(days=1)
        start = day
    return start


def meeting_weekdays_this_week() -> list[int]:
    """The weekdays (0 = Monday) of this week, Monday to Friday, that are no bank holiday: the
    days a group can meet this week."""
    holidays = _holidays()
    monday = today() - timedelta(days=today().weekday())
    return [n for n in range(5) if monday + timedelta(days=n) not in holidays]


def make_running_group(by: Staff, facilitators: list[Staff], *, behind: int, **fields):
    """A group already running: sessions 1 to `behind` are behind us and session behind + 1
    is its next meeting day (today, when today is a meeting day and no bank holiday). It meets
    on today's weekday unless weekday= or weekdays= says otherwise; behind=0 is a group that
    starts on its next meeting day."""
    if "weekday" in fields:
        fields["weekdays"] = [fields.pop("weekday")]
    weekdays = fields.pop("weekdays", [today().weekday()])
    start = start_with_sessions_behind(weekdays, behind)
    return make_group(by, facilitators, start_date=start, weekdays=weekdays, today=start, **fields)


def let_sessions_pass(group, behind: int) -> None:
    """Time goes by for a group formed in a test (through its pages, say): its sessions are
    re-dated on its meeting days, bank holidays skipped, so that sessions 1 to `behind` are
    behind us and the next is its next meeting day."""
    from programme.models import Group, GroupSession
    from programme.services.scheduling import session_dates

    holidays = _holidays()
    start = start_with_sessions_behind(group.weekdays, behind, holidays)
    sessions = list(group.sessions.order_by("number"))
    dates = session_dates(
        first_on_or_after=start, weekdays=group.weekdays, count=len(sessions), holidays=holidays
    )
    # Earliest first: each session moves back onto a day no other session holds any more.
    for session, day in zip(sessions, dates, strict=True):
        GroupSession.objects.filter(pk=session.pk).update(date=day)
    Group.objects.filter(pk=group.pk).update(start_date=start)
    group.refresh_from_db()


def make_men_absent_from_first_session(
    count: int, offender_manager: Staff, programme_manager: Staff, facilitator: Staff
) -> None:
    """`count` men of the offender manager, ten to a group, each with an unacceptable absence
    from his group's first session and a risk-relevant note: an enforcement decision, a notice
    and a catch-up each. For query counts that must not grow with the list."""
    groups = [make_group(programme_manager, [facilitator]) for _ in range((count + 9) // 10)]
    for number in range(count):
        group = groups[number // 10]
        placement = make_placement(
            group, make_offender(offender_manager), offender_manager, by=programme_manager
        )
        record(
            group.sessions.get(number=1),
            placement,
            "unacceptable_absence",
            by=facilitator,
            risk_relevant=True,
            note="Risk note",
        )
