from datetime import date

from django import forms

from isotp.filtering import FilterForm
from isotp.models import Office
from programme.reporting.management_information import (
    MONTHS_OFFERED,
    add_months,
    default_period,
    month_end,
    month_start,
)
from referrals.models import AgeBand, Programme


class ManagementInformationFilterForm(FilterForm):
    """The period (whole months), and the office, programme and age band the figures are about.
    An office outside the user's scope is not one of the choices: it is ignored, and the page
    says so (isotp.filtering)."""

    first_month = forms.ChoiceField(label="From", required=False)
    last_month = forms.ChoiceField(label="To", required=False)
    office = forms.ModelChoiceField(
        label="Office",
        queryset=Office.objects.none(),
        required=False,
        empty_label="All your offices",
    )
    programme = forms.ModelChoiceField(
        label="Programme",
        queryset=Programme.objects.all(),
        required=False,
        empty_label="All programmes",
    )
    band = forms.ChoiceField(
        label="Age band", choices=[("", "All age bands"), *AgeBand.choices], required=False
    )

    def __init__(self, *args, offices, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        months = [add_months(month_start(today), -n) for n in range(MONTHS_OFFERED)]
        choices = [(f"{m:%Y-%m}", f"{m:%B %Y}") for m in months]
        self.fields["first_month"].choices = [("", "Twelve months ago"), *choices]
        self.fields["last_month"].choices = [("", "This month"), *choices]
        self.fields["office"].queryset = offices
        for bound in self.fields.values():
            bound.widget.attrs["class"] = "govuk-select"

    def clean(self):
        data = super().clean()
        first, last = data.get("first_month"), data.get("last_month")
        if first and last and first > last:
            self.add_error("last_month", "The period must end after it starts")
        return data

    @property
    def period(self) -> tuple[date, date]:
        """The first and last day chosen (whole months), else the last twelve months."""
        first, last = default_period(self.today)
        chosen = self.chosen
        if "last_month" in self.errors:
            return first, last
        if chosen.get("first_month"):
            first = date.fromisoformat(chosen["first_month"] + "-01")
        if chosen.get("last_month"):
            last = month_end(date.fromisoformat(chosen["last_month"] + "-01"))
        return (first, last) if first <= last else default_period(self.today)
