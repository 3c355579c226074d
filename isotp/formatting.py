"""How the service writes times, the GOV.UK way, in pages, letters and PDFs alike."""

from datetime import date, datetime, time


def clock(value: time) -> str:
    """6pm, 6:30pm, 12pm for midday: the GOV.UK style for times."""
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    minutes = f":{value.minute:02d}" if value.minute else ""
    return f"{hour}{minutes}{suffix}"


def day(value: date) -> str:
    """5 October 2026: the GOV.UK style for dates."""
    return f"{value.day} {value:%B %Y}"


def when(value: datetime) -> str:
    """5 October 2026 at 6:30pm, in the service's time zone."""
    from django.utils import timezone

    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{day(value)} at {clock(value.time())}"
