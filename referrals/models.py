"""Offenders and their orders, offences and needs (phases 1 and 2 build on these)."""

from datetime import date

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse

from isotp.models import Office
from referrals.validators import validate_crn, validate_pnc


class Gender(models.TextChoices):
    MALE = "male", "Male"
    FEMALE = "female", "Female"
    OTHER = "other", "Another gender"


class OrderType(models.TextChoices):
    COMMUNITY_ORDER = "community_order", "Community order"
    SUSPENDED_SENTENCE_ORDER = "suspended_sentence_order", "Suspended sentence order"
    LICENCE = "licence", "Licence"


def age_on(date_of_birth: date, on: date) -> int:
    """Whole years of age on a day; a birthday counts on the day itself."""
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


class OffenderQuerySet(models.QuerySet):
    def search(self, query: str):
        query = (query or "").strip()
        if not query:
            return self
        condition = Q(crn__iexact=query)
        for word in query.split():
            condition |= Q(first_name__icontains=word) | Q(last_name__icontains=word)
        return self.filter(condition)


@pghistory.track()
class Offender(models.Model):
    crn = models.CharField(
        "CRN",
        max_length=7,
        unique=True,
        validators=[validate_crn],
        help_text="Case reference number: one letter and six digits, like X123456.",
    )
    pnc_number = models.CharField(
        "PNC number",
        max_length=13,
        blank=True,
        validators=[validate_pnc],
        help_text="Optional. For example, 2012/0052494Q.",
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    gender = models.CharField(max_length=10, choices=Gender.choices)
    offender_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="caseload",
        limit_choices_to={"role": "offender_manager"},
    )
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="offenders")

    order_type = models.CharField(max_length=30, choices=OrderType.choices)
    order_start = models.DateField("Order or licence start date")
    order_end = models.DateField("Order or licence end date")

    interpreter_language = models.CharField(
        max_length=100, blank=True, help_text="Leave blank if no interpreter is needed."
    )
    needs_large_print = models.BooleanField("Large print", default=False)
    needs_braille = models.BooleanField("Braille", default=False)
    needs_easy_read = models.BooleanField("Easy read", default=False)
    other_needs = models.TextField("Other format or communication needs", blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OffenderQuerySet.as_manager()

    class Meta:
        ordering = [Lower("last_name"), Lower("first_name")]
        constraints = [
            models.CheckConstraint(
                condition=Q(order_end__gt=models.F("order_start")),
                name="offender_order_ends_after_start",
                violation_error_message="The order or licence must end after it starts",
            ),
            models.CheckConstraint(
                condition=Q(crn__regex=r"^[A-Z][0-9]{6}$"), name="offender_crn_format"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.crn})"

    def get_absolute_url(self) -> str:
        return reverse("referrals:offender", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age_on(self, on: date) -> int:
        return age_on(self.date_of_birth, on)

    @property
    def format_needs(self) -> list[str]:
        needs = []
        if self.interpreter_language:
            needs.append(f"Interpreter: {self.interpreter_language}")
        if self.needs_large_print:
            needs.append("Large print")
        if self.needs_braille:
            needs.append("Braille")
        if self.needs_easy_read:
            needs.append("Easy read")
        if self.other_needs:
            needs.append(self.other_needs)
        return needs

    @property
    def has_internet_sexual_offence(self) -> bool:
        return any(o.internet_related_sexual for o in self.offences.all())


@pghistory.track()
class Offence(models.Model):
    offender = models.ForeignKey(Offender, on_delete=models.PROTECT, related_name="offences")
    description = models.CharField(max_length=300)
    internet_related_sexual = models.BooleanField(
        "Sexual offence related to the use of the internet", default=False
    )
    offence_date = models.DateField(null=True, blank=True)
    conviction_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-conviction_date", "pk"]

    def __str__(self) -> str:
        return self.description
