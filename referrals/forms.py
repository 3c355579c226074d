from crispy_forms_gds.layout import Field, Fieldset, Layout
from django import forms

from isotp.forms import GovDateField, GovModelForm
from isotp.models import Role, Staff
from referrals.models import Offence, Offender
from referrals.validators import CRN_MESSAGE, normalise_crn, normalise_pnc


class OffenderForm(GovModelForm):
    date_of_birth = GovDateField(label="Date of birth", help_text="For example, 27 3 1985")
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
                "unique": "An offender with this CRN already exists",
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
