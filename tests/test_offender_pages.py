"""The offender's pages under his sub navigation (Overview, Timeline, Programme, Personal
details, History): each keeps the overview's need-to-know rule and logs its reading, marks
itself as the current page, and runs the same queries whatever his history; the timeline is
dated by when things happened, in words, with tags only on what stands out."""

import re

import pytest
from django.urls import reverse

from isotp.models import AccessLog
from programme.models import Enforcement
from tests.factories import make_offence, make_offender, record

PAGES = {
    "programme:offender": "Overview",
    "programme:offender_timeline": "Timeline",
    "programme:offender_programme": "Programme",
    "programme:offender_personal_details": "Personal details",
    "programme:offender_history": "History",
}


def url(name, offender) -> str:
    return reverse(name, args=[offender.pk])


def session(group, number: int):
    return group.sessions.get(number=number)


@pytest.fixture
def offender(alice):
    offender = make_offender(alice, first_name="Oscar", last_name="Pageman")
    make_offence(offender)
    return offender


# --- Who may open them ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("character", ["otto", "fern", "hilary"])
def test_staff_without_need_to_know_are_refused_each_page(
    request, login, offender, name, character
):
    response = login(request.getfixturevalue(character)).get(url(name, offender))
    assert response.status_code == 404
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("character", ["alice", "pat"])
def test_each_page_is_read_by_those_who_need_to_and_the_reading_is_logged(
    request, login, offender, name, character
):
    staff = request.getfixturevalue(character)
    assert login(staff).get(url(name, offender)).status_code == 200
    log = AccessLog.objects.get()
    assert (log.staff, log.record_type, log.record_id, log.path) == (
        staff,
        "referrals.Offender",
        str(offender.pk),
        url(name, offender),
    )


@pytest.mark.parametrize("name", PAGES)
def test_each_page_refuses_post(login, alice, offender, name):
    assert login(alice).post(url(name, offender)).status_code == 405


# --- The sub navigation --------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_the_sub_navigation_marks_the_current_page(login, alice, offender, name):
    page = login(alice).get(url(name, offender)).content.decode()
    assert 'class="moj-sub-navigation"' in page
    current = re.findall(
        r'<a class="moj-sub-navigation__link" aria-current="page" [^>]*>([^<]+)<', page
    )
    assert current == [PAGES[name]]
    for other in PAGES:
        assert f'href="{url(other, offender)}"' in page


# --- The task list and the next action ----------------------------------------------------------


def test_the_phases_are_a_task_list_with_its_statuses(login, alice, offender):
    page = login(alice).get(url("programme:offender", offender)).content.decode()
    assert 'class="govuk-task-list"' in page
    assert '<strong class="govuk-tag govuk-tag--blue">Not yet started</strong>' in page
    assert "govuk-task-list__status--cannot-start-yet" in page
    assert page.count("Cannot start yet") == 3
    # The assessment is his next action, and the task links to where it is done.
    assessment = reverse("referrals:assessment_create", args=[offender.pk])
    assert f'class="govuk-link govuk-task-list__link" href="{assessment}"' in page


def test_a_man_on_the_programme_shows_completed_and_in_progress(login, alice, placement):
    page = login(alice).get(url("programme:offender", placement.offender)).content.decode()
    statuses = re.findall(r'id="phase-[a-z-]+-status">\s*(.*?)\s*</div>', page, re.S)
    assert statuses == [
        "Completed",
        "Completed",
        '<strong class="govuk-tag govuk-tag--light-blue">In progress</strong>',
        "Cannot start yet",
    ]
    assert "Programme: where he is" in page


def test_the_next_action_is_a_link_for_his_offender_manager_and_says_who_to_others(
    login, alice, pat, fern, placement
):
    record(session(placement.group, 1), placement, "unacceptable_absence", fern)
    enforcement = Enforcement.objects.get(offender=placement.offender)
    link = (
        f'<a class="govuk-link govuk-!-font-weight-bold" href="{enforcement.get_absolute_url()}">'
    )
    for_alice = login(alice).get(url("programme:offender", placement.offender)).content.decode()
    assert link + "Record the enforcement decision" in for_alice
    for_pat = login(pat).get(url("programme:offender", placement.offender)).content.decode()
    assert link not in for_pat
    assert "His offender manager, Alice Testington, records the enforcement decision" in for_pat


# --- The timeline ---------------------------------------------------------------------------------


def timeline(client, offender, page: int = 1):
    response = client.get(url("programme:offender_timeline", offender), {"page": page})
    assert response.status_code == 200
    return response


def test_an_outcome_recorded_later_sorts_by_the_session_it_is_about(login, alice, fern, placement):
    group = placement.group
    record(session(group, 2), placement, "attended", fern)
    record(session(group, 1), placement, "acceptable_absence", fern, absence_reason="medical")
    titles = [e.title for e in timeline(login(alice), placement.offender).context["page"]]
    assert titles.index("Attended group session 2") < titles.index("Missed group session 1")


def test_the_timeline_shows_no_codes_and_tags_only_what_stands_out(login, alice, fern, placement):
    group = placement.group
    record(session(group, 1), placement, "attended", fern)
    record(session(group, 2), placement, "attended", fern, minutes_late=5)
    record(session(group, 3), placement, "unacceptable_absence", fern)
    response = timeline(login(alice), placement.offender)
    page = response.content.decode()
    for code in ("on_programme", "unacceptable_absence", "awaiting_allocation", "→"):
        assert code not in page
    assert "status changed from Scheduled to On programme" in page
    tagged = [e for e in response.context["page"] if e.tag]
    assert {e.title for e in tagged} == {
        "Missed group session 3",
        "Enforcement decision needed",
        "Pre-sentence eligibility assessment",
    }
    assert "Attended and complied" not in page
    assert page.count('class="govuk-tag') == len(tagged)


def test_the_history_page_shows_choices_by_their_labels(login, alice, fern, placement):
    record(session(placement.group, 1), placement, "unacceptable_absence", fern)
    page = login(alice).get(url("programme:offender_history", placement.offender)).content.decode()
    assert "Change history" in page
    for code in ("on_programme", "unacceptable_absence", "awaiting_allocation"):
        assert code not in page
    assert "On programme" in page


def test_a_long_timeline_is_paged(login, alice, fern, placement):
    group = placement.group
    for number in range(1, 31):
        record(session(group, number), placement, "attended", fern)
    client = login(alice)
    first = timeline(client, placement.offender)
    assert len(first.context["page"]) == 25
    assert first.context["page"].paginator.count == 35  # 30 sessions, 4 moves, his assessment
    assert 'class="govuk-pagination"' in first.content.decode()
    second = timeline(client, placement.offender, page=2)
    assert [e.title for e in second.context["page"]][-1] == "Pre-sentence eligibility assessment"


# --- Queries ---------------------------------------------------------------------------------------


def short_and_long(placement, fern, history: str) -> None:
    """One session recorded, or thirty (more than a page of his timeline)."""
    for number in range(1, 31) if history == "long" else range(1, 2):
        record(session(placement.group, number), placement, "attended", fern)


@pytest.mark.parametrize(
    ("name", "queries"),
    [
        # Session, user and her device; the offender; the access log; the timeline's twelve
        # (the header's count of what is due today is kept in the session from the first visit).
        ("programme:offender_timeline", 17),
        # The same five; his offences.
        ("programme:offender_personal_details", 6),
        # The same five; the history's events (no signed-in user wrote them: no names).
        ("programme:offender_history", 6),
    ],
)
@pytest.mark.parametrize("history", ["short", "long"])
def test_each_page_runs_the_same_queries_whatever_his_history(
    login, alice, fern, placement, history, name, queries, django_assert_num_queries
):
    short_and_long(placement, fern, history)
    client = login(alice)
    client.get(url(name, placement.offender))  # the session's first renewal
    with django_assert_num_queries(queries):
        assert client.get(url(name, placement.offender)).status_code == 200
