"""The offender's overview: each phase's state and next action at each stage of his case, the
dated timeline (on its own page), who may open it, and a query count that does not grow with
his history. The other pages under his sub navigation are tested in test_offender_pages.py."""

from datetime import date, datetime

import pgtrigger
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from isotp.database_roles import connected_as_owner
from isotp.models import AccessLog
from programme.casework.timeline import timeline_for
from programme.models import (
    CatchUp,
    EndOfProgrammeReport,
    Enforcement,
    EnforcementDecisionType,
    Recommendation,
    ReportStatus,
    RiskReview,
)
from programme.services.enforcement import enforcement_decide
from programme.services.register import catch_up_record
from referrals.models import Offender, Programme, ReferralStatus, ReferralStatusChange
from tests.factories import (
    make_assessment,
    make_group,
    make_handover,
    make_offence,
    make_offender,
    make_placement,
    make_ready_referral,
    make_reassessment,
    make_referral,
    record,
)


def overview_url(offender) -> str:
    return reverse("programme:offender", args=[offender.pk])


def open_overview(client, offender):
    response = client.get(overview_url(offender))
    assert response.status_code == 200
    return response


def phases(response) -> dict:
    return {phase.name: phase for phase in response.context["phases"]}


def timeline_url(offender) -> str:
    return reverse("programme:offender_timeline", args=[offender.pk])


def open_timeline(client, offender):
    response = client.get(timeline_url(offender))
    assert response.status_code == 200
    return response


def events(response) -> list:
    return list(response.context["page"].object_list)


def titles(response) -> list[str]:
    return [event.title for event in events(response)]


def session(group, number: int):
    return group.sessions.get(number=number)


def do_catch_up(placement, number: int, by):
    catch_up = CatchUp.objects.get(placement=placement, session__number=number)
    return catch_up_record(
        catch_up=catch_up,
        held_on=catch_up.session.date,
        facilitator=by,
        completed=True,
        note="Went through the session's exercises",
        by=by,
    )


@pytest.fixture
def offender(alice):
    offender = make_offender(alice, first_name="Oliver", last_name="Overviewman")
    make_offence(offender)
    return offender


@pytest.fixture
def absent_placement(placement, fern):
    """Adam attended session 1 (2 Feb 2026) and missed session 2 (9 Feb) without excuse."""
    group = placement.group
    record(session(group, 1), placement, "attended", fern)
    record(session(group, 2), placement, "unacceptable_absence", fern)
    return placement


@pytest.fixture
def completed_placement(alice, pat, fern):
    """Carl completed a two-session programme: his referral is post-programme."""
    Programme.objects.filter(code="isotp").update(sessions=2)
    group = make_group(pat, [fern])
    offender = make_offender(alice, first_name="Carl", last_name="Completer")
    placement = make_placement(group, offender, alice, by=pat)
    record(session(group, 1), placement, "attended", fern)
    record(session(group, 2), placement, "attended", fern)
    placement.referral.refresh_from_db()
    assert placement.referral.status == ReferralStatus.POST_PROGRAMME
    return placement


def close_as_complete(placement, alice, fern):
    """The post-programme work done, straight in the records, and the referral closed."""
    referral = placement.referral
    EndOfProgrammeReport.objects.create(
        referral=referral,
        status=ReportStatus.SUBMITTED,
        recommendations=["Continue one-to-one work on relapse prevention"],
        risk_factors="Isolation",
        relapse_prevention_plan="Weekly contact",
        author=fern,
        submitted_by=fern,
        submitted_at=timezone.make_aware(datetime(2026, 3, 2, 10, 0)),
    )
    Recommendation.objects.create(
        referral=referral, number=1, text="Continue one-to-one work", status="done"
    )
    make_handover(referral, alice, held_on=date(2026, 3, 16))
    make_reassessment(
        referral,
        alice,
        oasys_on=date(2026, 3, 20),
        risk_of_serious_harm="medium",
        rm2000_on=date(2026, 3, 20),
        rm2000_category="low",
        what_changed="Completed the programme",
    )
    referral.move_to(ReferralStatus.PROGRAMME_COMPLETE, by=alice, automatic=True)
    return referral


# --- The phase overview at each stage ---------------------------------------------------------


def test_with_no_assessment_the_next_action_is_to_record_one(login, alice, offender):
    response = open_overview(login(alice), offender)
    shown = phases(response)
    assert [phase.name for phase in response.context["phases"]] == [
        "Assessment",
        "Pre-programme",
        "Programme",
        "Post-programme",
    ]
    assert shown["Assessment"].status == "Not started"
    assert shown["Assessment"].action == "Record an eligibility assessment"
    assert shown["Assessment"].action_url == reverse(
        "referrals:assessment_create", args=[offender.pk]
    )
    for later in ("Pre-programme", "Programme", "Post-programme"):
        assert shown[later].status == "Cannot start yet"
        assert not shown[later].action
    page = response.content.decode()
    assert page.count("Record an eligibility assessment") == 1
    assert [phase.task_status for phase in response.context["phases"]] == [
        "Not yet started",
        "Cannot start yet",
        "Cannot start yet",
        "Cannot start yet",
    ]
    timeline = open_timeline(login(alice), offender).content.decode()
    assert "Nothing has happened in his case yet." in timeline


def test_eligible_but_not_referred_is_asked_to_refer_to_the_waiting_list(login, alice, offender):
    assessment = make_assessment(offender, alice)
    shown = phases(open_overview(login(alice), offender))
    assert shown["Assessment"].status == "Eligible for i-SOTP"
    assert shown["Assessment"].colour == "green"
    assert shown["Assessment"].action == "Refer to the i-SOTP waiting list"
    assert shown["Assessment"].action_url == assessment.get_absolute_url()
    assert shown["Pre-programme"].status == "Not started"
    assert not shown["Pre-programme"].action


def test_not_eligible_is_asked_for_a_new_assessment(login, alice, offender):
    make_assessment(offender, alice, internet_offence_confirmed=False)
    response = open_overview(login(alice), offender)
    shown = phases(response)
    assert shown["Assessment"].status == "Not eligible"
    assert shown["Assessment"].action == "Record a new eligibility assessment"
    assert shown["Pre-programme"].status == "Cannot start yet"


def test_an_incomplete_assessment_shows_what_is_missing_not_an_outcome(login, alice, offender):
    assessment = make_assessment(offender, alice, oasys_completed_on=None, risk_of_serious_harm="")
    client = login(alice)
    response = open_overview(client, offender)
    shown = phases(response)
    assert shown["Assessment"].status == "Incomplete: missing OASys"
    assert shown["Assessment"].action == "Complete the assessment: record OASys"
    assert shown["Assessment"].action_url == reverse(
        "referrals:assessment_edit", args=[assessment.pk]
    )
    assert shown["Pre-programme"].status == "Cannot start yet"
    assert shown["Assessment"].task_status == "In progress"
    event = next(e for e in events(open_timeline(client, offender)) if "assessment" in e.title)
    assert (event.tag, event.detail) == ("Incomplete: missing OASys", "")
    page = response.content.decode()
    assert "Incomplete: missing OASys" in page
    assert "Not eligible" not in page


def test_referred_with_the_checklist_missing_is_asked_to_complete_it(login, alice, offender):
    referral = make_referral(offender, alice)
    response = open_overview(login(alice), offender)
    shown = phases(response)
    assert not shown["Assessment"].action
    pre = shown["Pre-programme"]
    assert pre.status == "Awaiting assessment interview"
    assert ("Pre-programme checklist", "7 items missing") in pre.facts
    assert pre.action == "Complete the pre-programme checklist"
    assert pre.action_url == reverse("referrals:referral_checklist", args=[referral.pk])
    page = response.content.decode()
    assert "7 items missing" in page
    assert f'href="{pre.action_url}">Complete the pre-programme checklist</a>' in page


def test_a_ready_referral_is_ready_for_allocation_and_the_manager_is_sent_to_the_waiting_list(
    login, alice, pat, offender
):
    make_ready_referral(offender, alice)
    for_alice = phases(open_overview(login(alice), offender))
    assert for_alice["Pre-programme"].status == "Ready for allocation"
    assert for_alice["Pre-programme"].action == (
        "A programme manager allocates him a place in a group from the waiting list"
    )
    assert for_alice["Pre-programme"].action_url == ""
    assert for_alice["Programme"].status == "Not started"
    for_pat = phases(open_overview(login(pat), offender))
    assert for_pat["Pre-programme"].action == "Allocate him to a group from the waiting list"
    assert for_pat["Pre-programme"].action_url == reverse("programme:waiting_list")


def test_in_a_group_with_an_absence_the_next_action_is_the_enforcement_decision(
    login, alice, absent_placement
):
    offender = absent_placement.offender
    enforcement = Enforcement.objects.get(offender=offender)
    response = open_overview(login(alice), offender)
    shown = phases(response)
    assert shown["Pre-programme"].status == "Completed"
    programme = shown["Programme"]
    assert programme.status == "On programme"
    facts = dict(programme.facts)
    assert facts["Sessions attended"] == "1 of 35"
    assert facts["Catch-ups"] == "1 of 4 used (1 still to do)"
    assert facts["Enforcement decisions waiting"] == "1"
    assert "Projected finish" in facts
    assert programme.action.startswith("Record the enforcement decision")
    assert programme.action_url == enforcement.get_absolute_url()
    assert shown["Post-programme"].status == "Cannot start yet"
    page = response.content.decode()
    assert f'href="{enforcement.get_absolute_url()}">Record the enforcement decision' in page


def test_the_programme_manager_sees_whose_enforcement_decision_is_waiting(
    login, pat, absent_placement
):
    response = open_overview(login(pat), absent_placement.offender)
    programme = phases(response)["Programme"]
    assert programme.action.startswith(
        "His offender manager, Alice Testington, records the enforcement decision (due by "
    )
    assert programme.action_url == ""
    enforcement = Enforcement.objects.get(offender=absent_placement.offender)
    assert enforcement.get_absolute_url() not in response.content.decode()


def test_a_finish_after_his_order_ends_is_warned_about(login, alice, absent_placement):
    offender = absent_placement.offender
    Offender.objects.filter(pk=offender.pk).update(order_end=date(2026, 6, 1))
    response = open_overview(login(alice), offender)
    warning = phases(response)["Programme"].warning
    assert "after his community order ends on 1 June 2026" in warning
    assert warning in response.content.decode()


def test_after_a_fifth_miss_the_ended_attempt_is_shown_and_he_waits_again(
    login, alice, fern, placement
):
    group = placement.group
    for number in range(1, 5):
        record(
            session(group, number), placement, "acceptable_absence", fern, absence_reason="medical"
        )
        do_catch_up(placement, number, fern)
    record(session(group, 5), placement, "unacceptable_absence", fern)
    client = login(alice)
    response = open_overview(client, placement.offender)
    shown = phases(response)
    assert shown["Pre-programme"].status == "Ready for allocation"
    assert shown["Pre-programme"].action.startswith("A programme manager allocates him")
    programme = shown["Programme"]
    assert programme.status == "Restart required" and programme.colour == "red"
    assert dict(programme.facts)["Catch-ups"] == "5 of 4 used (1 still to do)"
    assert dict(programme.facts)["Ended"].startswith("2 March 2026: Restart required")
    assert programme.task_status == "Restart required" and programme.task_tag == "red"
    timeline = titles(open_timeline(client, placement.offender))
    assert "i-SOTP referral: status changed from On programme to Restart required" in timeline
    assert "Back on the i-SOTP waiting list to restart" in timeline
    assert "Referred to the i-SOTP waiting list" in timeline


def test_after_completion_the_post_programme_phase_asks_for_the_report(
    login, alice, completed_placement
):
    referral = completed_placement.referral
    shown = phases(open_overview(login(alice), completed_placement.offender))
    assert shown["Programme"].status == "Completed"
    assert dict(shown["Programme"].facts)["Sessions attended"] == "2 of 2"
    post = shown["Post-programme"]
    assert post.status == "In progress"
    assert dict(post.facts) == {
        "End-of-programme report": "Not started",
        "Three-way handover": "Not held",
        "Risk re-assessed": "Not yet",
        "Recommendations outstanding": "None",
    }
    assert post.task_status == "In progress"
    assert shown["Programme"].task_status == "Completed"
    assert post.action == "The group's facilitators write and submit the end-of-programme report"
    assert post.action_url == ""
    assert referral.pk


def test_a_closed_referral_shows_the_programme_complete(login, alice, fern, completed_placement):
    close_as_complete(completed_placement, alice, fern)
    response = open_overview(login(alice), completed_placement.offender)
    post = phases(response)["Post-programme"]
    assert post.status == "Closed: programme complete"
    assert not post.action
    assert dict(post.facts) == {
        "End-of-programme report": "Version 1 submitted on 2 March 2026",
        "Three-way handover": "Held",
        "Risk re-assessed": "On 20 March 2026",
        "Recommendations outstanding": "0 of 1",
    }
    assert "Closed: programme complete" in response.content.decode()


# --- The timeline -------------------------------------------------------------------------------


# Committed, so that the owner role's connection sees the rows it backdates.
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_the_timeline_lists_his_case_newest_first(login, alice, fern, absent_placement):
    placement = absent_placement
    offender = placement.offender
    # The referral's moves all happened today; date them as they would have been. The status
    # history is append-only: only its owner may change it, stepping around its trigger.
    moves = ReferralStatusChange.objects.filter(referral=placement.referral).order_by("pk")
    with (
        connected_as_owner(),
        pgtrigger.ignore("referrals.ReferralStatusChange:status_change_append_only"),
    ):
        for change, day in zip(moves, (5, 10, 20, 25), strict=False):
            ReferralStatusChange.objects.filter(pk=change.pk).update(
                at=timezone.make_aware(datetime(2026, 1, day, 9, 30))
            )
        ReferralStatusChange.objects.filter(to_status=ReferralStatus.ON_PROGRAMME).update(
            at=timezone.make_aware(datetime(2026, 2, 2, 20, 0))
        )
    do_catch_up(placement, 2, fern)

    response = open_timeline(login(alice), offender)
    assert titles(response) == [
        "Catch-up of session 2 held",
        "Enforcement decision needed",
        "Missed group session 2",
        "i-SOTP referral: status changed from Scheduled to On programme",
        "Attended group session 1",
        "i-SOTP referral: status changed from Ready for allocation to Scheduled",
        "i-SOTP referral: status changed from Awaiting assessment interview to Ready for "
        "allocation",
        "Referred to the i-SOTP waiting list",
        "Pre-sentence eligibility assessment",
    ]
    shown = events(response)
    assert [event.sort_key for event in shown] == sorted((e.sort_key for e in shown), reverse=True)
    absence = shown[2]
    # Dated by the session, at its start time, not by when the register was kept.
    assert absence.at == timezone.make_aware(datetime(2026, 2, 9, 18, 0))
    assert absence.tag == "Unacceptable absence" and absence.tag_colour == "red"
    assert absence.by == str(fern)
    assert absence.recorded_on == timezone.localdate()
    needed = shown[1]
    assert "Unacceptable absence at session 2 on 9 February 2026" in needed.detail
    assert "Proposed: formal warning" in needed.detail
    assert shown[-1].tag == "Eligible for i-SOTP"
    # Attended and complied is what is expected: no tag.
    assert shown[4].tag == ""
    page = response.content.decode()
    assert 'class="moj-timeline"' in page
    assert "9 February 2026 at 6pm</time>" in page
    assert f"Recorded {timezone.localdate():%-d %B %Y}" in page
    assert page.index("Enforcement decision needed") < page.index("Attended group session 1")


def test_the_timeline_shows_the_decision_once_made(login, alice, absent_placement):
    enforcement = Enforcement.objects.get(offender=absent_placement.offender)
    enforcement_decide(
        enforcement=enforcement,
        decision=EnforcementDecisionType.WARNING_GIVEN,
        reason="",
        by=alice,
    )
    client = login(alice)
    response = open_timeline(client, absent_placement.offender)
    assert "Enforcement decision needed" not in titles(response)
    decision = next(e for e in events(response) if e.title.startswith("Enforcement"))
    assert decision.title == "Enforcement decision: formal warning given"
    assert decision.at == timezone.localdate()
    assert decision.by == str(alice)
    assert decision.tag == "Decision"
    assert phases(open_overview(client, absent_placement.offender))["Programme"].action == ""


def test_the_timeline_shows_the_post_programme_work_and_the_closure(
    login, alice, fern, completed_placement
):
    close_as_complete(completed_placement, alice, fern)
    response = open_timeline(login(alice), completed_placement.offender)
    by_title = {event.title: event for event in events(response)}
    closure = by_title["Closed: i-SOTP programme complete"]
    assert closure.tag == "Closed" and closure.tag_colour == "green"
    report = by_title["End-of-programme report submitted"]
    assert report.url == reverse(
        "programme:report", args=[completed_placement.referral.end_reports.get().pk]
    )
    assert by_title["Three-way handover meeting"].at == date(2026, 3, 16)
    assert by_title["Three-way handover meeting"].detail.startswith("He, a facilitator and his")
    assert by_title["Risk re-assessed after the programme"].detail == (
        "Risk of serious harm: medium; RM2000: low"
    )
    assert titles(response).index("Closed: i-SOTP programme complete") == 0


def test_a_handover_someone_missed_is_marked_incomplete(login, alice, completed_placement):
    make_handover(
        completed_placement.referral,
        alice,
        held_on=date(2026, 3, 9),
        place="Riverside",
        facilitator_attended=False,
    )
    client = login(alice)
    response = open_overview(client, completed_placement.offender)
    timeline = open_timeline(client, completed_placement.offender)
    meeting = next(e for e in events(timeline) if e.title.startswith("Three-way"))
    assert meeting.tag == "Incomplete"
    assert meeting.detail.startswith("Not attended by a facilitator")
    assert dict(phases(response)["Post-programme"].facts)["Three-way handover"] == "Not held"


# --- Who may open it ----------------------------------------------------------------------------


def test_the_overview_is_at_the_offenders_address_and_is_his_absolute_url(offender):
    assert overview_url(offender) == f"/offenders/{offender.pk}/"
    assert offender.get_absolute_url() == overview_url(offender)


def test_an_anonymous_visitor_is_sent_to_sign_in(client, offender):
    response = client.get(overview_url(offender))
    assert response.status_code == 302
    assert response.url.startswith("/login/?next=")


@pytest.mark.parametrize("character", ["otto", "fern", "hilary"])
def test_staff_without_reason_get_404(request, login, offender, character):
    client = login(request.getfixturevalue(character))
    assert client.get(overview_url(offender)).status_code == 404
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("character", ["alice", "pat"])
def test_his_offender_manager_and_the_office_programme_manager_can_open_it(
    request, login, offender, character
):
    assert login(request.getfixturevalue(character)).get(overview_url(offender)).status_code == 200


def test_the_overview_refuses_post(login, alice, offender):
    client = login(alice)
    assert client.post(overview_url(offender)).status_code == 405
    assert client.put(overview_url(offender)).status_code == 405


def test_each_view_of_the_overview_is_logged(login, pat, offender):
    login(pat).get(overview_url(offender))
    log = AccessLog.objects.get()
    assert (log.staff, log.record_type, log.record_id, log.path) == (
        pat,
        "referrals.Offender",
        str(offender.pk),
        overview_url(offender),
    )


def test_the_overview_is_short_and_links_to_his_other_pages(login, alice, offender):
    page = open_overview(login(alice), offender).content.decode()
    for name in ("offender_timeline", "offender_programme", "offender_personal_details"):
        assert reverse(f"programme:{name}", args=[offender.pk]) in page
    assert reverse("programme:offender_history", args=[offender.pk]) in page
    # His record and its history are on their own pages now.
    assert "Order or licence" not in page and "Change history" not in page


# --- Queries --------------------------------------------------------------------------------


def long_history(alice, fern, placement):
    """Eight sessions recorded, two absences caught up, a warning given, a risk review."""
    group = placement.group
    record(session(group, 1), placement, "attended", fern)
    record(session(group, 2), placement, "unacceptable_absence", fern)
    do_catch_up(placement, 2, fern)
    enforcement_decide(
        enforcement=Enforcement.objects.get(offender=placement.offender),
        decision=EnforcementDecisionType.WARNING_GIVEN,
        reason="",
        by=alice,
    )
    record(session(group, 3), placement, "attended", fern, minutes_late=10)
    record(session(group, 4), placement, "acceptable_absence", fern, absence_reason="medical")
    do_catch_up(placement, 4, fern)
    for number in range(5, 8):
        record(session(group, number), placement, "attended", fern)
    record(session(group, 8), placement, "failed_to_comply", fern)
    RiskReview.objects.create(
        offender=placement.offender,
        oasys_on=date(2026, 3, 1),
        risk_of_serious_harm="medium",
        what_changed="New relationship",
        recorded_by=alice,
    )


@pytest.mark.parametrize("history", ["short", "long"])
def test_the_timeline_runs_twelve_queries_whatever_his_history(
    alice, fern, placement, history, django_assert_num_queries
):
    if history == "long":
        long_history(alice, fern, placement)
    else:
        record(session(placement.group, 1), placement, "attended", fern)
    # One per kind of record: risk reviews, re-assessments, handovers, reports, enforcement,
    # catch-ups, attendance, status moves, assessments, one-to-ones.
    with django_assert_num_queries(12):
        events = timeline_for(placement.offender)
    # Long: his assessment, four status moves, eight sessions, two catch-ups, two enforcement
    # events (one decided, one waiting) and a risk review. Short: one session, no catch-up.
    assert len(events) == (18 if history == "long" else 6)


@pytest.mark.parametrize("history", ["short", "long"])
def test_the_overview_runs_the_same_queries_whatever_his_history(
    login, alice, fern, placement, history, django_assert_num_queries
):
    if history == "long":
        long_history(alice, fern, placement)
    else:
        record(session(placement.group, 1), placement, "attended", fern)
    client = login(alice)
    # Session, user and her second-factor device; the offender; the access log entry;
    # assessments, referrals; the phases: placements, pending enforcement, his attendance
    # counts, the projection (sessions, recorded sessions, catch-ups outstanding), catch-ups
    # used; then the session's idle timer is renewed (an update in a savepoint: three). The
    # timeline, his record and its change history are on pages of their own.
    # (+1: the header's count of what is due today, programme/services/today.py)
    with django_assert_num_queries(17):
        response = client.get(overview_url(placement.offender))
    assert response.status_code == 200


def test_the_post_programme_overview_runs_the_same_queries_before_and_after_the_work(
    login, alice, fern, completed_placement
):
    client = login(alice)
    url = overview_url(completed_placement.offender)
    client.get(url)  # the session's first renewal (then not again within the minute)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    make_handover(completed_placement.referral, alice, held_on=date(2026, 3, 9), place="Riverside")
    Recommendation.objects.create(referral=completed_placement.referral, number=1, text="One")
    Recommendation.objects.create(referral=completed_placement.referral, number=2, text="Two")
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)
