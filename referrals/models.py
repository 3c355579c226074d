"""Offenders and their orders, offences and needs (phases 1 and 2 build on these)."""

from datetime import date, datetime, timedelta

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Case, ExpressionWrapper, F, Func, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Cast, Lower, Upper
from django.urls import reverse
from django.utils import timezone

from isotp.limits import ANY_DATE, CASEWORK_DATE, DATE_OF_BIRTH, NOTE_MAX, SEARCH_MAX, text_bound
from isotp.models import Office
from referrals.validators import pnc_spellings, validate_crn, validate_pnc


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
        # PostgreSQL refuses NUL characters in a string; they are never part of a name.
        # A search longer than any name or CRN is cut: each word costs two conditions.
        query = (query or "").replace("\x00", "").strip()[:SEARCH_MAX]
        if not query:
            return self
        condition = Q(crn__iexact=query)
        if spellings := pnc_spellings(query):
            # UPPER(pnc_number), as its index has it.
            condition |= Q(pnc_upper__in=spellings)
        for word in query.split():
            condition |= Q(first_name__icontains=word) | Q(last_name__icontains=word)
        return self.alias(pnc_upper=Upper("pnc_number")).filter(condition)

    @staticmethod
    def _current_referral():
        """His open referral, else his latest one."""
        return Referral.objects.filter(offender=OuterRef("pk")).order_by(
            Case(When(status__in=CLOSED_STATUSES, then=Value(1)), default=Value(0)),
            "-created_at",
            "-pk",
        )

    def with_referral_status(self):
        """Each offender annotated `referral_status`: the status of his open referral, else
        of his latest one, else None (never referred). One subquery, so a list keeps its
        query count."""
        return self.annotate(
            referral_status=Subquery(self._current_referral().values("status")[:1])
        )

    def in_programmes(self, programme_ids):
        """Offenders whose open (else latest) referral is to one of the programmes: his open
        referral's, read as a set (see `in_stages`); only a man with none open needs his
        latest worked out."""
        if not programme_ids:
            return self
        open_referrals = Referral.objects.exclude(status__in=CLOSED_STATUSES)
        latest = Subquery(self._current_referral().values("programme_id")[:1])
        return self.alias(current_programme=latest).filter(
            Q(pk__in=open_referrals.filter(programme_id__in=programme_ids).values("offender_id"))
            | (
                ~Q(pk__in=open_referrals.values("offender_id"))
                & Q(current_programme__in=programme_ids)
            )
        )

    def with_order_types(self, order_types):
        return self.filter(order_type__in=order_types) if order_types else self

    def in_stages(self, stages):
        """Offenders whose current referral's status (`with_referral_status`) is in one of
        the stages.

        Written as sets of referrals, not on the annotation: a man has at most one open
        referral (`referral_one_open_per_offender`) and it is his current one, so an open
        stage is "has a referral in one of its statuses"; "closed" is "has referrals, none
        open"; "not referred" is "has none". PostgreSQL reads each set once (the
        `referral_status_offender` index), instead of working out every man's current
        referral across a whole office before it can filter and page.
        """
        referrals = Referral.objects.values("offender_id")
        has_open = Q(pk__in=referrals.exclude(status__in=CLOSED_STATUSES))
        condition = Q()
        for stage in stages:
            if stage == CaseloadStage.NOT_REFERRED:
                condition |= ~Q(pk__in=referrals)
            elif stage == CaseloadStage.CLOSED:
                condition |= Q(pk__in=referrals) & ~has_open
            else:
                condition |= Q(pk__in=referrals.filter(status__in=STAGE_STATUSES[stage]))
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
    date_of_birth = models.DateField(validators=[DATE_OF_BIRTH])
    gender = models.CharField(max_length=10, choices=Gender.choices)
    offender_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="caseload",
        limit_choices_to={"role": "offender_manager"},
    )
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="offenders")

    order_type = models.CharField(max_length=30, choices=OrderType.choices)
    order_start = models.DateField("Order or licence start date", validators=[ANY_DATE])
    order_end = models.DateField("Order or licence end date", validators=[ANY_DATE])

    interpreter_language = models.CharField(
        max_length=100, blank=True, help_text="Leave blank if no interpreter is needed."
    )
    needs_large_print = models.BooleanField("Large print", default=False)
    needs_braille = models.BooleanField("Braille", default=False)
    needs_easy_read = models.BooleanField("Easy read", default=False)
    other_needs = models.TextField(
        "Other format or communication needs", blank=True, max_length=NOTE_MAX
    )

    # A limited-access case (HMPPS's "restriction"): only the staff on its access list may
    # see it. Set by admins only; see CaseAccess.
    restricted = models.BooleanField(
        "Restricted case",
        default=False,
        help_text="Only the staff listed as allowed below may see a restricted case, "
        "in any page, list, search, PDF or the admin.",
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OffenderQuerySet.as_manager()

    class Meta:
        ordering = [Lower("last_name"), Lower("first_name")]
        indexes = [
            # The name order of caseloads, searches and the admin list (lower(last name),
            # lower(first name), key), read in order instead of sorting every offender.
            models.Index(Lower("last_name"), Lower("first_name"), F("id"), name="offender_name"),
            # An offender manager's caseload, and an office's (a programme manager's, ~10,000
            # at most), in name order.
            models.Index(
                F("offender_manager"),
                Lower("last_name"),
                Lower("first_name"),
                F("id"),
                name="offender_manager_name",
            ),
            models.Index(
                F("office"),
                Lower("last_name"),
                Lower("first_name"),
                F("id"),
                name="offender_office_name",
            ),
            # Exact CRN and PNC searches are case-insensitive (UPPER(crn) = UPPER(%s)).
            models.Index(Upper("crn"), name="offender_crn_upper"),
            models.Index(Upper("pnc_number"), name="offender_pnc_upper"),
            # Name searches (icontains, UPPER(..) LIKE '%..%') have trigram indexes, made by
            # migration 0013 only where pg_trgm can be installed.
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(order_end__gt=models.F("order_start")),
                name="offender_order_ends_after_start",
                violation_error_message="The order or licence must end after it starts",
            ),
            models.CheckConstraint(
                condition=Q(crn__regex=r"^[A-Z][0-9]{6}$"), name="offender_crn_format"
            ),
            text_bound("offender", "other_needs", NOTE_MAX),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.crn})"

    def get_absolute_url(self) -> str:
        return reverse("programme:offender", args=[self.pk])

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


class CaseAccessKind(models.TextChoices):
    ALLOWED = "allowed", "Allowed (on the restriction list)"
    EXCLUDED = "excluded", "Excluded"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class CaseAccess(models.Model):
    """A member of staff on a limited-access case's list, as HMPPS does it: *allowed* to see
    a restricted case, or *excluded* from a case (for example a colleague who knows him).
    An exclusion wins over everything; a restricted case with nobody allowed is seen by
    nobody (it fails closed). Every change is kept in the history, deletions included."""

    offender = models.ForeignKey(Offender, on_delete=models.PROTECT, related_name="access_list")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=CaseAccessKind.choices)
    note = models.CharField(
        "Why", max_length=500, help_text="Why this person is allowed or excluded (admins only)."
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "case access"
        verbose_name_plural = "case access list"
        constraints = [
            models.UniqueConstraint(
                fields=["offender", "staff"],
                name="case_access_one_entry_per_person",
                violation_error_message="This person is already on the case's access list",
            )
        ]
        indexes = [models.Index(fields=["staff", "kind"])]

    def __str__(self) -> str:
        return f"{self.staff}: {self.get_kind_display()}"


@pghistory.track()
class Offence(models.Model):
    offender = models.ForeignKey(Offender, on_delete=models.PROTECT, related_name="offences")
    description = models.CharField(max_length=300)
    internet_related_sexual = models.BooleanField(
        "Sexual offence related to the use of the internet", default=False
    )
    offence_date = models.DateField(null=True, blank=True, validators=[ANY_DATE])
    conviction_date = models.DateField(null=True, blank=True, validators=[ANY_DATE])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-conviction_date", "pk"]

    def __str__(self) -> str:
        return self.description


# --- Programmes: their numbers are data, edited by admins -------------------------------


class AgeBand(models.TextChoices):
    YOUNG = "17_21", "17–21"
    ADULT = "21_plus", "21+"


@pghistory.track()
class Programme(models.Model):
    """An accredited programme and every number its rules use (none is written in code)."""

    code = models.SlugField(unique=True, help_text="Used by the app to find the programme.")
    name = models.CharField(max_length=30, help_text="Short name, e.g. i-SOTP.")
    full_name = models.CharField(max_length=200)
    sessions = models.PositiveSmallIntegerField("Sessions in the programme")
    hours_per_session = models.DecimalField(max_digits=4, decimal_places=2)
    max_group_size = models.PositiveSmallIntegerField("Maximum group size")
    catch_up_limit = models.PositiveSmallIntegerField(
        "Catch-up limit", help_text="Most sessions that may be made up by individual catch-ups."
    )
    minimum_age = models.PositiveSmallIntegerField("Minimum age")
    young_band_upper_age = models.PositiveSmallIntegerField(
        "Age at which the adult band starts",
        help_text="Under this age at the group's start means the 17–21 band.",
    )
    minimum_supervision_months = models.PositiveSmallIntegerField("Minimum supervision (months)")
    young_group_threshold = models.PositiveSmallIntegerField(
        "17–21 referrals needed to form a group"
    )
    warnings_before_breach = models.PositiveSmallIntegerField(
        "Formal warnings allowed in the window before breach", default=1
    )
    warning_window_months = models.PositiveSmallIntegerField("Warning window (months)", default=12)
    enforcement_deadline_working_days = models.PositiveSmallIntegerField(
        "Working days to make an enforcement decision", default=10
    )
    handover_due_days = models.PositiveSmallIntegerField(
        "Days after the end-of-programme report by which the handover meeting is due",
        default=28,
    )
    figures_confirmed = models.BooleanField(
        default=True,
        help_text="Unticked where figures are placeholders an admin must confirm.",
    )
    notes = models.TextField(blank=True, max_length=NOTE_MAX)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sessions__gt=0) & Q(max_group_size__gt=0),
                name="programme_positive_sizes",
            ),
            models.CheckConstraint(
                condition=Q(young_band_upper_age__gt=models.F("minimum_age")),
                name="programme_bands_ordered",
            ),
            text_bound("programme", "notes", NOTE_MAX),
        ]

    def __str__(self) -> str:
        return self.name

    def rules(self):
        from referrals.eligibility import ProgrammeRules

        return ProgrammeRules(
            name=self.name,
            minimum_age=self.minimum_age,
            minimum_supervision_months=self.minimum_supervision_months,
        )

    def age_band(self, date_of_birth: date, on: date) -> str:
        if age_on(date_of_birth, on) < self.young_band_upper_age:
            return AgeBand.YOUNG
        return AgeBand.ADULT

    def handover_due_after(self, first_report_submitted_at: datetime) -> date:
        """The handover rule: due the programme's period after the first version of the
        end-of-programme report was submitted (the day counted in local time)."""
        return timezone.localdate(first_report_submitted_at) + timedelta(
            days=self.handover_due_days
        )


# --- Assessment -------------------------------------------------------------------------


class AssessmentStage(models.TextChoices):
    PRE_SENTENCE = "pre_sentence", "Pre-sentence"
    POST_SENTENCE = "post_sentence", "Post-sentence"


class RiskLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    VERY_HIGH = "very_high", "Very high"


class Deviance(models.TextChoices):
    LOW = "low", "Low"
    HIGH = "high", "High"


class Outcome(models.TextChoices):
    ELIGIBLE = "eligible", "Eligible for i-SOTP"
    REFER_NSOGP = "refer_nsogp", "Refer to N-SOGP"
    NOT_ELIGIBLE = "not_eligible", "Not eligible"


class AssessmentQuerySet(models.QuerySet):
    def newest_first(self):
        return self.order_by("-assessed_on", "-created_at", "-pk")


@pghistory.track()
class Assessment(models.Model):
    """An eligibility assessment; its outcome and reasons are stored as they were decided."""

    offender = models.ForeignKey(Offender, on_delete=models.PROTECT, related_name="assessments")
    stage = models.CharField(max_length=20, choices=AssessmentStage.choices)
    assessed_on = models.DateField("Date of assessment", validators=[CASEWORK_DATE])
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments_made"
    )
    oasys_completed_on = models.DateField(
        "OASys completed on", null=True, blank=True, validators=[CASEWORK_DATE]
    )
    risk_of_serious_harm = models.CharField(
        "Risk of serious harm (OASys ROSH)", max_length=10, choices=RiskLevel.choices, blank=True
    )
    rm2000_completed_on = models.DateField(
        "RM2000 completed on", null=True, blank=True, validators=[CASEWORK_DATE]
    )
    rm2000_category = models.CharField(
        "RM2000 category", max_length=10, choices=RiskLevel.choices, blank=True
    )
    deviance = models.CharField(
        "Deviance level",
        max_length=5,
        choices=Deviance.choices,
        blank=True,
        help_text="Only for a post-sentence assessment.",
    )
    internet_offence_confirmed = models.BooleanField(
        "Confirmed conviction for a sexual offence related to the use of the internet",
        default=False,
    )
    notes = models.TextField(blank=True, max_length=NOTE_MAX)

    # Blank while the assessment is incomplete (OASys or RM2000 not yet recorded).
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    outcome_programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-assessed_on", "-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stage=AssessmentStage.POST_SENTENCE) | Q(deviance=""),
                name="assessment_deviance_only_post_sentence",
            ),
            models.CheckConstraint(
                condition=~Q(outcome__in=[Outcome.ELIGIBLE, Outcome.REFER_NSOGP])
                | Q(outcome_programme__isnull=False),
                name="assessment_positive_outcome_names_programme",
            ),
            models.CheckConstraint(
                condition=Q(outcome="", outcome_programme__isnull=True, reasons=[])
                | (
                    Q(oasys_completed_on__isnull=False, rm2000_completed_on__isnull=False)
                    & ~Q(risk_of_serious_harm="")
                    & ~Q(rm2000_category="")
                ),
                name="assessment_outcome_needs_oasys_and_rm2000",
                violation_error_message=(
                    "An outcome can only be given once OASys and RM2000 are both recorded"
                ),
            ),
            text_bound("assessment", "notes", NOTE_MAX),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} assessment of {self.offender} on {self.assessed_on}"

    def get_absolute_url(self) -> str:
        return reverse("referrals:assessment", args=[self.pk])

    @property
    def is_complete(self) -> bool:
        """OASys and RM2000 are both recorded, so an outcome has been given."""
        return bool(self.outcome)

    def missing_parts(self) -> list[str]:
        """The risk assessments still to record before an outcome can be given."""
        missing = []
        if not (self.oasys_completed_on and self.risk_of_serious_harm):
            missing.append("OASys")
        if not (self.rm2000_completed_on and self.rm2000_category):
            missing.append("RM2000")
        return missing

    @property
    def outcome_label(self) -> str:
        """The outcome, or "Incomplete: missing OASys and RM2000" while there is none."""
        if self.outcome:
            return self.get_outcome_display()
        return f"Incomplete: missing {' and '.join(self.missing_parts())}"

    @property
    def allows_referral(self) -> bool:
        return self.outcome in (Outcome.ELIGIBLE, Outcome.REFER_NSOGP)

    @property
    def offers_proposal_wording(self) -> bool:
        """The court proposal wording goes only with an outcome that makes a programme
        possible: never with "not eligible", nor before there is an outcome."""
        return self.allows_referral


# --- Referral to the waiting list, its statuses and their moves --------------------------


class ReferralStatus(models.TextChoices):
    AWAITING_ASSESSMENT = "awaiting_assessment", "Awaiting assessment interview"
    SUITABLE_NOT_READY = "suitable_not_ready", "Suitable but not ready"
    # Stored as "awaiting_allocation"; one name everywhere users read it.
    AWAITING_ALLOCATION = "awaiting_allocation", "Ready for allocation"
    SCHEDULED = "scheduled", "Scheduled"
    ON_PROGRAMME = "on_programme", "On programme"
    BREACH = "breach", "Breach"
    POST_PROGRAMME = "post_programme", "Post-programme"
    PROGRAMME_COMPLETE = "programme_complete", "Programme complete"
    RESTART_REQUIRED = "restart_required", "Restart required"
    RECALL = "recall", "Recall"
    WITHDRAWN = "withdrawn", "Withdrawn"
    DESELECTED = "deselected", "Deselected"


CLOSED_STATUSES = [
    ReferralStatus.PROGRAMME_COMPLETE,
    ReferralStatus.RESTART_REQUIRED,
    ReferralStatus.RECALL,
    ReferralStatus.WITHDRAWN,
    ReferralStatus.DESELECTED,
]
WAITING_STATUSES = [
    ReferralStatus.AWAITING_ASSESSMENT,
    ReferralStatus.SUITABLE_NOT_READY,
    ReferralStatus.AWAITING_ALLOCATION,
]


class CaseloadStage(models.TextChoices):
    """Where a man is, for filtering a caseload: his referral statuses grouped."""

    NOT_REFERRED = "not_referred", "Not referred"
    WAITING = "waiting", "Waiting for assessment or a place"
    ON_PROGRAMME = "on_programme", "Scheduled or on a programme"
    BREACH = "breach", "Breach"
    POST_PROGRAMME = "post_programme", "Post-programme"
    CLOSED = "closed", "Closed"


STAGE_STATUSES = {
    CaseloadStage.WAITING: WAITING_STATUSES,
    CaseloadStage.ON_PROGRAMME: [ReferralStatus.SCHEDULED, ReferralStatus.ON_PROGRAMME],
    CaseloadStage.BREACH: [ReferralStatus.BREACH],
    CaseloadStage.POST_PROGRAMME: [ReferralStatus.POST_PROGRAMME],
    CaseloadStage.CLOSED: CLOSED_STATUSES,
}

# The one mapping from a referral's status to the colour of its GOV.UK tag, for every list
# and page that shows it (`Referral.status_tag_colour`, `{% status_tag %}`). Red only for
# what needs someone to act; grey for what is over.
STATUS_TAG_COLOURS = {
    ReferralStatus.AWAITING_ASSESSMENT: "light-blue",
    ReferralStatus.SUITABLE_NOT_READY: "yellow",
    ReferralStatus.AWAITING_ALLOCATION: "blue",
    ReferralStatus.SCHEDULED: "purple",
    ReferralStatus.ON_PROGRAMME: "turquoise",
    ReferralStatus.BREACH: "red",
    ReferralStatus.POST_PROGRAMME: "pink",
    ReferralStatus.PROGRAMME_COMPLETE: "green",
    ReferralStatus.RESTART_REQUIRED: "orange",
    ReferralStatus.RECALL: "red",
    ReferralStatus.WITHDRAWN: "grey",
    ReferralStatus.DESELECTED: "grey",
}


class ReferralError(Exception):
    """A refused referral action; the message is shown to the user as it is."""


@pghistory.track()
class StatusTransition(models.Model):
    """An allowed move between two referral statuses (data: admins may change them)."""

    from_status = models.CharField(max_length=30, choices=ReferralStatus.choices)
    to_status = models.CharField(max_length=30, choices=ReferralStatus.choices)
    label = models.CharField(max_length=100, help_text="What the button says.")
    requires_reason = models.BooleanField(default=False)
    automatic = models.BooleanField(
        default=False,
        help_text="Made by the app (allocation, attendance, completion), not offered to users.",
    )

    class Meta:
        ordering = ["from_status", "to_status"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_status", "to_status"], name="status_transition_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


@pghistory.track()
class ClosingReason(models.Model):
    """A reason from the list that a closing (or other reasoned) move must give."""

    status = models.CharField(max_length=30, choices=ReferralStatus.choices)
    text = models.CharField(max_length=200)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["status", "text"]
        constraints = [
            models.UniqueConstraint(fields=["status", "text"], name="closing_reason_unique")
        ]

    def __str__(self) -> str:
        return self.text


class ReferralQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status__in=CLOSED_STATUSES)

    def waiting(self):
        return self.filter(status__in=WAITING_STATUSES)

    def for_programme(self, programme):
        return self.filter(programme=programme)

    def with_age_band(self, on: date):
        """Each referral annotated `age_band`, as `Programme.age_band` works it out on that day,
        in SQL so that a list can count, filter and page by band. He is in the young band if
        he was born after the day his programme's upper age in years before `on` (PostgreSQL
        takes 29 February back to the 28th, the day `age_on` counts him a year older)."""
        upper_age_ago = Cast(
            ExpressionWrapper(
                Value(on, output_field=models.DateField())
                - Func(
                    F("programme__young_band_upper_age"),
                    template="make_interval(years => %(expressions)s)",
                    output_field=models.DurationField(),
                ),
                output_field=models.DateTimeField(),
            ),
            models.DateField(),
        )
        return self.annotate(
            age_band=Case(
                When(offender__date_of_birth__gt=upper_age_ago, then=Value(AgeBand.YOUNG)),
                default=Value(AgeBand.ADULT),
                output_field=models.CharField(),
            )
        )

    def with_missing_count(self):
        """Each referral annotated `missing_count`: how many things its pre-programme
        checklist still lacks (`PreProgrammeChecklist.missing_items`, counted in SQL)."""
        return self.annotate(missing_count=PreProgrammeChecklist.missing_count("checklist__"))


@pghistory.track()
class Referral(models.Model):
    """One attempt at a programme, from the waiting list to its end."""

    offender = models.ForeignKey(Offender, on_delete=models.PROTECT, related_name="referrals")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="referrals")
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="referrals")
    status = models.CharField(
        max_length=30, choices=ReferralStatus.choices, default=ReferralStatus.AWAITING_ASSESSMENT
    )
    referred_on = models.DateField(validators=[ANY_DATE])
    waiting_since = models.DateField(
        validators=[ANY_DATE],
        help_text="The original referral date: a restart keeps its place in the queue.",
    )
    previous_attempt = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_attempt"
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["waiting_since", "pk"]
        indexes = [
            # The men in a status (caseload filters, today's counts): read from the index
            # alone, never the whole table.
            models.Index(fields=["status", "offender"], name="referral_status_offender"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["offender"],
                condition=~Q(status__in=CLOSED_STATUSES),
                name="referral_one_open_per_offender",
                violation_error_message="This offender already has an open referral",
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme} referral of {self.offender}"

    def get_absolute_url(self) -> str:
        return reverse("referrals:referral", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    @property
    def is_waiting(self) -> bool:
        return self.status in WAITING_STATUSES

    @property
    def status_tag_colour(self) -> str:
        return STATUS_TAG_COLOURS.get(self.status, "grey")

    @property
    def checklist_editable(self) -> bool:
        """The checklist can be changed only while he is on the waiting list."""
        return self.is_waiting

    def allowed_moves(self) -> list[StatusTransition]:
        """The moves a person may make now: the allowed ones that move_to would accept (ready
        for allocation only once the checklist is complete)."""
        moves = list(StatusTransition.objects.filter(from_status=self.status, automatic=False))
        if any(m.to_status == ReferralStatus.AWAITING_ALLOCATION for m in moves) and (
            self.checklist.missing_items()
        ):
            moves = [m for m in moves if m.to_status != ReferralStatus.AWAITING_ALLOCATION]
        return moves

    def move_to(
        self,
        to_status: str,
        *,
        by,
        reason: ClosingReason | None = None,
        note: str = "",
        automatic: bool = False,
    ) -> "ReferralStatusChange":
        """Move to another status if the move is allowed, and keep the move in the history.

        Locks the referral row so two people cannot move it at once from the same status.
        """
        from django.db import transaction

        with transaction.atomic():
            current = Referral.objects.select_for_update().get(pk=self.pk)
            transition = StatusTransition.objects.filter(
                from_status=current.status, to_status=to_status
            ).first()
            if transition is None or (transition.automatic and not automatic):
                raise ReferralError(
                    f"A referral that is “{current.get_status_display().lower()}” cannot be "
                    f"moved to “{ReferralStatus(to_status).label.lower()}”"
                )
            if transition.requires_reason:
                if reason is None or reason.status != to_status:
                    raise ReferralError(
                        f"Choose a reason for moving the referral to "
                        f"“{ReferralStatus(to_status).label.lower()}”"
                    )
            if to_status == ReferralStatus.AWAITING_ALLOCATION:
                missing = current.checklist.missing_items()
                if missing:
                    raise ReferralError(
                        "The referral cannot be ready for allocation until the pre-programme "
                        "checklist is complete. Missing: " + "; ".join(missing)
                    )
            change = ReferralStatusChange.objects.create(
                referral=current,
                from_status=current.status,
                to_status=to_status,
                by=by,
                reason=reason,
                note=note,
            )
            current.status = to_status
            current.save(update_fields=["status"])
            self.status = to_status
            return change


@pghistory.track()
class ReferralStatusChange(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=30, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(max_length=30, choices=ReferralStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.ForeignKey(
        ClosingReason, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True, max_length=NOTE_MAX)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [text_bound("referralstatuschange", "note", NOTE_MAX)]
        # Management information counts the moves to a status in a period (completions,
        # attrition): a few hundred among the whole history.
        indexes = [models.Index(fields=["to_status", "at"], name="status_change_to_status_at")]
        # The status history is kept as it was written: the database refuses to change it.
        triggers = [
            pgtrigger.Protect(
                name="status_change_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status}"


# --- The pre-programme checklist ---------------------------------------------------------


class InterviewOutcome(models.TextChoices):
    SUITABLE = "suitable", "Suitable"
    SUITABLE_NOT_READY = "suitable_not_ready", "Suitable but not ready"
    NOT_SUITABLE = "not_suitable", "Not suitable"


CHECKLIST_DOCUMENTS = [
    ("psr", "Pre-sentence report (PSR)"),
    ("additional_reports", "Additional reports"),
    ("cps_pack", "CPS pack"),
    ("previous_convictions", "Previous convictions"),
]


def _document_constraint(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{prefix}_provided_on__isnull": True})
        | Q(**{f"{prefix}_not_available": False}),
        name=f"checklist_{prefix}_provided_or_not_available",
    )


@pghistory.track()
class PreProgrammeChecklist(models.Model):
    """What must be done before a referral can be allocated to a group."""

    referral = models.OneToOneField(Referral, on_delete=models.PROTECT, related_name="checklist")
    psr_provided_on = models.DateField(
        "PSR given to facilitators on", null=True, blank=True, validators=[CASEWORK_DATE]
    )
    psr_not_available = models.BooleanField("PSR not available", default=False)
    additional_reports_provided_on = models.DateField(
        "Additional reports given on", null=True, blank=True, validators=[CASEWORK_DATE]
    )
    additional_reports_not_available = models.BooleanField("No additional reports", default=False)
    cps_pack_provided_on = models.DateField(
        "CPS pack given on", null=True, blank=True, validators=[CASEWORK_DATE]
    )
    cps_pack_not_available = models.BooleanField("CPS pack not available", default=False)
    previous_convictions_provided_on = models.DateField(
        "Previous convictions given on", null=True, blank=True, validators=[CASEWORK_DATE]
    )
    previous_convictions_not_available = models.BooleanField(
        "Previous convictions not available", default=False
    )
    liaison_on = models.DateField(
        "Liaised with facilitators on", null=True, blank=True, validators=[CASEWORK_DATE]
    )
    liaison_notes = models.TextField("Notes on commencement", blank=True, max_length=NOTE_MAX)
    understands_requirements_on = models.DateField(
        "Offender confirmed he understands what is required on",
        null=True,
        blank=True,
        validators=[CASEWORK_DATE],
    )
    information_format = models.CharField(
        "Information given to him in",
        max_length=100,
        blank=True,
        help_text="For example: standard print, large print, Braille, read to him in Polish.",
    )
    interview_on = models.DateField(
        "Assessment interview with facilitators on",
        null=True,
        blank=True,
        validators=[CASEWORK_DATE],
    )
    interview_attended = models.BooleanField("He attended the interview", null=True, blank=True)
    interview_outcome = models.CharField(
        max_length=20, choices=InterviewOutcome.choices, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            *(_document_constraint(prefix) for prefix, _label in CHECKLIST_DOCUMENTS),
            text_bound("checklist", "liaison_notes", NOTE_MAX),
        ]

    def __str__(self) -> str:
        return f"Pre-programme checklist for {self.referral}"

    def document_state(self, prefix: str) -> str:
        provided_on = getattr(self, f"{prefix}_provided_on")
        if provided_on:
            return f"Given on {provided_on:%-d %B %Y}"
        if getattr(self, f"{prefix}_not_available"):
            return "Not available"
        return "Missing"

    def documents(self) -> list[tuple[str, str]]:
        return [(label, self.document_state(prefix)) for prefix, label in CHECKLIST_DOCUMENTS]

    @staticmethod
    def missing_count(prefix: str = "") -> Func:
        """`missing_items()` counted in SQL, for lists: one per item it would list."""

        def one_if(condition: Q) -> Case:
            return Case(When(condition, then=1), default=0, output_field=models.IntegerField())

        interview_done = Q(
            **{
                f"{prefix}interview_on__isnull": False,
                f"{prefix}interview_attended": True,
                f"{prefix}interview_outcome": InterviewOutcome.SUITABLE,
            }
        )
        items = [
            one_if(
                Q(**{f"{prefix}{document}_provided_on__isnull": True})
                & Q(**{f"{prefix}{document}_not_available": False})
            )
            for document, _label in CHECKLIST_DOCUMENTS
        ]
        items += [
            one_if(Q(**{f"{prefix}liaison_on__isnull": True})),
            one_if(Q(**{f"{prefix}understands_requirements_on__isnull": True})),
            one_if(~interview_done),
        ]
        total = items[0]
        for item in items[1:]:
            total = total + item
        return ExpressionWrapper(total, output_field=models.IntegerField())

    def missing_items(self) -> list[str]:
        missing = [
            f"{label}: record the date given to the facilitators, or that it is not available"
            for prefix, label in CHECKLIST_DOCUMENTS
            if self.document_state(prefix) == "Missing"
        ]
        if not self.liaison_on:
            missing.append("Liaison with facilitators about commencement")
        if not self.understands_requirements_on:
            missing.append("The offender's confirmation that he understands what is required")
        if not self.interview_on or self.interview_attended is None:
            missing.append("Assessment interview with facilitators: date and attendance")
        elif not self.interview_attended:
            missing.append("Assessment interview with facilitators: he did not attend")
        elif self.interview_outcome != InterviewOutcome.SUITABLE:
            missing.append("Assessment interview with facilitators: outcome must be suitable")
        return missing

    @property
    def is_complete(self) -> bool:
        return not self.missing_items()
