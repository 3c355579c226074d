from crispy_forms_gds.layout import Field, Layout
from django import forms

from isotp.forms import GovDateField, GovPlainForm
from isotp.models import Role, Staff
from programme.models import AbsenceReason, AttendanceOutcome, Weekday
from referrals.models import AgeBand, Programme


class GroupForm(GovPlainForm):
    programme = forms.ModelChoiceField(
        queryset=Programme.objects.all(),
        empty_label=None,
        error_messages={"required": "Choose the programme"},
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
    start_date = GovDateField(
        label="Start date",
        help_text="The first session is on the first chosen weekday from this date.",
    )
    weekday = forms.TypedChoiceField(
        label="Day of the week",
        choices=Weekday.choices,
        coerce=int,
        error_messages={"required": "Choose the day of the week"},
    )
    start_time = forms.TimeField(
        label="Start time",
        help_text="24-hour clock, for example 18:00",
        error_messages={"required": "Enter the start time", "invalid": "Enter a time like 18:00"},
    )

    def __init__(self, *args, office, **kwargs):
        super().__init__(*args, **kwargs)
        facilitators = Staff.objects.filter(role=Role.FACILITATOR, office=office, is_active=True)
        self.fields["facilitators"].queryset = facilitators
        self.fields["treatment_manager"].queryset = facilitators
        self.helper.layout = Layout(
            Field("programme"),
            Field.radios("age_band", inline=True),
            Field.text("venue"),
            Field.checkboxes("facilitators"),
            Field("treatment_manager"),
            Field("start_date"),
            Field("weekday"),
            Field.text("start_time", field_width=5),
        )


class SessionMoveForm(GovPlainForm):
    new_date = GovDateField(label="New date")
    move_later = forms.BooleanField(
        label="Move the later sessions by the same number of days", required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(Field("new_date"), Field.checkbox("move_later"))


HOMEWORK_CHOICES = [("", "Not set"), ("yes", "Done"), ("no", "Not done")]


class RegisterEntryForm(forms.Form):
    """One member's line in the register (the page lays these out by hand)."""

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
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    risk_relevant = forms.BooleanField(
        required=False, label="Risk-relevant: share with the offender manager"
    )
    change_reason = forms.CharField(
        required=False, max_length=300, label="Reason for changing the recorded outcome"
    )

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
    held_on = GovDateField(label="Held on")
    completed = forms.BooleanField(
        label="He completed the catch-up of this session", required=False, initial=True
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            Field("held_on"), Field.checkbox("completed"), Field.textarea("note", rows=3)
        )


class FeedbackForm(GovPlainForm):
    message = forms.CharField(
        label="Feedback for his offender manager",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write the feedback"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(Field.textarea("message", rows=4))
