"""Each role's today page: what needs doing, most urgent first, with the count in the header."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from isotp.models import AccessLog
from programme.casework.today import total_due
from programme.models import Enforcement, EnforcementDecisionType, Notice
from referrals.models import Programme
from tests.factories import (
    make_group,
    make_men_absent_from_first_session,
    make_offender,
    make_placement,
    make_ready_referral,
    make_referral,
    make_young_ready_referral,
    record,
)

TODAY = reverse("programme:today")


def section(response, key):
    return next(s for s in response.context["sections"] if s.key == key)


def nav_count(response) -> int:
    item = next(i for i in response.context["nav_items"] if i["label"] == "Today")
    return item["count"]


@pytest.fixture
def absence(group, placement, fern):
    """Adam missed session 1 (2 February 2026) without excuse: a decision long overdue."""
    record(group.sessions.get(number=1), placement, "unacceptable_absence", by=fern)
    return Enforcement.objects.get(attendance__placement=placement)


# --- Landing on it ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "fern", "pat"])
def test_sign_in_lands_on_the_today_page(login, request, who):
    client = login(request.getfixturevalue(who))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == TODAY
    page = client.get(TODAY)
    assert page.status_code == 200
    assert page.context["nav_items"][0]["label"] == "Today"


def test_auditors_and_admins_keep_their_own_start_pages(login, audrey, ada):
    client = login(audrey)
    assert client.get(reverse("home")).url == reverse("audit:home")
    assert client.get(TODAY).status_code == 404
    assert "Today" not in [
        i["label"] for i in client.get(reverse("audit:home")).context["nav_items"]
    ]
    client = login(ada)
    assert client.get(reverse("home")).url == reverse("admin:index")


# --- The offender manager ---------------------------------------------------------------------


def test_offender_managers_decisions_overdue_first_with_links(login, alice, pat, fern, absence):
    later = make_group(pat, [fern], start_date=date(2026, 3, 2), venue="Second room")
    second = make_placement(
        later, make_offender(alice, first_name="Bob", last_name="Later"), alice, by=pat
    )
    record(later.sessions.get(number=1), second, "unacceptable_absence", by=fern)
    client = login(alice)
    response = client.get(TODAY)
    decisions = section(response, "decisions")
    assert decisions.count == 2
    assert [e.offender.last_name for e in decisions.items] == ["Placedperson", "Later"]
    page = response.content.decode()
    assert page.index("Placedperson") < page.index("Later")
    assert "Overdue" in page
    assert absence.get_absolute_url() in page
    assert client.get(absence.get_absolute_url()).status_code == 200
    # The catch-up he needs is outstanding too, linked to his programme page.
    catch_ups = section(response, "catch-ups")
    assert catch_ups.count == 2
    assert f"Catch-up: {catch_ups.items[0].session.name}" in page
    assert reverse("programme:offender_programme", args=[absence.offender_id]) in page
    assert nav_count(response) == sum(s.count for s in response.context["sections"])


def test_notices_and_checklists_to_see_to(login, alice, group, placement, fern):
    record(
        group.sessions.get(number=1),
        placement,
        "attended",
        by=fern,
        risk_relevant=True,
        note="Note",
    )
    waiting = make_referral(make_offender(alice, first_name="Carl", last_name="Checklist"), alice)
    waiting.status = "suitable_not_ready"
    waiting.save()
    client = login(alice)
    response = client.get(TODAY)
    notice = Notice.objects.get()
    assert [n.pk for n in section(response, "notices").items] == [notice.pk]
    page = response.content.decode()
    assert f"{reverse('programme:actions')}#notice-{notice.pk}" in page
    assert section(response, "checklists").items == [waiting]
    assert reverse("referrals:referral_checklist", args=[waiting.pk]) in page


def test_another_offender_managers_cases_never_show(login, otto, absence):
    response = login(otto).get(TODAY)
    assert all(s.count == 0 for s in response.context["sections"])
    assert "Placedperson" not in response.content.decode()
    assert nav_count(response) == 0


# --- The facilitator --------------------------------------------------------------------------


def test_facilitator_sees_registers_catch_ups_and_reports_to_write(login, fern, pat, alice):
    Programme.objects.filter(code="isotp").update(sessions=2)
    group = make_group(pat, [fern])
    done = make_placement(
        group, make_offender(alice, first_name="Carl", last_name="Completer"), alice, by=pat
    )
    for number in (1, 2):
        record(group.sessions.get(number=number), done, "attended", fern)
    client = login(fern)
    response = client.get(TODAY)
    reports = section(response, "reports")
    assert [r.pk for r in reports.items] == [done.referral_id]
    link = reverse("programme:report_edit", args=[done.referral_id])
    assert link in response.content.decode()
    assert client.get(link).status_code == 200
    assert nav_count(response) == sum(s.count for s in response.context["sections"])


def test_facilitator_registers_due_oldest_first(login, fern, group, placement):
    response = login(fern).get(TODAY)
    registers = section(response, "registers")
    assert registers.count >= 1
    dates = [s.date for s in registers.items]
    assert dates == sorted(dates)
    assert registers.items[0].get_absolute_url() in response.content.decode()


def test_another_facilitators_groups_never_show(login, office, group, placement):
    from isotp.models import Role
    from tests.factories import make_staff

    other = make_staff("fiona.facilitator", Role.FACILITATOR, office)
    response = login(other).get(TODAY)
    assert all(s.count == 0 for s in response.context["sections"])


# --- The programme manager --------------------------------------------------------------------


def test_programme_manager_sees_men_ready_by_programme_and_band(login, pat, alice, hilary):
    for _ in range(3):
        make_ready_referral(make_offender(alice), alice)
    make_young_ready_referral(alice)
    client = login(pat)
    response = client.get(TODAY)
    ready = section(response, "ready")
    assert ready.count == 4
    rows = {(r["programme__name"], r["band_label"]): r for r in ready.items}
    adult = next(r for r in ready.items if not r["is_young"])
    young = next(r for r in ready.items if r["is_young"])
    assert adult["count"] == 3 and young["count"] == 1
    assert not young["viable"]
    page = response.content.decode()
    assert f"1 of {young['threshold']} needed" in page
    assert adult["url"].replace("&", "&amp;") in page
    assert client.get(adult["url"]).status_code == 200
    assert len(rows) == 2
    # Another office's programme manager sees none of them.
    other = login(hilary).get(TODAY)
    assert section(other, "ready").count == 0


def test_programme_manager_sees_groups_forming_and_overdue_decisions(login, pat, fern, absence):
    upcoming = make_group(pat, [fern], start_date=timezone.localdate() + timedelta(days=14))
    client = login(pat)
    response = client.get(TODAY)
    forming = section(response, "forming")
    assert [g.pk for g in forming.items] == [upcoming.pk]
    assert forming.items[0].places_left == upcoming.capacity
    overdue = section(response, "overdue-decisions")
    assert [e.pk for e in overdue.items] == [absence.pk]
    page = response.content.decode()
    assert "See the decision" in page and "Decide<" not in page
    assert client.get(absence.get_absolute_url()).status_code == 200


def test_the_page_is_in_the_consultation_log(login, alice, absence):
    login(alice).get(TODAY)
    entry = AccessLog.objects.filter(view__contains="today").latest("pk")
    assert entry.result_count >= 1


# --- The header's count, kept for a minute ------------------------------------------------------


def test_the_header_keeps_its_count_a_minute_and_counts_again_after_the_persons_own_change(
    login, alice, pat, fern, group, absence
):
    caseload = reverse("programme:caseload")
    client = login(alice)
    before = nav_count(client.get(caseload))
    assert before == total_due(alice) >= 1  # the absence's decision, at least
    # Someone else records another absence: the header shows it within a minute, not at once.
    second = make_placement(
        group, make_offender(alice, first_name="Bob", last_name="Later"), alice, by=pat
    )
    record(group.sessions.get(number=1), second, "unacceptable_absence", by=fern)
    after_second = total_due(alice)
    assert after_second > before
    assert nav_count(client.get(caseload)) == before
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert nav_count(client.get(caseload)) == after_second
    # The today page always counts, and the header takes its count from it.
    third = make_placement(
        group, make_offender(alice, first_name="Carl", last_name="Third"), alice, by=pat
    )
    record(group.sessions.get(number=1), third, "unacceptable_absence", by=fern)
    after_third = total_due(alice)
    assert after_third > after_second
    assert nav_count(client.get(TODAY)) == after_third
    assert nav_count(client.get(caseload)) == after_third
    # Her own decision shows at once.
    client.post(absence.get_absolute_url(), {"decision": EnforcementDecisionType.WARNING_GIVEN})
    assert total_due(alice) == after_third - 1
    assert nav_count(client.get(caseload)) == after_third - 1


def test_a_kept_count_costs_no_query(login, alice, absence):
    caseload = reverse("programme:caseload")
    client = login(alice)
    client.get(caseload)
    with CaptureQueriesContext(connection) as counted:
        client.get(caseload)
    kept = len(counted)
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        with CaptureQueriesContext(connection) as counted:
            client.get(caseload)
    # Counting again: the count's one query, and the session's row saved with it (a savepoint,
    # the update, its release).
    assert len(counted) == kept + 4


# --- Flat query counts --------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 12])
def test_offender_managers_page_runs_the_same_queries_whatever_its_length(
    login, alice, pat, fern, size, django_assert_num_queries
):
    make_men_absent_from_first_session(size, alice, pat, fern)
    client = login(alice)
    client.get(TODAY)
    # session, user, second-factor device, every section's count (one query, which the
    # header's count reuses), the first few of each of the three sections with anything in
    # them, the consultation log's row
    with django_assert_num_queries(8):
        response = client.get(TODAY)
    assert section(response, "decisions").count == size
    assert nav_count(response) == 3 * size


@pytest.mark.parametrize("size", [1, 12])
def test_facilitators_page_runs_the_same_queries_whatever_its_length(
    login, alice, pat, fern, size, django_assert_num_queries
):
    for _ in range(size):
        group = make_group(pat, [fern])
        make_placement(group, make_offender(alice), alice, by=pat)
    client = login(fern)
    client.get(TODAY)
    # session, user, device, the counts, the registers due (no session falls this week), the
    # consultation log's row
    with django_assert_num_queries(6):
        response = client.get(TODAY)
    assert section(response, "registers").count >= size


@pytest.mark.parametrize("size", [1, 12])
def test_programme_managers_page_runs_the_same_queries_whatever_its_length(
    login, alice, pat, fern, size, django_assert_num_queries
):
    for _ in range(size):
        make_ready_referral(make_offender(alice), alice)
        make_group(pat, [fern], start_date=timezone.localdate() + timedelta(days=14))
    client = login(pat)
    client.get(TODAY)
    # session, user, device, the counts, the ready men counted by programme and band, the
    # groups forming, the consultation log's row
    with django_assert_num_queries(7):
        response = client.get(TODAY)
    assert section(response, "ready").count == size
    assert section(response, "forming").count == size


def test_programme_manager_sees_this_weeks_sessions_without_a_register(
    a_meeting_day, login, pat, fern, hilary
):
    group = make_group(pat, [fern], start_date=a_meeting_day, weekday=a_meeting_day.weekday())
    client = login(pat)
    response = client.get(TODAY)
    sessions = section(response, "sessions")
    assert [s.pk for s in sessions.items] == [group.sessions.get(number=1).pk]
    page = response.content.decode()
    assert "register not recorded" in page
    # Named as the session is, not "Session 1".
    assert f"{group.sessions.named().get(number=1).name}: register not recorded" in page
    assert group.get_absolute_url() in page
    assert section(login(hilary).get(TODAY), "sessions").count == 0


def test_each_notice_is_named_in_its_acknowledge_link(login, alice, placement, fern):
    Notice.objects.create(
        offender=placement.offender,
        kind="correction",
        message="Session 1 was amended",
        created_by=fern,
    )
    page = " ".join(login(alice).get(TODAY).content.decode().split())
    name = placement.offender.full_name
    assert f"the notice “A correction needs your decision” for {name}" in page
    assert "the a correction" not in page
