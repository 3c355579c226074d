from datetime import date

from django import forms
from django.utils import timezone

from isotp.forms import GovDateField, GovPlainForm

# The Data Protection Act 2018 came into force on 25 May 2018: no request under it is older.
ACT_IN_FORCE = date(2018, 5, 25)
REFERENCE_MAX_LENGTH = 100


class SubjectAccessForm(GovPlainForm):
    reference = forms.CharField(
        label="Request reference",
        max_length=REFERENCE_MAX_LENGTH,
        help_text="The reference the request was logged under, for example SAR-2026-0142.",
        error_messages={
            "required": "Enter the request reference",
            "max_length": f"The request reference must be {REFERENCE_MAX_LENGTH} characters "
            "or fewer",
        },
    )
    received_on = GovDateField(
        label="Date the request was received", help_text="For example, 27 3 2026"
    )

    def clean_reference(self):
        # PostgreSQL refuses NUL characters; a reference never has one.
        return self.cleaned_data["reference"].replace("\x00", "").strip()

    def clean_received_on(self):
        received_on = self.cleaned_data["received_on"]
        if received_on and received_on > timezone.localdate():
            raise forms.ValidationError("The date the request was received cannot be in the future")
        if received_on and received_on < ACT_IN_FORCE:
            raise forms.ValidationError(
                "The date the request was received must be on or after 25 May 2018, when the "
                "Data Protection Act 2018 came into force"
            )
        return received_on
