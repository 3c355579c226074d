"""Reminder letters he can read: for each member of a group, the sessions he must come to in
the coming week and the catch-ups he still owes, in his format (standard or large print in
one PDF per group; plain text for Braille transcription), with his language need noted for
the staff who hand it over.

The sentences are built here once, as a `Letter` (programme.documents.letters), and both the
PDF and the text only lay them out, as with the information letter.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import dateformat

from isotp.formatting import clock
from programme.documents.letters import Letter, Section, staff_notes
from programme.models import CatchUp, Group, GroupSession, Placement

# "The coming week": the seven days from tomorrow, so that a letter printed today can reach
# him (by hand or by post) before the first of them.
WEEK_DAYS = 7


def coming_week(today: date) -> tuple[date, date]:
    start = today + timedelta(days=1)
    return start, start + timedelta(days=WEEK_DAYS - 1)


@dataclass
class Reminder:
    placement: Placement
    letter: Letter
    large_print: bool
    braille: bool

    @property
    def offender(self):
        return self.placement.offender


def _day(day: date) -> str:
    return dateformat.format(day, "l j F Y")


def _numbers(numbers: list[int]) -> str:
    """[3] → "session 3"; [3, 5] → "sessions 3 and 5"; [1, 2, 4] → "sessions 1, 2 and 4"."""
    if len(numbers) == 1:
        return f"session {numbers[0]}"
    return "sessions " + ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"


def reminder_letter(
    placement: Placement,
    *,
    group: Group,
    sessions: list[GroupSession],
    owed: list[int],
    facilitators: list,
) -> Letter:
    offender = placement.offender
    programme = group.programme
    when = [
        f"Group session {session.number} of {programme.sessions}: {_day(session.date)} at "
        f"{clock(group.start_time)}, at {group.venue}."
        for session in sessions
    ]
    sections = [Section("When and where", when)]
    if owed:
        sections.append(
            Section(
                "Catch-up sessions you still need to do",
                [
                    f"You missed group {_numbers(owed)}. You must do a catch-up session for "
                    f"{'it' if len(owed) == 1 else 'each of them'}. Your facilitator will "
                    "agree a time with you."
                ],
            )
        )
    sections.append(
        Section(
            "If you cannot come",
            [
                f"Phone your offender manager, {offender.offender_manager}, before the "
                "session starts.",
                "Missing a session without a good reason is an unacceptable absence. Your "
                "offender manager will then decide what to do.",
            ],
            important=True,
        )
    )
    return Letter(
        title=f"Your {programme.name} sessions next week",
        greeting=f"Dear {offender.full_name},",
        introduction=["This letter reminds you when you must come to your group."],
        sections=sections,
        closing=["Please bring this letter with you if you have questions."],
        signature=[
            "The programme team",
            ", ".join(str(f) for f in facilitators) or group.office.name,
        ],
        staff_notes=staff_notes(offender, programme),
    )


def group_reminders(
    *, group: Group, placements: list[Placement], today: date
) -> tuple[list[Reminder], list[GroupSession]]:
    """A reminder for each of the places given (the members the user may see) who is a member
    at a session of the coming week, in name order; and the week's sessions. Three queries
    however many men."""
    start, end = coming_week(today)
    sessions = list(group.sessions.filter(date__range=(start, end)).order_by("date", "number"))
    if not sessions:
        return [], []
    owed: dict[int, list[int]] = {}
    for placement_id, number in (
        CatchUp.objects.outstanding()
        .filter(placement__in=placements)
        .order_by("session__number")
        .values_list("placement_id", "session__number")
    ):
        owed.setdefault(placement_id, []).append(number)
    facilitators = list(group.facilitators.order_by("last_name", "first_name"))
    reminders = []
    for placement in placements:
        his = [session for session in sessions if placement.is_member_at(session)]
        if not his:
            continue
        offender = placement.offender
        reminders.append(
            Reminder(
                placement=placement,
                letter=reminder_letter(
                    placement,
                    group=group,
                    sessions=his,
                    owed=owed.get(placement.pk, []),
                    facilitators=facilitators,
                ),
                large_print=offender.needs_large_print,
                braille=offender.needs_braille,
            )
        )
    return reminders, sessions
