"""Email notifications (docs/notifications.md): what each person wants told and how, what
they were told, and the outbox the worker sends from.

A `Notification` is one event for one person, written in the same transaction as the event.
An `Email` is one message in the outbox: at once, it carries one notification; a daily digest
carries all of a person's waiting ones. The row is the truth; the task queue only wakes the
worker up, and a lost or repeated task changes nothing.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Kind(models.TextChoices):
    """What happened. Each person chooses, per kind, at once, a daily digest or off."""

    ABSENCE = "absence", "An unacceptable absence needs your enforcement decision"
    DECISION_DUE_SOON = "decision_due_soon", "An enforcement decision is due in 2 working days"
    DECISION_OVERDUE = "decision_overdue", "An enforcement decision in your office is overdue"
    RISK_NOTE = "risk_note", "A facilitator shared a risk-relevant note"
    FEEDBACK = "feedback", "A facilitator sent feedback"
    RESTART = "restart", "A man must restart the programme"
    COMPLETION = "completion", "A man completed the programme's sessions"
    REPORT = "report", "An end-of-programme report was submitted"
    HANDOVER_OVERDUE = "handover_overdue", "A three-way handover is overdue"


class Delivery(models.TextChoices):
    AT_ONCE = "at_once", "At once"
    DIGEST = "digest", "In a daily email"
    OFF = "off", "Off"


class PreferenceQuerySet(models.QuerySet):
    def for_staff(self, staff) -> dict[str, str]:
        return dict(self.filter(staff=staff).values_list("kind", "delivery"))


class Preference(models.Model):
    """A person's choice for one kind; without a row, the kind's default holds."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PreferenceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["staff", "kind"], name="preference_one_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.staff}: {self.kind} {self.delivery}"


class EmailState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class EmailQuerySet(models.QuerySet):
    def due(self, *, now, lease_seconds: int):
        """Waiting and due, or claimed by a worker that has not finished within the lease
        (it stopped mid-send: the message is sent again, with the same Message-ID)."""
        from datetime import timedelta

        return self.filter(
            Q(state=EmailState.PENDING, not_before__lte=now)
            | Q(state=EmailState.SENDING, claimed_at__lt=now - timedelta(seconds=lease_seconds))
        )


def _message_id() -> str:
    return f"<{uuid.uuid4()}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"


class Email(models.Model):
    """One message in the outbox: pending → sending → sent (or failed after the last try)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    to = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    # Fixed when the row is written: a message sent again after an interruption carries the
    # same one, so the receiving side can tell it is the same message.
    message_id = models.CharField(max_length=200, unique=True, default=_message_id)
    # The day of a daily digest; none for an email sent at once.
    digest_on = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=EmailState.choices, default=EmailState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    not_before = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EmailQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["not_before"],
                name="email_unsent",
                condition=Q(state__in=["pending", "sending"]),
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "digest_on"],
                name="email_one_digest_a_day",
                condition=Q(digest_on__isnull=False),
            ),
            models.CheckConstraint(
                condition=~Q(state="sent") | Q(sent_at__isnull=False),
                name="email_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} to {self.recipient} ({self.state})"


class Notification(models.Model):
    """One event for one person. One event tells each person once: (kind, event, recipient)
    is unique, so a check run twice, or a service retried, adds nothing."""

    kind = models.CharField(max_length=30, choices=Kind.choices)
    # What it is about, e.g. "enforcement:12" or "notice:40": stable for the same event.
    event = models.CharField(max_length=100)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    delivery = models.CharField(
        max_length=10, choices=[c for c in Delivery.choices if c[0] != Delivery.OFF]
    )
    # The most an email may say about the man: his case reference number.
    crn = models.CharField(max_length=20, blank=True)
    # A path in the app (it needs sign-in); the email makes it absolute with SITE_URL.
    link = models.CharField(max_length=300)
    email = models.ForeignKey(
        Email,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"],
                name="notification_digest_waiting",
                condition=Q(delivery="digest", email__isnull=True),
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "event", "recipient"], name="notification_once_per_recipient"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.event}) for {self.recipient}"


class DailyRun(models.Model):
    """A daily job started on a day: one row per job and day, so however many schedulers run,
    only the one that writes the row enqueues the job."""

    job = models.CharField(max_length=50)
    day = models.DateField()
    started_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "day"], name="daily_run_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.job} on {self.day}"
