"""What the offender is given in writing: the information letter telling him what the programme
requires of him, and the formal warning letter.

One context (`letter_context`) holds every sentence of the information letter, built from his
record and his programme's numbers; the PDF (standard or large print) and the plain-text
version (for Braille transcription, or to pass on by email) only lay those sentences out, so
the two can never say different things. A subject access request quotes the same sentences.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils import dateformat

from isotp.formatting import clock
from isotp.pdf import report_header
from programme.models import GroupSession, Placement, meeting_days_label
from programme.reporting.forecast import Forecast, forecasts_for
from referrals.eligibility import add_months
from referrals.models import (
    WAITING_STATUSES,
    Offender,
    OrderType,
    Programme,
    ReferralStatus,
)


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: list[str]
    # Shown in a box in the PDF: what happens when he misses sessions.
    important: bool = False

    @property
    def underline(self) -> str:
        """The plain-text version's heading rule."""
        return "-" * len(self.heading)


@dataclass(frozen=True)
class Letter:
    title: str
    greeting: str
    introduction: list[str]
    sections: list[Section]
    closing: list[str]
    signature: list[str]
    # Lines for the member of staff who hands the letter over; not addressed to him.
    staff_notes: list[str] = field(default_factory=list)

    @property
    def title_underline(self) -> str:
        return "=" * len(self.title)

    def sentences(self) -> list[str]:
        """Every paragraph addressed to him, in order."""
        return [
            self.greeting,
            *self.introduction,
            *(p for section in self.sections for p in section.paragraphs),
            *self.closing,
        ]


# --- The letter -------------------------------------------------------------------------------


def letter_context(offender: Offender, *, today: date) -> dict:
    """Everything both versions of the letter show, from his record and his programme."""
    referral = (
        offender.referrals.open().select_related("programme").first()
        or offender.referrals.select_related("programme").order_by("-pk").first()
    )
    programme = referral.programme if referral else Programme.objects.get(code="isotp")
    placement = None
    if referral is not None:
        placement = (
            Placement.objects.filter(referral=referral, ended_on__isnull=True)
            .select_related("group")
            .first()
        )
    group = placement.group if placement else None
    next_session = None
    if placement is not None:
        next_session = (
            GroupSession.objects.filter(group=group, date__gte=today)
            .exclude(attendances__placement=placement)
            .in_order()
            .first()
        )
    # Waiting for a place: when he is expected to start (docs/forecasting.md).
    forecast = None
    if referral is not None and placement is None and referral.is_waiting:
        forecast = forecasts_for([referral], today=today).get(referral.pk)
    manager = offender.offender_manager
    office = manager.office or offender.office
    letter = build_letter(
        forecast=forecast,
        offender=offender,
        programme=programme,
        phase=letter_phase(referral, placement),
        group=group,
        next_session=next_session,
        manager_name=str(manager),
        office_name=str(office),
    )
    return {
        "offender": offender,
        "programme": programme,
        "referral": referral,
        "placement": placement,
        "group": group,
        "next_session": next_session,
        "offender_manager": manager,
        "office": office,
        "letter": letter,
        "forecast": forecast,
        "large_print": offender.needs_large_print,
        **report_header(offender, today),
    }


class Phase:
    """Where he is in the programme: every sentence of the letter fits it."""

    NOT_REFERRED = "not_referred"
    WAITING = "waiting"
    SCHEDULED = "scheduled"
    ON_PROGRAMME = "on_programme"
    BREACH = "breach"
    POST_PROGRAMME = "post_programme"
    COMPLETE = "complete"
    LEFT = "left"


# Before and during the group sessions the letter sets out what the programme asks of him.
BEFORE_OR_DURING = {Phase.NOT_REFERRED, Phase.WAITING, Phase.SCHEDULED, Phase.ON_PROGRAMME}


def letter_phase(referral, placement) -> str:
    """His phase, from the referral the letter is about (his open one, else his latest) and
    his running place in a group, if any."""
    if referral is None:
        return Phase.NOT_REFERRED
    status = referral.status
    if status in WAITING_STATUSES:
        return Phase.WAITING
    if status == ReferralStatus.SCHEDULED:
        return Phase.SCHEDULED if placement else Phase.WAITING
    if status == ReferralStatus.ON_PROGRAMME:
        return Phase.ON_PROGRAMME
    if status == ReferralStatus.BREACH:
        return Phase.ON_PROGRAMME if placement else Phase.BREACH
    if status == ReferralStatus.POST_PROGRAMME:
        return Phase.POST_PROGRAMME
    if status == ReferralStatus.PROGRAMME_COMPLETE:
        return Phase.COMPLETE
    return Phase.LEFT


def build_letter(
    *,
    offender: Offender,
    programme: Programme,
    group,
    next_session: GroupSession | None,
    manager_name: str,
    office_name: str,
    phase: str = Phase.WAITING,
    forecast: Forecast | None = None,
) -> Letter:
    name = programme.name
    on_licence = offender.order_type == OrderType.LICENCE
    order = "licence" if on_licence else "order"
    limit = programme.catch_up_limit
    hours = plural(hours_text(programme.hours_per_session), "hour", programme.hours_per_session)

    what_it_is = [f"{name} is short for the {programme.full_name}."]
    if phase in BEFORE_OR_DURING:
        what_it_is = [
            f"{what_it_is[0]} Taking part in it is part of your {order}.",
            f"You will work in a group of up to {programme.max_group_size} men. The group "
            f"meets once a week. There are {programme.sessions} sessions, and each session "
            f"lasts {hours}.",
        ]
    sections = [Section(f"What {name} is", what_it_is)]
    if phase in BEFORE_OR_DURING:
        sections += [
            Section("Your group", group_paragraphs(group, next_session, forecast)),
            Section(
                "Going to every session",
                [
                    "You must go to every session, and arrive on time.",
                    "If you cannot come to a session, tell your offender manager before it "
                    "starts. You must give a good reason.",
                ],
            ),
            Section(
                "Catch-up sessions",
                [
                    "If you miss a session, you must do an individual catch-up session. "
                    "You must do it before you can go back to the group.",
                    f"No more than {plural(limit, 'session')} can be made up this way. If you "
                    f"miss more than {plural(limit, 'session')}, you must start the programme "
                    "again.",
                ],
                important=True,
            ),
            Section(
                "Homework",
                [
                    "You will be given work to do between sessions. You must do it before the "
                    "next session."
                ],
            ),
            Section(
                "If you miss a session without a good reason",
                enforcement_paragraphs(offender.order_type, programme),
                important=True,
            ),
        ]
    after = after_programme_paragraphs(phase, order)
    if after:
        sections.append(Section("After the programme", after))
    sections += [
        Section(
            "Who to contact",
            [
                f"Your offender manager is {manager_name}, at {office_name}. Contact your "
                "offender manager if you have a question about this letter or the programme.",
            ],
        ),
        Section(
            "Other formats and languages",
            [
                "You can have this letter in another language or format, for example large "
                "print, Braille or easy read. You can also have it read to you with an "
                "interpreter. Ask your offender manager.",
            ],
        ),
    ]
    return Letter(
        title=f"Your {name} programme: what you must do"
        if phase in BEFORE_OR_DURING
        else f"Your {name} programme: what happens now",
        greeting=f"Dear {offender.full_name},",
        introduction=introduction(phase, name),
        sections=sections,
        closing=["Yours sincerely,"],
        signature=[manager_name, "Offender manager", office_name],
        staff_notes=staff_notes(offender, programme),
    )


def introduction(phase: str, name: str) -> list[str]:
    first = {
        Phase.POST_PROGRAMME: f"You have finished the group sessions of the {name} programme. "
        "This letter tells you what happens now.",
        Phase.COMPLETE: f"You have completed the {name} programme. This letter tells you what "
        "happens now.",
        Phase.BREACH: "Your case has gone back to court. This is called breach. Your offender "
        f"manager will tell you what it means for your place on the {name} programme.",
        Phase.LEFT: f"You are no longer taking part in the {name} programme. Your offender "
        "manager will talk to you about what happens next.",
    }.get(phase, f"This letter tells you what the {name} programme asks of you.")
    return [first, "Please read it carefully and keep it safe."]


def after_programme_paragraphs(phase: str, order: str) -> list[str]:
    if phase in BEFORE_OR_DURING:
        return [
            "At the end of the programme, your facilitators will write a report about "
            "how you did. Then you will have a meeting with your facilitator and your "
            "offender manager. This is called a three-way meeting.",
        ]
    if phase == Phase.POST_PROGRAMME:
        return [
            "Your facilitators write a report about how you did. You will have a meeting "
            "with your facilitator and your offender manager. This is called a three-way "
            "meeting.",
            "Your offender manager will check your risk again, and work with you on what the "
            "report recommends.",
        ]
    if phase == Phase.COMPLETE:
        return [f"Your offender manager will go on supervising you until your {order} ends."]
    return []


def group_paragraphs(
    group, next_session: GroupSession | None, forecast: Forecast | None = None
) -> list[str]:
    if group is None:
        paragraphs = ["You do not have a place in a group yet."]
        if forecast is not None and forecast.known:
            paragraphs[0] += (
                f" You are expected to start between {long_date(forecast.earliest)} and "
                f"{long_date(forecast.latest)}. This is our best estimate: it can change."
            )
            if not forecast.ready:
                paragraphs[0] += (
                    " This depends on you being ready to start by then. Your offender manager "
                    "will tell you what is still needed."
                )
        paragraphs.append("Your offender manager will tell you where and when your group meets.")
        return paragraphs
    time = clock(group.start_time)
    where = f"Your group meets at {group.venue}, every {meeting_days_label(group.weekdays, plural=False)} at {time}."
    if next_session is None:
        when = "Your offender manager will tell you when you must go next."
    elif next_session.number == 1:
        when = f"Your first session is on {long_date(next_session.date)} at {time}."
    else:
        when = (
            f"Your next session is session {next_session.number}, on "
            f"{long_date(next_session.date)} at {time}."
        )
    return [where, when]


def enforcement_paragraphs(order_type: str, programme: Programme) -> list[str]:
    """What his offender manager can do, under his kind of order (the enforcement policy)."""
    paragraphs = [
        "Missing a session without a good reason is called an unacceptable absence. It is "
        "the same if you are sent home because of your behaviour, or if you do not do what "
        "a session asks of you.",
        "Your offender manager will decide what to do within "
        f"{plural(programme.enforcement_deadline_working_days, 'working day')}.",
    ]
    if order_type == OrderType.LICENCE:
        return [*paragraphs, "You are on licence, so you may be recalled to prison."]
    court = (
        "The court can send you to prison to serve your suspended sentence."
        if order_type == OrderType.SUSPENDED_SENTENCE_ORDER
        else "The court can make your order stricter, or sentence you again for your offence."
    )
    allowed = programme.warnings_before_breach
    if allowed == 0:
        return [*paragraphs, f"You can be taken back to court. This is called breach. {court}"]
    warnings = "a formal warning" if allowed == 1 else f"{allowed} formal warnings"
    window = plural(programme.warning_window_months, "month")
    return [
        *paragraphs,
        f"You can be given a formal warning. If you already had {warnings} in the last "
        f"{window}, you can be taken back to court. This is called breach. {court}",
    ]


def staff_notes(offender: Offender, programme: Programme) -> list[str]:
    notes = []
    if offender.interpreter_language:
        notes.append(
            f"Interpreter needed: {offender.interpreter_language} — read this letter to him "
            "with an interpreter."
        )
    if offender.needs_braille:
        notes.append("Braille needed: send the text version of this letter for transcription.")
    if offender.needs_easy_read:
        notes.append("Easy read needed: go through this letter with him, a section at a time.")
    if not programme.figures_confirmed:
        notes.append(
            f"Check before giving: {programme.name}'s figures are not yet confirmed. "
            "Ask an admin to confirm them."
        )
    return notes


# --- Wording helpers ------------------------------------------------------------------------


def hours_text(hours: Decimal) -> str:
    """2.00 → "2", 1.50 → "1.5": no trailing zeros, never scientific notation."""
    return format(Decimal(hours).normalize(), "f")


def plural(count, noun: str, value=None) -> str:
    """ "1 hour", "2 hours"; value is the number to test when count is already text."""
    number = count if value is None else value
    return f"{count} {noun}{'' if number == 1 else 's'}"


def long_date(day: date) -> str:
    """Monday 2 February 2026."""
    return dateformat.format(day, "l j F Y")


def warning_letter_context(
    *, enforcement, group, next_session, catch_up_outstanding: bool, amendments: list
) -> dict:
    """What the warning letter says, from records already loaded: its PDF and a subject
    access request render the same letter."""
    attendance = enforcement.attendance
    programme = group.programme
    return {
        "enforcement": enforcement,
        "offender": enforcement.offender,
        "attendance": attendance,
        "session": attendance.session,
        "group": group,
        "programme": programme,
        # Sch. 8 para 6 CJA 2003: the twelve months beginning with the day it was given.
        "warning_until": add_months(enforcement.decided_on, programme.warning_window_months)
        - timedelta(days=1),
        "next_session": next_session,
        "start_time": clock(group.start_time),
        "catch_up_outstanding": catch_up_outstanding,
        "amendments": amendments,
        "decided_by": enforcement.decided_by,
        "decided_by_office": enforcement.decided_by.office,
    }
