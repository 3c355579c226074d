"""What every app shares: probation areas and offices, the staff user, the access log."""

import pghistory
import pgtrigger
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models

from isotp.limits import ANY_DATE


@pghistory.track()
class ProbationArea(models.Model):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class Office(models.Model):
    """A probation delivery unit (PDU) within a probation area."""

    area = models.ForeignKey(ProbationArea, on_delete=models.PROTECT, related_name="offices")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["area__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="office_unique_name_in_area")
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OFFENDER_MANAGER = "offender_manager", "Offender manager"
    FACILITATOR = "facilitator", "Facilitator"
    PROGRAMME_MANAGER = "programme_manager", "Programme manager"
    ADMIN = "admin", "Admin"
    # Information assurance: reads the consultation log and answers subject access requests;
    # changes nothing.
    AUDITOR = "auditor", "Auditor"
    # Management information for every office of their probation area (the area of their
    # own office); sees no case record (docs/decisions.md, "Senior managers").
    SENIOR_MANAGER = "senior_manager", "Senior manager"


SENIOR_MANAGER_NEEDS_OFFICE = (
    "Choose the office of a senior manager: they see the figures of every office of its "
    "probation area"
)


@pghistory.track(exclude=["password", "last_login"])
class Staff(AbstractUser):
    """A member of probation staff. One role each: access rules are written per role."""

    role = models.CharField(max_length=20, choices=Role.choices)
    office = models.ForeignKey(
        Office,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text="A senior manager sees the management information of every office of this "
        "office's probation area; a programme manager, of this office.",
    )
    accredited_on = models.DateField(
        "Completed the three-day accredited assessment training on",
        null=True,
        blank=True,
        validators=[ANY_DATE],
        help_text="Only staff with this date recorded may assess for a sex offender programme.",
    )

    class Meta:
        verbose_name = "staff member"
        verbose_name_plural = "staff"
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def clean(self):
        super().clean()
        if self.role == Role.SENIOR_MANAGER and not self.office_id:
            raise ValidationError({"office": SENIOR_MANAGER_NEEDS_OFFICE})

    @property
    def is_offender_manager(self) -> bool:
        return self.role == Role.OFFENDER_MANAGER

    @property
    def is_facilitator(self) -> bool:
        return self.role == Role.FACILITATOR

    @property
    def is_programme_manager(self) -> bool:
        return self.role == Role.PROGRAMME_MANAGER

    @property
    def is_senior_manager(self) -> bool:
        return self.role == Role.SENIOR_MANAGER

    @property
    def is_auditor(self) -> bool:
        return self.role == Role.AUDITOR

    @property
    def is_accredited_assessor(self) -> bool:
        return self.accredited_on is not None


class AccessLogQuerySet(models.QuerySet):
    def about(self, offender_id: int):
        """Rows that showed this offender (a GIN index answers it)."""
        return self.filter(offender_ids__contains=[offender_id])

    def by(self, staff):
        return self.filter(staff=staff)

    def between(self, first_day=None, last_day=None):
        rows = self
        if first_day is not None:
            rows = rows.filter(at__date__gte=first_day)
        if last_day is not None:
            rows = rows.filter(at__date__lte=last_day)
        return rows


class AccessLog(models.Model):
    """One row for every response that showed case records to a member of staff: who, when,
    which records, through which view, and why where a reason was asked (Data Protection Act
    2018, s.62). Written by `isotp.consultation`, never by views directly.

    Append-only: a database trigger refuses updates and deletes, whoever asks, and the app's
    database role may only insert (docs/security.md).
    """

    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    # The record the page is about (blank for a list): kept for reading the log by record.
    record_type = models.CharField(max_length=100, blank=True)
    record_id = models.CharField(max_length=64, blank=True)
    # Every record the response showed, as "app.Model:pk", and the offenders they are about.
    records = ArrayField(models.CharField(max_length=120), default=list, blank=True)
    offender_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    action = models.CharField(max_length=50, default="view")
    view = models.CharField(max_length=150, blank=True)
    path = models.CharField(max_length=500)
    # What was searched for (a list's filters), and how many results there were.
    query = models.CharField(max_length=500, blank=True)
    result_count = models.PositiveIntegerField(null=True, blank=True)
    # Why, where the user was asked (a record outside their own work).
    reason = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["record_type", "record_id"]),
            models.Index(fields=["staff", "at"]),
            GinIndex(fields=["offender_ids"], name="accesslog_offender_ids"),
        ]
        triggers = [
            pgtrigger.Protect(
                name="access_log_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.action} {self.view or self.path} at {self.at}"

    @classmethod
    def record(cls, *, staff: Staff, obj: models.Model, path: str, action: str = "view"):
        """Log one consultation of one record outside the request cycle's own logging."""
        from isotp.consultation import offender_id_of, record_key

        offender_id = offender_id_of(obj)
        return cls.objects.create(
            staff=staff,
            record_type=obj._meta.label,
            record_id=str(obj.pk),
            records=[record_key(obj)],
            offender_ids=[offender_id] if offender_id else [],
            action=action,
            path=path[:500],
        )


class PdfRenderingQuerySet(models.QuerySet):
    def older_than(self, cutoff):
        return self.filter(rendered_at__lt=cutoff)


class PdfRendering(models.Model):
    """A PDF as WeasyPrint rendered it, kept under the SHA-256 digest of everything it was
    rendered from: the HTML, the static files that HTML loads, and the renderer's version
    (`isotp.pdf.rendering_digest`). A changed record, or a change in its history, changes the
    HTML of its report and so the digest: a stored PDF is never out of date, only unused
    (`manage.py purge_pdf_renderings` removes the old ones).

    Kept in the database, not on disk, so that any app process can serve what another
    rendered. Not tracked by pghistory: it is derived from tracked records, and copying PDFs
    into the history would only make it heavier.
    """

    digest = models.CharField(max_length=64, primary_key=True)
    pdf = models.BinaryField()
    rendered_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = PdfRenderingQuerySet.as_manager()

    class Meta:
        verbose_name = "stored PDF rendering"

    def __str__(self) -> str:
        return f"PDF {self.digest[:12]} rendered at {self.rendered_at}"


class CalendarFeedQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, staff__is_active=True)


class CalendarFeed(models.Model):
    """A member of staff's private calendar link (isotp/calendar_feed.py).

    The link's secret is shown once, when it is made; only its SHA-256 digest is kept, so a
    copy of the database gives no one a working link. Revoking keeps the row (who had a link,
    and when it stopped working); a person has at most one working link.
    """

    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="calendar_feeds")
    secret_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # When a calendar last fetched it (written at most once an hour): a link nobody uses shows.
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    objects = CalendarFeedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff"],
                condition=models.Q(revoked_at__isnull=True),
                name="calendar_feed_one_working_link_each",
            )
        ]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "working"
        return f"Calendar link of {self.staff} ({state})"
