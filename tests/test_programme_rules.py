"""The programme's rules, through its services: schedule, allocation, register, catch-ups,
restart and enforcement."""

import threading
from datetime import date, timedelta

import pgtrigger
import pytest
from django.db import IntegrityError, connection, transaction

from programme.models import (
    Attendance,
    CatchUp,
    Enforcement,
    GroupSession,
    Notice,
    Placement,
    ProgrammeError,
    add_working_days,
)
from programme.services.enforcement import enforcement_decide, warnings_in_window
from programme.services.register import (
    RegisterEntry,
    RegisterRefused,
    catch_up_record,
    projected_finish,
    register_save,
)
from programme.services.scheduling import (
    placement_allocate,
    referral_move,
    session_dates,
    session_move,
)
from referrals.models import Programme, Referral, ReferralStatus
from tests.factories import (
    allocation_day,
    give_warning,
    make_group,
    make_offender,
    make_placement,
    make_ready_referral,
    make_referral,
    record,
)


def session(group, number) -> GroupSession:
    return group.sessions.get(number=number)


def do_catch_up(placement, number, fern):
    catch_up = CatchUp.objects.get(placement=placement, session__number=number)
    return catch_up_record(
        catch_up=catch_up,
        held_on=catch_up.session.date,
        facilitator=fern,
        completed=True,
        note="",
        by=fern,
    )


# --- Schedule -------------------------------------------------------------------------------


def test_a_group_gets_the_programmes_35_weekly_sessions_skipping_bank_holidays(group):
    dates = list(group.sessions.order_by("number").values_list("date", flat=True))
    assert len(dates) == 35
    assert dates[0] == date(2026, 2, 2)
    # Easter Monday 6 April and the May bank holidays (4 and 25 May 2026) are skipped.
    for holiday in [date(2026, 4, 6), date(2026, 5, 4), date(2026, 5, 25), date(2026, 8, 31)]:
        assert holiday not in dates
    assert date(2026, 4, 13) in dates and all(d.weekday() == 0 for d in dates)


def test_session_count_comes_from_the_programme_record(pat, fern):
    Programme.objects.filter(code="isotp").update(sessions=12)
    group = make_group(pat, [fern])
    assert group.sessions.count() == 12


def test_session_dates_start_on_the_first_chosen_weekday():
    assert session_dates(
        first_on_or_after=date(2026, 2, 4), weekdays=[0], count=2, holidays=set()
    ) == [date(2026, 2, 9), date(2026, 2, 16)]


def test_moving_a_session_with_the_later_ones_keeps_the_groups_cadence(group):
    # A Monday group's session 3 moves to a Wednesday: the later ones stay on Mondays.
    moved = session_move(session=session(group, 3), new_date=date(2026, 2, 18), move_later=True)
    assert len(moved) == 33
    assert session(group, 3).date == date(2026, 2, 18)
    assert session(group, 4).date == date(2026, 2, 23)
    # Moved past the next Monday, the later ones follow from the Monday after.
    session_move(session=session(group, 3), new_date=date(2026, 2, 24), move_later=True)
    assert session(group, 4).date == date(2026, 3, 2)


def test_moving_a_session_alone_cannot_pass_the_next_one(group):
    with pytest.raises(ProgrammeError, match="must be before session 4"):
        session_move(session=session(group, 3), new_date=date(2026, 2, 24), move_later=False)


def test_a_session_cannot_move_onto_a_bank_holiday(group):
    with pytest.raises(ProgrammeError, match="bank holiday"):
        session_move(session=session(group, 9), new_date=date(2026, 4, 3), move_later=False)


# --- Allocation -----------------------------------------------------------------------------


def test_allocation_moves_the_referral_to_scheduled_and_keeps_the_move(placement, pat):
    referral = placement.referral
    assert referral.status == ReferralStatus.SCHEDULED
    assert referral.status_changes.last().by == pat


def test_allocation_is_refused_when_the_group_is_full(group, alice, pat):
    Programme.objects.filter(code="isotp").update(max_group_size=2)
    group.programme.refresh_from_db()
    for _ in range(2):
        make_placement(group, make_offender(alice), alice, by=pat)
    referral = make_ready_referral(make_offender(alice), alice)
    with pytest.raises(ProgrammeError, match="The group is full: it has 2 of 2 places taken"):
        placement_allocate(group=group, referral=referral, by=pat, on=allocation_day(group))


def test_allocation_is_refused_when_the_age_band_does_not_match(group, alice, pat):
    young = make_offender(alice, date_of_birth=date(2007, 6, 1))
    referral = make_ready_referral(young, alice)
    with pytest.raises(ProgrammeError, match="17–21 age band when the group starts"):
        placement_allocate(group=group, referral=referral, by=pat, on=allocation_day(group))


def test_the_band_is_the_age_at_the_groups_start(pat, fern, alice):
    # Turns 21 the day before the group starts: the 21+ band.
    man = make_offender(alice, date_of_birth=date(2005, 2, 1))
    group = make_group(pat, [fern], start_date=date(2026, 2, 2))
    assert placement_allocate(
        group=group, referral=make_ready_referral(man, alice), by=pat, on=allocation_day(group)
    )


def test_allocation_is_refused_while_the_checklist_is_incomplete(group, alice, pat):
    referral = make_referral(make_offender(alice), alice)
    with pytest.raises(ProgrammeError) as refusal:
        placement_allocate(group=group, referral=referral, by=pat, on=allocation_day(group))
    assert "not ready for allocation" in str(refusal.value)
    assert "CPS pack" in str(refusal.value)


def test_allocation_is_refused_when_he_already_has_a_place(group, placement, pat, fern):
    other_group = make_group(pat, [fern], venue="Hillside")
    with pytest.raises(ProgrammeError, match="already has a place"):
        placement_allocate(
            group=other_group, referral=placement.referral, by=pat, on=allocation_day(other_group)
        )


def test_a_referral_can_hold_only_one_place_in_the_database(group, placement, pat):
    with pytest.raises(IntegrityError), transaction.atomic():
        Placement.objects.create(group=group, referral=placement.referral, allocated_by=pat)


@pytest.mark.django_db(transaction=True)
def test_two_managers_filling_the_last_place_at_once_leave_exactly_one_allocated(
    office, alice, pat, fern
):
    from referrals.models import ClosingReason, StatusTransition
    from referrals.reference_data import ensure_reference_data

    ensure_reference_data(Programme, StatusTransition, ClosingReason)
    Programme.objects.filter(code="isotp").update(max_group_size=1)
    group = make_group(pat, [fern])
    referrals = [make_ready_referral(make_offender(alice), alice) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes = []

    def allocate(referral):
        try:
            barrier.wait()
            placement_allocate(group=group, referral=referral, by=pat, on=allocation_day(group))
            outcomes.append("allocated")
        except ProgrammeError as error:
            outcomes.append(str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=allocate, args=(r,)) for r in referrals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["The group is full: it has 1 of 1 places taken", "allocated"]
    assert group.placements.count() == 1


# --- Register, catch-ups and restart --------------------------------------------------------


def test_a_miss_needs_a_catch_up_before_he_can_attend_a_later_session(group, placement, fern):
    record(session(group, 1), placement, "unacceptable_absence", fern)
    with pytest.raises(RegisterRefused) as refusal:
        record(session(group, 2), placement, "attended", fern)
    assert refusal.value.errors[placement.pk].startswith("Catch-up of session 1 still to do")
    assert not Attendance.objects.filter(session__number=2).exists()
    # He can still be recorded as absent from the later session.
    record(session(group, 2), placement, "acceptable_absence", fern, absence_reason="medical")
    do_catch_up(placement, 1, fern)
    do_catch_up(placement, 2, fern)
    record(session(group, 3), placement, "attended", fern)


def test_every_kind_of_miss_needs_a_catch_up(group, placement, fern):
    record(session(group, 1), placement, "sent_home", fern)
    record(session(group, 2), placement, "acceptable_absence", fern, absence_reason="religious")
    assert placement.catch_ups.count() == 2


def test_attended_but_failed_to_comply_needs_no_catch_up_but_an_enforcement_decision(
    group, placement, fern
):
    record(session(group, 1), placement, "failed_to_comply", fern)
    assert placement.catch_ups.count() == 0
    assert Enforcement.objects.get().proposed_action == "warning"


def test_an_acceptable_absence_needs_its_reason(group, placement, fern):
    with pytest.raises(RegisterRefused) as refusal:
        record(session(group, 1), placement, "acceptable_absence", fern)
    assert refusal.value.errors[placement.pk] == "Choose the reason the absence is acceptable"


def test_the_database_allows_one_attendance_per_member_per_session(group, placement, fern):
    record(session(group, 1), placement, "attended", fern)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(
            session=session(group, 1), placement=placement, outcome="attended", recorded_by=fern
        )


def test_changing_a_recorded_outcome_needs_a_reason_and_keeps_the_old_one(group, placement, fern):
    from pghistory.models import Events

    record(session(group, 1), placement, "attended", fern)
    with pytest.raises(RegisterRefused) as refusal:
        record(session(group, 1), placement, "unacceptable_absence", fern)
    assert "Give a reason for changing the recorded outcome" in refusal.value.errors[placement.pk]
    record(
        session(group, 1), placement, "unacceptable_absence", fern, change_reason="Misread sign-in"
    )
    attendance = Attendance.objects.get()
    assert attendance.change_reason == "Misread sign-in"
    outcomes = list(
        Events.objects.tracks(attendance)
        .order_by("pgh_id")
        .values_list("pgh_data__outcome", flat=True)
    )
    assert outcomes == ["attended", "unacceptable_absence"]


def test_correcting_an_absence_to_attended_cancels_the_catch_up_and_leaves_the_decision_to_the_om(
    group, placement, fern, alice
):
    record(session(group, 1), placement, "unacceptable_absence", fern)
    result = record(session(group, 1), placement, "attended", fern, change_reason="He was there")
    assert CatchUp.objects.get().cancelled
    # Only offender managers decide enforcement: the facilitator's correction decides nothing.
    enforcement = Enforcement.objects.get()
    assert enforcement.is_pending and enforcement.decided_by is None
    # His offender manager is told, with a notice to acknowledge, and the register says so.
    notice = Notice.objects.get(kind="correction", offender=placement.offender)
    assert "may no longer be needed: it is yours to take" in notice.message
    assert "He was there" in notice.message
    assert any("it is yours to take" in n for n in result.notices)
    enforcement_decide(
        enforcement=enforcement, decision="found_acceptable", reason="He attended", by=alice
    )
    enforcement.refresh_from_db()
    assert (enforcement.decision, enforcement.decided_by) == ("found_acceptable", alice)


def test_the_first_register_starts_the_programme(group, placement, fern):
    record(session(group, 1), placement, "attended", fern)
    placement.referral.refresh_from_db()
    assert placement.referral.status == ReferralStatus.ON_PROGRAMME


def test_four_catch_ups_are_allowed_and_the_fifth_miss_requires_a_restart(
    group, placement, fern, alice
):
    for number in range(1, 5):
        record(
            session(group, number), placement, "acceptable_absence", fern, absence_reason="medical"
        )
        do_catch_up(placement, number, fern)
    placement.referral.refresh_from_db()
    assert placement.referral.status == ReferralStatus.ON_PROGRAMME
    result = record(session(group, 5), placement, "unacceptable_absence", fern)
    assert result.restarted == [placement]
    old = Referral.objects.get(pk=placement.referral.pk)
    assert old.status == ReferralStatus.RESTART_REQUIRED
    assert "Missed 5 sessions" in old.status_changes.last().note
    placement.refresh_from_db()
    assert placement.ended_on == session(group, 5).date
    restart = Referral.objects.get(previous_attempt=old)
    assert restart.status == ReferralStatus.AWAITING_ALLOCATION
    assert restart.waiting_since == old.waiting_since
    assert Notice.objects.filter(offender=old.offender, kind="restart").exists()


def test_the_catch_up_limit_comes_from_the_programme(group, placement, fern):
    Programme.objects.filter(code="isotp").update(catch_up_limit=1)
    record(session(group, 1), placement, "acceptable_absence", fern, absence_reason="medical")
    do_catch_up(placement, 1, fern)
    result = record(
        session(group, 2), placement, "acceptable_absence", fern, absence_reason="medical"
    )
    assert result.restarted == [placement]


def test_a_restarted_man_is_no_longer_on_later_registers(group, placement, fern):
    Programme.objects.filter(code="isotp").update(catch_up_limit=0)
    record(session(group, 1), placement, "unacceptable_absence", fern)
    with pytest.raises(RegisterRefused, match="not a member"):
        record(session(group, 2), placement, "attended", fern)


def test_a_catch_up_cannot_be_dated_before_the_missed_session(group, placement, fern):
    record(session(group, 1), placement, "unacceptable_absence", fern)
    catch_up = CatchUp.objects.get()
    with pytest.raises(ProgrammeError, match="cannot be held before the session it makes up"):
        catch_up_record(
            catch_up=catch_up,
            held_on=date(2026, 1, 1),
            facilitator=fern,
            completed=True,
            note="",
            by=fern,
        )


def test_completing_every_session_moves_to_post_programme_and_tells_the_manager(pat, fern, alice):
    Programme.objects.filter(code="isotp").update(sessions=3)
    group = make_group(pat, [fern])
    placement = make_placement(group, make_offender(alice), alice, by=pat)
    record(session(group, 1), placement, "attended", fern)
    record(session(group, 2), placement, "unacceptable_absence", fern)
    record(session(group, 3), placement, "acceptable_absence", fern, absence_reason="medical")
    placement.referral.refresh_from_db()
    assert placement.referral.status == ReferralStatus.ON_PROGRAMME
    do_catch_up(placement, 2, fern)
    do_catch_up(placement, 3, fern)
    placement.referral.refresh_from_db()
    assert placement.referral.status == ReferralStatus.POST_PROGRAMME
    assert Notice.objects.filter(kind="completion", offender=placement.referral.offender).exists()


@pytest.mark.django_db(transaction=True)
def test_two_facilitators_saving_one_register_at_once_lose_nothing(office, alice, pat, fern):
    from referrals.models import ClosingReason, StatusTransition
    from referrals.reference_data import ensure_reference_data
    from tests.factories import Role, make_staff

    ensure_reference_data(Programme, StatusTransition, ClosingReason)
    fay = make_staff("fay.facilitator", Role.FACILITATOR, office)
    group = make_group(pat, [fern, fay])
    placements = [make_placement(group, make_offender(alice), alice, by=pat) for _ in range(2)]
    first = group.sessions.get(number=1)
    barrier = threading.Barrier(2)
    errors = []

    def save(placement, by, outcome):
        try:
            barrier.wait()
            register_save(
                session=first, entries=[RegisterEntry(placement=placement, outcome=outcome)], by=by
            )
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(placements[0], fern, "attended")),
        threading.Thread(target=save, args=(placements[1], fay, "unacceptable_absence")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    outcomes = dict(first.attendances.values_list("placement_id", "outcome"))
    assert outcomes == {placements[0].pk: "attended", placements[1].pk: "unacceptable_absence"}
    assert CatchUp.objects.filter(placement=placements[1]).count() == 1
    first.refresh_from_db()
    assert first.register_completed_at is not None


# --- Enforcement ------------------------------------------------------------------------------


def test_deadlines_count_working_days_skipping_weekends_and_bank_holidays():
    holidays = {date(2026, 4, 3), date(2026, 4, 6)}
    # Monday 30 March 2026 + 10 working days, with Good Friday and Easter Monday off.
    assert add_working_days(date(2026, 3, 30), 10, holidays) == date(2026, 4, 15)
    assert add_working_days(date(2026, 2, 2), 10, set()) == date(2026, 2, 16)


def test_an_unacceptable_absence_proposes_a_warning_due_in_ten_working_days(group, placement, fern):
    record(session(group, 1), placement, "unacceptable_absence", fern)
    enforcement = Enforcement.objects.get()
    assert enforcement.proposed_action == "warning"
    assert enforcement.due_by == date(2026, 2, 16)
    assert enforcement.is_pending


def test_a_second_failure_within_twelve_months_of_a_warning_proposes_breach(
    group, placement, fern, alice
):
    record(session(group, 1), placement, "unacceptable_absence", fern)
    first = Enforcement.objects.get()
    give_warning(first, alice)  # 3 February 2026, the day after
    do_catch_up(placement, 1, fern)
    record(session(group, 2), placement, "unacceptable_absence", fern)
    second = Enforcement.objects.exclude(pk=first.pk).get()
    assert second.proposed_action == "breach"
    assert "already given in the previous 12 months" in second.proposal_reason


def test_only_warnings_given_before_a_failure_count_towards_its_breach(
    group, placement, fern, alice
):
    """Sessions 1 (2 February 2026) and 3 (16 February) missed, both decisions pending; the
    warning for the first given on 20 February, after both: it warns of what the next failure
    leads to, so the second is still proposed a warning; a failure after it, a breach."""
    record(session(group, 1), placement, "unacceptable_absence", fern)
    record(session(group, 2), placement, "acceptable_absence", fern, absence_reason="medical")
    do_catch_up(placement, 1, fern)
    do_catch_up(placement, 2, fern)
    record(session(group, 3), placement, "failed_to_comply", fern)
    first, second = Enforcement.objects.order_by("failure_on")
    give_warning(first, alice, on=date(2026, 2, 20))
    second.refresh_from_db()
    assert second.proposed_action == "warning"
    assert "No formal warning in the previous 12 months" in second.proposal_reason
    # A failure after the warning (session 4, 23 February): breach.
    record(session(group, 4), placement, "unacceptable_absence", fern)
    fourth = Enforcement.objects.get(attendance__session__number=4)
    assert fourth.proposed_action == "breach"
    # A warning given on the day of a failure does not count for it (the day is all the
    # record holds): it counts from the next day.
    programme = placement.referral.programme
    counted = [
        warnings_in_window(offender=placement.offender, before=day, programme=programme)
        for day in (date(2026, 2, 20), date(2026, 2, 21))
    ]
    assert counted == [0, 1]


def test_a_licence_case_proposes_a_recall_request(group, alice, pat, fern):
    man = make_offender(alice, order_type="licence")
    placement = make_placement(group, man, alice, by=pat)
    record(session(group, 1), placement, "unacceptable_absence", fern)
    assert Enforcement.objects.get().proposed_action == "recall"


def test_finding_an_absence_acceptable_needs_a_reason(group, placement, fern, alice):
    record(session(group, 1), placement, "unacceptable_absence", fern)
    enforcement = Enforcement.objects.get()
    with pytest.raises(
        ProgrammeError, match="a reason is needed when the absence is found acceptable"
    ):
        enforcement_decide(
            enforcement=enforcement, decision="found_acceptable", reason=" ", by=alice
        )


def test_a_decision_cannot_be_recorded_twice(group, placement, fern, alice):
    record(session(group, 1), placement, "unacceptable_absence", fern)
    enforcement = Enforcement.objects.get()
    enforcement_decide(enforcement=enforcement, decision="warning_given", reason="", by=alice)
    with pytest.raises(ProgrammeError, match="already been recorded"):
        enforcement_decide(enforcement=enforcement, decision="warning_given", reason="", by=alice)


def test_initiating_breach_moves_the_referral_to_breach(group, placement, fern, alice):
    record(session(group, 1), placement, "unacceptable_absence", fern)
    enforcement = Enforcement.objects.get()
    enforcement_decide(
        enforcement=enforcement,
        decision="breach_initiated",
        reason="Third failure; court date requested",
        by=alice,
    )
    placement.referral.refresh_from_db()
    assert placement.referral.status == ReferralStatus.BREACH


def test_a_risk_relevant_note_is_shared_with_the_offender_manager(group, placement, fern):
    record(
        session(group, 1),
        placement,
        "attended",
        fern,
        risk_relevant=True,
        note="Spoke of renewed contact with a child",
    )
    notice = Notice.objects.get()
    assert notice.kind == "risk_note" and "renewed contact" in notice.message


# --- Projection -------------------------------------------------------------------------------


def test_projection_warns_when_he_would_finish_after_his_order_ends(pat, fern, alice):
    man = make_offender(alice, order_start=date(2026, 1, 5), order_end=date(2028, 1, 10))
    group = make_group(pat, [fern], start_date=date(2027, 9, 6))
    placement = make_placement(group, man, alice, by=pat)
    projection = projected_finish(placement=placement, today=date(2027, 8, 15))
    assert projection.finish > man.order_end
    assert "after his community order ends on 10 January 2028" in projection.warning


def test_projection_adds_outstanding_catch_ups(group, placement, fern):
    record(session(group, 1), placement, "unacceptable_absence", fern)
    projection = projected_finish(placement=placement, today=date(2026, 2, 3))
    assert projection.catch_ups_outstanding == 1
    assert projection.sessions_left == 34
    assert projection.warning == ""


def test_a_warning_given_more_than_twelve_months_before_a_failure_does_not_count(
    group, placement, fern, alice
):
    record(session(group, 1), placement, "unacceptable_absence", fern)
    first = Enforcement.objects.get()
    enforcement_decide(enforcement=first, decision="warning_given", reason="", by=alice)
    # The warning was given long ago: a decided enforcement is locked, so the test steps
    # around its trigger to move the date back.
    with pgtrigger.ignore("programme.Enforcement:enforcement_human_decision_locked"):
        Enforcement.objects.filter(pk=first.pk).update(decided_on=date(2025, 1, 1))
    do_catch_up(placement, 1, fern)
    record(session(group, 2), placement, "unacceptable_absence", fern)
    assert Enforcement.objects.exclude(pk=first.pk).get().proposed_action == "warning"


def test_a_register_cannot_be_recorded_before_the_session_is_held(pat, fern, alice):
    group = make_group(pat, [fern], start_date=date(2030, 1, 7))
    placement = make_placement(
        group, make_offender(alice, order_end=date(2033, 1, 1)), alice, by=pat
    )
    with pytest.raises(ProgrammeError, match="can be recorded once it has been held"):
        record(session(group, 1), placement, "attended", fern)


def test_a_withdrawn_man_gives_up_his_place_and_leaves_later_registers(
    group, placement, fern, alice, pat
):
    from referrals.models import ClosingReason

    record(session(group, 1), placement, "attended", fern)
    reason = ClosingReason.objects.get(status="withdrawn", text="Moved out of the area")
    referral_move(
        referral=placement.referral,
        to_status="withdrawn",
        by=alice,
        reason=reason,
        on=session(group, 1).date,
    )
    assert not group.placements.active().exists()
    with pytest.raises(RegisterRefused, match="not a member"):
        record(session(group, 2), placement, "attended", fern)
    # He stays on the register he was recorded at, and can be referred and placed again.
    from programme.services.scheduling import members_at

    assert placement in members_at(session(group, 1))
    from referrals.services import referral_create

    again = referral_create(
        assessment=placement.referral.assessment, by=alice, referred_on=date(2026, 3, 1)
    )
    from tests.factories import complete_checklist

    complete_checklist(again, by=alice)
    assert placement_allocate(group=group, referral=again, by=pat, on=allocation_day(group))


def test_a_young_group_needs_enough_referrals_waiting(pat, fern, alice):
    from datetime import timedelta

    from django.utils import timezone

    Programme.objects.filter(code="isotp").update(young_group_threshold=2)
    start = date(2026, 2, 2)
    young = dict(
        date_of_birth=start - timedelta(days=365 * 19),
        order_start=timezone.localdate(),
        order_end=timezone.localdate() + timedelta(days=800),
    )
    make_referral(make_offender(alice, **young), alice, assessed_on=timezone.localdate())
    with pytest.raises(ProgrammeError, match="1 of the 2 needed are waiting"):
        make_group(pat, [fern], age_band="17_21", start_date=start)
    make_referral(make_offender(alice, **young), alice, assessed_on=timezone.localdate())
    assert make_group(pat, [fern], age_band="17_21", start_date=start)


def test_projection_warns_when_too_little_time_is_left_for_post_programme_work(pat, fern, alice):
    group = make_group(pat, [fern], start_date=date(2026, 2, 2))
    last = group.sessions.order_by("number").last().date
    man = make_offender(alice, order_start=date(2026, 1, 5), order_end=last + timedelta(days=10))
    Programme.objects.filter(code="isotp").update(minimum_supervision_months=6)
    placement = make_placement(group, man, alice, by=pat)
    projection = projected_finish(placement=placement, today=date(2026, 1, 20))
    assert "leaving less than 28 days" in projection.warning
    assert "for the post-programme work" in projection.warning


def test_an_outcome_outside_the_list_is_refused_by_the_service_and_the_database(
    group, placement, fern
):
    from programme.services.register import UNKNOWN_OUTCOME

    first = session(group, 1)
    with pytest.raises(RegisterRefused) as refusal:
        record(first, placement, "attended_complied", fern)
    assert refusal.value.errors[placement.pk] == UNKNOWN_OUTCOME
    assert not Attendance.objects.filter(session=first).exists()
    # Written past the service, the database refuses it too: a wrong code would count as a miss.
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(
            session=first, placement=placement, outcome="attended_complied", recorded_by=fern
        )
