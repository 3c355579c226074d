"""What every app shares: probation areas and offices, the staff user, the access log."""

import pghistory
import pgtrigger
from django.contrib.auth.models import AbstractUser
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


@pghistory.track(exclude=["password", "last_login"])
class Staff(AbstractUser):
    """A member of probation staff. One role each: access rules are written per role."""

    role = models.CharField(max_length=20, choices=Role.choices)
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
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
    def is_auditor(self) -> bool:
        return self.role == Role.AUDITOR

    @property
    def is_accredited_assessor(self) -> bool:
        return self.accredited_on is not None


class AccessLog(models.Model):
    """Who consulted which record, and when (Data Protection Act 2018, s.62).

    Append-only: a database trigger refuses updates and deletes, whoever asks.
    """

    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    record_type = models.CharField(max_length=100)
    record_id = models.CharField(max_length=64)
    action = models.CharField(max_length=50, default="view")
    path = models.CharField(max_length=500)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["record_type", "record_id"])]
        triggers = [
            pgtrigger.Protect(
                name="access_log_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.action} {self.record_type} {self.record_id} at {self.at}"

    @classmethod
    def record(cls, *, staff: Staff, obj: models.Model, path: str, action: str = "view"):
        return cls.objects.create(
            staff=staff,
            record_type=obj._meta.label,
            record_id=str(obj.pk),
            action=action,
            path=path[:500],
        )
