"""The national-scale data generator (`manage.py generate_data`), at a small scale: sizes in
proportion, the same rows for the same seed, and data that obeys the app's own rules."""

from collections import defaultdict
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from isotp.database_roles import connected_as_owner
from isotp.models import Office, Staff
from programme.management import data_generator
from programme.management.commands.generate_data import REFUSED_NOT_EMPTY, REFUSED_PRODUCTION
from programme.models import (
    ATTENDED_OUTCOMES,
    Attendance,
    EndOfProgrammeReport,
    Enforcement,
    HandoverMeeting,
    Notice,
    NoticeKind,
    Placement,
    ReportStatus,
)
from programme.services.post_programme import attendance_summary, closing_missing
from programme.services.register import completion_missing
from referrals.eligibility import decide_eligibility
from referrals.models import (
    Assessment,
    Offender,
    Programme,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
)
from referrals.services import facts_for
from tests.factories import sign_in_verified

SCALE = 0.01  # 1,000 offenders, 30 groups
TODAY = date(2026, 11, 26)

# Every table the generator fills, read in key order: two runs must give the same rows.
DIGEST_TABLES = [
    "isotp_staff",
    "otp_totp_totpdevice",
    "referrals_offender",
    "referrals_assessment",
    "referrals_referral",
    "referrals_referralstatuschange",
    "referrals_preprogrammechecklist",
    "programme_group",
    "programme_groupsession",
    "programme_placement",
    "programme_attendance",
    "programme_catchup",
    "programme_enforcement",
    "programme_notice",
    "programme_endofprogrammereport",
    "programme_targetprogress",
    "programme_recommendation",
    "programme_handovermeeting",
    "programme_reassessment",
    "programme_attendanceevent",
    "referrals_referralevent",
]


def digest() -> dict[str, str]:
    with connection.cursor() as cursor:
        digests = {}
        for table in DIGEST_TABLES:
            key = "pgh_id" if table.endswith("event") else "id"
            cursor.execute(f"SELECT md5(string_agg(t::text, '|' ORDER BY {key})) FROM {table} t")
            digests[table] = cursor.fetchone()[0]
        return digests


def generate(*extra):
    call_command(
        "generate_data",
        f"--scale={SCALE}",
        f"--today={TODAY}",
        "--i-know-this-is-not-production",
        *extra,
        stdout=open("/dev/null", "w"),
    )


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    """Generate twice with the same seed (the second run replacing the first); the data of
    the second run stays for the module's tests, and is emptied after them."""
    with django_db_blocker.unblock():
        generate("--seed=7")
        first = digest()
        generate("--seed=7", "--replace")
        second = digest()
        yield first, second
        with connected_as_owner():
            data_generator.empty_app_tables()


pytestmark = pytest.mark.django_db


def test_sizes_are_in_proportion_to_the_scale(generated):
    offenders = Offender.objects.count()
    assert offenders == pytest.approx(100_000 * SCALE, rel=0.02)
    assert Referral.objects.count() / offenders == pytest.approx(0.4, abs=0.15)
    groups = data_generator.GROUPS * SCALE
    assert Placement.objects.values("group").distinct().count() <= groups + 4
    assert Attendance.objects.count() / offenders == pytest.approx(9, rel=0.5)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM programme_attendanceevent")
        assert cursor.fetchone()[0] == Attendance.objects.count()


def test_the_same_seed_gives_the_same_rows(generated):
    first, second = generated
    assert first == second
    assert all(first.values())


def test_the_hot_spots_exist_in_proportion(generated):
    big = Office.objects.order_by("pk").first()
    assert Offender.objects.filter(office=big).count() == pytest.approx(
        Offender.objects.count() * 0.10, abs=2
    )
    pm = Staff.objects.get(username=data_generator.BIG_OFFICE_PM)
    assert pm.office == big and pm.is_programme_manager
    om = Staff.objects.get(username=data_generator.BIG_CASELOAD_OM)
    caseloads = [s.caseload.count() for s in Staff.objects.filter(role="offender_manager")]
    assert om.caseload.count() == max(caseloads)
    open_notices = Notice.objects.filter(offender__offender_manager=om).unacknowledged().count()
    assert open_notices >= round(data_generator.BIG_CASELOAD_NOTICES * SCALE)
    fac = Staff.objects.get(username=data_generator.HOT_FACILITATOR)
    assert fac.groups_facilitated.exists()
    # Its waiting list is the longest for its size (about half its cases at full scale).
    waiting = Referral.objects.waiting().filter(offender__office=big).count()
    others = Referral.objects.waiting().exclude(offender__office=big).count()
    cases = Offender.objects.filter(office=big).count()
    assert waiting / cases > 2 * others / (Offender.objects.count() - cases)


def test_every_account_has_the_password_and_a_confirmed_authenticator(generated):
    hashes = set(Staff.objects.values_list("password", flat=True))
    assert len(hashes) == 1  # hashed once: the hasher is slow on purpose
    assert Staff.objects.order_by("?").first().check_password(data_generator.PASSWORD)
    assert TOTPDevice.objects.filter(confirmed=True).count() == Staff.objects.count()


def test_every_attendance_is_of_a_member_of_that_group_at_that_session(generated):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM programme_attendance a
            JOIN programme_groupsession s ON s.id = a.session_id
            JOIN programme_placement p ON p.id = a.placement_id
            JOIN programme_groupsession f ON f.id = p.first_session_id
            LEFT JOIN programme_groupsession l ON l.id = p.last_session_id
            WHERE p.group_id <> s.group_id
               OR f.number > s.number
               OR s.date < p.allocated_on
               OR (p.ended_on IS NOT NULL AND (l.id IS NULL OR l.number < s.number))
            """
        )
        assert cursor.fetchone()[0] == 0
    # And as the app asks it, for a sample.
    for attendance in Attendance.objects.select_related("session").order_by("?")[:50]:
        assert (
            Placement.objects.members_at(attendance.session)
            .filter(pk=attendance.placement_id)
            .exists()
        )


def test_nobody_attends_a_later_session_with_a_catch_up_outstanding(generated):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM programme_attendance a
            JOIN programme_groupsession s ON s.id = a.session_id
            JOIN programme_catchup c ON c.placement_id = a.placement_id
            JOIN programme_groupsession missed ON missed.id = c.session_id
            WHERE a.outcome IN ('attended', 'failed_to_comply')
              AND missed.number < s.number
              AND (NOT c.completed OR c.held_on >= s.date)
            """
        )
        assert cursor.fetchone()[0] == 0


def test_every_missed_session_has_a_catch_up_and_every_failure_an_enforcement(generated):
    missed = Attendance.objects.exclude(outcome__in=ATTENDED_OUTCOMES)
    assert missed.exists()
    for attendance in missed:
        assert attendance.placement.catch_ups.filter(session=attendance.session).exists()
    enforceable = Attendance.objects.filter(
        outcome__in=["failed_to_comply", "sent_home", "unacceptable_absence"]
    )
    assert Enforcement.objects.count() == enforceable.count()
    for enforcement in Enforcement.objects.filter(offender__order_type="licence"):
        assert enforcement.proposed_action == "recall"


def test_eligibility_outcomes_are_the_rules_outcomes(generated):
    programmes = {p.code: p for p in Programme.objects.all()}
    assessments = Assessment.objects.select_related("offender").order_by("?")[:150]
    for assessment in assessments:
        result = decide_eligibility(
            facts_for(offender=assessment.offender, assessment=assessment),
            isotp=programmes["isotp"].rules(),
            nsogp=programmes["nsogp"].rules(),
        )
        assert (assessment.outcome, assessment.reasons) == (result.outcome, result.reasons)
    outcomes = set(Assessment.objects.values_list("outcome", flat=True))
    assert {"eligible", "refer_nsogp", "not_eligible"} <= outcomes
    # Only a positive outcome was referred, to the programme it names.
    assert not Referral.objects.exclude(assessment__outcome__in=["eligible", "refer_nsogp"])
    assert not Referral.objects.exclude(programme=F("assessment__outcome_programme"))


def test_restarts_happen_past_the_catch_up_limit_and_only_then(generated):
    limit = Programme.objects.get(code="isotp").catch_up_limit
    restarted = Referral.objects.filter(status=ReferralStatus.RESTART_REQUIRED)
    assert restarted.exists()
    for referral in restarted:
        assert referral.placement.missed_attendances().count() == limit + 1
        again = referral.next_attempt
        assert again.waiting_since == referral.waiting_since
        assert again.checklist.is_complete
    for placement in Placement.objects.filter(ended_on__isnull=True).select_related("referral"):
        if placement.referral.status != ReferralStatus.BREACH:
            assert placement.missed_attendances().count() <= limit


COMPLETED = [ReferralStatus.POST_PROGRAMME, ReferralStatus.PROGRAMME_COMPLETE]


def test_completed_attempts_have_every_session_and_catch_up_done(generated):
    completed = Placement.objects.filter(referral__status__in=COMPLETED)
    assert completed.exists()
    for placement in completed[:40]:
        assert completion_missing(placement) == []


def test_reports_handovers_and_closing_follow_the_services_rules(generated):
    submitted = EndOfProgrammeReport.objects.filter(status=ReportStatus.SUBMITTED)
    assert submitted.exists()
    for report in submitted.select_related("referral__placement")[:40]:
        referral = report.referral
        assert referral.status in COMPLETED
        # The summary report_submit would have taken from the register.
        assert report.attendance_summary == attendance_summary(referral.placement)
        assert [r.text for r in referral.recommendations.order_by("number")] == (
            report.recommendations
        )
        assert referral.offender.notices.filter(kind=NoticeKind.REPORT).exists()
        for meeting in HandoverMeeting.objects.filter(referral=referral):
            assert meeting.held_on >= report.submitted_at.date()
    # Handovers and re-assessments only follow a submitted report.
    assert not HandoverMeeting.objects.exclude(referral__end_reports__status="submitted").exists()
    closed = Referral.objects.filter(status=ReferralStatus.PROGRAMME_COMPLETE)
    assert closed.exists()
    for referral in closed[:40]:
        # Only the status check remains: it is closed, no longer waiting to be.
        assert closing_missing(referral) == [
            "He has not completed the programme's sessions and catch-ups"
        ]
    waiting_to_close = Referral.objects.filter(status=ReferralStatus.POST_PROGRAMME)
    assert any(closing_missing(referral) for referral in waiting_to_close[:40])


def test_status_history_chains_to_the_status_and_matches_pghistory(generated):
    moves = defaultdict(list)
    for change in ReferralStatusChange.objects.order_by("at", "pk"):
        moves[change.referral_id].append((change.from_status, change.to_status))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pgh_obj_id, count(*) FROM referrals_referralevent GROUP BY 1")
        events = dict(cursor.fetchall())
    for referral in Referral.objects.all():
        chain = moves[referral.pk]
        assert chain[0][0] == ""
        assert all(a[1] == b[0] for a, b in zip(chain, chain[1:], strict=False)), chain
        assert chain[-1][1] == referral.status
        # One insert event and one update event for each move, as the triggers write them.
        assert events[referral.pk] == len(chain)
    # Allocations came only from ready referrals, in the group's band and programme.
    for placement in Placement.objects.select_related("group__programme", "referral__offender"):
        group = placement.group
        assert placement.referral.programme_id == group.programme_id
        band = group.programme.age_band(placement.referral.offender.date_of_birth, group.start_date)
        assert band == group.age_band
        assert placement.allocated_on < placement.first_session.date


def test_refuses_a_database_with_offenders_without_replace(generated):
    before = digest()
    with pytest.raises(CommandError) as refused:
        call_command("generate_data", "--i-know-this-is-not-production", f"--scale={SCALE}")
    assert str(refused.value) == REFUSED_NOT_EMPTY
    assert digest() == before


def test_refuses_to_run_with_debug_off_unless_told(generated, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError) as refused:
        call_command("generate_data", f"--scale={SCALE}", "--replace")
    assert str(refused.value) == REFUSED_PRODUCTION


@pytest.mark.parametrize(
    ("username", "url_name"),
    [
        (data_generator.BIG_OFFICE_PM, "programme:waiting_list"),
        (data_generator.BIG_OFFICE_PM, "programme:caseload"),
        (data_generator.BIG_CASELOAD_OM, "programme:caseload"),
        (data_generator.BIG_CASELOAD_OM, "programme:actions"),
        (data_generator.HOT_FACILITATOR, "programme:facilitator_home"),
        (data_generator.BIG_OFFICE_PM, "programme:today"),
        (data_generator.BIG_CASELOAD_OM, "programme:today"),
        (data_generator.HOT_FACILITATOR, "programme:today"),
    ],
)
def test_the_hot_spot_pages_render_on_generated_data(generated, client, username, url_name):
    staff = Staff.objects.get(username=username)
    sign_in_verified(client, staff)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    if url_name == "programme:waiting_list":
        waiting = Referral.objects.waiting().filter(offender__office=staff.office).first()
        assert waiting.offender.last_name in response.content.decode()
    if url_name == "programme:actions":
        count = Notice.objects.unacknowledged().filter(offender__offender_manager=staff).count()
        assert f"{count} notices to acknowledge" in response.content.decode()
