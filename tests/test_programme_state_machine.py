"""Model-based tests of the programme's rules: Hypothesis drives the real services (allocate,
registers with any outcome, amendments of past sessions, catch-ups, enforcement decisions,
withdrawals) against PostgreSQL in sequences nobody wrote by hand, and after every step
checks the record against the rules.

The bounded profile runs in `make test`; `make test-model` runs a longer one
(HYPOTHESIS_PROFILE=long).
"""

import os
from collections import Counter
from datetime import date
from itertools import count

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from programme.models import (
    ENFORCEABLE_OUTCOMES,
    HUMAN_DECISIONS,
    Attendance,
    AttendanceAmendment,
    AttendanceOutcome,
    CatchUp,
    Enforcement,
    EnforcementCorrection,
    EnforcementDecisionType,
    GroupSession,
    Notice,
    Placement,
    ProgrammeError,
)
from programme.services.enforcement import enforcement_correct, enforcement_decide
from programme.services.register import (
    RegisterEntry,
    RegisterRefused,
    catch_up_record,
    outstanding_catch_ups,
    register_save,
)
from programme.services.scheduling import members_at, referral_move
from referrals.models import ClosingReason, ReferralError, ReferralStatus
from tests.factories import Role, make_group, make_offender, make_office, make_placement, make_staff

settings.register_profile(
    "ci",
    max_examples=8,
    stateful_step_count=40,
    deadline=None,
    # The same sequences on every run, so CI is repeatable; the long profile explores anew.
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "long",
    max_examples=200,
    stateful_step_count=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

MEMBERS = 2
# Sessions the machine works on: enough misses to pass the catch-up limit (4) and restart.
SESSIONS = 10
OUTCOMES = [choice.value for choice in AttendanceOutcome]
DOMAIN_ERRORS = (ProgrammeError, ReferralError)
RUNS = count(1)
# How often the sequences reach the paths that matter: the test fails if they never do.
REACHED: Counter = Counter()


class ProgrammeMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        # Each example runs in a savepoint rolled back at the end: a fresh group every time.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        office = make_office("Machine PDU")
        run = next(RUNS)
        self.om = make_staff(
            f"machine{run}.om", Role.OFFENDER_MANAGER, office, accredited_on=date(2024, 1, 8)
        )
        self.facilitator = make_staff(f"machine{run}.facilitator", Role.FACILITATOR, office)
        self.manager = make_staff(f"machine{run}.manager", Role.PROGRAMME_MANAGER, office)
        self.group = make_group(self.manager, [self.facilitator])
        self.placements = [
            make_placement(self.group, make_offender(self.om), self.om, by=self.manager)
            for _ in range(MEMBERS)
        ]
        self.sessions = list(self.group.sessions.order_by("number")[:SESSIONS])
        # The reference model: every outcome each (member, session) has had, in order.
        self.written: dict[tuple[int, int], list[tuple[str, str]]] = {}
        # And every correction of a decision: (enforcement, was, now).
        self.decisions_corrected: list[tuple[int, str, str]] = []

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- Steps ---------------------------------------------------------------------------

    @rule(
        member=st.integers(0, MEMBERS - 1),
        number=st.integers(1, SESSIONS),
        outcome=st.sampled_from(OUTCOMES),
        give_reason=st.booleans(),
    )
    def record(self, member, number, outcome, give_reason):
        placement = self.placements[member]
        session = self.sessions[number - 1]
        key = (placement.pk, session.pk)
        before = Attendance.objects.filter(placement=placement, session=session).first()
        earlier_outstanding = [
            n for n in outstanding_catch_ups([placement]).get(placement.pk, []) if n < number
        ]
        is_member = members_at(session).filter(pk=placement.pk).exists()
        ended_before = Placement.objects.get(pk=placement.pk).ended_on is not None
        absence_reason = "medical" if outcome == AttendanceOutcome.ACCEPTABLE_ABSENCE else ""
        entry = RegisterEntry(
            placement=placement,
            outcome=outcome,
            absence_reason=absence_reason,
            change_reason="Corrected by the machine" if give_reason else "",
        )
        try:
            register_save(session=session, entries=[entry], by=self.facilitator)
        except RegisterRefused:
            # Refused for a reason the rules give, and nothing saved.
            changed = before and (before.outcome, before.absence_reason) != (
                outcome,
                absence_reason,
            )
            assert (
                not is_member
                or (changed and not give_reason)
                or (
                    before is None
                    and outcome in ("attended", "failed_to_comply")
                    and earlier_outstanding
                )
            )
            assert Attendance.objects.filter(placement=placement, session=session).first() == before
            return
        except DOMAIN_ERRORS:
            return
        assert is_member, "a register saved an entry for someone not a member at that session"
        assert not (
            before is None and outcome in ("attended", "failed_to_comply") and earlier_outstanding
        ), "he was recorded as attending with an earlier catch-up outstanding"
        history = self.written.setdefault(key, [])
        if not history or history[-1] != (outcome, absence_reason):
            history.append((outcome, absence_reason))
        if (
            ended_before
            and before is not None
            and (before.outcome, before.absence_reason)
            != (
                outcome,
                absence_reason,
            )
        ):
            REACHED["a past session amended after his place ended"] += 1
        status = Placement.objects.get(pk=placement.pk).referral.status
        if not ended_before and status == ReferralStatus.RESTART_REQUIRED:
            REACHED["an attempt ended in a restart"] += 1

    @rule(member=st.integers(0, MEMBERS - 1), completed=st.booleans())
    def catch_up(self, member, completed):
        catch_up = (
            CatchUp.objects.filter(placement=self.placements[member], cancelled=False)
            .select_related("session")
            .order_by("completed", "session__number")
            .first()
        )
        if catch_up is None:
            return
        try:
            catch_up_record(
                catch_up=catch_up,
                held_on=catch_up.session.date,
                facilitator=self.facilitator,
                completed=completed,
                note="",
                by=self.facilitator,
            )
        except DOMAIN_ERRORS:
            pass

    @rule(decision=st.sampled_from([d for d in HUMAN_DECISIONS]))
    def decide(self, decision):
        pending = Enforcement.objects.pending().first()
        if pending is None:
            return
        try:
            enforcement_decide(
                enforcement=pending, decision=decision, reason="Decided by the machine", by=self.om
            )
        except DOMAIN_ERRORS:
            pass

    @rule(decision=st.sampled_from(list(HUMAN_DECISIONS)))
    def correct_a_decision(self, decision):
        decided = Enforcement.objects.filter(decision__in=HUMAN_DECISIONS).first()
        if decided is None:
            return
        before = decided.decision
        try:
            enforcement_correct(
                enforcement=decided,
                decision=decision,
                reason="Corrected by the machine",
                by=self.om,
            )
        except DOMAIN_ERRORS:
            assert decision == before, "a correction to a different decision was refused"
            return
        self.decisions_corrected.append((decided.pk, before, decision))
        REACHED["a decision corrected"] += 1

    @rule(member=st.integers(0, MEMBERS - 1), number=st.integers(1, SESSIONS))
    def withdraw(self, member, number):
        placement = self.placements[member]
        reason = ClosingReason.objects.filter(status=ReferralStatus.WITHDRAWN).first()
        try:
            referral_move(
                referral=placement.referral,
                to_status=ReferralStatus.WITHDRAWN,
                by=self.om,
                reason=reason,
                on=self.sessions[number - 1].date,
            )
        except DOMAIN_ERRORS:
            pass
        placement.referral.refresh_from_db()

    # --- Invariants ------------------------------------------------------------------------

    @invariant()
    def misses_never_exceed_the_catch_up_limit_without_a_restart_or_a_notice(self):
        limit = self.group.programme.catch_up_limit
        for placement in Placement.objects.filter(group=self.group).select_related("referral"):
            used = (
                Attendance.objects.filter(placement=placement)
                .exclude(outcome__in=["attended", "failed_to_comply"])
                .count()
            )
            if used > limit:
                if placement.referral.status == ReferralStatus.RESTART_REQUIRED:
                    continue
                assert (
                    placement.ended_on is not None
                    or Notice.objects.filter(
                        offender=placement.referral.offender, kind="correction"
                    ).exists()
                ), f"{used} catch-ups needed and the attempt goes on unflagged"

    @invariant()
    def every_failure_has_exactly_one_decision_to_take_or_taken(self):
        for attendance in Attendance.objects.filter(session__group=self.group):
            enforcement = Enforcement.objects.filter(attendance=attendance).first()
            if attendance.outcome in ENFORCEABLE_OUTCOMES:
                assert enforcement is not None, "a failure without an enforcement decision"
                assert enforcement.decision != EnforcementDecisionType.NOT_NEEDED
            elif enforcement is not None:
                # A failure corrected away: decided by a person, or left to his offender manager
                # with a notice saying so (never decided by the correction).
                assert (
                    enforcement.decision
                    in [
                        EnforcementDecisionType.NOT_NEEDED,
                        *HUMAN_DECISIONS,
                    ]
                    or Notice.objects.filter(
                        offender=attendance.placement.referral.offender, kind="correction"
                    ).exists()
                )

    @invariant()
    def every_missed_session_has_one_catch_up_and_attended_ones_none_outstanding(self):
        for attendance in Attendance.objects.filter(session__group=self.group):
            catch_up = CatchUp.objects.filter(
                placement=attendance.placement, session=attendance.session
            ).first()
            if attendance.missed:
                assert catch_up is not None and not catch_up.cancelled
            elif catch_up is not None:
                assert catch_up.cancelled or catch_up.completed

    @invariant()
    def registers_list_exactly_the_members_of_that_session(self):
        for session in GroupSession.objects.filter(group=self.group, number__lte=SESSIONS):
            listed = set(members_at(session).values_list("pk", flat=True))
            expected = {
                p.pk
                for p in Placement.objects.filter(group=self.group).select_related(
                    "first_session", "last_session"
                )
                if p.is_member_at(session)
            }
            assert listed == expected
            recorded = set(session.attendances.values_list("placement_id", flat=True))
            assert recorded <= listed, "an attendance outside his membership"

    @invariant()
    def every_corrected_decision_is_kept(self):
        kept = list(
            EnforcementCorrection.objects.filter(enforcement__attendance__session__group=self.group)
            .order_by("at", "pk")
            .values_list("enforcement_id", "old_decision", "new_decision")
        )
        assert kept == self.decisions_corrected

    @invariant()
    def every_old_value_is_kept(self):
        for (placement_id, session_id), history in self.written.items():
            attendance = Attendance.objects.get(placement_id=placement_id, session_id=session_id)
            assert (attendance.outcome, attendance.absence_reason) == history[-1]
            amendments = list(
                AttendanceAmendment.objects.filter(attendance=attendance).order_by("at", "pk")
            )
            assert [(a.new_outcome, a.new_absence_reason) for a in amendments] == history[1:]
            assert [(a.old_outcome, a.old_absence_reason) for a in amendments] == history[:-1]


@pytest.mark.django_db
def test_the_programme_rules_hold_in_any_sequence():
    REACHED.clear()
    run_state_machine_as_test(ProgrammeMachine, settings=PROFILE)
    print(dict(REACHED))
    assert REACHED["an attempt ended in a restart"] > 0
    assert REACHED["a past session amended after his place ended"] > 0
    assert REACHED["a decision corrected"] > 0
