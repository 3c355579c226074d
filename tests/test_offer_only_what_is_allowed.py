"""Offer only what is allowed: the group page offers "Allocate" only where allocation would be
accepted (and says why not elsewhere), a group cannot start in the past, forming a group
defaults to i-SOTP, and the information letter fits the phase he is in."""

from datetime import date, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from programme.documents.letters import letter_context
from programme.models import Group, ProgrammeError
from programme.services.post_programme import referral_close
from programme.services.scheduling import (
    GROUP_STARTS_IN_THE_PAST,
    allocation_refusal,
    allocation_refusals,
    group_create,
    referral_move,
)
from referrals.models import ClosingReason, Programme
from tests.factories import (
    make_group,
    make_offender,
    make_placement,
    make_ready_referral,
    record,
)
from tests.test_post_programme import close_all

# Each man who can be allocated has a box to tick, labelled "Allocate <his name>".
ALLOCATE_BOX = '<span class="govuk-visually-hidden">Allocate </span>'


def future_group(pat, fern, **fields):
    return make_group(pat, [fern], start_date=date.today() + timedelta(days=14), **fields)


# --- The group page -----------------------------------------------------------------------


def test_the_group_page_offers_allocate_only_where_it_would_be_accepted(login, pat, alice, fern):
    group = future_group(pat, fern)
    make_ready_referral(make_offender(alice, last_name="Rightbandman"), alice)
    young = make_offender(alice, last_name="Youngman", date_of_birth=date(2007, 6, 1))
    make_ready_referral(young, alice)

    page = login(pat).get(group.get_absolute_url()).content.decode()

    assert '<span class="govuk-visually-hidden">Allocate </span>Test Rightbandman' in page
    assert '<span class="govuk-visually-hidden">Allocate </span>Test Youngman' not in page
    assert "Cannot be allocated: He will be in the 17–21 age band" in page


def test_a_full_group_offers_nobody_and_says_it_is_full(login, pat, alice, fern):
    Programme.objects.filter(code="isotp").update(max_group_size=1)
    group = future_group(pat, fern)
    make_placement(group, make_offender(alice, last_name="Firstman"), alice, by=pat)
    make_ready_referral(make_offender(alice, last_name="Secondman"), alice)

    page = login(pat).get(group.get_absolute_url()).content.decode()

    assert ALLOCATE_BOX not in page
    assert "Allocate the men ticked" not in page
    assert "Cannot be allocated: The group is full: it has 1 of 1 places taken" in page


def test_a_group_that_has_met_offers_nobody_and_says_why(login, pat, alice, group):
    make_ready_referral(make_offender(alice, last_name="Lateman"), alice)

    page = login(pat).get(group.get_absolute_url()).content.decode()

    assert ALLOCATE_BOX not in page
    assert "Cannot be allocated: The group has already met" in page


@pytest.mark.parametrize("waiting", [1, 5])
def test_the_group_page_runs_the_same_queries_however_many_wait(
    login, pat, alice, fern, django_assert_num_queries, waiting
):
    group = future_group(pat, fern)
    for number in range(waiting):
        make_ready_referral(make_offender(alice, last_name=f"Waiting{number}"), alice)
    client = login(pat)
    client.get(group.get_absolute_url())  # sessions and caches warmed, the session renewed

    # With the consultation log's row, the device, and the user's latest bulk print of the
    # group (for its link); the session is not written again within the minute.
    # (the header's count of what is due today is kept in the session from the first visit)
    # (+1: the non-associations between the men waiting and the group's members)
    # (+2: who runs each session, and the group's facilitator continuity)
    # (+1: the pre-group one-to-ones still to be held of the men waiting, for the allocation
    # rule)
    with django_assert_num_queries(17):
        response = client.get(group.get_absolute_url())
    assert response.content.decode().count(ALLOCATE_BOX) == waiting


def test_the_batched_rule_answers_as_the_single_one(pat, alice, fern, group):
    later = future_group(pat, fern)
    referrals = [
        make_ready_referral(make_offender(alice, last_name="Readyman"), alice),
        make_ready_referral(
            make_offender(alice, last_name="Youngman", date_of_birth=date(2007, 6, 1)), alice
        ),
    ]
    today = timezone.localdate()
    for each in (group, later):
        batched = allocation_refusals(group=each, referrals=referrals, on=today)
        for referral in referrals:
            single = allocation_refusal(group=each, referral=referral, on=today)
            assert batched[referral.pk] == single


def test_allocation_is_still_refused_on_the_server(login, pat, alice, group):
    referral = make_ready_referral(make_offender(alice, last_name="Lateman"), alice)
    response = login(pat).post(
        reverse("programme:group_allocate", args=[group.pk]), {"referral": referral.pk}, follow=True
    )
    assert "Lateman was not allocated" in response.content.decode()


# --- Forming a group -------------------------------------------------------------------------


def group_fields(pat, fern, start_date):
    return {
        "programme": Programme.objects.get(code="isotp"),
        "age_band": "21_plus",
        "office": pat.office,
        "venue": "Riverside",
        "facilitators": [fern],
        "treatment_manager": None,
        "start_date": start_date,
        "weekdays": [0],
        "start_time": time(18, 0),
        "by": pat,
    }


def test_a_group_cannot_start_in_the_past(pat, fern):
    today = timezone.localdate()
    with pytest.raises(ProgrammeError) as refused:
        group_create(**group_fields(pat, fern, today - timedelta(days=1)))
    assert str(refused.value) == GROUP_STARTS_IN_THE_PAST.format(today=today)
    assert not Group.objects.exists()


def test_a_group_can_start_today_and_a_past_group_can_be_replayed(pat, fern):
    today = timezone.localdate()
    group_create(**group_fields(pat, fern, today))
    past = date(2025, 11, 3)
    group_create(**group_fields(pat, fern, past), today=past)
    assert Group.objects.count() == 2


def test_the_form_says_a_group_cannot_start_in_the_past(login, pat, fern):
    from tests.test_group_and_register_pages import group_form_data

    yesterday = timezone.localdate() - timedelta(days=1)
    response = login(pat).post(
        reverse("programme:group_create"),
        group_form_data(
            fern,
            programme=Programme.objects.get(code="isotp").pk,
            start_date_0=str(yesterday.day),
            start_date_1=str(yesterday.month),
            start_date_2=str(yesterday.year),
        ),
    )
    assert response.status_code == 200
    assert GROUP_STARTS_IN_THE_PAST.format(today=timezone.localdate()) in (
        response.content.decode()
    )
    assert not Group.objects.exists()


def test_forming_a_group_defaults_to_isotp(login, pat):
    form = login(pat).get(reverse("programme:group_create")).context["form"]
    isotp = Programme.objects.get(code="isotp")
    assert form["programme"].value() == isotp.pk
    page = login(pat).get(reverse("programme:group_create")).content.decode()
    assert f'<option value="{isotp.pk}" selected>' in page


# --- The information letter fits his phase ------------------------------------------------------


def letter_text(offender) -> str:
    letter = letter_context(offender, today=timezone.localdate())["letter"]
    return " ".join([letter.title, *letter.sentences()])


NO_PLACE_YET = "You do not have a place in a group yet."
RULES = "You must go to every session, and arrive on time."


def test_a_man_not_yet_referred_is_told_what_the_programme_asks(alice):
    text = letter_text(make_offender(alice))
    assert "This letter tells you what the i-SOTP programme asks of you." in text
    assert NO_PLACE_YET in text and RULES in text


def test_a_waiting_man_is_told_he_has_no_place_yet(alice):
    offender = make_offender(alice)
    make_ready_referral(offender, alice)
    text = letter_text(offender)
    assert NO_PLACE_YET in text and RULES in text
    assert "At the end of the programme, your facilitators will write a report" in text


def test_a_scheduled_man_is_told_his_group_and_first_session(alice, pat, fern):
    group = future_group(pat, fern)
    placement = make_placement(group, make_offender(alice), alice, by=pat)
    text = letter_text(placement.offender)
    assert NO_PLACE_YET not in text
    assert "Your first session is on" in text and RULES in text


def test_a_man_on_the_programme_is_told_his_next_session(alice, pat, fern, group, placement):
    record(group.sessions.get(number=1), placement, "attended", fern)
    text = letter_text(placement.offender)
    assert NO_PLACE_YET not in text
    assert "Your group meets at" in text and RULES in text


@pytest.fixture
def finished(pat, fern, alice):
    """Carl attended both sessions of a two-session group: post-programme."""
    Programme.objects.filter(code="isotp").update(sessions=2)
    group = make_group(pat, [fern])
    placement = make_placement(
        group, make_offender(alice, first_name="Carl", last_name="Completer"), alice, by=pat
    )
    for number in (1, 2):
        record(group.sessions.get(number=number), placement, "attended", fern)
    placement.referral.refresh_from_db()
    return placement.referral


def test_a_man_who_finished_the_sessions_is_not_told_he_has_no_place_yet(finished):
    text = letter_text(finished.offender)
    assert "You have finished the group sessions of the i-SOTP programme." in text
    assert "Your i-SOTP programme: what happens now" in text
    assert NO_PLACE_YET not in text
    assert RULES not in text
    assert "You will work in a group" not in text
    assert "will write a report" not in text
    assert "three-way meeting" in text


def test_a_man_who_completed_the_programme_is_told_so(finished, fern, alice):
    close_all(finished, fern, alice)
    referral_close(referral=finished, by=alice)
    text = letter_text(finished.offender)
    assert "You have completed the i-SOTP programme." in text
    assert NO_PLACE_YET not in text and RULES not in text
    assert "three-way meeting" not in text
    assert "Your offender manager will go on supervising you until your order ends." in text


def test_a_man_whose_referral_was_closed_is_told_he_is_no_longer_on_it(alice, placement):
    reason = ClosingReason.objects.get(status="withdrawn", text="Moved out of the area")
    referral_move(referral=placement.referral, to_status="withdrawn", by=alice, reason=reason)
    text = letter_text(placement.offender)
    assert "You are no longer taking part in the i-SOTP programme." in text
    assert NO_PLACE_YET not in text and RULES not in text
    assert "After the programme" not in " ".join(
        s.heading
        for s in letter_context(placement.offender, today=timezone.localdate())["letter"].sections
    )


def test_the_pdf_of_a_finished_man_fits_his_phase(login, alice, finished):
    from tests.test_information_letter import pdf_of, pdf_url

    text = pdf_of(login(alice).get(pdf_url(finished.offender)))
    assert "You have finished the group sessions" in text
    assert NO_PLACE_YET not in text


# --- Other actions the server would refuse ---------------------------------------------------


def test_an_unfinished_draft_offers_no_submit_button_and_says_what_is_missing(
    login, fern, finished
):
    from programme.services.post_programme import report_start

    report = report_start(referral=finished, by=fern)
    page = login(fern).get(report.get_absolute_url()).content.decode()
    assert "Submit the report" not in page
    assert "To submit it, add: Risk factors; Relapse prevention plan" in page


def test_closing_is_not_offered_while_anything_is_missing(login, alice, finished):
    page = login(alice).get(reverse("programme:post_programme", args=[finished.pk]))
    content = page.content.decode()
    # The closing step is listed, but as "Cannot start yet" with what it needs, and no button.
    assert "Close as programme complete</button>" not in content
    assert (
        "Cannot start yet" in content and "Needs the end-of-programme report submitted" in content
    )


def test_closing_is_offered_once_everything_is_done(login, alice, fern, finished):
    close_all(finished, fern, alice)
    page = login(alice).get(reverse("programme:post_programme", args=[finished.pk]))
    assert "Close as programme complete</button>" in page.content.decode()


def test_an_unaccredited_manager_is_not_offered_an_assessment(login, uma):
    offender = make_offender(uma)
    page = login(uma).get(offender.get_absolute_url()).content.decode()
    assert "Record an eligibility assessment: an accredited assessor must do it" in page
    assert reverse("referrals:assessment_create", args=[offender.pk]) not in page


def test_an_accredited_manager_is_offered_an_assessment(login, alice):
    offender = make_offender(alice)
    page = login(alice).get(offender.get_absolute_url()).content.decode()
    assert reverse("referrals:assessment_create", args=[offender.pk]) in page
