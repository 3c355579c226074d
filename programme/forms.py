"""The programme's forms, by subject. They validate input and nothing else; the rules are in
the models and services. (The sub-packages' filter forms are in their own `forms.py`.)"""

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.layout import Field, Layout
from django import forms
from django.utils import timezone

from isotp.forms import GovDateField, GovModelForm, GovPlainForm, bound_text_fields
from isotp.limits import CASEWORK_DATE, NOTE_MAX, REPORT_SECTION_MAX, TARGET_PROGRESS_MAX
from isotp.models import Role, Staff
from programme.models import (
    HUMAN_DECISIONS,
    AbsenceReason,
    Appointment,
    AttendanceOutcome,
    Enforcement,
    EnforcementDecisionType,
    NonAssociationKind,
    OneToOneKind,
    ProgrammeVersion,
    RecommendationStatus,
    RiskReview,
    Weekday,
)
from programme.services.post_programme import OWNER_NOT_ALLOWED
from programme.services.versions import VERSION_OF_ANOTHER_PROGRAMME
from referrals.models import (
    AgeBand,
    InterviewOutcome,
    Offender,
    Programme,
    RiskLevel,
)
from referrals.validators import normalise_crn

# --- Groups, their sessions and who runs them -------------------------------------------------


class GroupForm(GovPlainForm):
    programme = forms.ModelChoiceField(
        queryset=Programme.objects.all(),
        empty_label=None,
        error_messages={"required": "Choose the programme"},
    )
    version = forms.ModelChoiceField(
        label="Version of its sessions",
        queryset=ProgrammeVersion.objects.select_related("programme").order_by(
            "programme__name", "-number"
        ),
        required=False,
        empty_label="The newest complete version",
        help_text="The group runs this version's named sessions to the end, even if a newer "
        "version is made.",
    )
    age_band = forms.ChoiceField(
        label="Age band",
        choices=AgeBand.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the age band"},
    )
    venue = forms.CharField(max_length=200, error_messages={"required": "Enter the venue"})
    facilitators = forms.ModelMultipleChoiceField(
        queryset=Staff.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one facilitator"},
    )
    treatment_manager = forms.ModelChoiceField(
        queryset=Staff.objects.none(),
        required=False,
        empty_label="None",
        label="Treatment manager (optional)",
    )
    lead_facilitator = forms.ModelChoiceField(
        queryset=Staff.objects.none(),
        required=False,
        empty_label="The first facilitator chosen, in name order",
        label="Lead facilitator (optional)",
        help_text="One of the facilitators chosen: the lead of every session unless you change "
        "it for a session later.",
    )
    start_date = GovDateField(
        label="Start date",
        date_range=CASEWORK_DATE,
        help_text="Today or later. The first session is on the first chosen day of the week "
        "from this date.",
    )
    weekdays = forms.TypedMultipleChoiceField(
        label="Days of the week it meets",
        help_text="Choose one or more, for example Monday and Thursday. Sessions take these "
        "days in order; a bank holiday is skipped and the later sessions move on.",
        choices=Weekday.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one day of the week the group meets",
            "invalid_choice": "Choose days of the week from the list",
        },
    )
    start_time = forms.TimeField(
        label="Start time",
        help_text="24-hour clock, for example 18:00",
        error_messages={"required": "Enter the start time", "invalid": "Enter a time like 18:00"},
    )

    def __init__(self, *args, office, **kwargs):
        super().__init__(*args, **kwargs)
        # i-SOTP is the programme this service runs most: the sensible default.
        self.fields["programme"].initial = (
            Programme.objects.filter(code="isotp").values_list("pk", flat=True).first()
        )
        facilitators = Staff.objects.filter(role=Role.FACILITATOR, office=office, is_active=True)
        self.fields["facilitators"].queryset = facilitators
        self.fields["treatment_manager"].queryset = facilitators
        self.fields["lead_facilitator"].queryset = facilitators
        self.helper.layout = Layout(
            Field("programme"),
            Field("version"),
            Field.radios("age_band", inline=True),
            Field.text("venue"),
            Field.checkboxes("facilitators"),
            Field("lead_facilitator"),
            Field("treatment_manager"),
            Field("start_date"),
            Field.checkboxes("weekdays"),
            Field.text("start_time", field_width=5),
        )

    def clean(self):
        cleaned = super().clean()
        lead, team = cleaned.get("lead_facilitator"), cleaned.get("facilitators")
        if lead and team is not None and lead not in team:
            self.add_error(
                "lead_facilitator", "The lead facilitator must be one of the facilitators chosen"
            )
        programme, version = cleaned.get("programme"), cleaned.get("version")
        if programme and version and version.programme_id != programme.pk:
            self.add_error(
                "version",
                VERSION_OF_ANOTHER_PROGRAMME.format(version=version, programme=programme),
            )
        return cleaned


class SessionStaffingForm(GovPlainForm):
    """Who runs a session or a run of sessions. The choices offered are the office's active
    facilitators; anyone else sent is checked by the service, which says why not."""

    first_number = forms.TypedChoiceField(
        label="From session", coerce=int, error_messages={"required": "Choose the first session"}
    )
    last_number = forms.TypedChoiceField(
        label="To session",
        coerce=int,
        help_text="The same session for one session only.",
        error_messages={"required": "Choose the last session"},
    )
    lead = forms.ModelChoiceField(
        queryset=Staff.objects.filter(is_active=True),
        label="Lead facilitator",
        error_messages={
            "required": "Choose the lead facilitator",
            "invalid_choice": "Choose the lead facilitator from the list",
        },
    )
    cover = forms.ModelMultipleChoiceField(
        queryset=Staff.objects.filter(is_active=True),
        label="Cover facilitators",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The facilitators running the sessions beside the lead.",
        error_messages={"invalid_choice": "Choose cover facilitators from the list"},
    )
    reason = forms.CharField(
        label="Reason (needed for a session already recorded)",
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: annual leave, sickness. It is kept with the change.",
    )

    def __init__(self, *args, numbers: list[int], facilitators, **kwargs):
        super().__init__(*args, **kwargs)
        sessions = [(n, f"Session {n}") for n in numbers]
        self.fields["first_number"].choices = sessions
        self.fields["last_number"].choices = sessions
        offered = [(staff.pk, str(staff)) for staff in facilitators]
        # Shown: the office's facilitators; accepted: anyone active, for the service to check.
        self.fields["lead"].choices = [("", "Choose a facilitator"), *offered]
        self.fields["cover"].choices = offered
        self.helper.layout = Layout(
            Field("first_number"),
            Field("last_number"),
            Field("lead"),
            Field.checkboxes("cover"),
            Field.textarea("reason"),
        )


class SessionMoveForm(GovPlainForm):
    new_date = GovDateField(label="New date", date_range=CASEWORK_DATE)
    move_later = forms.BooleanField(
        label="Move the later sessions too",
        help_text="They take the group’s next meeting days after the new date, skipping bank "
        "holidays",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(Field("new_date"), Field.checkbox("move_later"))


# --- Registers and catch-ups ------------------------------------------------------------------


HOMEWORK_CHOICES = [("", "Not set"), ("yes", "Done"), ("no", "Not done")]


# The outcomes at which he was there: minutes late and homework are asked under each of them
# (GOV.UK conditional reveals), and only the answers under the chosen one count.
PRESENT_OUTCOMES = [
    AttendanceOutcome.ATTENDED,
    AttendanceOutcome.FAILED_TO_COMPLY,
    AttendanceOutcome.SENT_HOME,
]
DETAILS_WHEN_PRESENT = ("minutes_late", "homework")


class RegisterEntryForm(forms.Form):
    """One member's line in the register (the page lays these out by hand).

    Minutes late and homework appear under each outcome at which he was there: under
    "Attended and complied" as `minutes_late` and `homework`, under the others with the
    outcome appended (`minutes_late_sent_home`). The answers under the chosen outcome are the
    ones kept; an absence has none."""

    outcome = forms.ChoiceField(
        choices=AttendanceOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what happened"},
    )
    absence_reason = forms.ChoiceField(
        choices=[("", "Choose a reason"), *AbsenceReason.choices],
        required=False,
        label="Reason the absence is acceptable",
    )
    minutes_late = forms.IntegerField(
        min_value=0,
        max_value=120,
        required=False,
        label="Minutes late",
        error_messages={
            "min_value": "Minutes late cannot be negative",
            "max_value": "Minutes late must be 120 or fewer",
            "invalid": "Enter minutes late as a whole number",
        },
    )
    homework = forms.ChoiceField(choices=HOMEWORK_CHOICES, required=False, label="Homework")
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=NOTE_MAX
    )
    risk_relevant = forms.BooleanField(
        required=False, label="Risk-relevant: share with the offender manager"
    )
    change_reason = forms.CharField(required=False, max_length=300, label="Reason for the change")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bound_text_fields(self)
        if self.is_bound:
            self.data = self._details_of_chosen_outcome(self.data)

    def _details_of_chosen_outcome(self, data):
        outcome = data.get(self.add_prefix("outcome"))
        if not outcome or outcome == AttendanceOutcome.ATTENDED:
            return data
        data = data.copy()
        for name in DETAILS_WHEN_PRESENT:
            key = self.add_prefix(name)
            if outcome in PRESENT_OUTCOMES:
                under_outcome = self.add_prefix(f"{name}_{outcome}")
                if under_outcome in data:
                    data[key] = data[under_outcome]
            elif key in data:
                # Asked only when he was there: an answer left under another outcome is moot.
                data[key] = ""
        return data

    @staticmethod
    def detail_name(name: str, outcome: str) -> str:
        """The field name of a detail asked under an outcome."""
        return name if outcome == AttendanceOutcome.ATTENDED else f"{name}_{outcome}"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == AttendanceOutcome.ACCEPTABLE_ABSENCE and not cleaned.get(
            "absence_reason"
        ):
            self.add_error("absence_reason", "Choose the reason the absence is acceptable")
        if cleaned.get("risk_relevant") and not (cleaned.get("note") or "").strip():
            self.add_error("note", "Write the risk-relevant information to share")
        return cleaned

    @property
    def homework_done(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("homework") or "")


class CatchUpForm(GovPlainForm):
    held_on = GovDateField(label="Held on", date_range=CASEWORK_DATE)
    completed = forms.BooleanField(
        label="He completed the catch-up of this session", required=False, initial=True
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=NOTE_MAX
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            Field("held_on"), Field.checkbox("completed"), Field.textarea("note", rows=3)
        )


class FeedbackForm(GovPlainForm):
    message = forms.CharField(
        label="Feedback for his offender manager",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=NOTE_MAX,
        error_messages={"required": "Write the feedback"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(Field.textarea("message", rows=4))


# --- Enforcement decisions and notices (the offender manager) ---------------------------------


ACTION_TAKEN_REQUIRED = "Say what you did about it"

# The decision that carries out each action the policy can propose.
DECISION_FOR_ACTION = {
    "warning": EnforcementDecisionType.WARNING_GIVEN,
    "breach": EnforcementDecisionType.BREACH_INITIATED,
    "recall": EnforcementDecisionType.RECALL_REQUESTED,
}


class NoticeAcknowledgeForm(GovPlainForm):
    """One per notice on the actions page, each with its own prefix (`notice-<pk>`)."""

    action_taken = forms.CharField(
        label="What did you do about it?",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=NOTE_MAX,
        error_messages={"required": ACTION_TAKEN_REQUIRED},
    )


NOTICES_REQUIRED = "Select the notices to acknowledge"


class NoticesAcknowledgeForm(GovPlainForm):
    """Several notices acknowledged with one note. The choices are the user's own notices
    (the view refuses any other before the form sees it)."""

    notice = forms.TypedMultipleChoiceField(
        label="Notices to acknowledge",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": NOTICES_REQUIRED},
    )
    action_taken = forms.CharField(
        label="What did you do about them?",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=NOTE_MAX,
        error_messages={"required": ACTION_TAKEN_REQUIRED},
    )

    def __init__(self, *args, notices=(), **kwargs):
        super().__init__(*args, prefix="bulk", **kwargs)
        self.fields["notice"].choices = [(notice.pk, str(notice.pk)) for notice in notices]


class EnforcementDecisionForm(GovPlainForm):
    decision = forms.ChoiceField(
        label="Your decision",
        widget=forms.RadioSelect,
        error_messages={"required": "Select your decision"},
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=NOTE_MAX,
        help_text="Needed when the absence is found acceptable, or when your decision differs "
        "from the action the policy proposes.",
    )

    def __init__(self, *args, enforcement: Enforcement, **kwargs):
        super().__init__(*args, **kwargs)
        proposed = DECISION_FOR_ACTION.get(enforcement.proposed_action)
        self.fields["decision"].choices = [
            Choice(value, label, hint="The action the policy proposes")
            if value == proposed
            else Choice(value, label)
            for value, label in EnforcementDecisionType.choices
            # "Not needed" is the app's, when an amendment removes the failure.
            if value != EnforcementDecisionType.NOT_NEEDED
        ]
        self.helper.layout = Layout(
            Field.radios("decision", legend_size="m"), Field.textarea("reason", rows=4)
        )


class EnforcementCorrectionForm(GovPlainForm):
    """Correct a decision already taken: a different decision, and why."""

    prefix = "correct"
    decision = forms.ChoiceField(
        label="The correct decision",
        widget=forms.RadioSelect,
        error_messages={"required": "Select the correct decision"},
    )
    reason = forms.CharField(
        label="Why is the decision being corrected?",
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the decision is being corrected"},
    )

    def __init__(self, *args, enforcement: Enforcement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [
            (value, label)
            for value, label in EnforcementDecisionType.choices
            if value in HUMAN_DECISIONS and value != enforcement.decision
        ]
        self.helper.layout = Layout(
            Field.radios("decision", legend_size="s"), Field.textarea("reason", rows=3)
        )


# --- His risk reviews and appointments --------------------------------------------------------


class RiskReviewForm(GovModelForm):
    oasys_on = GovDateField(
        label="OASys updated on", help_text="For example, 27 3 2026", date_range=CASEWORK_DATE
    )

    class Meta:
        model = RiskReview
        fields = ["oasys_on", "risk_of_serious_harm", "what_changed"]
        labels = {
            "risk_of_serious_harm": "Risk of serious harm now",
            "what_changed": "What changed",
        }
        widgets = {"risk_of_serious_harm": forms.RadioSelect}
        error_messages = {
            "risk_of_serious_harm": {"required": "Select the risk of serious harm"},
            "what_changed": {"required": "Say what changed"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["risk_of_serious_harm"].choices = RiskLevel.choices
        self.helper.layout = Layout(
            Field("oasys_on"),
            Field.radios("risk_of_serious_harm", inline=True),
            Field.textarea("what_changed", rows=4),
        )

    def clean_oasys_on(self):
        oasys_on = self.cleaned_data["oasys_on"]
        if oasys_on and oasys_on > timezone.localdate():
            raise forms.ValidationError("The date OASys was updated cannot be in the future")
        return oasys_on


ATTENDED_CHOICES = [("yes", "Yes"), ("no", "No"), ("unknown", "Not yet known")]
ATTENDED_VALUES = {"yes": True, "no": False, "unknown": None}


class AppointmentForm(GovModelForm):
    on = GovDateField(label="Date", help_text="For example, 27 3 2026", date_range=CASEWORK_DATE)
    attended = forms.TypedChoiceField(
        label="Did he attend?",
        choices=ATTENDED_CHOICES,
        coerce=lambda value: ATTENDED_VALUES.get(value),
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether he attended, or “Not yet known”"},
    )

    class Meta:
        model = Appointment
        fields = ["on", "purpose", "attended"]
        labels = {"purpose": "Purpose"}
        error_messages = {"purpose": {"required": "Enter the purpose of the appointment"}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["attended"] = {True: "yes", False: "no"}.get(
                self.instance.attended, "unknown"
            )
        self.helper.layout = Layout(
            Field("on"),
            Field.text("purpose"),
            Field.radios("attended", inline=True),
        )

    def clean(self):
        cleaned = super().clean()
        on, attended = cleaned.get("on"), cleaned.get("attended")
        if on and attended is not None and on > timezone.localdate():
            self.add_error(
                "attended", "He cannot have attended or missed an appointment that is still to come"
            )
        return cleaned


# --- Non-associations -------------------------------------------------------------------------


class NonAssociationForm(GovPlainForm):
    """Someone he must not be grouped with, by CRN: the other man may be on any caseload."""

    other_crn = forms.CharField(
        label="CRN of the other man",
        help_text="One letter and six digits, like X123456. He may be on any caseload.",
        max_length=10,
        error_messages={"required": "Enter the CRN of the man he must not be grouped with"},
    )
    kind = forms.ChoiceField(
        label="Why they must be kept apart",
        choices=NonAssociationKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select why they must be kept apart"},
    )
    reason = forms.CharField(
        label="Details",
        help_text="Only offender managers read this. A programme manager allocating is told "
        "only that the two men must not be in the same group.",
        max_length=NOTE_MAX,
        widget=forms.Textarea,
        error_messages={"required": "Give the details"},
    )

    def __init__(self, *args, offender, **kwargs):
        self.offender = offender
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            Field.text("other_crn", field_width=10),
            Field.radios("kind"),
            Field.textarea("reason", rows=4),
        )

    def clean_other_crn(self):
        crn = normalise_crn(self.cleaned_data["other_crn"])
        other = Offender.objects.filter(crn=crn).first()
        if other is None:
            raise forms.ValidationError(f"No offender has the CRN {crn}: check it and try again")
        if other.pk == self.offender.pk:
            raise forms.ValidationError("Enter the CRN of another man, not his own")
        self.cleaned_data["other"] = other
        return crn


class NonAssociationEndForm(GovPlainForm):
    ended_reason = forms.CharField(
        label="Why they no longer need to be kept apart",
        max_length=300,
        error_messages={"required": "Say why they no longer need to be kept apart"},
    )


# --- After the programme ----------------------------------------------------------------------


class ReportForm(GovPlainForm):
    overall_progress = forms.CharField(
        label="Overall progress",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=REPORT_SECTION_MAX,
    )
    risk_factors = forms.CharField(
        label="Risk factors",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=REPORT_SECTION_MAX,
        help_text="What informs the likelihood of re-offending.",
    )
    relapse_prevention_plan = forms.CharField(
        label="Relapse prevention plan",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=REPORT_SECTION_MAX,
    )
    recommendations = forms.CharField(
        label="Recommendations",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=REPORT_SECTION_MAX,
        help_text="One recommendation per line; they are numbered in this order.",
    )

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        progress_fields = []
        for target in targets:
            name = f"target_{target.pk}"
            self.fields[name] = forms.CharField(
                label=f"Progress against target {target.number}: {target.name}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                max_length=TARGET_PROGRESS_MAX,
            )
            progress_fields.append(Field.textarea(name, rows=3))
        bound_text_fields(self)
        self.targets = list(targets)
        self.helper.layout = Layout(
            Field.textarea("overall_progress", rows=4),
            *progress_fields,
            Field.textarea("risk_factors", rows=5),
            Field.textarea("relapse_prevention_plan", rows=5),
            Field.textarea("recommendations", rows=5),
        )

    @property
    def progress(self) -> dict[int, str]:
        return {t.pk: self.cleaned_data.get(f"target_{t.pk}", "") for t in self.targets}

    @property
    def recommendation_lines(self) -> list[str]:
        lines = self.cleaned_data.get("recommendations", "").splitlines()
        return [line.strip() for line in lines if line.strip()]


class CorrectionForm(GovPlainForm):
    reason = forms.CharField(
        label="What does the correction change, and why?",
        max_length=300,
        error_messages={"required": "Say what the correction is for"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(Field.text("reason"))


YES_NO = [("yes", "Yes"), ("no", "No")]


def yes_no_field(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": f"Answer: {label.lower()}"},
    )


class HandoverForm(GovPlainForm):
    held_on = GovDateField(label="Date of the meeting", date_range=CASEWORK_DATE)
    place = forms.CharField(max_length=200, error_messages={"required": "Enter where it was held"})
    offender_attended = yes_no_field("Did he attend?")
    facilitator_attended = yes_no_field("Did a facilitator attend?")
    offender_manager_attended = yes_no_field("Did the offender manager attend?")
    notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=NOTE_MAX
    )
    agreed_actions = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=NOTE_MAX
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            Field("held_on"),
            Field.text("place"),
            Field.radios("offender_attended", inline=True),
            Field.radios("facilitator_attended", inline=True),
            Field.radios("offender_manager_attended", inline=True),
            Field.textarea("notes", rows=4),
            Field.textarea("agreed_actions", rows=4),
        )

    def clean_held_on(self):
        from django.utils import timezone

        held_on = self.cleaned_data["held_on"]
        if held_on and held_on > timezone.localdate():
            raise forms.ValidationError("Record the meeting once it has been held")
        return held_on


class ReassessmentForm(GovPlainForm):
    oasys_on = GovDateField(label="OASys completed on", date_range=CASEWORK_DATE)
    risk_of_serious_harm = forms.ChoiceField(
        label="Risk of serious harm (OASys ROSH)",
        choices=RiskLevel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the risk of serious harm"},
    )
    rm2000_on = GovDateField(label="RM2000 completed on", date_range=CASEWORK_DATE)
    rm2000_category = forms.ChoiceField(
        label="RM2000 category",
        choices=RiskLevel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the RM2000 category"},
    )
    what_changed = forms.CharField(
        label="What changed",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=NOTE_MAX,
        error_messages={"required": "Say what changed in his risk"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            Field("oasys_on"),
            Field.radios("risk_of_serious_harm", inline=True),
            Field("rm2000_on"),
            Field.radios("rm2000_category", inline=True),
            Field.textarea("what_changed", rows=4),
        )

    def clean(self):
        from django.utils import timezone

        cleaned = super().clean()
        for name in ("oasys_on", "rm2000_on"):
            if cleaned.get(name) and cleaned[name] > timezone.localdate():
                self.add_error(name, "The date cannot be in the future")
        return cleaned


class RecommendationForm(GovPlainForm):
    status = forms.ChoiceField(
        choices=RecommendationStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the status"},
    )
    owner = forms.ModelChoiceField(
        queryset=Staff.objects.none(), required=False, empty_label="Nobody yet", label="Owner"
    )
    due_on = GovDateField(label="Due by", required=False, date_range=CASEWORK_DATE)
    not_pursued_reason = forms.CharField(
        label="Why it is not being pursued",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=NOTE_MAX,
    )
    note = forms.CharField(
        label="Progress note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=NOTE_MAX,
        help_text="Dated today and kept with the recommendation.",
    )

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        # Only those who may own it (programme.services.post_programme.recommendation_owners).
        self.fields["owner"].queryset = owners
        self.fields["owner"].error_messages["invalid_choice"] = OWNER_NOT_ALLOWED
        self.helper.layout = Layout(
            Field.radios("status"),
            Field("owner"),
            Field("due_on"),
            Field.textarea("not_pursued_reason", rows=2),
            Field.textarea("note", rows=3),
        )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("status") == RecommendationStatus.NOT_PURSUED
            and not (cleaned.get("not_pursued_reason") or "").strip()
        ):
            self.add_error("not_pursued_reason", "Say why the recommendation is not being pursued")
        return cleaned


# --- One-to-ones ------------------------------------------------------------------------------


class OneToOneScheduleForm(GovPlainForm):
    kind = forms.ChoiceField(
        label="Which one-to-one",
        choices=OneToOneKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose which one-to-one to schedule"},
    )
    on = GovDateField(label="Date", date_range=CASEWORK_DATE)
    start_time = forms.TimeField(
        label="Start time",
        help_text="24-hour clock, for example 14:00",
        error_messages={"required": "Enter the start time", "invalid": "Enter a time like 14:00"},
    )
    place = forms.CharField(
        max_length=200,
        help_text="For example: Riverside probation office, interview room 1",
        error_messages={"required": "Enter where it is held"},
    )
    facilitators = forms.ModelMultipleChoiceField(
        queryset=Staff.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one facilitator to hold the one-to-one"},
    )

    def __init__(self, *args, office, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facilitators"].queryset = Staff.objects.filter(
            role=Role.FACILITATOR, office=office, is_active=True
        ).order_by("last_name", "first_name")
        self.helper.layout = Layout(
            Field.radios("kind"),
            Field("on"),
            Field.text("start_time", field_width=5),
            Field.text("place"),
            Field.checkboxes("facilitators"),
        )


class OneToOneRecordForm(GovPlainForm):
    attended = forms.TypedChoiceField(
        label="Did he attend?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether he attended"},
    )
    outcome = forms.ChoiceField(
        label="Outcome (pre-group one-to-one he attended)",
        choices=InterviewOutcome.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    notes = forms.CharField(
        label="Notes (optional)", widget=forms.Textarea, max_length=NOTE_MAX, required=False
    )

    def __init__(self, *args, pre_group: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if pre_group:
            layout = [Field.radios("attended", inline=True), Field.radios("outcome")]
        else:
            del self.fields["outcome"]
            layout = [Field.radios("attended", inline=True)]
        self.helper.layout = Layout(*layout, Field.textarea("notes", rows=4))


class OneToOneCancelForm(GovPlainForm):
    reason = forms.CharField(
        label="Why is it cancelled?",
        max_length=300,
        error_messages={"required": "Give the reason the one-to-one is cancelled"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(Field.text("reason"))
