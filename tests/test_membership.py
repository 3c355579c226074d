"""Membership in time: a place runs from his first session to his last, and registers,
counts and records use only the sessions inside it."""

import importlib
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from isotp.database_roles import connected_as_owner
from programme.models import Placement, ProgrammeError
from programme.services.post_programme import attendance_summary
from programme.services.register import RegisterRefused, projected_finish
from programme.services.scheduling import (
    GROUP_ALREADY_MET,
    members_at,
    placement_allocate,
    referral_move,
)
from referrals.models import ClosingReason
from tests.factories import make_offender, make_ready_referral, record


def session(group, number):
    return group.sessions.get(number=number)


def test_a_place_starts_at_the_groups_first_session(placement, group):
    assert placement.first_session == session(group, 1)
    assert placement.last_session is None
    assert placement in members_at(session(group, 1))
    assert placement in members_at(session(group, 35))


def test_a_group_that_has_met_refuses_a_new_member_with_the_reason(group, alice, pat):
    referral = make_ready_referral(make_offender(alice), alice)
    with pytest.raises(ProgrammeError) as refusal:
        placement_allocate(group=group, referral=referral, by=pat, on=session(group, 2).date)
    assert str(refusal.value) == GROUP_ALREADY_MET.format(first=session(group, 1).date, sessions=35)


def test_a_group_whose_sessions_are_all_over_takes_nobody(group, alice, pat):
    referral = make_ready_referral(make_offender(alice), alice)
    after = session(group, 35).date + timedelta(days=1)
    with pytest.raises(ProgrammeError, match="already met"):
        placement_allocate(group=group, referral=referral, by=pat, on=after)


def test_a_man_joins_on_the_day_of_the_first_session(group, alice, pat):
    referral = make_ready_referral(make_offender(alice), alice)
    placement = placement_allocate(group=group, referral=referral, by=pat, on=group.start_date)
    assert placement.allocated_on == group.start_date


@pytest.fixture
def late_member(placement, group):
    """A place that (from before this rule) began at session 3."""
    Placement.objects.filter(pk=placement.pk).update(first_session=session(group, 3))
    placement.refresh_from_db()
    return placement


def test_registers_before_his_first_session_do_not_list_him(late_member, group, fern):
    assert late_member not in members_at(session(group, 2))
    assert late_member in members_at(session(group, 3))
    with pytest.raises(RegisterRefused, match="not a member of this group at this session"):
        record(session(group, 1), late_member, "unacceptable_absence", fern)
    assert not late_member.attendances.exists()
    assert not late_member.catch_ups.exists()


def test_counts_and_projection_use_only_his_sessions(late_member, group, fern):
    record(session(group, 3), late_member, "attended", fern)
    assert attendance_summary(late_member)["sessions"] == 33
    projection = projected_finish(placement=late_member, today=session(group, 3).date)
    assert projection.sessions_left == 32


def test_his_attendance_page_lists_only_his_sessions(login, alice, late_member, group):
    page = login(alice).get(late_member.get_absolute_url()).content.decode()
    assert f"{session(group, 3).date:%-d %B %Y}" in page or "Session 3" in page
    assert f">{session(group, 2).date:%-d %B %Y}<" not in page


def test_withdrawing_ends_the_place_at_the_last_session_held_that_day(
    placement, group, fern, alice
):
    record(session(group, 1), placement, "attended", fern)
    record(session(group, 2), placement, "attended", fern)
    reason = ClosingReason.objects.get(status="withdrawn", text="Moved out of the area")
    on = session(group, 3).date - timedelta(days=1)
    referral_move(
        referral=placement.referral, to_status="withdrawn", by=alice, reason=reason, on=on
    )
    placement.refresh_from_db()
    assert placement.ended_on == on
    assert placement.last_session == session(group, 2)
    assert placement in members_at(session(group, 2))
    assert placement not in members_at(session(group, 3))
    assert "Withdrawn" in placement.end_reason


def test_withdrawing_before_the_first_session_leaves_no_session(placement, group, alice):
    reason = ClosingReason.objects.get(status="withdrawn", text="Moved out of the area")
    on = group.start_date - timedelta(days=3)
    referral_move(
        referral=placement.referral, to_status="withdrawn", by=alice, reason=reason, on=on
    )
    placement.refresh_from_db()
    assert placement.last_session is None
    assert placement not in members_at(session(group, 1))
    assert list(placement.sessions()) == []


def test_a_restart_ends_the_place_at_the_fifth_miss(placement, group, fern):
    for number in range(1, 6):
        record(session(group, number), placement, "unacceptable_absence", fern)
    placement.refresh_from_db()
    assert placement.last_session == session(group, 5)
    assert placement not in members_at(session(group, 6))


# Committed, because a migration runs as the owner role, on its own connection.
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_the_migration_derives_membership_from_existing_places(group, alice, pat, fern):
    """Places made before membership existed: allocated after session 2 was held, one of
    them withdrawn by hand without his place being ended."""
    migration = importlib.import_module("programme.migrations.0005_placement_membership_in_time")
    late = placement_allocate(
        group=group,
        referral=make_ready_referral(make_offender(alice), alice),
        by=pat,
        on=group.start_date,
    )
    gone = placement_allocate(
        group=group,
        referral=make_ready_referral(make_offender(alice), alice),
        by=pat,
        on=group.start_date,
    )
    record(session(group, 1), gone, "attended", fern)
    allocated_at = timezone.make_aware(
        timezone.datetime.combine(
            session(group, 2).date + timedelta(days=1), timezone.datetime.min.time()
        )
    )
    Placement.objects.filter(pk=late.pk).update(allocated_at=allocated_at)
    reason = ClosingReason.objects.get(status="withdrawn", text="Moved out of the area")
    gone.referral.move_to("withdrawn", by=alice, reason=reason)  # the old way: place kept

    with connected_as_owner():
        migration.set_membership(apps, None)

    late.refresh_from_db()
    gone.refresh_from_db()
    assert late.first_session == session(group, 3)
    assert late.allocated_on == session(group, 2).date + timedelta(days=1)
    assert gone.ended_on == date.today()
    assert gone.last_session is not None and gone.last_session.number >= 1
