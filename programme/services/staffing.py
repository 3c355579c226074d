"""Who runs each group session: a lead facilitator and cover facilitators (the others running
it beside the lead), made from the group's facilitators when it is formed and changed by a
programme manager for a session or a run of sessions (a facilitator's leave), with the history
of each change; and how continuous a group's facilitation has been (docs/decisions.md,
"Facilitators per session")."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Q

from isotp.models import Role, Staff
from programme.models import (
    Group,
    GroupSession,
    ProgrammeError,
    SessionFacilitator,
    SessionRole,
    SessionStaffingChange,
)

NOT_A_FACILITATOR = "{name} is not a facilitator: only facilitators run group sessions"
NOT_IN_OFFICE = "{name} is not a facilitator of {office}, the group's office"
NOT_ACTIVE = "{name} no longer has an active account"
LEAD_ALSO_COVER = "{name} cannot be both the lead and a cover facilitator of a session"
LEAD_NOT_IN_TEAM = "The lead facilitator must be one of the group's facilitators"
RUN_OUT_OF_ORDER = "The first session must be the same as or before the last session"
RUN_OUTSIDE_GROUP = "Choose sessions between 1 and {count}"
RECORDED_NEEDS_REASON = (
    "{sessions} {verb} recorded: the register is evidence of who ran {pronoun}, so give the "
    "reason for changing it"
)
NOTHING_CHANGED = "Nothing changed: {sessions} {verb} already run by these facilitators"

# A group is flagged when its usual lead led fewer than this share of the sessions held.
CONTINUITY_THRESHOLD = 0.75
# ...once it has held this many: one session led by a cover is not yet a pattern.
CONTINUITY_MIN_HELD = 4


def usual_lead(facilitators: Iterable[Staff], lead: Staff | None = None) -> Staff:
    """The group's usual lead: the one chosen, or else the first facilitator in name order."""
    team = sorted(facilitators, key=lambda s: (s.last_name, s.first_name, s.pk))
    if lead is None:
        return team[0]
    if lead.pk not in {s.pk for s in team}:
        raise ProgrammeError(LEAD_NOT_IN_TEAM)
    return lead


def sessions_staff_initially(
    *, sessions: Iterable[GroupSession], lead: Staff, team: Iterable[Staff]
) -> None:
    """Each new session is run by the group's facilitators: the lead, the others as cover."""
    SessionFacilitator.objects.bulk_create(
        SessionFacilitator(
            session=session,
            staff=member,
            role=SessionRole.LEAD if member.pk == lead.pk else SessionRole.COVER,
        )
        for session in sessions
        for member in team
    )


def _numbers(numbers: list[int]) -> str:
    """ "Session 3", "Sessions 3 and 4", "Sessions 3, 4 and 7"."""
    if len(numbers) == 1:
        return f"Session {numbers[0]}"
    return "Sessions " + ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"


def _check_facilitator(staff: Staff, group: Group) -> None:
    name = staff.get_full_name() or staff.username
    if not staff.is_active:
        raise ProgrammeError(NOT_ACTIVE.format(name=name))
    if staff.role != Role.FACILITATOR:
        raise ProgrammeError(NOT_A_FACILITATOR.format(name=name))
    if staff.office_id != group.office_id:
        raise ProgrammeError(NOT_IN_OFFICE.format(name=name, office=group.office))


@transaction.atomic
def session_staffing_change(
    *,
    group: Group,
    first_number: int,
    last_number: int,
    lead: Staff,
    cover: list[Staff],
    reason: str,
    by: Staff,
) -> SessionStaffingChange:
    """Make `lead` and `cover` the facilitators of sessions first_number to last_number. The
    sessions already so run are left as they are; for the others the current rows are ended
    and new ones added, all under one change (who, when, why). A recorded session (register
    complete) is changed only with a reason: its register is evidence of who ran it."""
    count = group.sessions.count()
    if first_number > last_number:
        raise ProgrammeError(RUN_OUT_OF_ORDER)
    if first_number < 1 or last_number > count:
        raise ProgrammeError(RUN_OUTSIDE_GROUP.format(count=count))
    for staff in [lead, *cover]:
        _check_facilitator(staff, group)
    cover = list({s.pk: s for s in cover}.values())
    if any(s.pk == lead.pk for s in cover):
        raise ProgrammeError(LEAD_ALSO_COVER.format(name=lead.get_full_name() or lead.username))
    sessions = list(
        group.sessions.select_for_update()
        .filter(number__range=(first_number, last_number))
        .order_by("number")
    )
    wanted = {(lead.pk, SessionRole.LEAD)} | {(s.pk, SessionRole.COVER) for s in cover}
    current = SessionFacilitator.objects.current().filter(session__in=sessions)
    now: dict[int, set] = {session.pk: set() for session in sessions}
    for session_id, staff_id, role in current.values_list("session_id", "staff_id", "role"):
        now[session_id].add((staff_id, role))
    changing = [session for session in sessions if now[session.pk] != wanted]
    if not changing:
        numbers = [session.number for session in sessions]
        raise ProgrammeError(
            NOTHING_CHANGED.format(
                sessions=_numbers(numbers), verb="is" if len(numbers) == 1 else "are"
            )
        )
    recorded = [session.number for session in changing if session.register_completed_at]
    reason = reason.strip()
    if recorded and not reason:
        raise ProgrammeError(
            RECORDED_NEEDS_REASON.format(
                sessions=_numbers(recorded),
                verb="is" if len(recorded) == 1 else "are",
                pronoun="it" if len(recorded) == 1 else "them",
            )
        )
    change = SessionStaffingChange.objects.create(
        group=group,
        first_number=first_number,
        last_number=last_number,
        reason=reason,
        by=by,
    )
    current.filter(session__in=changing).update(ended_by_change=change)
    SessionFacilitator.objects.bulk_create(
        SessionFacilitator(session=session, staff_id=staff_id, role=role, added_by_change=change)
        for session in changing
        for staff_id, role in sorted(wanted)
    )
    return change


# --- Reading who runs a session -----------------------------------------------------------------


@dataclass
class Staffing:
    lead: Staff | None = None
    cover: list[Staff] = field(default_factory=list)

    def names(self) -> str:
        lead = str(self.lead) if self.lead else "none"
        cover = ", ".join(str(s) for s in self.cover) or "none"
        return f"lead {lead}; cover {cover}"


def staffing_by_session(session_ids: Iterable[int]) -> dict[int, Staffing]:
    """Who runs each of these sessions now (one query); a session nobody runs is absent."""
    staffing: dict[int, Staffing] = {}
    rows = (
        SessionFacilitator.objects.current()
        .filter(session_id__in=list(session_ids))
        .select_related("staff")
        .order_by("staff__last_name", "staff__first_name", "pk")
    )
    for row in rows:
        entry = staffing.setdefault(row.session_id, Staffing())
        if row.role == SessionRole.LEAD:
            entry.lead = row.staff
        else:
            entry.cover.append(row.staff)
    return staffing


def attach_staffing(sessions: Iterable[GroupSession]) -> None:
    """Give each session its `staffing_now`, who runs it (one query for all of them)."""
    sessions = list(sessions)
    found = staffing_by_session(session.pk for session in sessions)
    for session in sessions:
        session.staffing_now = found.get(session.pk, Staffing())


def staffs_session(user: Staff, session: GroupSession) -> bool:
    """Whether the user is a current lead or cover facilitator of this session."""
    return (
        user.is_authenticated
        and user.is_active
        and user.role == Role.FACILITATOR
        and SessionFacilitator.objects.current().filter(session=session, staff=user).exists()
    )


def sessions_staffed_by(user: Staff):
    """The sessions the user currently leads or covers (a queryset)."""
    return GroupSession.objects.filter(
        Q(staffing__staff=user) & Q(staffing__ended_by_change__isnull=True)
    )


@dataclass
class ChangeLine:
    number: int
    was: Staffing
    now: Staffing


@dataclass
class ChangeRecord:
    change: SessionStaffingChange
    lines: list[ChangeLine]


def staffing_history(group: Group) -> list[ChangeRecord]:
    """Each change to the group's staffing, newest first, with what each session had before
    and after it (two queries)."""
    changes = list(group.staffing_changes.select_related("by"))
    if not changes:
        return []
    rows = (
        SessionFacilitator.objects.filter(
            Q(added_by_change__in=changes) | Q(ended_by_change__in=changes)
        )
        .select_related("staff", "session")
        .order_by("staff__last_name", "staff__first_name", "pk")
    )
    before: dict[tuple[int, int], Staffing] = {}
    after: dict[tuple[int, int], Staffing] = {}
    numbers: dict[int, set[int]] = {}
    for row in rows:
        for change_id, side in ((row.ended_by_change_id, before), (row.added_by_change_id, after)):
            if change_id is None:
                continue
            entry = side.setdefault((change_id, row.session.number), Staffing())
            numbers.setdefault(change_id, set()).add(row.session.number)
            if row.role == SessionRole.LEAD:
                entry.lead = row.staff
            else:
                entry.cover.append(row.staff)
    return [
        ChangeRecord(
            change=change,
            lines=[
                ChangeLine(
                    number=number,
                    was=before.get((change.pk, number), Staffing()),
                    now=after.get((change.pk, number), Staffing()),
                )
                for number in sorted(numbers.get(change.pk, ()))
            ],
        )
        for change in changes
    ]


# --- Continuity ---------------------------------------------------------------------------------


@dataclass
class FacilitatorContinuity:
    staff: Staff
    led: int = 0
    covered: int = 0
    in_team: bool = True  # one of the group's facilitators (else he stood in)


@dataclass
class Continuity:
    held: int
    usual_lead: Staff | None
    led_by_usual_lead: int
    leads: int  # how many different people led a held session
    facilitators: list[FacilitatorContinuity]

    @property
    def share(self) -> float | None:
        """The share of held sessions the usual lead led; None before any is held."""
        return self.led_by_usual_lead / self.held if self.held else None

    @property
    def share_percent(self) -> int | None:
        return None if self.share is None else round(self.share * 100)

    @property
    def low(self) -> bool:
        """Flagged: enough sessions held, and the usual lead led too few of them."""
        return (
            self.held >= CONTINUITY_MIN_HELD
            and self.share is not None
            and self.share < CONTINUITY_THRESHOLD
        )


def held_sessions(group_ids: Iterable[int], *, today: date):
    """The sessions counted as held: those whose register is complete."""
    return GroupSession.objects.filter(
        group_id__in=list(group_ids), register_completed_at__isnull=False, date__lte=today
    )


def group_continuity(group: Group, *, team: list[Staff], today: date) -> Continuity:
    """Facilitator continuity of one group (one query, given its facilitators)."""
    return groups_continuity([group], teams={group.pk: team}, today=today)[group.pk]


def groups_continuity(
    groups: list[Group], *, teams: dict[int, list[Staff]], today: date
) -> dict[int, Continuity]:
    """Facilitator continuity of each group, over the sessions it has held: for each
    facilitator the sessions led and covered, the share led by the usual lead, the number of
    different leads. One query however many groups."""
    rows = (
        SessionFacilitator.objects.current()
        .filter(session__in=held_sessions([g.pk for g in groups], today=today))
        .select_related("staff", "session")
    )
    by_group: dict[int, list[SessionFacilitator]] = {g.pk: [] for g in groups}
    known = {s.pk: s for team in teams.values() for s in team}
    for row in rows:
        by_group[row.session.group_id].append(row)
        known.setdefault(row.staff_id, row.staff)
    result = {}
    for group in groups:
        people: dict[int, FacilitatorContinuity] = {
            s.pk: FacilitatorContinuity(staff=s) for s in teams.get(group.pk, [])
        }
        held, leads, by_usual = set(), set(), 0
        for row in by_group[group.pk]:
            held.add(row.session_id)
            person = people.setdefault(
                row.staff_id, FacilitatorContinuity(staff=row.staff, in_team=False)
            )
            if row.role == SessionRole.LEAD:
                person.led += 1
                leads.add(row.staff_id)
                by_usual += row.staff_id == group.lead_facilitator_id
            else:
                person.covered += 1
        lead = group.lead_facilitator_id
        result[group.pk] = Continuity(
            held=len(held),
            # Always one of the team or a held session's staff, except where an admin has
            # since taken the usual lead out of the team (then read, one query).
            usual_lead=known.get(lead) or (group.lead_facilitator if lead else None),
            led_by_usual_lead=by_usual,
            leads=len(leads),
            facilitators=sorted(
                people.values(),
                key=lambda p: (not p.in_team, p.staff.last_name, p.staff.first_name, p.staff.pk),
            ),
        )
    return result
