"""The facilitator's lists of work after the programme: end-of-programme reports to write and
handovers to attend, whole and a page at a time, reached from Today and from My groups."""

from datetime import timedelta

import pgtrigger
import pytest
from django.urls import reverse
from django.utils import timezone

from isotp.models import AccessLog
from programme.models import EndOfProgrammeReport
from programme.services.post_programme import PostProgramme, report_submit
from referrals.models import Programme
from tests.factories import make_group, make_handover, make_offender, make_placement, record
from tests.test_post_programme import write_report

REPORTS = reverse("programme:reports_to_write")
HANDOVERS = reverse("programme:handovers_to_attend")
TODAY = reverse("programme:today")


def complete(group, offender_manager, pat, fern, names):
    """Men who attended every session of a two-session group (the next ten in another group
    like it, and so on): each has a report to write."""
    referrals = []
    for start in range(0, len(names), group.capacity):
        if start:
            group = make_group(pat, [fern])
        placements = [
            make_placement(
                group,
                make_offender(offender_manager, first_name=first, last_name=last),
                offender_manager,
                by=pat,
            )
            for first, last in names[start : start + group.capacity]
        ]
        for session in group.sessions.order_by("number"):
            for placement in placements:
                record(session, placement, "attended", fern)
        referrals += [placement.referral for placement in placements]
    return referrals


@pytest.fixture
def two_sessions(db):
    Programme.objects.filter(code="isotp").update(sessions=2)


@pytest.fixture
def finished(two_sessions, pat, fern):
    """Fern's two-session group, which met on 2 and 9 February 2026."""
    return make_group(pat, [fern])


def test_reports_to_write_name_the_man_his_group_his_last_session_and_how_long_it_is_due(
    login, finished, alice, pat, fern
):
    (carl,) = complete(finished, alice, pat, fern, [("Carl", "Completer")])
    response = login(fern).get(REPORTS)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Carl Completer" in page
    assert f"i-SOTP 21+, {finished.venue}" in page
    assert "Last session" in page and "9 February 2026" in page
    # Due since the day he completed: today, when the test recorded the register.
    assert f"Since {timezone.localdate():%-d %B %Y}" in page
    assert reverse("programme:report_edit", args=[carl.pk]) in page
    assert "Write the report<span" in page


def test_a_draft_report_is_continued_and_a_submitted_one_leaves_the_list(
    login, finished, alice, pat, fern
):
    (carl,) = complete(finished, alice, pat, fern, [("Carl", "Completer")])
    report = write_report(carl, fern)
    client = login(fern)
    page = client.get(REPORTS).content.decode()
    assert "Draft started" in page and "Continue the report" in page
    report_submit(report=report, by=fern)
    page = client.get(REPORTS).content.decode()
    assert "Carl Completer" not in page
    assert "No end-of-programme report is waiting to be written" in page
    assert "Carl Completer" in client.get(HANDOVERS).content.decode()


def test_handovers_to_attend_show_the_due_day_and_overdue(login, finished, alice, pat, fern):
    carl, dave = complete(finished, alice, pat, fern, [("Carl", "Completer"), ("Dave", "Duly")])
    for referral in (carl, dave):
        report_submit(report=write_report(referral, fern), by=fern)
    # Carl's report went in sixty days ago: his handover (due 28 days after) is overdue.
    with pgtrigger.ignore("programme.EndOfProgrammeReport:report_submitted_locked"):
        EndOfProgrammeReport.objects.filter(referral=carl).update(
            submitted_at=timezone.now() - timedelta(days=60)
        )
    response = login(fern).get(HANDOVERS)
    rows = response.context["rows"]
    assert [r.pk for r in rows] == [carl.pk, dave.pk]  # soonest due first
    for row in rows:
        referral = type(row).objects.get(pk=row.pk)
        assert row.handover_due == PostProgramme.load(referral).handover_due
    page = response.content.decode()
    overdue = page.index("Overdue")
    assert page.index("Carl Completer") < overdue < page.index("Dave Duly")
    assert page.count("govuk-tag--red") == 1
    assert reverse("programme:post_programme", args=[carl.pk]) in page
    assert response.context["rows"][1].handover_due == timezone.localdate() + timedelta(days=28)


def test_a_handover_held_with_all_three_leaves_the_list(login, finished, alice, pat, fern):
    (carl,) = complete(finished, alice, pat, fern, [("Carl", "Completer")])
    report_submit(report=write_report(carl, fern), by=fern)
    client = login(fern)
    make_handover(carl, alice, held_on=timezone.localdate(), offender_attended=False)
    assert "Carl Completer" in client.get(HANDOVERS).content.decode()  # another must be held
    make_handover(carl, alice, held_on=timezone.localdate())
    assert "Carl Completer" not in client.get(HANDOVERS).content.decode()


def test_the_lists_are_the_today_pages_sections_and_reached_from_it(
    login, finished, alice, pat, fern
):
    names = [("Man", f"Number{n}") for n in "ABCDEFG"]
    complete(finished, alice, pat, fern, names)
    client = login(fern)
    today = client.get(TODAY)
    (section,) = [s for s in today.context["sections"] if s.key == "reports"]
    assert section.count == 7 and len(section.items) == 5
    page = today.content.decode()
    assert f'href="{REPORTS}">See all 7' in page
    listed = client.get(REPORTS).context["rows"]
    assert [r.pk for r in listed[:5]] == [r.pk for r in section.items]
    assert len(listed) == 7


def test_my_groups_links_to_both_lists_with_their_counts(login, finished, alice, pat, fern):
    carl, dave = complete(finished, alice, pat, fern, [("Carl", "Completer"), ("Dave", "Duly")])
    report_submit(report=write_report(dave, fern), by=fern)
    page = login(fern).get(reverse("programme:facilitator_home")).content.decode()
    assert f'href="{REPORTS}">End-of-programme reports to write (1)' in page
    assert f'href="{HANDOVERS}">Handovers to attend (1)' in page


def test_another_facilitators_men_never_show(login, finished, alice, pat, fern, office):
    from tests.factories import Role, make_staff

    complete(finished, alice, pat, fern, [("Carl", "Completer")])
    frank = make_staff("frank.facilitator", Role.FACILITATOR, office)
    make_group(pat, [frank])
    client = login(frank)
    for url in (REPORTS, HANDOVERS):
        response = client.get(url)
        assert response.status_code == 200
        assert "Completer" not in response.content.decode()


@pytest.mark.parametrize("who", ["alice", "pat", "hilary", "ada", "audrey"])
def test_only_facilitators_have_the_lists(login, request, finished, alice, pat, fern, who):
    complete(finished, alice, pat, fern, [("Carl", "Completer")])
    client = login(request.getfixturevalue(who))
    for url in (REPORTS, HANDOVERS):
        assert client.get(url).status_code == 404


def test_the_lists_need_sign_in_and_only_read(client, login, fern):
    for url in (REPORTS, HANDOVERS):
        assert client.get(url).status_code == 302
    signed_in = login(fern)
    for url in (REPORTS, HANDOVERS):
        assert signed_in.post(url).status_code == 405


def test_the_men_shown_are_in_the_consultation_log(login, finished, alice, pat, fern):
    carl, dave = complete(finished, alice, pat, fern, [("Carl", "Completer"), ("Dave", "Duly")])
    login(fern).get(REPORTS)
    entry = AccessLog.objects.filter(view__contains="reports_to_write").latest("pk")
    assert entry.result_count == 2
    assert set(entry.offender_ids) == {carl.offender_id, dave.offender_id}


def test_a_long_list_is_paged(login, finished, alice, pat, fern, monkeypatch):
    from programme.casework.views import my_groups as post_programme

    monkeypatch.setattr(post_programme, "AFTER_PROGRAMME_PAGE_SIZE", 3)
    size = 5
    complete(finished, alice, pat, fern, [("Man", f"Number{n:02d}") for n in range(size)])
    client = login(fern)
    first = client.get(REPORTS)
    assert len(first.context["rows"]) == 3
    assert "1 to 3 of 5" in first.content.decode()
    second = client.get(REPORTS, {"page": 2})
    assert len(second.context["rows"]) == 2


@pytest.mark.parametrize("size", [1, 12])
@pytest.mark.parametrize("url", [REPORTS, HANDOVERS])
def test_the_lists_run_the_same_queries_whatever_their_length(
    login, finished, alice, pat, fern, size, url, django_assert_num_queries
):
    referrals = complete(finished, alice, pat, fern, [("Man", f"N{n:02d}") for n in range(size)])
    if url == HANDOVERS:
        for referral in referrals:
            report_submit(report=write_report(referral, fern), by=fern)
    client = login(fern)
    client.get(url)
    # session, user, second-factor device, the page's count, its rows (with their group,
    # dates and draft, in the same query), the consultation log's row (the header's count of
    # what is due today is kept in the session from the first visit)
    with django_assert_num_queries(6):
        response = client.get(url)
    assert len(response.context["rows"]) == size
