"""Forms for the offender manager's pages: notices, enforcement decisions, risk reviews and
additional appointments. They validate input and nothing else; the rules are in services."""

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.layout import Field, Layout
from django import forms
from django.utils import timezone

from isotp.forms import GovDateField, GovModelForm, GovPlainForm
from isotp.limits import CASEWORK_DATE, NOTE_MAX
from programme.models import (
    HUMAN_DECISIONS,
    Appointment,
    Enforcement,
    EnforcementDecisionType,
    NonAssociationKind,
    RiskReview,
)
from referrals.models import Offender, RiskLevel
from referrals.validators import normalise_crn

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
