"""The offender manager's pages (actions, notices, enforcement, his programme, risk reviews,
appointments) and the facilitator's start page."""

from datetime import date, timedelta

import pgtrigger
import pytest
from django.urls import reverse
from django.utils import timezone

from isotp.models import AccessLog
from programme.casework.views.actions import ACTIONS_PAGE_SIZES
from programme.models import (
    Appointment,
    Enforcement,
    EnforcementAction,
    EnforcementDecisionType,
    Notice,
    RiskReview,
)
from programme.services.enforcement import notice_acknowledge
from tests.factories import (
    make_assessment,
    make_group,
    make_men_absent_from_first_session,
    make_offender,
    make_placement,
    record,
    start_with_sessions_behind,
)


@pytest.fixture
def session1(group):
    return group.sessions.get(number=1)


@pytest.fixture
def absence(session1, placement, fern):
    """Adam missed session 1 (2 Feb 2026) without excuse: an enforcement decision, long overdue."""
    record(session1, placement, "unacceptable_absence", by=fern)
    return Enforcement.objects.get(attendance__placement=placement)


@pytest.fixture
def risk_notice(session1, placement, fern):
    record(
        session1,
        placement,
        "attended",
        by=fern,
        risk_relevant=True,
        note="Spoke about contact with his neighbour's children",
    )
    return Notice.objects.get()


@pytest.fixture
def appointment(placement, alice):
    return Appointment.objects.create(
        offender=placement.offender,
        on=timezone.localdate() + timedelta(days=7),
        purpose="Review of his progress",
        recorded_by=alice,
    )


def date_data(name: str, day) -> dict:
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def recent_placement(alice, pat, fern, **offender_fields):
    """One of Alice's men in a group whose first session was on the last working day (no
    weekend, no bank holiday) before today."""
    first_session = start_with_sessions_behind(range(5), 1)
    recent = make_group(pat, [fern], start_date=first_session, weekday=first_session.weekday())
    offender = make_offender(alice, **offender_fields)
    return make_placement(recent, offender, alice, by=pat)


# --- Who may open what ------------------------------------------------------------------------

PAGES = [
    ("programme:actions", False),
    ("programme:notice_acknowledge", True),
    ("programme:enforcement", True),
    ("programme:offender_programme", True),
    ("programme:risk_review_create", True),
    ("programme:appointment_create", True),
    ("programme:appointment_edit", True),
    ("programme:facilitator_home", False),
]


@pytest.mark.parametrize("name,takes_pk", PAGES)
def test_every_page_sends_the_signed_out_to_sign_in(client, db, name, takes_pk):
    url = reverse(name, args=[1] if takes_pk else [])
    response = client.post(url) if name == "programme:notice_acknowledge" else client.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/login/")


@pytest.fixture
def urls(group, placement, fern, alice):
    """Every page's address, for a man with a failure (session 1), a risk-relevant note
    (session 2) and an appointment."""
    record(group.sessions.get(number=1), placement, "unacceptable_absence", by=fern)
    record(
        group.sessions.get(number=2),
        placement,
        "unacceptable_absence",
        by=fern,
        risk_relevant=True,
        note="Said he was drinking again",
    )
    enforcement = Enforcement.objects.filter(offender=placement.offender).first()
    notice = Notice.objects.get()
    appointment = Appointment.objects.create(
        offender=placement.offender, on=timezone.localdate(), purpose="Review", recorded_by=alice
    )
    offender = placement.offender.pk
    return {
        "actions": reverse("programme:actions"),
        "acknowledge": reverse("programme:notice_acknowledge", args=[notice.pk]),
        "enforcement": reverse("programme:enforcement", args=[enforcement.pk]),
        "programme": reverse("programme:offender_programme", args=[offender]),
        "risk_review": reverse("programme:risk_review_create", args=[offender]),
        "appointment_create": reverse("programme:appointment_create", args=[offender]),
        "appointment_edit": reverse("programme:appointment_edit", args=[appointment.pk]),
        "facilitator_home": reverse("programme:facilitator_home"),
    }


@pytest.mark.parametrize(
    "page,who",
    [
        ("actions", "fern"),
        ("actions", "pat"),
        ("actions", "otto"),  # allowed, but sees none of Alice's work: checked below
        ("enforcement", "otto"),
        ("enforcement", "hilary"),
        ("enforcement", "fern"),
        ("programme", "otto"),
        ("programme", "hilary"),
        ("programme", "fern"),
        ("risk_review", "pat"),
        ("risk_review", "otto"),
        ("appointment_create", "pat"),
        ("appointment_create", "otto"),
        ("appointment_edit", "pat"),
        ("appointment_edit", "otto"),
        ("facilitator_home", "alice"),
        ("facilitator_home", "pat"),
    ],
)
def test_pages_are_not_found_for_the_wrong_person(login, request, urls, page, who):
    response = login(request.getfixturevalue(who)).get(urls[page])
    if (page, who) == ("actions", "otto"):
        assert response.status_code == 200
        assert "Placedperson" not in response.content.decode()
    else:
        assert response.status_code == 404


@pytest.mark.parametrize(
    "page,who",
    [
        ("actions", "alice"),
        ("enforcement", "alice"),
        ("enforcement", "pat"),
        ("programme", "alice"),
        ("programme", "pat"),
        ("risk_review", "alice"),
        ("appointment_create", "alice"),
        ("appointment_edit", "alice"),
        ("facilitator_home", "fern"),
    ],
)
def test_pages_open_for_the_right_person(login, request, urls, page, who):
    assert login(request.getfixturevalue(who)).get(urls[page]).status_code == 200


def test_only_his_offender_manager_can_acknowledge_a_notice(login, urls, otto):
    response = login(otto).post(urls["acknowledge"], {"action_taken": "Nothing"})
    assert response.status_code == 404
    assert Notice.objects.get().acknowledged_at is None


@pytest.mark.parametrize(
    "page,method",
    [
        ("actions", "post"),
        ("acknowledge", "get"),
        ("enforcement", "put"),
        ("programme", "post"),
        ("risk_review", "delete"),
        ("appointment_create", "put"),
        ("appointment_edit", "delete"),
        ("facilitator_home", "post"),
    ],
)
def test_pages_refuse_the_wrong_method(login, urls, alice, fern, page, method):
    who = fern if page == "facilitator_home" else alice
    assert getattr(login(who), method)(urls[page]).status_code == 405


# --- The actions page ---------------------------------------------------------------------------


def test_actions_page_shows_pending_enforcement_with_deadline_and_proposal(
    login, alice, pat, fern, absence
):
    recent = recent_placement(alice, pat, fern, last_name="Recentman")
    record(recent.group.sessions.get(number=1), recent, "unacceptable_absence", by=fern)
    fresh = Enforcement.objects.get(offender=recent.offender)

    content = login(alice).get(reverse("programme:actions")).content.decode()

    assert "Formal warning" in content
    assert "No formal warning in the previous 12 months" in content
    assert f"{absence.due_by:%-d %B %Y}" in content
    assert f"{fresh.due_by:%-d %B %Y}" in content
    assert content.count('govuk-tag--red">Overdue') == 1
    assert "2 enforcement decisions to make (1 overdue)" in content
    # The overdue decision comes first, and each links to its page.
    assert content.index("Placedperson") < content.index("Recentman")
    assert absence.get_absolute_url() in content and fresh.get_absolute_url() in content


def test_actions_page_lists_catch_ups_outstanding(login, alice, absence):
    content = login(alice).get(reverse("programme:actions")).content.decode()
    assert "1 catch-up outstanding" in content
    assert "Session 1" in content


def test_acknowledging_a_notice_with_what_was_done_removes_it(login, alice, risk_notice):
    client = login(alice)
    assert "neighbour" in client.get(reverse("programme:actions")).content.decode()

    response = client.post(
        reverse("programme:notice_acknowledge", args=[risk_notice.pk]),
        {f"notice-{risk_notice.pk}-action_taken": "Told the police public protection unit"},
    )

    assert response.status_code == 302 and response.url == reverse("programme:actions")
    risk_notice.refresh_from_db()
    assert risk_notice.acknowledged_by == alice
    assert risk_notice.action_taken == "Told the police public protection unit"
    assert risk_notice.acknowledged_at is not None
    assert "neighbour" not in client.get(reverse("programme:actions")).content.decode()


def test_acknowledging_without_saying_what_was_done_is_refused(login, alice, risk_notice):
    response = login(alice).post(
        reverse("programme:notice_acknowledge", args=[risk_notice.pk]),
        {f"notice-{risk_notice.pk}-action_taken": "   "},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem" in content
    assert "Say what you did about it" in content
    risk_notice.refresh_from_db()
    assert risk_notice.acknowledged_at is None


def many_notices(placement, by, count):
    return Notice.objects.bulk_create(
        Notice(
            offender=placement.offender,
            kind="risk_note",
            message=f"Note number {number:02d}",
            created_by=by,
        )
        for number in range(count)
    )


def test_notices_are_shown_a_page_at_a_time_oldest_first(login, alice, placement, fern):
    size = ACTIONS_PAGE_SIZES["notices"]
    many_notices(placement, fern, size + 2)
    client = login(alice)
    first = client.get(reverse("programme:actions")).content.decode()
    assert f"{size + 2} notices to acknowledge" in first
    assert "Note number 00" in first and f"Note number {size:02d}" not in first
    assert "notices_page=2#notices" in first
    # Each card links to his programme record with words that say where it goes.
    assert 'Programme record<span class="govuk-visually-hidden"> of Adam Placedperson' in first
    second = client.get(reverse("programme:actions"), {"notices_page": 2}).content.decode()
    assert f"Note number {size:02d}" in second and "Note number 00" not in second


def test_a_refused_acknowledgement_on_a_later_page_is_shown_with_its_error(
    login, alice, placement, fern
):
    size = ACTIONS_PAGE_SIZES["notices"]
    last = many_notices(placement, fern, size + 2)[-1]
    response = login(alice).post(
        reverse("programme:notice_acknowledge", args=[last.pk]),
        {f"notice-{last.pk}-action_taken": ""},
    )
    content = response.content.decode()
    assert f'id="notice-{last.pk}"' in content
    assert "govuk-error-message" in content


def test_acknowledging_twice_says_so_instead_of_failing(login, alice, risk_notice):
    notice_acknowledge(notice=risk_notice, action_taken="Rang him", by=alice)
    response = login(alice).post(
        reverse("programme:notice_acknowledge", args=[risk_notice.pk]),
        {f"notice-{risk_notice.pk}-action_taken": "Rang him again"},
    )
    assert response.status_code == 200
    assert "This has already been acknowledged" in response.content.decode()
    risk_notice.refresh_from_db()
    assert risk_notice.action_taken == "Rang him"


@pytest.mark.parametrize("size", [2, 20])
def test_actions_page_runs_the_same_queries_whatever_its_length(
    login, alice, pat, fern, size, django_assert_num_queries
):
    make_men_absent_from_first_session(size, alice, pat, fern)
    client = login(alice)
    # session, user, the second-factor device, pending enforcements counted (all and
    # overdue) and a page of them (with offender and session joined), unacknowledged notices
    # counted and a page (with offender, author and session), outstanding catch-ups counted
    # and a page (with session, group and offender), post-programme referrals counted (none,
    # so no page), outstanding recommendations counted (none), the session's renewal (three
    # statements), the consultation log's row
    # (+1: the header's count of what is due today, programme/services/today.py)
    with django_assert_num_queries(16):
        response = client.get(reverse("programme:actions"))
    context = response.context
    counts = [context[name].paginator.count for name in ("enforcements", "notices", "catch_ups")]
    assert counts == [size, size, size]
    shown = [len(context[name].object_list) for name in ("enforcements", "notices", "catch_ups")]
    assert shown == [
        min(size, ACTIONS_PAGE_SIZES[name]) for name in ("enforcement", "notices", "catch-ups")
    ]
    assert f"{size} notices to acknowledge" in response.content.decode()


# --- Enforcement decisions ----------------------------------------------------------------------


def test_enforcement_page_shows_the_failure_proposal_and_deadline(login, alice, absence):
    content = login(alice).get(absence.get_absolute_url()).content.decode()
    assert "Unacceptable absence" in content
    assert "Session 1, 2 February 2026" in content
    assert "Formal warning" in content
    assert f"{absence.due_by:%-d %B %Y}" in content and "Overdue" in content
    assert "Community order" in content
    assert "Record the decision" in content
    assert AccessLog.objects.filter(record_type="programme.Enforcement", staff=alice).exists()


def test_a_warning_given_makes_his_next_unacceptable_absence_a_breach(
    login, alice, fern, group, placement, absence
):
    client = login(alice)
    response = client.post(
        absence.get_absolute_url(), {"decision": EnforcementDecisionType.WARNING_GIVEN}
    )
    assert response.status_code == 302
    absence.refresh_from_db()
    assert (absence.decision, absence.decided_by) == ("warning_given", alice)
    # As if given the day after the absence (2 February 2026), before his next session: a
    # warning counts only for failures after it. (The decision is locked; the test steps
    # around its trigger to date it back.)
    with pgtrigger.ignore("programme.Enforcement:enforcement_human_decision_locked"):
        Enforcement.objects.filter(pk=absence.pk).update(decided_on=date(2026, 2, 3))

    page = client.get(absence.get_absolute_url()).content.decode()
    assert "Formal warning given" in page
    assert reverse("programme:warning_letter_pdf", args=[absence.pk]) in page
    assert "Record the decision" not in page

    record(group.sessions.get(number=2), placement, "unacceptable_absence", by=fern)
    second = Enforcement.objects.pending().get(offender=placement.offender)
    assert second.proposed_action == EnforcementAction.BREACH
    assert "Breach: return to court" in client.get(reverse("programme:actions")).content.decode()


def test_found_acceptable_without_a_reason_is_refused(login, alice, absence):
    response = login(alice).post(
        absence.get_absolute_url(),
        {"decision": EnforcementDecisionType.FOUND_ACCEPTABLE, "reason": ""},
    )
    assert response.status_code == 200
    assert (
        "Say why: a reason is needed when the absence is found acceptable"
        in response.content.decode()
    )
    absence.refresh_from_db()
    assert absence.is_pending


def test_a_decision_must_be_chosen(login, alice, absence):
    response = login(alice).post(absence.get_absolute_url(), {"reason": "Thinking"})
    assert "Select your decision" in response.content.decode()
    absence.refresh_from_db()
    assert absence.is_pending


def test_a_licence_case_proposes_a_recall_request(login, alice, pat, fern):
    on_licence = recent_placement(alice, pat, fern, order_type="licence")
    record(on_licence.group.sessions.get(number=1), on_licence, "unacceptable_absence", by=fern)
    enforcement = Enforcement.objects.get(offender=on_licence.offender)
    assert enforcement.proposed_action == EnforcementAction.RECALL
    content = login(alice).get(reverse("programme:actions")).content.decode()
    assert "Recall request" in content
    assert "On licence: the action is a recall request" in content


def test_a_programme_manager_reads_the_decision_but_cannot_make_it(login, pat, alice, absence):
    client = login(pat)
    page = client.get(absence.get_absolute_url()).content.decode()
    assert "Record the decision" not in page
    assert "Waiting for a decision from his offender manager" in page

    response = client.post(
        absence.get_absolute_url(), {"decision": EnforcementDecisionType.WARNING_GIVEN}
    )
    assert response.status_code == 403
    assert "Only his offender manager, Alice Testington, can record this decision" in (
        response.content.decode()
    )
    absence.refresh_from_db()
    assert absence.is_pending


def test_a_decided_failure_shows_who_decided_when_and_why(login, alice, pat, absence):
    login(alice).post(
        absence.get_absolute_url(),
        {"decision": EnforcementDecisionType.FOUND_ACCEPTABLE, "reason": "Was in hospital"},
    )
    page = login(pat).get(absence.get_absolute_url()).content.decode()
    assert "Absence found acceptable on review" in page
    assert "Alice Testington" in page
    assert "Was in hospital" in page
    assert "warning letter" not in page


# --- His programme page -------------------------------------------------------------------------


def test_his_programme_page_shows_attendance_catch_ups_and_the_projection(
    login, alice, placement, absence
):
    offender = placement.offender
    offender.order_end = offender.order_start + timedelta(days=60)
    offender.save()
    response = login(alice).get(reverse("programme:offender_programme", args=[offender.pk]))
    content = response.content.decode()
    assert "Riverside probation office, room 2" in content
    assert "1 of 35 sessions" in content
    assert "1 of 4 used" in content
    assert "after his community order ends" in content  # the projection's warning
    assert "govuk-warning-text" in content
    assert reverse("programme:attendance_record_pdf", args=[placement.pk]) in content
    assert absence.get_absolute_url() in content
    assert reverse("programme:risk_review_create", args=[offender.pk]) in content
    assert AccessLog.objects.filter(
        record_type="referrals.Offender", record_id=str(offender.pk), staff=alice
    ).exists()


def test_a_programme_manager_sees_his_programme_without_the_offender_managers_links(
    login, pat, placement
):
    offender = placement.offender
    content = (
        login(pat).get(reverse("programme:offender_programme", args=[offender.pk])).content.decode()
    )
    assert "Current place" in content
    assert reverse("programme:risk_review_create", args=[offender.pk]) not in content


def test_an_ended_attempt_is_listed_as_an_earlier_attempt(login, alice, fern, group, placement):
    for number in range(1, 6):
        record(group.sessions.get(number=number), placement, "unacceptable_absence", by=fern)
    placement.refresh_from_db()
    assert placement.ended_on is not None
    content = (
        login(alice)
        .get(reverse("programme:offender_programme", args=[placement.offender.pk]))
        .content.decode()
    )
    assert "He has no place in a group at the moment" in content
    assert "Restart required" in content
    assert reverse("programme:attendance_record_pdf", args=[placement.pk]) in content


# --- Risk reviews -------------------------------------------------------------------------------


def test_a_risk_review_keeps_the_level_before_and_after(login, alice, placement):
    offender = placement.offender  # assessed with a medium risk of serious harm
    client = login(alice)
    url = reverse("programme:risk_review_create", args=[offender.pk])
    assert "now recorded as <strong>Medium</strong>" in client.get(url).content.decode()

    today = timezone.localdate()
    response = client.post(
        url,
        {
            **date_data("oasys_on", today),
            "risk_of_serious_harm": "high",
            "what_changed": "New relationship with a woman who has young children",
        },
    )

    assert response.status_code == 302
    review = RiskReview.objects.get()
    assert (review.risk_before, review.risk_of_serious_harm) == ("medium", "high")
    assert review.recorded_by == alice
    content = client.get(response.url).content.decode()
    assert "Medium → High" in content
    assert "New relationship with a woman" in content

    client.post(
        url,
        {**date_data("oasys_on", today), "risk_of_serious_harm": "low", "what_changed": "Ended"},
    )
    latest = RiskReview.objects.order_by("-pk").first()
    assert (latest.risk_before, latest.risk_of_serious_harm) == ("high", "low")


def test_a_risk_review_takes_the_level_before_from_his_latest_assessment(login, alice, placement):
    make_assessment(placement.offender, alice, risk_of_serious_harm="low")
    login(alice).post(
        reverse("programme:risk_review_create", args=[placement.offender.pk]),
        {
            **date_data("oasys_on", timezone.localdate()),
            "risk_of_serious_harm": "medium",
            "what_changed": "Lost his job",
        },
    )
    assert RiskReview.objects.get().risk_before == "low"


def test_a_risk_review_needs_a_past_date_a_level_and_what_changed(login, alice, placement):
    response = login(alice).post(
        reverse("programme:risk_review_create", args=[placement.offender.pk]),
        date_data("oasys_on", timezone.localdate() + timedelta(days=1)),
    )
    content = response.content.decode()
    assert "The date OASys was updated cannot be in the future" in content
    assert "Select the risk of serious harm" in content
    assert "Say what changed" in content
    assert not RiskReview.objects.exists()


# --- Appointments -------------------------------------------------------------------------------


def test_an_appointment_is_made_then_its_attendance_recorded(login, alice, placement):
    client = login(alice)
    offender = placement.offender
    day = timezone.localdate() + timedelta(days=3)
    response = client.post(
        reverse("programme:appointment_create", args=[offender.pk]),
        {**date_data("on", day), "purpose": "Talk about his homework", "attended": "unknown"},
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert (appointment.on, appointment.attended, appointment.recorded_by) == (day, None, alice)
    assert "Talk about his homework" in client.get(response.url).content.decode()

    edit = reverse("programme:appointment_edit", args=[appointment.pk])
    assert 'value="unknown"\n    \n      checked' in client.get(edit).content.decode()
    past = timezone.localdate() - timedelta(days=1)
    response = client.post(
        edit, {**date_data("on", past), "purpose": "Talk about his homework", "attended": "yes"}
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert (appointment.on, appointment.attended) == (past, True)


def test_an_appointment_still_to_come_cannot_be_marked_attended(login, alice, placement):
    response = login(alice).post(
        reverse("programme:appointment_create", args=[placement.offender.pk]),
        {
            **date_data("on", timezone.localdate() + timedelta(days=3)),
            "purpose": "Check in",
            "attended": "yes",
        },
    )
    assert "still to come" in response.content.decode()
    assert not Appointment.objects.exists()


# --- The facilitator's start page ---------------------------------------------------------------


def test_facilitator_home_shows_registers_to_complete_and_catch_ups_to_run(
    login, fern, group, placement, absence
):
    response = login(fern).get(reverse("programme:facilitator_home"))
    content = response.content.decode()
    session1, session2 = group.sessions.get(number=1), group.sessions.get(number=2)
    # Session 1's register is complete (his absence recorded); every later session is past.
    assert reverse("programme:register", args=[session1.pk]) not in content
    assert reverse("programme:register", args=[session2.pk]) in content
    assert len(response.context["registers_due"]) == 34
    catch_up = placement.catch_ups.get()
    assert reverse("programme:catch_up", args=[catch_up.pk]) in content
    assert "Adam Placedperson" in content
    assert "1 of 10" in content  # members of the group


def test_facilitator_home_shows_the_next_session_with_its_register(login, pat, fern):
    today = timezone.localdate()
    upcoming = make_group(pat, [fern], start_date=today + timedelta(days=1))
    first = upcoming.sessions.get(number=1)
    response = login(fern).get(reverse("programme:facilitator_home"))
    assert response.context["next_sessions"] == [first]
    assert reverse("programme:register", args=[first.pk]) in response.content.decode()


def test_facilitator_home_shows_only_the_groups_she_runs(login, pat, fern, office):
    from tests.factories import Role, make_staff

    other = make_staff("frank.facilitator", Role.FACILITATOR, office)
    make_group(pat, [other])
    response = login(fern).get(reverse("programme:facilitator_home"))
    assert response.context["groups"] == []


@pytest.mark.parametrize("size", [2, 20])
def test_facilitator_home_runs_the_same_queries_whatever_its_length(
    login, alice, pat, fern, size, django_assert_num_queries
):
    groups = [make_group(pat, [fern]) for _ in range((size + 9) // 10)]
    for number in range(size):
        group = groups[number // 10]
        placement = make_placement(group, make_offender(alice), alice, by=pat)
        record(group.sessions.get(number=1), placement, "unacceptable_absence", by=fern)
    client = login(fern)
    # session, user, her second-factor device, her groups (with programme and member count), the next session of each,
    # registers to complete, catch-ups to run (with session and offender), and the session's
    # renewal (three statements), the consultation log's row and the second-factor device
    # (+1: the header's count of what is due today, programme/services/today.py)
    # (+1: the sessions she covers for other groups)
    with django_assert_num_queries(13):
        response = client.get(reverse("programme:facilitator_home"))
    assert len(response.context["catch_ups"]) == size
