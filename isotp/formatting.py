"""How the service writes times, the GOV.UK way, in pages, letters and PDFs alike."""

from datetime import time


def clock(value: time) -> str:
    """6pm, 6:30pm, 12pm for midday: the GOV.UK style for times."""
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    minutes = f":{value.minute:02d}" if value.minute else ""
    return f"{hour}{minutes}{suffix}"
