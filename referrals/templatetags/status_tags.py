"""`{% status_tag referral.status %}`: a referral's status as a GOV.UK tag, coloured by the one
mapping in `referrals.models.STATUS_TAG_COLOURS`. A blank status (never referred) reads
"Not referred"."""

from django import template
from django.utils.html import format_html

from referrals.models import STATUS_TAG_COLOURS, ReferralStatus

register = template.Library()

NOT_REFERRED = "Not referred"


def status_label(status: str) -> str:
    if not status:
        return NOT_REFERRED
    try:
        return ReferralStatus(status).label
    except ValueError:
        return status


@register.simple_tag
def status_tag(status: str, extra_class: str = ""):
    colour = STATUS_TAG_COLOURS.get(status, "grey")
    classes = f"govuk-tag govuk-tag--{colour}" + (f" {extra_class}" if extra_class else "")
    return format_html('<strong class="{}">{}</strong>', classes, status_label(status))
