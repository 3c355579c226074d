"""When each man waiting is expected to start (programme/reporting/forecast.py), checked on
hand-built queues whose answers are worked out here, and where staff and he read it."""

import math
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from programme.models import BankHoliday
from programme.reporting.forecast import (
    DAYS_PER_MONTH,
    FORMING_LEAD_DAYS,
    LOOK_BACK_MONTHS,
    NO_FACILITATORS,
    NO_HISTORY,
    expected_start_text,
    finish_of_group_starting,
    forecasts_for,
    may_see_forecast,
    months_before,
    office_capacity,
)
from referrals.models import Programme, ReferralStatus
from tests.factories import (
    Role,
    make_group,
    make_offender,
    make_placement,
    make_ready_referral,
    make_referral,
    make_staff,
)
from tests.pdf_text import pdf_text

TODAY = date(2026, 12, 1)  # a Tuesday


def queue_of(
    alice, size: int, *, first_waiting: date = date(2026, 1, 5), ready=True, **offender_fields
):
    """`size` men waiting for i-SOTP 21+ in Alice's office (ready for allocation unless told
    otherwise), one a day from `first_waiting`, so the last one made is last in the queue."""
    referrals = []
    for number in range(size):
        offender = make_offender(alice, last_name=f"Queueman{number:03d}", **offender_fields)
        referral = (make_ready_referral if ready else make_referral)(offender, alice)
        referral.waiting_since = first_waiting + timedelta(days=number)
        referral.save(update_fields=["waiting_since"])
        referrals.append(referral)
    return referrals


def groups_started(pat, fern, starts: list[date], **fields):
    """Groups of the office that met on these days (sessions made, nobody allocated)."""
    return [make_group(pat, [fern], start_date=start, today=start, **fields) for start in starts]


def every_two_months(pat, fern, today: date = TODAY):
    """Six i-SOTP 21+ groups in the last twelve months, the latest a month ago."""
    starts = [months_before(today, months) for months in (1, 3, 5, 7, 9, 11)]
    return groups_started(pat, fern, starts)


def test_fifteenth_in_a_queue_that_forms_a_group_every_two_months_joins_the_second_new_group(
    alice, pat, fern
):
    every_two_months(pat, fern)
    referrals = queue_of(alice, 20)
    forecast = forecasts_for([referrals[14]], today=TODAY)[referrals[14].pk]

    # Six groups in twelve months: one every 365.25 / 6 = 60.875 days (61 rounded).
    gap = 12 * DAYS_PER_MONTH / 6
    assert round(gap) == 61
    # The latest started on 1 November 2026: the next is due 61 days later, 1 January 2027.
    first_new = date(2026, 11, 1) + timedelta(days=61)
    assert first_new == date(2027, 1, 1)
    # Ten places a group: the 15th man is in the second new group, one gap later.
    assert forecast.place == 15 and forecast.queue_size == 20
    assert forecast.new_groups_ahead == 1
    assert forecast.expected == date(2027, 3, 3)
    # A gap either side, times the square root of the two groups: round(86.09) = 86 days,
    # from 7 December 2026 (but not before a group can be formed, 15 December) to 28 May 2027.
    spread = timedelta(days=round(gap * math.sqrt(2)))
    assert spread.days == 86
    assert forecast.expected - spread == date(2026, 12, 7)
    assert (forecast.earliest, forecast.latest) == (date(2026, 12, 15), date(2027, 5, 28))


def test_the_first_ten_are_in_the_first_new_group_and_the_eleventh_is_not(alice, pat, fern):
    every_two_months(pat, fern)
    referrals = queue_of(alice, 11)
    forecasts = forecasts_for(referrals, today=TODAY)
    # One group: a gap (61 days) either side of 1 January 2027, but no sooner than a group
    # can be formed (two weeks from today).
    tenth = forecasts[referrals[9].pk]
    assert tenth.expected == date(2027, 1, 1)
    assert (tenth.earliest, tenth.latest) == (date(2026, 12, 15), date(2027, 3, 3))
    assert forecasts[referrals[10].pk].expected == date(2027, 3, 3)


def test_men_ahead_take_the_places_of_a_group_already_formed_first(alice, pat, fern):
    every_two_months(pat, fern)
    # A group formed to start on 11 January 2027 (a Monday), four of its ten places given.
    forming = make_group(pat, [fern], start_date=date(2027, 1, 11))
    for _ in range(4):
        make_placement(forming, make_offender(alice), alice, by=pat)
    referrals = queue_of(alice, 8)
    forecasts = forecasts_for(referrals, today=TODAY)

    sixth, seventh = forecasts[referrals[5].pk], forecasts[referrals[6].pk]
    # The first six fill its six places: the sixth starts on its first day, or, should the
    # place go to someone else, in the next group one gap (61 days) after it.
    assert sixth.in_forming_group
    assert (sixth.earliest, sixth.latest) == (date(2027, 1, 11), date(2027, 3, 13))
    # The seventh is first in the next new group, due 61 days after the forming one starts
    # (13 March 2027), a gap (61 days) either side.
    assert not seventh.in_forming_group
    assert seventh.expected == date(2027, 3, 13)
    assert (seventh.earliest, seventh.latest) == (date(2027, 1, 11), date(2027, 5, 13))


def test_an_overdue_group_is_expected_no_sooner_than_a_group_can_be_formed(alice, pat, fern):
    # Six groups, the latest five months ago: the next was due three months ago.
    starts = [months_before(TODAY, months) for months in (5, 6, 7, 8, 9, 10)]
    groups_started(pat, fern, starts)
    (referral,) = queue_of(alice, 1)
    forecast = forecasts_for([referral], today=TODAY)[referral.pk]
    soonest = TODAY + timedelta(days=FORMING_LEAD_DAYS)
    assert forecast.expected == soonest
    assert forecast.earliest == soonest  # never before a group can be formed
    assert forecast.latest == soonest + timedelta(days=61)


def test_a_man_referred_today_is_last_in_his_queue(alice, pat, fern):
    every_two_months(pat, fern)
    referrals = queue_of(alice, 12)
    newcomer = make_referral(make_offender(alice, last_name="Newcomer"), alice)
    newcomer.waiting_since = newcomer.referred_on = TODAY
    newcomer.save(update_fields=["waiting_since", "referred_on"])
    forecasts = forecasts_for([newcomer, referrals[0]], today=TODAY)
    assert forecasts[newcomer.pk].place == 13 and forecasts[newcomer.pk].queue_size == 13
    assert forecasts[referrals[0].pk].place == 1
    # The 13th is in the second new group.
    assert forecasts[newcomer.pk].expected == date(2027, 3, 3)


def test_men_not_yet_ready_are_not_counted_ahead_of_anyone(alice, pat, fern):
    every_two_months(pat, fern)
    # Three men not yet ready have waited longest; twelve ready men after them.
    not_ready = queue_of(alice, 3, first_waiting=date(2025, 6, 1), ready=False)
    ready = queue_of(alice, 12)
    forecasts = forecasts_for(not_ready + ready, today=TODAY)
    # The ready men take the places in their order: the eleventh is in the second new group.
    assert [forecasts[r.pk].place for r in ready] == list(range(1, 13))
    assert forecasts[ready[10].pk].expected == date(2027, 3, 3)
    # Each man not yet ready is forecast as if he were ready today, behind the ready men
    # who have waited longer (none): first, once ready, and the page says so.
    assert {forecasts[r.pk].place for r in not_ready} == {1}
    assert not forecasts[not_ready[0].pk].ready
    assert forecasts[not_ready[0].pk].expected == date(2027, 1, 1)
    assert ", once he is ready for allocation" in expected_start_text(forecasts[not_ready[0].pk])
    assert "once he is ready" not in expected_start_text(forecasts[ready[0].pk])
    assert forecasts[not_ready[0].pk].queue_size == 15


def test_queues_are_counted_per_office_programme_and_band(alice, pat, fern, hilary):
    every_two_months(pat, fern)
    queue_of(alice, 5)
    elsewhere = make_staff(
        "olga.elsewhere", Role.OFFENDER_MANAGER, hilary.office, accredited_on=date(2024, 1, 1)
    )
    young = queue_of(alice, 2, date_of_birth=date(2008, 1, 1))
    other_office = queue_of(elsewhere, 3)
    forecasts = forecasts_for([young[1], other_office[0]], today=TODAY)
    assert (forecasts[young[1].pk].place, forecasts[young[1].pk].queue_size) == (2, 2)
    assert (forecasts[other_office[0].pk].place, forecasts[other_office[0].pk].queue_size) == (1, 3)
    # Neither queue has formed a group in the last twelve months.
    assert forecasts[young[1].pk].unknown_reason == NO_HISTORY.format(months=LOOK_BACK_MONTHS)


def test_an_office_with_no_groups_ever_has_no_forecast_but_his_place(alice):
    (referral,) = queue_of(alice, 1)
    forecast = forecasts_for([referral], today=TODAY)[referral.pk]
    assert not forecast.known and forecast.place == 1
    assert forecast.unknown_reason == NO_HISTORY.format(months=LOOK_BACK_MONTHS)
    assert forecast.warning == ""


def test_groups_older_than_the_look_back_window_give_no_rate(alice, pat, fern):
    groups_started(pat, fern, [months_before(TODAY, 13)])
    (referral,) = queue_of(alice, 1)
    assert not forecasts_for([referral], today=TODAY)[referral.pk].known


def test_a_programme_with_no_groups_ever_has_no_forecast(alice, pat, fern):
    every_two_months(pat, fern)  # i-SOTP only
    offender = make_offender(alice)
    referral = make_referral(offender, alice, risk_of_serious_harm="very_high")
    assert referral.programme.code == "nsogp"
    assert not forecasts_for([referral], today=TODAY)[referral.pk].known


def test_an_office_without_facilitators_can_only_fill_groups_already_formed(alice, pat, fern):
    every_two_months(pat, fern)
    forming = make_group(pat, [fern], start_date=date(2027, 1, 11))
    referrals = queue_of(alice, 11)
    fern.is_active = False
    fern.save(update_fields=["is_active"])
    forecasts = forecasts_for([referrals[9], referrals[10]], today=TODAY)
    assert forecasts[referrals[9].pk].earliest == forming.start_date
    assert forecasts[referrals[10].pk].unknown_reason == NO_FACILITATORS


def test_men_no_longer_waiting_are_not_in_the_queue_nor_forecast(alice, pat, fern):
    every_two_months(pat, fern)
    referrals = queue_of(alice, 3)
    referrals[0].status = ReferralStatus.WITHDRAWN
    referrals[0].save(update_fields=["status"])
    forecasts = forecasts_for(referrals, today=TODAY)
    assert referrals[0].pk not in forecasts
    assert forecasts[referrals[1].pk].place == 1


def test_the_finish_skips_bank_holidays_as_groups_are_scheduled(db):
    isotp = Programme.objects.get(code="isotp")
    holidays = {date(2027, 3, 29), date(2027, 5, 3), date(2027, 5, 31), date(2027, 8, 30)}
    # 35 Monday sessions from 4 January 2027 would end 34 weeks later (30 August 2027), but
    # four of those Mondays are bank holidays: each pushes a session a week on.
    assert finish_of_group_starting(date(2027, 1, 4), isotp, holidays) == date(2027, 9, 27)
    assert finish_of_group_starting(date(2027, 1, 4), isotp, set()) == date(2027, 8, 30)


def ends_on(referral, day: date) -> None:
    """His order ends on `day` (changed after referral: a short order is not eligible)."""
    referral.offender.order_end = day
    referral.offender.save(update_fields=["order_end"])


def latest_finish(forecast) -> date:
    return finish_of_group_starting(
        forecast.latest,
        Programme.objects.get(code="isotp"),
        BankHoliday.objects.days_off(),
    )


def test_a_man_whose_order_ends_before_he_could_finish_is_warned(alice, pat, fern):
    every_two_months(pat, fern)
    (referral,) = queue_of(alice, 1)
    ends_on(referral, date(2027, 6, 30))
    forecast = forecasts_for([referral], today=TODAY)[referral.pk]
    assert forecast.finish == latest_finish(forecast)
    assert forecast.warning_kind == "order_end"
    assert forecast.warning == (
        f"Starting as late as {forecast.latest:%-d %B %Y}, he would finish on "
        f"{forecast.finish:%-d %B %Y}, after his community order ends on 30 June 2027"
    )


def test_a_man_left_too_little_time_for_the_post_programme_work_is_warned(alice, pat, fern):
    every_two_months(pat, fern)
    (probe,) = queue_of(alice, 1)
    finish = forecasts_for([probe], today=TODAY)[probe.pk].finish
    ends_on(probe, finish + timedelta(days=27))  # the handover needs 28
    forecast = forecasts_for([probe], today=TODAY)[probe.pk]
    assert forecast.warning_kind == "no_room"
    assert "leaving less than 28 days before his community order ends" in forecast.warning
    ends_on(probe, finish + timedelta(days=28))
    assert forecasts_for([probe], today=TODAY)[probe.pk].warning == ""


@pytest.mark.parametrize("size", [3, 30])
def test_forecasting_a_whole_list_runs_the_same_queries_whatever_its_length(
    alice, pat, fern, size, django_assert_num_queries
):
    every_two_months(pat, fern)
    referrals = queue_of(alice, size)
    # queue places (one window query), programmes, groups, facilitators, bank holidays
    with django_assert_num_queries(5):
        forecasts = forecasts_for(referrals, today=TODAY)
    assert len(forecasts) == size


# --- Where it is shown --------------------------------------------------------------------


@pytest.fixture
def late_man(alice, pat, fern):
    """Alice's man, not yet ready, behind a ready man in a queue that forms a group every two
    months (counted back from today), whose order ends before he could finish."""
    today = timezone.localdate()
    every_two_months(pat, fern, today)
    queue_of(alice, 1)
    offender = make_offender(alice, first_name="Larry", last_name="Lateperson")
    referral = make_referral(offender, alice)
    referral.waiting_since = date(2026, 6, 1)
    referral.save(update_fields=["waiting_since"])
    ends_on(referral, today + timedelta(days=200))
    referral.forecast = forecasts_for([referral], today=today)[referral.pk]
    assert referral.forecast.warning_kind == "order_end"
    return referral


def test_the_waiting_list_shows_each_mans_expected_start_and_the_warning(login, pat, late_man):
    content = login(pat).get(reverse("programme:waiting_list")).content.decode()
    assert "Expected to start" in content
    forecast = late_man.forecast
    assert f"{forecast.earliest:%-d %B %Y} to {forecast.latest:%-d %B %Y}" in content
    assert "Order ends first" in content
    assert reverse("programme:office_capacity", args=[pat.office_id]) in content


def test_his_offender_manager_sees_the_forecast_and_warning_on_his_page(login, alice, late_man):
    client = login(alice)
    overview = client.get(reverse("programme:offender", args=[late_man.offender_id]))
    content = overview.content.decode()
    forecast = late_man.forecast
    assert (
        f"Between {forecast.earliest.day} {forecast.earliest:%B %Y} and "
        f"{forecast.latest.day} {forecast.latest:%B %Y}, once he is ready for allocation "
        "(2nd of 2 waiting in his office)"
    ) in content
    assert forecast.warning in content
    programme_page = client.get(
        reverse("programme:offender_programme", args=[late_man.offender_id])
    ).content.decode()
    assert "Expected to start" in programme_page and forecast.warning in programme_page


def test_his_information_letter_says_when_he_is_expected_to_start(login, alice, late_man):
    response = login(alice).get(
        reverse("programme:information_letter_pdf", args=[late_man.offender_id])
    )
    text = " ".join(pdf_text(response.content).split())
    forecast = late_man.forecast
    assert (
        f"You are expected to start between {forecast.earliest:%A} {forecast.earliest.day} "
        f"{forecast.earliest:%B %Y} and {forecast.latest:%A} {forecast.latest.day} "
        f"{forecast.latest:%B %Y}."
    ) in text
    assert "This depends on you being ready to start by then." in text
    # The warning is for staff, not for his letter.
    assert "Starting as late as" not in text


def test_the_forecast_is_only_for_his_offender_manager_and_his_office_managers(
    alice, otto, pat, hilary, fern, late_man
):
    offender = late_man.offender
    assert may_see_forecast(alice, offender)
    assert may_see_forecast(pat, offender)
    assert not may_see_forecast(otto, offender)  # another offender manager of the office
    assert not may_see_forecast(hilary, offender)  # a programme manager of another office
    assert not may_see_forecast(fern, offender)


def test_a_manager_reading_his_case_from_outside_does_not_see_the_forecast(hilary, late_man):
    from programme.casework.overview import phases_for

    offender = late_man.offender
    phases = phases_for(
        offender=offender,
        assessments=list(offender.assessments.all()),
        referrals=list(offender.referrals.all()),
        user=hilary,
        today=timezone.localdate(),
    )
    facts = dict(phases[1].facts)
    assert "Expected to start" not in facts and phases[1].warning == ""


# --- The capacity page ---------------------------------------------------------------------


def test_capacity_counts_the_groups_needed_against_the_facilitators(alice, pat, fern):
    every_two_months(pat, fern)
    forming = make_group(pat, [fern], start_date=date(2027, 1, 11))
    for _ in range(4):
        make_placement(forming, make_offender(alice), alice, by=pat)
    queue_of(alice, 25)
    programmes = list(Programme.objects.all())
    capacity = office_capacity(office=pat.office, programmes=programmes, today=TODAY)
    (queue,) = [q for q in capacity.queues if q.waiting]
    # 25 waiting less the 6 places left in the forming group: 19, two new groups of ten.
    assert (queue.waiting, queue.places_offered, queue.new_groups_needed) == (25, 6, 2)
    # Six groups in twelve months: three in the next two quarters; none short.
    assert (queue.groups_at_usual_rate, queue.shortfall) == (3, 0)
    # Fern alone: two facilitators a group, three groups each, so one group at a time. On
    # 2 June 2027 the groups of 1 November 2026 (ends 2027), and the forming one run on.
    assert capacity.groups_at_a_time == 1
    assert capacity.groups_running_then == 2
    assert capacity.room_for_new_groups == 0
    # Two running and two new groups, two facilitators each, three groups a facilitator:
    # three facilitators; Fern is one, so two short.
    assert capacity.facilitators_short == 2


def test_the_capacity_page_is_for_the_offices_programme_managers(login, alice, pat, fern, hilary):
    url = reverse("programme:office_capacity", args=[pat.office_id])
    response = login(pat).get(url)
    assert response.status_code == 200
    assert "Groups needed and facilitators" in response.content.decode()
    for outsider in (hilary, alice, fern):
        assert login(outsider).get(url).status_code == 404


def test_the_capacity_page_needs_sign_in(client, office):
    url = reverse("programme:office_capacity", args=[office.pk])
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("size", [2, 20])
def test_the_capacity_page_runs_the_same_queries_whatever_the_size(
    login, alice, pat, size, django_assert_num_queries
):
    for number in range(size):
        facilitator = make_staff(f"fac.{number}", Role.FACILITATOR, pat.office)
        make_group(pat, [facilitator], start_date=date(2027, 1, 4) + timedelta(weeks=number))
    queue_of(alice, size)
    client = login(pat)
    url = reverse("programme:office_capacity", args=[pat.office_id])
    client.get(url)  # the session's renewal, out of the way
    # session, user, the second-factor device, the office, programmes, waiting counts,
    # groups, facilitators' count, groups running at the end, a page of facilitators (the
    # header's count of what is due today is kept in the session from the first visit)
    with django_assert_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200
