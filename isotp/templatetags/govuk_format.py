"""`{{ group.start_time|clock }}`: times as GOV.UK writes them (6pm, 6:30pm)."""

from django import template

from isotp.formatting import clock as clock_text

register = template.Library()


@register.filter
def clock(value):
    return clock_text(value) if value is not None else ""
