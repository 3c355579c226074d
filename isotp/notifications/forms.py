from django import forms

from isotp.forms import GovPlainForm
from isotp.notifications.models import Delivery


class PreferencesForm(GovPlainForm):
    """One set of radios per kind the person may be told: at once, daily email, or off."""

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        for choice in choices:
            self.fields[choice.kind] = forms.ChoiceField(
                label=choice.label,
                choices=Delivery.choices,
                initial=choice.delivery,
                widget=forms.RadioSelect,
                help_text=f"If you do not choose: {Delivery(choice.default).label.lower()}",
                error_messages={"required": f"Choose how to hear: {choice.label.lower()}"},
            )
