"""The pages programme managers and facilitators use: groups, allocation, the register."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from programme.models import Attendance, CatchUp, Group
from tests.factories import (
    make_group,
    make_offender,
    make_placement,
    make_ready_referral,
    record,
)


def session_of(group, number):
    return group.sessions.get(number=number)


def group_form_data(fern, **overrides):
    start = date.today() + timedelta(days=14)  # a group cannot start in the past
    data = {
        "programme": "",
        "age_band": "21_plus",
        "venue": "Riverside probation office",
        "facilitators": [fern.pk],
        "treatment_manager": "",
        "start_date_0": str(start.day),
        "start_date_1": str(start.month),
        "start_date_2": str(start.year),
        "weekdays": ["0"],
        "start_time": "18:00",
    }
    data.update(overrides)
    return data


def test_programme_manager_forms_a_group_with_its_sessions(login, pat, fern):
    from referrals.models import Programme

    isotp = Programme.objects.get(code="isotp")
    response = login(pat).post(
        reverse("programme:group_create"), group_form_data(fern, programme=isotp.pk)
    )
    group = Group.objects.get()
    assert response.url == group.get_absolute_url()
    assert group.sessions.count() == 35
    assert list(group.facilitators.all()) == [fern]


def test_a_group_form_with_mistakes_keeps_what_was_typed(login, pat, fern):
    content = (
        login(pat)
        .post(
            reverse("programme:group_create"),
            group_form_data(
                fern, programme="", facilitators=[], start_time="6pm", venue="Kept venue"
            ),
        )
        .content.decode()
    )
    assert "Choose at least one facilitator" in content
    assert "Enter a time like 18:00" in content
    assert "Kept venue" in content
    assert not Group.objects.exists()


@pytest.mark.parametrize("character", ["alice", "fern"])
def test_only_programme_managers_form_groups(request, login, character):
    client = login(request.getfixturevalue(character))
    assert client.get(reverse("programme:group_create")).status_code == 404


def test_allocating_from_the_group_page(login, pat, alice, fern):
    group = make_group(pat, [fern], start_date=date.today() + timedelta(days=14))
    referral = make_ready_referral(make_offender(alice, last_name="Allocatedman"), alice)
    client = login(pat)
    page = client.get(group.get_absolute_url()).content.decode()
    assert "Allocatedman" in page
    response = client.post(
        reverse("programme:group_allocate", args=[group.pk]), {"referral": referral.pk}, follow=True
    )
    assert "has a place in the group" in response.content.decode()
    assert group.placements.filter(referral=referral).exists()


def test_a_refused_allocation_says_why(login, pat, alice, fern):
    group = make_group(pat, [fern], start_date=date.today() + timedelta(days=14))
    young = make_offender(alice, last_name="Youngman", date_of_birth=date(2007, 6, 1))
    referral = make_ready_referral(young, alice)
    response = login(pat).post(
        reverse("programme:group_allocate", args=[group.pk]), {"referral": referral.pk}, follow=True
    )
    assert "Youngman was not allocated" in response.content.decode()
    assert "17–21 age band" in response.content.decode()


def test_a_group_that_has_met_takes_nobody_new(login, pat, alice, group):
    referral = make_ready_referral(make_offender(alice, last_name="Lateman"), alice)
    response = login(pat).post(
        reverse("programme:group_allocate", args=[group.pk]), {"referral": referral.pk}, follow=True
    )
    page = response.content.decode()
    assert "Lateman was not allocated" in page
    assert "The group has already met (session 1 was on 2 February 2026)" in page
    assert not group.placements.filter(referral=referral).exists()


def test_allocation_needs_post(login, pat, group):
    assert login(pat).get(reverse("programme:group_allocate", args=[group.pk])).status_code == 405


def test_facilitator_sees_their_group_but_cannot_allocate(login, fern, group, alice):
    referral = make_ready_referral(make_offender(alice), alice)
    client = login(fern)
    assert client.get(group.get_absolute_url()).status_code == 200
    response = client.post(
        reverse("programme:group_allocate", args=[group.pk]), {"referral": referral.pk}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("character", ["alice", "hilary"])
def test_others_cannot_see_the_group(request, login, group, character):
    assert (
        login(request.getfixturevalue(character)).get(group.get_absolute_url()).status_code == 404
    )


def test_moving_a_session_from_the_page(login, pat, group):
    first = session_of(group, 1)
    response = login(pat).post(
        reverse("programme:session_move", args=[first.pk]),
        {"new_date_0": "3", "new_date_1": "2", "new_date_2": "2026", "move_later": "on"},
    )
    assert response.status_code == 302
    # Session 1 moves a day on, to a Tuesday; session 2 stays on the group's Monday.
    assert session_of(group, 2).date == date(2026, 2, 9)


# --- The register ---------------------------------------------------------------------------


def register_data(placement, outcome, **fields):
    prefix = f"m{placement.pk}-"
    data = {prefix + "outcome": outcome}
    data.update({prefix + key: value for key, value in fields.items()})
    return data


def test_mark_all_attended_fills_the_page_without_saving(login, fern, group, placement):
    response = login(fern).post(
        reverse("programme:register", args=[session_of(group, 1).pk]), {"mark_all": "1"}
    )
    assert (
        f'id="id_m{placement.pk}-outcome_0" name="m{placement.pk}-outcome" type="radio" value="attended" checked'
        in response.content.decode()
    )
    assert not Attendance.objects.exists()


def test_saving_the_register_records_each_member(login, fern, group, placement, alice, pat):
    other = make_placement(group, make_offender(alice, last_name="Otherman"), alice, by=pat)
    data = {
        **register_data(placement, "attended", homework="yes", minutes_late="5"),
        **register_data(other, "unacceptable_absence"),
    }
    response = login(fern).post(reverse("programme:register", args=[session_of(group, 1).pk]), data)
    assert response.status_code == 302
    outcomes = dict(Attendance.objects.values_list("placement_id", "outcome"))
    assert outcomes == {placement.pk: "attended", other.pk: "unacceptable_absence"}
    assert Attendance.objects.get(placement=placement).minutes_late == 5
    assert CatchUp.objects.filter(placement=other).count() == 1
    session = session_of(group, 1)
    assert session.register_completed_at is not None


def test_the_register_says_why_a_man_cannot_be_recorded_attending(login, fern, group, placement):
    record(session_of(group, 1), placement, "unacceptable_absence", fern)
    client = login(fern)
    url = reverse("programme:register", args=[session_of(group, 2).pk])
    page = client.get(url).content.decode()
    assert "Catch-up of session 1 still to do" in page
    response = client.post(url, register_data(placement, "attended", note="Kept note"))
    content = response.content.decode()
    assert "There is a problem: nothing was saved" in content
    assert "Kept note" in content
    assert not Attendance.objects.filter(session__number=2).exists()


def test_one_save_reports_every_problem_at_once(login, fern, group, placement, alice, pat):
    """A man left blank on completing the register and a man who cannot be recorded attending
    (his catch-up is still to do): both in the one refusal, not the second after a resave."""
    other = make_placement(group, make_offender(alice, last_name="Blankman"), alice, by=pat)
    record(session_of(group, 1), placement, "unacceptable_absence", fern)
    record(session_of(group, 1), other, "attended", fern)
    response = login(fern).post(
        reverse("programme:register", args=[session_of(group, 2).pk]),
        {**register_data(placement, "attended"), "complete": "1"},
    )
    content = response.content.decode()
    start = content.index("govuk-error-summary")
    summary = content[start : content.index("</ul>", start)]
    name, blank = placement.referral.offender.full_name, other.referral.offender.full_name
    assert f"{name}: Catch-up of session 1 still to do" in summary
    assert f"{blank}: Choose what happened" in summary
    assert not Attendance.objects.filter(session__number=2).exists()


def test_an_acceptable_absence_without_a_reason_is_refused_on_the_form(
    login, fern, group, placement
):
    response = login(fern).post(
        reverse("programme:register", args=[session_of(group, 1).pk]),
        register_data(placement, "acceptable_absence"),
    )
    assert "Choose the reason the absence is acceptable" in response.content.decode()


def test_a_risk_relevant_mark_needs_the_note(login, fern, group, placement):
    response = login(fern).post(
        reverse("programme:register", args=[session_of(group, 1).pk]),
        register_data(placement, "attended", risk_relevant="on"),
    )
    assert "Write the risk-relevant information to share" in response.content.decode()


def test_a_man_left_blank_is_not_an_error_and_stays_to_record(
    login, fern, group, placement, alice, pat
):
    other = make_placement(group, make_offender(alice, last_name="Otherman"), alice, by=pat)
    client = login(fern)
    url = reverse("programme:register", args=[session_of(group, 1).pk])
    response = client.post(url, register_data(placement, "attended"))
    assert response.status_code == 302
    assert list(Attendance.objects.values_list("placement_id", flat=True)) == [placement.pk]
    page = client.get(url).content.decode()
    assert "Still to record: 1 of 2" in page
    assert f'name="m{other.pk}-outcome"' in page
    assert f'name="m{placement.pk}-outcome"' not in page  # recorded: in the summary
    assert "govuk-error" not in page
    assert session_of(group, 1).register_completed_at is None


def test_marking_the_register_complete_asks_for_everyone(login, fern, group, placement, alice, pat):
    other = make_placement(group, make_offender(alice, last_name="Otherman"), alice, by=pat)
    url = reverse("programme:register", args=[session_of(group, 1).pk])
    client = login(fern)
    response = client.post(url, {**register_data(placement, "attended"), "complete": "1"})
    content = response.content.decode()
    assert response.status_code == 200
    assert (
        f'href="#id_m{other.pk}-outcome_0">{other.referral.offender.full_name}: Choose what happened'
        in content
    )
    assert "<title>Error: " in content
    assert not Attendance.objects.exists()
    response = client.post(
        url,
        {
            **register_data(placement, "attended"),
            **register_data(other, "unacceptable_absence"),
            "complete": "1",
        },
    )
    assert response.status_code == 302
    assert session_of(group, 1).register_completed_at is not None


def test_fields_in_error_have_red_borders_and_the_summary_links_to_them(
    login, fern, group, placement
):
    url = reverse("programme:register", args=[session_of(group, 1).pk])
    response = login(fern).post(
        url,
        register_data(
            placement, "failed_to_comply", minutes_late_failed_to_comply="500", risk_relevant="on"
        ),
    )
    content = response.content.decode()
    late = f"id_m{placement.pk}-minutes_late_failed_to_comply"
    assert f'href="#{late}"' in content
    assert f'class="govuk-input govuk-input--width-3 govuk-input--error" id="{late}"' in content
    assert 'class="govuk-textarea govuk-textarea--error"' in content
    response = login(fern).post(url, register_data(placement, "acceptable_absence"))
    assert 'class="govuk-select govuk-select--error"' in response.content.decode()


def test_details_asked_under_an_outcome_count_only_for_that_outcome(
    login, fern, group, placement, alice, pat
):
    other = make_placement(group, make_offender(alice, last_name="Otherman"), alice, by=pat)
    url = reverse("programme:register", args=[session_of(group, 1).pk])
    data = {
        **register_data(
            placement,
            "sent_home",
            minutes_late="5",
            minutes_late_sent_home="20",
            homework_sent_home="no",
        ),
        # Typed under "Attended and complied", then an absence chosen: not kept.
        **register_data(other, "unacceptable_absence", minutes_late="10", homework="yes"),
    }
    assert login(fern).post(url, data).status_code == 302
    sent_home = Attendance.objects.get(placement=placement)
    assert (sent_home.minutes_late, sent_home.homework_done) == (20, False)
    absent = Attendance.objects.get(placement=other)
    assert (absent.minutes_late, absent.homework_done) == (0, None)


def test_a_complete_register_is_a_summary_with_a_change_link_for_each_man(
    login, fern, group, placement
):
    record(session_of(group, 1), placement, "attended", fern, minutes_late=5)
    client = login(fern)
    url = reverse("programme:register", args=[session_of(group, 1).pk])
    page = client.get(url).content.decode()
    name = placement.referral.offender.full_name
    assert "govuk-summary-list" in page and "5 minutes late" in page
    assert "<textarea" not in page and 'type="radio"' not in page
    assert (
        f'href="?change={placement.pk}">Change<span class="govuk-visually-hidden"> the record of {name}</span>'
        in page
    )
    change = client.get(url, {"change": placement.pk}).content.decode()
    assert f"Change the record of {name}" in change
    assert "Reason for the change" in change
    assert (
        f'id="id_m{placement.pk}-outcome_0" name="m{placement.pk}-outcome" type="radio" value="attended" checked'
        in change
    )

    # The change needs its reason; the old outcome is kept. (The page sends the state of his
    # record it showed: tests/test_register_concurrency.py.)
    seen = Attendance.objects.get().version
    refused = client.post(
        url,
        {"change": placement.pk, **register_data(placement, "unacceptable_absence", seen=seen)},
    )
    assert "Give a reason for changing the recorded outcome" in refused.content.decode()
    assert Attendance.objects.get().outcome == "attended"
    saved = client.post(
        url,
        {
            "change": placement.pk,
            **register_data(
                placement, "unacceptable_absence", change_reason="Left at the break", seen=seen
            ),
        },
    )
    assert saved.status_code == 302
    assert Attendance.objects.get().outcome == "unacceptable_absence"
    assert "Left at the break" in client.get(url).content.decode()


def test_a_future_session_says_when_it_can_be_recorded_and_refuses_a_save(login, pat, fern, alice):
    group = make_group(pat, [fern], start_date=date(2030, 1, 7))
    placement = make_placement(
        group, make_offender(alice, order_end=date(2033, 1, 1)), alice, by=pat
    )
    client = login(fern)
    url = reverse("programme:register", args=[session_of(group, 1).pk])
    page = client.get(url).content.decode()
    assert "You can record this register from Monday 7 January 2030" in page
    assert "<form" not in page.split('id="main-content"')[1]
    response = client.post(url, register_data(placement, "attended"))
    assert "its register can be recorded once it has been held" in response.content.decode()
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("character", ["alice", "pat", "otto"])
def test_only_the_groups_facilitators_keep_its_register(request, login, group, character):
    client = login(request.getfixturevalue(character))
    assert (
        client.get(reverse("programme:register", args=[session_of(group, 1).pk])).status_code == 404
    )


def test_the_register_refuses_other_methods(login, fern, group):
    url = reverse("programme:register", args=[session_of(group, 1).pk])
    assert login(fern).put(url).status_code == 405


@pytest.mark.parametrize("members", [2, 8])
def test_the_register_runs_the_same_queries_whatever_the_group_size(
    login, fern, pat, alice, group, members, django_assert_num_queries
):
    for _ in range(members):
        make_placement(group, make_offender(alice), alice, by=pat)
    client = login(fern)
    url = reverse("programme:register", args=[session_of(group, 2).pk])
    # session, user, her second-factor device, the session with its group and programme, the facilitator check,
    # members with referral and offender, their attendances, outstanding catch-ups,
    # the session's renewal (three statements), the consultation log's row, and her
    # second-factor device
    # (+1: the header's count of what is due today, programme/services/today.py)
    # (+1: who leads and covers the session)
    with django_assert_num_queries(15):
        response = client.get(url)
    assert len(response.context["rows"]) == members


@pytest.mark.parametrize("members", [2, 8])
def test_a_complete_register_runs_the_same_queries_whatever_the_group_size(
    login, fern, pat, alice, group, members, django_assert_num_queries
):
    placements = [
        make_placement(group, make_offender(alice), alice, by=pat) for _ in range(members)
    ]
    session = session_of(group, 1)
    for placement in placements:
        record(session, placement, "attended", fern)
    record(session, placements[0], "unacceptable_absence", fern, change_reason="Left early")
    client = login(fern)
    url = reverse("programme:register", args=[session.pk])
    # as a register still to record (its amendments are read either way)
    # (+1: the header's count of what is due today, programme/services/today.py)
    # (+1: who leads and covers the session)
    with django_assert_num_queries(15):
        response = client.get(url)
    assert len(response.context["recorded"]) == members


# --- Catch-ups and the member page ------------------------------------------------------------


def test_facilitator_records_a_catch_up_and_the_count_shows(login, fern, group, placement):
    record(session_of(group, 1), placement, "unacceptable_absence", fern)
    catch_up = CatchUp.objects.get()
    client = login(fern)
    response = client.post(
        reverse("programme:catch_up", args=[catch_up.pk]),
        {"held_on_0": "5", "held_on_1": "2", "held_on_2": "2026", "completed": "on", "note": ""},
    )
    assert response.url == placement.get_absolute_url()
    catch_up.refresh_from_db()
    assert catch_up.completed and catch_up.facilitator == fern
    page = client.get(placement.get_absolute_url()).content.decode()
    assert "1 of 4 used" in page


def test_a_catch_up_dated_before_the_missed_session_is_refused_on_the_form(
    login, fern, group, placement
):
    record(session_of(group, 1), placement, "unacceptable_absence", fern)
    catch_up = CatchUp.objects.get()
    content = (
        login(fern)
        .post(
            reverse("programme:catch_up", args=[catch_up.pk]),
            {"held_on_0": "1", "held_on_1": "1", "held_on_2": "2026", "completed": "on"},
        )
        .content.decode()
    )
    assert "cannot be held before the session it makes up" in content


def test_feedback_reaches_the_offender_manager(login, fern, group, placement):
    from programme.models import Notice

    login(fern).post(
        reverse("programme:placement_feedback", args=[placement.pk]),
        {"message": "Engaging well; struggled with homework"},
    )
    notice = Notice.objects.get()
    assert notice.kind == "feedback" and notice.offender == placement.referral.offender


@pytest.mark.parametrize("character", ["otto", "hilary"])
def test_others_cannot_see_a_members_page(request, login, placement, character):
    client = login(request.getfixturevalue(character))
    assert client.get(placement.get_absolute_url()).status_code == 404


def test_a_facilitator_can_now_open_the_referral_pack_of_a_member(login, fern, placement):
    response = login(fern).get(reverse("referrals:referral_pack_pdf", args=[placement.referral.pk]))
    assert response.status_code == 200


def test_a_facilitator_cannot_open_the_referral_pack_before_allocation(login, fern, alice):
    referral = make_ready_referral(make_offender(alice), alice)
    response = login(fern).get(reverse("referrals:referral_pack_pdf", args=[referral.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("value", ["", "abc", "12x"])
def test_allocating_nobody_or_nonsense_gets_a_message_not_an_error(login, pat, group, value):
    response = login(pat).post(
        reverse("programme:group_allocate", args=[group.pk]), {"referral": value}, follow=True
    )
    assert response.status_code == 200
    assert "Choose someone from the waiting list to allocate" in response.content.decode()


# --- The list of groups ------------------------------------------------------------------------


def add_groups(pat, fern, count, first_start=date(2024, 1, 1)):
    """Groups of the manager's office, one a week apart (the list needs no sessions)."""
    from datetime import time

    from referrals.models import Programme

    isotp = Programme.objects.get(code="isotp")
    groups = Group.objects.bulk_create(
        Group(
            programme=isotp,
            version=isotp.versions.get(number=1),
            age_band="21_plus",
            office=pat.office,
            venue=f"Venue {number:03d}",
            start_date=first_start + timedelta(weeks=number),
            weekdays=[0],
            start_time=time(18, 0),
            created_by=pat,
        )
        for number in range(count)
    )
    for group in groups:
        group.facilitators.add(fern)
    return groups


def test_the_group_list_is_newest_first_a_page_at_a_time(login, pat, fern):
    from programme.views.groups import GROUP_PAGE_SIZE

    total = GROUP_PAGE_SIZE + 2
    add_groups(pat, fern, total)
    client = login(pat)
    first = client.get(reverse("programme:group_list")).content.decode()
    assert f"{total} groups, newest first" in first
    assert f"Venue {total - 1:03d}" in first and "Venue 000" not in first
    second = client.get(reverse("programme:group_list"), {"page": 2}).content.decode()
    assert "Venue 000" in second and f"Venue {total - 1:03d}" not in second


@pytest.mark.parametrize("count", [2, 30])
def test_the_group_list_runs_the_same_queries_whatever_the_number_of_groups(
    login, pat, fern, count, django_assert_num_queries
):
    add_groups(pat, fern, count)
    client = login(pat)
    # session, user, her second-factor device, the count, the page of groups (programme and
    # office joined), their facilitators, the session's renewal (three statements), the
    # consultation log's row
    # (+1: the header's count of what is due today, programme/services/today.py)
    with django_assert_num_queries(11):
        response = client.get(reverse("programme:group_list"))
    assert len(response.context["page"].object_list) == min(count, 25)


def test_pages_write_the_group_time_the_gov_uk_way(login, pat, fern, group):
    from datetime import time

    Group.objects.filter(pk=group.pk).update(start_time=time(18, 30))
    client = login(pat)
    for url in (reverse("programme:group_list"), group.get_absolute_url()):
        content = client.get(url).content.decode()
        assert "Mondays at 6:30pm" in content
        assert "18:30" not in content


# --- Issue 11: the group page split into the next, past and upcoming sessions -------------


def test_the_group_page_shows_the_next_session_first_and_folds_the_rest(login, alice, pat, fern):
    from tests.factories import make_running_group, today

    # Sessions 1 and 2 are behind us; session 3 is the next (today, if the group meets today).
    group = make_running_group(pat, [fern], behind=2)
    placement = make_placement(group, make_offender(alice, last_name="Memberman"), alice, by=pat)
    record(session_of(group, 1), placement, "attended", fern)
    next_on = session_of(group, 3).date

    def register(number):
        return reverse("programme:register", args=[session_of(group, number).pk])

    def move(number):
        return reverse("programme:session_move", args=[session_of(group, number).pk])

    page = login(fern).get(group.get_absolute_url()).content.decode()
    next_card = page[page.index('id="next-session"') : page.index('id="not-recorded"')]
    assert "Next session: session 3 of 35" in next_card
    assert f"{next_on:%A %-d %B %Y} at 6pm" in next_card
    # Its register can be recorded on the day (a bank holiday today: on its next meeting day).
    meets_today = next_on == today()
    assert ("Today," in next_card) == meets_today
    assert (register(3) in next_card and "Record the register" in next_card) == meets_today
    not_recorded = page[page.index('id="not-recorded"') : page.index('id="past-sessions"')]
    assert "Past sessions not recorded (1)" in not_recorded and register(2) in not_recorded
    past = page[page.index('id="past-sessions"') : page.index('id="upcoming-sessions"')]
    assert "<details" in past and "Past sessions recorded (1)" in past and register(1) in past
    upcoming = page[page.index('id="upcoming-sessions"') :]
    assert "Upcoming sessions (32)" in upcoming
    # A future session's register cannot be recorded: the facilitator is not offered it.
    assert register(4) not in page
    # The member's status at a glance.
    member = page[page.index("Memberman") :]
    assert member[: member.index("</li>")].count('class="govuk-tag govuk-tag--') == 1

    page = login(pat).get(group.get_absolute_url()).content.decode()
    assert "Move session 3" in page and move(2) in page and move(4) in page
    assert move(1) not in page  # recorded: it stays where it was held
    assert register(3) not in page  # the register is the facilitators'


def test_when_every_session_is_behind_us_the_page_says_so(login, pat, fern, group):
    from tests.factories import let_sessions_pass

    let_sessions_pass(group, behind=35)
    content = login(pat).get(group.get_absolute_url()).content.decode()
    assert "All 35 sessions have been held." in content
    assert 'id="next-session"' not in content
    assert "Past sessions not recorded (35)" in content


def test_outstanding_catch_ups_are_named_in_plain_english():
    from programme.services.register import catch_up_outstanding

    assert catch_up_outstanding([4]).startswith("Catch-up of session 4 still to do: he must do it")
    assert catch_up_outstanding([3, 4, 5]).startswith(
        "Catch-ups of sessions 3, 4 and 5 still to do: he must do them"
    )
