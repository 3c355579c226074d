from datetime import date

from crispy_forms_gds.layout import Field, Fieldset, Layout
from django import forms
from django.core.exceptions import ValidationError

from isotp.filtering import FilterForm
from isotp.forms import GovDateField, GovModelForm, GovPlainForm
from isotp.limits import CASEWORK_DATE, DATE_OF_BIRTH, NOTE_MAX
from isotp.models import Office, Role, Staff
from referrals.access import offenders_visible_to
from referrals.models import (
    CHECKLIST_DOCUMENTS,
    AgeBand,
    Assessment,
    AssessmentStage,
    ClosingReason,
    Offence,
    Offender,
    PreProgrammeChecklist,
    Programme,
    Referral,
)
from referrals.validators import CRN_MESSAGE, normalise_crn, normalise_pnc

# A CRN already held: named only to someone who may see him anyway (docs/decisions.md).
CRN_ON_YOUR_CASELOAD = "This CRN is already on your caseload: {name}"
CRN_IN_YOUR_OFFICE = "This CRN is already in your office: {name}"
# Outside the user's reach: the same words whoever holds him, saying nothing about him.
CRN_CANNOT_BE_USED = (
    "This CRN cannot be used. Check that it is right; if it is, ask the service desk to "
    "transfer the case to you"
)


class OffenderForm(GovModelForm):
    date_of_birth = GovDateField(
        label="Date of birth", help_text="For example, 27 3 1985", date_range=DATE_OF_BIRTH
    )
    order_start = GovDateField(label="Start date")
    order_end = GovDateField(label="End date")

    class Meta:
        model = Offender
        fields = [
            "crn",
            "pnc_number",
            "first_name",
            "last_name",
            "date_of_birth",
            "gender",
            "offender_manager",
            "order_type",
            "order_start",
            "order_end",
            "interpreter_language",
            "needs_large_print",
            "needs_braille",
            "needs_easy_read",
            "other_needs",
        ]
        widgets = {"gender": forms.RadioSelect, "order_type": forms.RadioSelect}
        error_messages = {
            "crn": {
                "required": "Enter the CRN",
                "max_length": CRN_MESSAGE,
            },
            "first_name": {"required": "Enter the first name"},
            "last_name": {"required": "Enter the last name"},
            "gender": {"required": "Select the gender"},
            "order_type": {"required": "Select the type of order or licence"},
            "offender_manager": {"required": "Select the offender manager"},
        }

    def __init__(self, *args, user: Staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # Set when the CRN is already held: `existing_offender` if the user may see him (the
        # page links to him), `crn_held_elsewhere` if not (the view logs the attempt).
        self.existing_offender: Offender | None = None
        self.crn_held_elsewhere: Offender | None = None
        managers = Staff.objects.filter(
            role=Role.OFFENDER_MANAGER, is_active=True, office_id=user.office_id
        )
        self.fields["offender_manager"].queryset = managers
        self.fields["offender_manager"].empty_label = "Choose an offender manager"
        if user.role == Role.OFFENDER_MANAGER:
            # An offender manager adds to their own caseload; a programme manager chooses.
            del self.fields["offender_manager"]
        self.fields["gender"].choices = [c for c in self.fields["gender"].choices if c[0]]
        self.fields["order_type"].choices = [c for c in self.fields["order_type"].choices if c[0]]
        self.helper.layout = Layout(
            Fieldset(
                Field.text("crn", field_width=10),
                Field.text("pnc_number", field_width=20),
                Field.text("first_name", field_width=20),
                Field.text("last_name", field_width=20),
                Field("date_of_birth"),
                Field.radios("gender", inline=True),
                *(["offender_manager"] if "offender_manager" in self.fields else []),
                legend="Personal details",
                legend_size="m",
            ),
            Fieldset(
                Field.radios("order_type"),
                Field("order_start"),
                Field("order_end"),
                legend="Order or licence",
                legend_size="m",
            ),
            Fieldset(
                Field.text("interpreter_language", field_width=20),
                Field.checkbox("needs_large_print"),
                Field.checkbox("needs_braille"),
                Field.checkbox("needs_easy_read"),
                Field.textarea("other_needs", rows=3),
                legend="Language and format needs",
                legend_size="m",
            ),
        )

    def clean_crn(self):
        return normalise_crn(self.cleaned_data["crn"])

    def clean_pnc_number(self):
        return normalise_pnc(self.cleaned_data.get("pnc_number", ""))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("order_start"), cleaned.get("order_end")
        if start and end and end <= start:
            self.add_error("order_end", "The end date must be after the start date")
        return cleaned

    def validate_unique(self):
        """The CRN's uniqueness is checked last, and only when everything else is valid, so
        that a form with any other error answers the same whether the CRN exists or not."""
        exclude = self._get_validation_exclusions() | {"crn"}
        try:
            self.instance.validate_unique(exclude=exclude)
        except ValidationError as error:
            self._update_errors(error)
        if not self.errors:
            self.refuse_a_held_crn()

    def refuse_a_held_crn(self) -> bool:
        """Add the CRN error if another offender has this CRN; True if one does."""
        crn = self.cleaned_data.get("crn")
        held = Offender.objects.filter(crn=crn).exclude(pk=self.instance.pk).first()
        if held is None:
            return False
        if offenders_visible_to(self.user).filter(pk=held.pk).exists():
            self.existing_offender = held
            message = CRN_ON_YOUR_CASELOAD if self.user.is_offender_manager else CRN_IN_YOUR_OFFICE
            self.add_error("crn", message.format(name=held.full_name))
        else:
            self.crn_held_elsewhere = held
            self.add_error("crn", CRN_CANNOT_BE_USED)
        return True

    def save(self, commit=True):
        offender = super().save(commit=False)
        if self.user.role == Role.OFFENDER_MANAGER and not offender.offender_manager_id:
            offender.offender_manager = self.user
        if not offender.office_id:
            offender.office = offender.offender_manager.office or self.user.office
        if commit:
            offender.save()
        return offender


class OffenceForm(GovModelForm):
    offence_date = GovDateField(label="Offence date", required=False)
    conviction_date = GovDateField(label="Conviction date", required=False)

    class Meta:
        model = Offence
        fields = ["description", "internet_related_sexual", "offence_date", "conviction_date"]
        error_messages = {"description": {"required": "Describe the offence"}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            Field.text("description"),
            Field.checkbox("internet_related_sexual"),
            Field("offence_date"),
            Field("conviction_date"),
        )


class AssessmentForm(GovModelForm):
    assessed_on = GovDateField(label="Date of assessment", date_range=CASEWORK_DATE)
    oasys_completed_on = GovDateField(
        label="OASys completed on", required=False, date_range=CASEWORK_DATE
    )
    rm2000_completed_on = GovDateField(
        label="RM2000 completed on", required=False, date_range=CASEWORK_DATE
    )

    class Meta:
        model = Assessment
        fields = [
            "stage",
            "assessed_on",
            "internet_offence_confirmed",
            "oasys_completed_on",
            "risk_of_serious_harm",
            "rm2000_completed_on",
            "rm2000_category",
            "deviance",
            "notes",
        ]
        widgets = {
            "stage": forms.RadioSelect,
            "risk_of_serious_harm": forms.RadioSelect,
            "rm2000_category": forms.RadioSelect,
            "deviance": forms.RadioSelect,
        }
        error_messages = {
            "stage": {"required": "Select whether the assessment is pre- or post-sentence"}
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("stage", "risk_of_serious_harm", "rm2000_category", "deviance"):
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0]]
        self.fields["deviance"].help_text = "Only for a post-sentence assessment, where assessed."
        self.helper.layout = Layout(
            Field.radios("stage", inline=True),
            Field("assessed_on"),
            Field.checkbox("internet_offence_confirmed"),
            Fieldset(
                Field("oasys_completed_on"),
                Field.radios("risk_of_serious_harm", inline=True),
                legend="OASys",
                legend_size="m",
            ),
            Fieldset(
                Field("rm2000_completed_on"),
                Field.radios("rm2000_category", inline=True),
                legend="Risk Matrix 2000 (RM2000)",
                legend_size="m",
            ),
            Field.radios("deviance", inline=True),
            Field.textarea("notes", rows=4),
        )

    def clean(self):
        cleaned = super().clean()
        today = date.today()
        assessed_on = cleaned.get("assessed_on")
        if assessed_on and assessed_on > today:
            self.add_error("assessed_on", "The date of assessment cannot be in the future")
        for date_field, value_field, name in (
            ("oasys_completed_on", "risk_of_serious_harm", "OASys"),
            ("rm2000_completed_on", "rm2000_category", "RM2000"),
        ):
            completed_on, value = cleaned.get(date_field), cleaned.get(value_field)
            if completed_on and completed_on > today:
                self.add_error(date_field, f"The date {name} was completed cannot be in the future")
            if completed_on and not value:
                self.add_error(value_field, f"Select the {name} result, or remove its date")
            if value and not completed_on and date_field not in self.errors:
                self.add_error(date_field, f"Enter the date {name} was completed")
        if cleaned.get("deviance") and cleaned.get("stage") != AssessmentStage.POST_SENTENCE:
            self.add_error(
                "deviance", "Only record a deviance level for a post-sentence assessment"
            )
        return cleaned


class ChecklistForm(GovModelForm):
    psr_provided_on = GovDateField(
        label="PSR given to facilitators on", required=False, date_range=CASEWORK_DATE
    )
    additional_reports_provided_on = GovDateField(
        label="Additional reports given on", required=False, date_range=CASEWORK_DATE
    )
    cps_pack_provided_on = GovDateField(
        label="CPS pack given on", required=False, date_range=CASEWORK_DATE
    )
    previous_convictions_provided_on = GovDateField(
        label="Previous convictions given on", required=False, date_range=CASEWORK_DATE
    )
    liaison_on = GovDateField(
        label="Liaised with facilitators on", required=False, date_range=CASEWORK_DATE
    )
    understands_requirements_on = GovDateField(
        label="He confirmed he understands what is required on",
        required=False,
        date_range=CASEWORK_DATE,
    )

    # The assessment interview is not typed here: it is the pre-group one-to-one, which the
    # facilitators record, and recording it fills the checklist (one source of truth).
    class Meta:
        model = PreProgrammeChecklist
        exclude = [
            "referral",
            "updated_at",
            "interview_on",
            "interview_attended",
            "interview_outcome",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        documents = [
            Fieldset(
                Field(f"{prefix}_provided_on"),
                Field.checkbox(f"{prefix}_not_available"),
                legend=label,
                legend_size="s",
            )
            for prefix, label in CHECKLIST_DOCUMENTS
        ]
        self.helper.layout = Layout(
            Fieldset(*documents, legend="Information for the facilitators", legend_size="m"),
            Fieldset(
                Field("liaison_on"),
                Field.textarea("liaison_notes", rows=3),
                legend="Liaison about commencement",
                legend_size="m",
            ),
            Fieldset(
                Field("understands_requirements_on"),
                Field.text("information_format"),
                legend="What is required of him",
                legend_size="m",
            ),
        )

    def clean(self):
        cleaned = super().clean()
        for prefix, label in CHECKLIST_DOCUMENTS:
            if cleaned.get(f"{prefix}_provided_on") and cleaned.get(f"{prefix}_not_available"):
                self.add_error(
                    f"{prefix}_not_available",
                    f"{label}: either give the date it was provided or tick not available, not both",
                )
        return cleaned


class ReferralMoveForm(GovPlainForm):
    to_status = forms.ChoiceField(
        label="Move the referral to",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select where to move the referral",
            "invalid_choice": "The referral cannot be moved there now: choose one of the moves offered",
        },
    )
    reason = forms.ModelChoiceField(
        queryset=ClosingReason.objects.none(),
        required=False,
        label="Reason",
        help_text="Needed to withdraw, deselect, breach or recall.",
        empty_label="Choose a reason",
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=NOTE_MAX
    )

    def __init__(self, *args, referral: Referral, **kwargs):
        super().__init__(*args, **kwargs)
        moves = referral.allowed_moves()
        self.fields["to_status"].choices = [(m.to_status, m.label) for m in moves]
        if referral.is_waiting and referral.status != "awaiting_allocation":
            missing = referral.checklist.missing_items()
            if missing:
                self.fields["to_status"].help_text = (
                    "Ready for allocation is offered once the pre-programme checklist is "
                    "complete. Missing: " + "; ".join(missing)
                )
        targets = {m.to_status for m in moves if m.requires_reason}
        self.fields["reason"].queryset = ClosingReason.objects.filter(
            status__in=targets, active=True
        )
        self.fields["reason"].label_from_instance = lambda reason: (
            f"{reason.get_status_display()}: {reason.text}"
        )
        self.helper.layout = Layout(
            Field.radios("to_status"), Field("reason"), Field.textarea("note", rows=3)
        )


class WaitingListFilterForm(FilterForm):
    programme = forms.ModelChoiceField(
        queryset=Programme.objects.all(), required=False, empty_label="All programmes"
    )
    band = forms.ChoiceField(
        label="Age band", choices=[("", "All age bands"), *AgeBand.choices], required=False
    )
    office = forms.ModelChoiceField(
        queryset=Office.objects.none(), required=False, empty_label="All offices"
    )

    def __init__(self, *args, user: Staff, **kwargs):
        super().__init__(*args, **kwargs)
        offices = Office.objects.all()
        if user.office_id:
            offices = offices.filter(area__offices=user.office_id)
        self.fields["office"].queryset = offices
        for bound in self.fields.values():
            bound.widget.attrs["class"] = "govuk-select"
