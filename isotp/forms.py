"""Form pieces every app uses: the GOV.UK date input, and a form base with a crispy helper."""

from datetime import date

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Size, Submit
from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import MaxLengthValidator
from django.forms.utils import pretty_name

from isotp.limits import ANY_DATE, DateRangeValidator, TextLengthValidator

REAL_DATE_MESSAGE = "{label} must be a real date"


class GovDateField(DateInputField):
    """A day / month / year date input whose messages name the field, as GOV.UK asks."""

    def __init__(
        self,
        *,
        label: str,
        required: bool = True,
        date_range: DateRangeValidator = ANY_DATE,
        **kwargs,
    ):
        super().__init__(label=label, required=required, require_all_fields=False, **kwargs)
        self.date_range = date_range
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

    def clean(self, value):
        cleaned = super().clean(value)
        if cleaned:
            # Year 0999 is a real date, but not one anybody means here (isotp.limits).
            self.date_range.check(cleaned, self._label_for_messages)
        return cleaned


def bound_text_fields(form: forms.BaseForm) -> None:
    """Give every text field of a form the GOV.UK too-long message (the limit and how far
    over), and no `maxlength` attribute: the browser would cut a pasted text silently, where
    the message keeps all of it on the form for the user to shorten. A text field without a
    maximum length is a mistake (isotp.limits)."""
    for name, field in form.fields.items():
        if not isinstance(field, forms.CharField) or isinstance(field, forms.ChoiceField):
            continue
        if field.max_length is None:
            raise ImproperlyConfigured(
                f"{type(form).__name__}.{name} has no max_length (see isotp/limits.py)"
            )
        label = str(field.label or pretty_name(name))
        field.validators = [
            v
            for v in field.validators
            if not isinstance(v, MaxLengthValidator | TextLengthValidator)
        ] + [TextLengthValidator(field.max_length, label=label)]
        field.widget.attrs.pop("maxlength", None)


class GovFormHelper(FormHelper):
    """crispy-forms-gds's helper, with its label and legend sizes made classes on every form:
    it translates them ("s" to "govuk-label--s") only for a form with a layout, and a form
    without one got a stray class "s"."""

    def get_attributes(self, template_pack=None):
        items = super().get_attributes(template_pack=template_pack or "gds")
        if self.label_size:
            items["label_size"] = Size.for_label(self.label_size)
        if self.legend_size:
            items["legend_size"] = Size.for_legend(self.legend_size)
        return items


class GovForm:
    """Mixin giving a form the GOV.UK crispy helper and one submit button."""

    submit_label = "Save"
    # "get" for a search form: crispy then leaves out the CSRF token, which would otherwise be
    # sent in the address (and kept in logs and browser history).
    method = "post"

    def _setup_helper(self) -> None:
        self.helper = GovFormHelper()
        self.helper.form_tag = False
        self.helper.form_method = self.method
        # Small bold labels and legends, as on GOV.UK question pages.
        self.helper.label_size = Size.SMALL
        self.helper.legend_size = Size.SMALL
        bound_text_fields(self)


class GovModelForm(GovForm, forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_helper()


class GovPlainForm(GovForm, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_helper()


__all__ = ["GovDateField", "GovModelForm", "GovPlainForm", "Submit", "bound_text_fields"]
