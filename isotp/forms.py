"""Form pieces every app uses: the GOV.UK date input, and a form base with a crispy helper."""

from datetime import date

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Submit
from django import forms
from django.core.exceptions import ValidationError

REAL_DATE_MESSAGE = "{label} must be a real date"


class GovDateField(DateInputField):
    """A day / month / year date input whose messages name the field, as GOV.UK asks."""

    def __init__(self, *, label: str, required: bool = True, **kwargs):
        super().__init__(label=label, required=required, require_all_fields=False, **kwargs)
        self.error_messages["required"] = f"Enter the {label.lower()}"
        self.error_messages["incomplete"] = f"{label} must include a day, month and year"
        for part, subfield in zip(("day", "month", "year"), self.fields, strict=True):
            subfield.error_messages["incomplete"] = f"{label} must include a {part}"
            subfield.required = required
            subfield.validators[0].message = REAL_DATE_MESSAGE.format(label=label)
        self._label_for_messages = label

    def compress(self, data_list):
        if not data_list:
            return None
        day, month, year = data_list
        if not (day and month and year):
            return None
        try:
            if len(str(year)) != 4:
                raise ValueError
            return date(day=int(day), month=int(month), year=int(year))
        except (ValueError, OverflowError):
            raise ValidationError(
                REAL_DATE_MESSAGE.format(label=self._label_for_messages), code="invalid_date"
            ) from None


class GovForm:
    """Mixin giving a form the GOV.UK crispy helper and one submit button."""

    submit_label = "Save"

    def _setup_helper(self) -> None:
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.label_size = "s"
        self.helper.legend_size = "s"


class GovModelForm(GovForm, forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_helper()


class GovPlainForm(GovForm, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_helper()


__all__ = ["GovDateField", "GovModelForm", "GovPlainForm", "Submit"]
