"""Who is emailed about what happens in the programme (docs/notifications.md), and the daily
checks for what is coming due. Each function here is one call from where the event happens,
inside its transaction; `_tell` keeps out everyone the case is closed to (limited access: the
same rule as the pages) and `isotp.notifications.services.notify` does the rest."""

from datetime import date

from django.db.models import Exists, Min, OuterRef, Q
from django.urls import reverse

from isotp.models import Role, Staff
from isotp.notifications.models import Kind
from isotp.notifications.services import notify
from programme.models import (
    BankHoliday,
    Enforcement,
    HandoverMeeting,
    Notice,
    NoticeKind,
    ReportStatus,
    add_working_days,
)
from referrals.access import open_to_whom
from referrals.models import Offender, Referral, ReferralStatus

# The notices the offender manager is also emailed about (a correction is seen by the person
# who made it and waits on the actions page).
NOTICE_KINDS = {
    NoticeKind.RISK_NOTE: Kind.RISK_NOTE,
    NoticeKind.FEEDBACK: Kind.FEEDBACK,
    NoticeKind.RESTART: Kind.RESTART,
    NoticeKind.COMPLETION: Kind.COMPLETION,
    NoticeKind.REPORT: Kind.REPORT,
}

DUE_SOON_WORKING_DAYS = 2


def _tell(*, kind: str, event: str, offender: Offender, recipients, link: str) -> list:
    """Notify those of `recipients` his case is open to: a restricted case only those on its
    list, never anyone excluded from it (an email names his CRN)."""
    return notify(
        kind=kind,
        event=event,
        recipients=open_to_whom(offender, recipients),
        crn=offender.crn,
        link=link,
    )


def notice_notify(notice: Notice, *, link: str = "") -> None:
    """A notice for the offender manager: his offender manager is emailed too, as they chose.
    The link is to where it is acknowledged, unless given."""
    kind = NOTICE_KINDS.get(notice.kind)
    if kind is None:
        return
    offender = notice.offender
    _tell(
        kind=kind,
        event=f"notice:{notice.pk}",
        offender=offender,
        recipients=[offender.offender_manager],
        link=link or reverse("programme:actions"),
    )


def absence_notify(enforcement: Enforcement) -> None:
    """An unacceptable absence (or failure to comply) opened an enforcement decision."""
    offender = enforcement.offender
    _tell(
        kind=Kind.ABSENCE,
        event=f"enforcement:{enforcement.pk}",
        offender=offender,
        recipients=[offender.offender_manager],
        link=reverse("programme:enforcement", args=[enforcement.pk]),
    )


# --- The daily checks -------------------------------------------------------------------------


def decisions_due_soon_notify(*, today: date) -> int:
    """Decisions not yet taken that fall due within the next 2 working days: his offender
    manager, once per decision."""
    until = add_working_days(today, DUE_SOON_WORKING_DAYS, BankHoliday.objects.days_off())
    count = 0
    for enforcement in (
        Enforcement.objects.pending()
        .filter(due_by__gt=today, due_by__lte=until)
        .select_related("offender__offender_manager")
    ):
        count += len(
            _tell(
                kind=Kind.DECISION_DUE_SOON,
                event=f"enforcement:{enforcement.pk}",
                offender=enforcement.offender,
                recipients=[enforcement.offender.offender_manager],
                link=reverse("programme:enforcement", args=[enforcement.pk]),
            )
        )
    return count


def decisions_overdue_notify(*, today: date) -> int:
    """Decisions past their deadline: the programme managers of his office, once per
    decision (their oversight; the offender manager's actions page shows it as overdue)."""
    managers: dict[int, list[Staff]] = {}
    for manager in Staff.objects.filter(role=Role.PROGRAMME_MANAGER, is_active=True):
        managers.setdefault(manager.office_id, []).append(manager)
    count = 0
    for enforcement in (
        Enforcement.objects.pending().filter(due_by__lt=today).select_related("offender")
    ):
        count += len(
            _tell(
                kind=Kind.DECISION_OVERDUE,
                event=f"enforcement:{enforcement.pk}",
                offender=enforcement.offender,
                recipients=managers.get(enforcement.offender.office_id, []),
                link=reverse("programme:enforcement", args=[enforcement.pk]),
            )
        )
    return count


def handovers_overdue_notify(*, today: date) -> int:
    """Handovers not held by their due day (the programme's period after the first report
    was submitted): his offender manager and his group's facilitators, once per referral."""
    referrals = (
        Referral.objects.filter(status=ReferralStatus.POST_PROGRAMME)
        .annotate(
            first_report_at=Min(
                "end_reports__submitted_at", filter=Q(end_reports__status=ReportStatus.SUBMITTED)
            ),
            handover_held=Exists(HandoverMeeting.objects.held().filter(referral=OuterRef("pk"))),
        )
        .filter(first_report_at__isnull=False, handover_held=False)
        .select_related("offender__offender_manager", "programme", "placement__group")
        .prefetch_related("placement__group__facilitators")
    )
    count = 0
    for referral in referrals:
        if referral.programme.handover_due_after(referral.first_report_at) >= today:
            continue
        facilitators = list(referral.placement.group.facilitators.all())
        count += len(
            _tell(
                kind=Kind.HANDOVER_OVERDUE,
                event=f"referral:{referral.pk}",
                offender=referral.offender,
                recipients=[referral.offender.offender_manager, *facilitators],
                link=reverse("programme:post_programme", args=[referral.pk]),
            )
        )
    return count


def daily_reminders(*, today: date) -> dict[str, int]:
    return {
        "decisions due soon": decisions_due_soon_notify(today=today),
        "decisions overdue": decisions_overdue_notify(today=today),
        "handovers overdue": handovers_overdue_notify(today=today),
    }
