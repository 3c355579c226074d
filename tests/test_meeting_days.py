"""A group may meet on more than one day of the week: its sessions take its meeting days in
order, a bank holiday is skipped and the later sessions move on (the count never changes), and
moving sessions keeps that cadence."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from programme.models import BankHoliday, Group, GroupSession, ProgrammeError
from programme.services.scheduling import NO_MEETING_DAYS, session_dates, session_move
from referrals.models import Programme
from tests.factories import make_group, make_offender, make_placement, record

MONDAY, TUESDAY, THURSDAY, FRIDAY = 0, 1, 3, 4


def dates_of(group) -> list[date]:
    return list(group.sessions.order_by("number").values_list("date", flat=True))


def holidays() -> set[date]:
    return BankHoliday.objects.days_off()


def test_a_monday_and_friday_group_skips_good_friday_and_easter_monday(pat, fern):
    group = make_group(pat, [fern], start_date=date(2026, 3, 30), weekdays=[FRIDAY, MONDAY])
    dates = dates_of(group)
    assert group.weekdays == [MONDAY, FRIDAY]
    assert len(dates) == 35
    # Monday 30 March; Good Friday (3 April) and Easter Monday (6 April) are skipped, so
    # session 2 is on Friday 10 April and session 3 on Monday 13 April.
    assert dates[:4] == [date(2026, 3, 30), date(2026, 4, 10), date(2026, 4, 13), date(2026, 4, 17)]
    assert all(day.weekday() in (MONDAY, FRIDAY) for day in dates)


def test_a_monday_and_friday_group_skips_christmas_boxing_day_and_new_year(pat, fern):
    group = make_group(pat, [fern], start_date=date(2026, 12, 21), weekdays=[MONDAY, FRIDAY])
    # Christmas Day (Friday), Boxing Day's substitute (Monday 28th) and New Year's Day
    # (Friday) are skipped: the group meets again on Monday 4 January.
    assert dates_of(group)[:3] == [date(2026, 12, 21), date(2027, 1, 4), date(2027, 1, 8)]
    assert group.sessions.count() == 35


def test_a_group_formed_in_late_2028_skips_the_2029_bank_holidays(pat, fern):
    # Beyond the hand-kept list of 2025 to 2028 this replaced: the `holidays` package knows.
    group = make_group(pat, [fern], start_date=date(2028, 12, 18), weekdays=[MONDAY])
    # Christmas Day 2028 and New Year's Day 2029 are Mondays: the group meets on 8 January.
    assert dates_of(group)[:3] == [date(2028, 12, 18), date(2029, 1, 8), date(2029, 1, 15)]
    assert {date(2031, 4, 11), date(2031, 12, 25)} <= holidays()  # Good Friday, Christmas


def test_an_admins_closure_and_a_worked_bank_holiday_are_kept_on_top(pat, fern):
    BankHoliday.objects.create(date=date(2027, 3, 15), name="Office closed: flood")
    BankHoliday.objects.create(date=date(2027, 3, 29), name="We work Easter Monday", kind="open")
    group = make_group(pat, [fern], start_date=date(2027, 3, 8), weekdays=[MONDAY])
    # Closed on 15 March (a Monday, no bank holiday); Easter Monday (29 March) is worked.
    assert dates_of(group)[:4] == [
        date(2027, 3, 8),
        date(2027, 3, 22),
        date(2027, 3, 29),
        date(2027, 4, 5),
    ]


def test_the_group_page_says_the_days_it_meets(login, pat, fern):
    group = make_group(pat, [fern], start_date=date(2026, 3, 30), weekdays=[MONDAY, THURSDAY])
    page = login(pat).get(group.get_absolute_url()).content.decode()
    assert "Mondays and Thursdays at 6pm" in page or "Mondays and Thursdays at 18:00" in page


def test_the_group_form_offers_the_days_as_checkboxes_and_needs_one(login, pat, fern):
    client = login(pat)
    page = client.get(reverse("programme:group_create")).content.decode()
    assert page.count('name="weekdays"') == 7
    assert "Days of the week it meets" in page
    start = date.today() + timedelta(days=14)
    data = {
        "programme": Programme.objects.get(code="isotp").pk,
        "age_band": "21_plus",
        "venue": "Riverside",
        "facilitators": [fern.pk],
        "start_date_0": str(start.day),
        "start_date_1": str(start.month),
        "start_date_2": str(start.year),
        "start_time": "18:00",
    }
    response = client.post(reverse("programme:group_create"), data)
    assert response.status_code == 200
    assert "Choose at least one day of the week the group meets" in response.content.decode()
    assert not Group.objects.exists()
    response = client.post(reverse("programme:group_create"), {**data, "weekdays": ["0", "3"]})
    group = Group.objects.get()
    assert response.status_code == 302
    assert group.weekdays == [MONDAY, THURSDAY]
    assert {day.weekday() for day in dates_of(group)} == {MONDAY, THURSDAY}


def test_a_group_needs_a_meeting_day(pat, fern):
    with pytest.raises(ProgrammeError, match=NO_MEETING_DAYS):
        make_group(pat, [fern], weekdays=[])


@pytest.mark.parametrize("weekdays", [[], [7], [3, 0], [1, 1]])
def test_the_database_refuses_days_that_are_not_days_or_repeated_or_out_of_order(group, weekdays):
    with pytest.raises(IntegrityError), transaction.atomic():
        Group.objects.filter(pk=group.pk).update(weekdays=weekdays)


def test_moving_a_session_with_the_later_ones_takes_the_next_meeting_days(pat, fern):
    group = make_group(pat, [fern], start_date=date(2026, 3, 2), weekdays=[MONDAY, THURSDAY])
    session_5 = group.sessions.get(number=5)  # Monday 16 March
    assert session_5.date == date(2026, 3, 16)
    session_move(session=session_5, new_date=date(2026, 3, 31), move_later=True)  # a Tuesday
    # Then Thursday 2 April; Good Friday is not a meeting day, Easter Monday is skipped.
    assert dates_of(group)[4:8] == [
        date(2026, 3, 31),
        date(2026, 4, 2),
        date(2026, 4, 9),
        date(2026, 4, 13),
    ]
    assert group.sessions.count() == 35


def test_moving_a_session_refuses_a_bank_holiday_and_the_day_of_an_earlier_session(pat, fern):
    group = make_group(pat, [fern], start_date=date(2026, 3, 2), weekdays=[MONDAY, THURSDAY])
    session_5 = group.sessions.get(number=5)
    with pytest.raises(ProgrammeError, match="6 April 2026 is a bank holiday"):
        session_move(session=session_5, new_date=date(2026, 4, 6), move_later=True)
    with pytest.raises(ProgrammeError, match=r"must be after session 4 \(12 March 2026\)"):
        session_move(session=session_5, new_date=date(2026, 3, 12), move_later=True)


def test_a_recorded_session_never_moves(pat, fern, alice):
    group = make_group(pat, [fern], start_date=date(2026, 3, 2), weekdays=[MONDAY, THURSDAY])
    placement = make_placement(group, make_offender(alice), alice, by=pat)
    record(group.sessions.get(number=3), placement, "attended", by=fern)
    with pytest.raises(ProgrammeError, match="Session 3 is already recorded"):
        session_move(
            session=group.sessions.get(number=2), new_date=date(2026, 3, 6), move_later=True
        )
    with pytest.raises(ProgrammeError, match="register is complete"):
        session_move(
            session=group.sessions.get(number=3), new_date=date(2026, 3, 10), move_later=False
        )


_examples = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_weekdays = st.sets(st.integers(0, 6), min_size=1, max_size=7).map(sorted)
_starts = st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 6, 30))


@settings(max_examples=300, deadline=None)
@given(weekdays=_weekdays, start=_starts, count=st.integers(1, 60))
def test_session_dates_keep_every_rule(weekdays, start, count):
    bank = {
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 4),
        date(2026, 12, 25),
        date(2026, 12, 28),
        date(2027, 1, 1),
    }
    dates = session_dates(first_on_or_after=start, weekdays=weekdays, count=count, holidays=bank)
    assert len(dates) == count
    assert dates[0] >= start
    assert all(a < b for a, b in zip(dates, dates[1:], strict=False))
    assert all(day.weekday() in weekdays and day not in bank for day in dates)
    # No meeting day is passed over: between two sessions, every day is not a meeting day
    # or a bank holiday.
    day = start
    while day < dates[-1]:
        assert day in dates or day.weekday() not in weekdays or day in bank
        day += timedelta(days=1)


@_examples
@given(
    weekdays=_weekdays,
    start=st.dates(min_value=date(2026, 3, 1), max_value=date(2026, 12, 1)),
    number=st.integers(1, 35),
    shift=st.integers(-10, 30),
    move_later=st.booleans(),
    recorded=st.integers(0, 35),
)
def test_moving_sessions_keeps_the_schedules_rules(
    pat, fern, weekdays, start, number, shift, move_later, recorded
):
    """Whatever is moved, and whether it is accepted or refused: the dates stay strictly
    increasing, every session but the one moved is on a meeting day and none on a bank
    holiday, the count is unchanged, and a recorded session never moves."""
    group = make_group(pat, [fern], start_date=start, weekdays=weekdays)
    sessions = list(group.sessions.order_by("number"))
    if recorded:
        GroupSession.objects.filter(pk=sessions[recorded - 1].pk).update(
            register_completed_at="2026-01-01T00:00Z", register_completed_by=fern
        )
    before = {s.number: s.date for s in group.sessions.all()}
    moving = sessions[number - 1]
    try:
        session_move(
            session=moving, new_date=moving.date + timedelta(days=shift), move_later=move_later
        )
    except ProgrammeError:
        assert dates_of(group) == [before[n] for n in sorted(before)]
    after = {s.number: s.date for s in group.sessions.all()}
    dates = [after[n] for n in sorted(after)]
    bank = holidays()
    assert len(dates) == 35
    assert all(a < b for a, b in zip(dates, dates[1:], strict=False))
    assert not set(dates) & bank
    assert (
        all(day.weekday() in weekdays for n, day in after.items() if n != number) or after == before
    )
    if recorded:
        assert after[recorded] == before[recorded]
    # Sessions before the one moved never change.
    assert all(after[n] == before[n] for n in after if n < number)
