"""Notifications by email (docs/notifications.md): writing them with the event, choosing how
each person hears of them, and sending the outbox exactly once.

`notify` is called by the services where an event happens, inside their transaction; the rest
runs in the task queue's worker (isotp/notifications/tasks.py).
"""

import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from isotp.models import Role, Staff
from isotp.notifications.models import Delivery, Email, EmailState, Kind, Notification, Preference

logger = logging.getLogger(__name__)

# What each role may be told, in the order the preferences page lists them.
KINDS_FOR_ROLE: dict[str, list[str]] = {
    Role.OFFENDER_MANAGER: [
        Kind.ABSENCE,
        Kind.DECISION_DUE_SOON,
        Kind.RISK_NOTE,
        Kind.FEEDBACK,
        Kind.RESTART,
        Kind.COMPLETION,
        Kind.REPORT,
        Kind.HANDOVER_OVERDUE,
    ],
    Role.FACILITATOR: [Kind.HANDOVER_OVERDUE],
    Role.PROGRAMME_MANAGER: [Kind.DECISION_OVERDUE],
}

# Without a choice of their own: what has a deadline, or is about risk, at once; the rest in
# the daily email.
DEFAULT_DELIVERY: dict[str, str] = {
    Kind.ABSENCE: Delivery.AT_ONCE,
    Kind.DECISION_DUE_SOON: Delivery.AT_ONCE,
    Kind.RISK_NOTE: Delivery.AT_ONCE,
    Kind.DECISION_OVERDUE: Delivery.DIGEST,
    Kind.FEEDBACK: Delivery.DIGEST,
    Kind.RESTART: Delivery.DIGEST,
    Kind.COMPLETION: Delivery.DIGEST,
    Kind.REPORT: Delivery.DIGEST,
    Kind.HANDOVER_OVERDUE: Delivery.DIGEST,
}

# The subject of an email sent at once, and its first line: a CRN at most, never a name.
AT_ONCE_TEXT: dict[str, tuple[str, str]] = {
    Kind.ABSENCE: (
        "Enforcement decision needed: {crn}",
        "An unacceptable absence was recorded for {crn}. Record your enforcement decision "
        "within 10 working days of the absence.",
    ),
    Kind.DECISION_DUE_SOON: (
        "Enforcement decision due in 2 working days: {crn}",
        "The enforcement decision for {crn} is due in 2 working days and has not been recorded.",
    ),
    Kind.DECISION_OVERDUE: (
        "Enforcement decision overdue in your office: {crn}",
        "The enforcement decision for {crn} is past its deadline and has not been recorded.",
    ),
    Kind.RISK_NOTE: (
        "Risk-relevant note from a facilitator: {crn}",
        "A facilitator shared a note relevant to risk about {crn}. Read it and record what "
        "you did about it.",
    ),
    Kind.FEEDBACK: (
        "Feedback from a facilitator: {crn}",
        "A facilitator sent feedback about {crn}. Read it and record what you did about it.",
    ),
    Kind.RESTART: (
        "Programme restart needed: {crn}",
        "{crn} missed more sessions than catch-ups allow and must start the programme again.",
    ),
    Kind.COMPLETION: (
        "Programme sessions completed: {crn}",
        "{crn} has completed every session of the programme. Arrange the three-way handover "
        "once the end-of-programme report is in.",
    ),
    Kind.REPORT: (
        "End-of-programme report submitted: {crn}",
        "The facilitators submitted the end-of-programme report for {crn}.",
    ),
    Kind.HANDOVER_OVERDUE: (
        "Three-way handover overdue: {crn}",
        "The three-way handover for {crn} is overdue.",
    ),
}

# How a kind is counted in the daily email.
DIGEST_HEADING: dict[str, str] = {
    Kind.ABSENCE: "Unacceptable absences needing your enforcement decision",
    Kind.DECISION_DUE_SOON: "Enforcement decisions due in 2 working days",
    Kind.DECISION_OVERDUE: "Enforcement decisions overdue in your office",
    Kind.RISK_NOTE: "Risk-relevant notes from facilitators",
    Kind.FEEDBACK: "Feedback from facilitators",
    Kind.RESTART: "Men who must restart the programme",
    Kind.COMPLETION: "Men who completed the programme's sessions",
    Kind.REPORT: "End-of-programme reports submitted",
    Kind.HANDOVER_OVERDUE: "Three-way handovers overdue",
}
# Links listed per kind in a digest; beyond that, the count and one link to the list.
DIGEST_LINKS_PER_KIND = 10


def absolute(path: str) -> str:
    return settings.SITE_URL + path


# --- Preferences ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    kind: str
    label: str
    delivery: str
    default: str


def preferences_for(staff: Staff) -> list[Choice]:
    """Each kind the person's role may be told, with their choice (or the default)."""
    chosen = Preference.objects.for_staff(staff)
    return [
        Choice(
            kind=kind,
            label=Kind(kind).label,
            delivery=chosen.get(kind, DEFAULT_DELIVERY[kind]),
            default=DEFAULT_DELIVERY[kind],
        )
        for kind in KINDS_FOR_ROLE.get(staff.role, [])
    ]


@transaction.atomic
def preferences_save(*, staff: Staff, choices: dict[str, str]) -> None:
    """Keep the person's choice for each kind their role may be told."""
    allowed = set(KINDS_FOR_ROLE.get(staff.role, []))
    for kind, delivery in choices.items():
        if kind not in allowed or delivery not in Delivery.values:
            raise ValueError(f"No such choice: {kind} {delivery}")
        Preference.objects.update_or_create(staff=staff, kind=kind, defaults={"delivery": delivery})


# --- Writing them, with the event -------------------------------------------------------------


def notify(
    *, kind: str, event: str, recipients: Iterable[Staff | None], crn: str = "", link: str
) -> list[Notification]:
    """Tell each recipient of this event as they chose, once: called inside the event's own
    transaction, so the notification exists exactly when the event does. An email to send at
    once is written to the outbox now and the worker is woken when the transaction commits.
    Returns the notifications written (none for someone already told of this event)."""
    people = {r.pk: r for r in recipients if r is not None and r.is_active and r.email}
    if not people:
        return []
    chosen = dict(
        Preference.objects.filter(staff__in=people, kind=kind).values_list("staff_id", "delivery")
    )
    written = []
    for pk, person in people.items():
        delivery = chosen.get(pk, DEFAULT_DELIVERY[kind])
        if delivery == Delivery.OFF:
            continue
        notification, created = Notification.objects.get_or_create(
            kind=kind,
            event=event,
            recipient=person,
            defaults={"delivery": delivery, "crn": crn, "link": link},
        )
        if not created:
            continue
        if delivery == Delivery.AT_ONCE:
            email = _email_at_once(notification)
            transaction.on_commit(lambda pk=email.pk: _wake_worker(pk))
        written.append(notification)
    return written


def _wake_worker(email_pk: int) -> None:
    from isotp.notifications.tasks import send_email

    send_email.enqueue(email_pk)


def _settings_link() -> str:
    return absolute(reverse("notifications:preferences"))


def _email_at_once(notification: Notification) -> Email:
    subject, first_line = AT_ONCE_TEXT[notification.kind]
    crn = notification.crn or "a man on your caseload"
    email = Email.objects.create(
        recipient=notification.recipient,
        to=notification.recipient.email,
        subject=subject.format(crn=notification.crn or "a case").strip(),
        body=render_to_string(
            "notifications/email/at_once.txt",
            {
                "heading": subject.format(crn=notification.crn or "a case").strip(),
                "first_line": first_line.format(crn=crn),
                "link": absolute(notification.link),
                "settings_link": _settings_link(),
            },
        ),
        not_before=timezone.now(),
    )
    notification.email = email
    notification.save(update_fields=["email"])
    return email


# --- The daily email --------------------------------------------------------------------------


def digests_write(*, on: date) -> list[Email]:
    """One daily email per person with notifications waiting for it, written to the outbox
    (once a day each: a second run that day leaves the waiting ones for tomorrow's)."""
    waiting = (
        Notification.objects.filter(delivery=Delivery.DIGEST, email__isnull=True)
        .select_related("recipient")
        .order_by("recipient_id", "kind", "created_at", "pk")
    )
    by_person: dict[int, list[Notification]] = {}
    for notification in waiting:
        by_person.setdefault(notification.recipient_id, []).append(notification)
    written = []
    for notifications in by_person.values():
        try:
            with transaction.atomic():
                email = _digest_write(notifications, on=on)
        except IntegrityError:
            # Written at the same moment by another run: that one carries them.
            continue
        if email:
            written.append(email)
    return written


def cases_closed_to(person: Staff, crns: set[str]) -> set[str]:
    """The CRNs of cases closed to the person, by the apps' limited-access rule, which
    settings.NOTIFICATION_CASES_CLOSED names (isotp imports neither app)."""
    return import_string(settings.NOTIFICATION_CASES_CLOSED)(person, crns) if crns else set()


def _digest_write(notifications: list[Notification], *, on: date) -> Email | None:
    person = notifications[0].recipient
    if not person.is_active or not person.email:
        return None
    if Email.objects.filter(recipient=person, digest_on=on).exists():
        return None
    # Locked, and only those still waiting: a digest written at the same time elsewhere
    # cannot carry them too.
    mine = list(
        Notification.objects.select_for_update(skip_locked=True).filter(
            pk__in=[n.pk for n in notifications], email__isnull=True
        )
    )
    # A case closed to them since (restricted, or they were excluded) is left out: the digest
    # names CRNs. Those stay waiting, for a later digest if the case is opened to them again.
    closed = cases_closed_to(person, {n.crn for n in mine if n.crn})
    mine = [n for n in mine if n.crn not in closed]
    if not mine:
        return None
    sections = []
    for kind in Kind.values:
        of_kind = [n for n in mine if n.kind == kind]
        if not of_kind:
            continue
        sections.append(
            {
                "heading": DIGEST_HEADING[kind],
                "count": len(of_kind),
                "items": [
                    {"crn": n.crn, "link": absolute(n.link)}
                    for n in of_kind[:DIGEST_LINKS_PER_KIND]
                ],
                "more": max(0, len(of_kind) - DIGEST_LINKS_PER_KIND),
            }
        )
    total = len(mine)
    email = Email.objects.create(
        recipient=person,
        to=person.email,
        subject=f"i-SOTP: {total} update{'s' if total != 1 else ''} for you",
        body=render_to_string(
            "notifications/email/digest.txt",
            {
                "total": total,
                "sections": sections,
                "home_link": absolute(reverse("home")),
                "settings_link": _settings_link(),
            },
        ),
        digest_on=on,
        not_before=timezone.now(),
    )
    Notification.objects.filter(pk__in=[n.pk for n in mine]).update(email=email)
    return email


# --- Sending the outbox -----------------------------------------------------------------------


def email_claim(*, pk: int | None = None, now: datetime | None = None) -> Email | None:
    """Take one due email (that one, if given) for this worker: pending → sending, committed,
    so no other worker takes it while this one sends. Locked rows are skipped, not waited
    for. None when there is nothing to send (already sent, being sent, or not due)."""
    now = now or timezone.now()
    with transaction.atomic():
        due = Email.objects.due(now=now, lease_seconds=settings.NOTIFICATION_SEND_LEASE_SECONDS)
        if pk is not None:
            due = due.filter(pk=pk)
        email = due.select_for_update(skip_locked=True).order_by("not_before", "pk").first()
        if email is None:
            return None
        if email.state == EmailState.SENDING:
            logger.warning(
                "Email %s was being sent by a worker that stopped; sending it again "
                "(same Message-ID)",
                email.pk,
            )
        email.state = EmailState.SENDING
        email.claimed_at = now
        email.attempts += 1
        email.save(update_fields=["state", "claimed_at", "attempts"])
    return email


# A refusal that trying again will not change (5xx), unlike a server that is away or busy.
def _permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def email_send(email: Email) -> bool:
    """Send a claimed email through Django's email backend, then mark it sent. On a failure
    it waits and is tried again (doubling the wait), up to NOTIFICATION_MAX_ATTEMPTS."""
    message = EmailMessage(
        subject=email.subject,
        body=email.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers={"Message-ID": email.message_id, "Auto-Submitted": "auto-generated"},
    )
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        permanent = _permanent(error) or email.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
        Email.objects.filter(pk=email.pk, state=EmailState.SENDING).update(
            state=EmailState.FAILED if permanent else EmailState.PENDING,
            claimed_at=None,
            not_before=timezone.now() + timedelta(minutes=2 ** min(email.attempts, 8)),
            last_error=f"{type(error).__name__}: {error}"[:500],
        )
        logger.warning("Email %s not sent (attempt %s): %s", email.pk, email.attempts, error)
        return False
    # Between the server's acceptance above and this commit, a stopped worker leaves the row
    # "sending": after the lease it is sent again (docs/notifications.md, "Exactly once").
    Email.objects.filter(pk=email.pk).update(
        state=EmailState.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


def emails_send_due(*, limit: int = 500) -> int:
    """Send every due email, one at a time; how many were sent."""
    sent = 0
    for _ in range(limit):
        email = email_claim()
        if email is None:
            break
        sent += email_send(email)
    return sent


def emails_waiting(*, now: datetime | None = None, grace_seconds: int = 30) -> bool:
    """Whether an email is due and has been for a little while (the task written when it was
    may have been lost: a process stopped between the commit and the enqueue), or was being
    sent by a worker that stopped (its lease is over)."""
    now = now or timezone.now()
    return (
        Email.objects.due(now=now, lease_seconds=settings.NOTIFICATION_SEND_LEASE_SECONDS)
        .filter(
            Q(state=EmailState.SENDING) | Q(not_before__lte=now - timedelta(seconds=grace_seconds))
        )
        .exists()
    )
