from django import forms

from isotp.filtering import FilterForm
from isotp.models import Role, Staff
from programme.casework.caseload import Due
from referrals.models import CaseloadStage, OrderType, Programme


class CaseloadFilterForm(FilterForm):
    """The caseload's filters: each category narrows the list; the choices within one are
    alternatives (the MoJ filter's convention)."""

    kept_params = ("sort",)

    q = forms.CharField(label="Name, CRN or PNC number", required=False, strip=True, max_length=100)
    due = forms.MultipleChoiceField(label="What is due", choices=Due.choices, required=False)
    stage = forms.MultipleChoiceField(label="Status", choices=CaseloadStage.choices, required=False)
    order_type = forms.MultipleChoiceField(
        label="Order or licence", choices=OrderType.choices, required=False
    )
    programme = forms.MultipleChoiceField(label="Programme", choices=(), required=False)
    manager = forms.ChoiceField(label="Offender manager", choices=(), required=False)

    def __init__(self, *args, user: Staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [
            (str(pk), name) for pk, name in Programme.objects.values_list("pk", "name")
        ]
        if user.role == Role.PROGRAMME_MANAGER:
            managers = Staff.objects.filter(
                role=Role.OFFENDER_MANAGER, office_id=user.office_id
            ).order_by("last_name", "first_name", "pk")
            self.fields["manager"].choices = [("", "All offender managers")] + [
                (str(staff.pk), str(staff)) for staff in managers
            ]
        else:
            del self.fields["manager"]
