"""Dates and times as GOV.UK writes them: `{{ group.start_time|clock }}` (6pm, 6:30pm),
`{{ entry.at|when }}` (5 October 2026 at 6:30pm). Dates alone: `{{ day|date:"j F Y" }}`,
or plainly `{{ day }}` (isotp/formats)."""

from django import template

from isotp.formatting import clock as clock_text
from isotp.formatting import when as when_text

register = template.Library()


@register.filter
def clock(value):
    return clock_text(value) if value is not None else ""


@register.filter
def when(value):
    return when_text(value) if value is not None else ""
