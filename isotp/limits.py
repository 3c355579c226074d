"""Bounds on what people type: the longest text each kind of field holds, and the range of
dates each kind of date may take. One place, used by the models (and so the admin and the
database) and by the forms. The choices are explained in docs/decisions.md.

Lengths: single-line fields keep their varchar length (the database bounds them). Every
TextField has a max_length from here, which the forms enforce with a message saying the limit
and how far over the text is, and a CHECK constraint (`text_bound`) that the database enforces.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.deconstruct import deconstructible

# A note, a reason, "what changed", feedback, agreed actions: about two pages of typing.
NOTE_MAX = 5_000
# One section of the end-of-programme report (overall progress, risk factors, the relapse
# prevention plan, the recommendations together): about four pages.
REPORT_SECTION_MAX = 10_000
# Progress against one treatment target: a programme has about six, so a whole report stays
# under roughly 70,000 characters (a 30-page PDF), which renders in a few seconds.
TARGET_PROGRESS_MAX = 5_000
# The report's recommendations are kept as a JSON list of the lines written (REPORT_SECTION_MAX
# characters in all); the database bounds its JSON text, which adds quotes, commas and escapes.
RECOMMENDATIONS_JSON_MAX = 3 * REPORT_SECTION_MAX
# A message to the offender manager: a note (NOTE_MAX) with the app's words around it.
NOTICE_MAX = 10_000
# Longer text in a search box is cut to this: no name or CRN is longer.
SEARCH_MAX = 100


def text_bound(model: str, field: str, limit: int) -> models.CheckConstraint:
    """The database's bound on a TextField: `char_length(field) <= limit`."""
    return models.CheckConstraint(
        condition=LessThanOrEqual(Length(field), limit),
        name=f"{model}_{field}_max_length",
        violation_error_message=f"Must be {limit:,} characters or fewer",
    )


def too_long_message(label: str, limit: int, length: int) -> str:
    return (
        f"{label} must be {limit:,} characters or fewer: you have entered {length:,} "
        f"characters, {length - limit:,} too many"
    )


@deconstructible
class TextLengthValidator:
    """A maximum length whose message names the field, the limit and how far over it is."""

    code = "max_length"

    def __init__(self, limit: int, label: str = "The text"):
        self.limit = limit
        self.label = label

    def __call__(self, value) -> None:
        length = len(value)
        if length > self.limit:
            raise ValidationError(
                too_long_message(self.label, self.limit, length),
                code=self.code,
                params={"limit_value": self.limit, "show_value": length},
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, TextLengthValidator) and (self.limit, self.label) == (
            other.limit,
            other.label,
        )


# --- Dates ---------------------------------------------------------------------------------

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)


def years_from(day: date, years: int) -> date:
    """The same day `years` later (or earlier); 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@deconstructible
class DateRangeValidator:
    """A date within 1900–2100 and, optionally, within some years either side of today.

    years_before: the earliest is that many years before today; years_after: the latest is
    that many years after today (negative: before today, as for a date of birth).
    """

    code = "date_out_of_range"

    def __init__(
        self, *, years_before: int | None = None, years_after: int | None = None, why: str = ""
    ):
        self.years_before = years_before
        self.years_after = years_after
        self.why = why

    def bounds(self, today: date | None = None) -> tuple[date, date]:
        today = today or timezone.localdate()
        earliest, latest = EARLIEST_DATE, LATEST_DATE
        if self.years_before is not None:
            earliest = max(earliest, years_from(today, -self.years_before))
        if self.years_after is not None:
            latest = min(latest, years_from(today, self.years_after))
        return earliest, latest

    def message(self, label: str, today: date | None = None) -> str:
        earliest, latest = self.bounds(today)
        message = f"{label} must be between {earliest:%-d %B %Y} and {latest:%-d %B %Y}"
        return f"{message}: {self.why}" if self.why else message

    def check(self, value: date, label: str) -> None:
        earliest, latest = self.bounds()
        if not earliest <= value <= latest:
            raise ValidationError(self.message(label), code=self.code)

    def __call__(self, value: date) -> None:
        self.check(value, "The date")

    def __eq__(self, other) -> bool:
        return isinstance(other, DateRangeValidator) and (
            (self.years_before, self.years_after, self.why)
            == (other.years_before, other.years_after, other.why)
        )


# Any date: 1 January 1900 to 31 December 2100 (offences, convictions, orders and licences,
# bank holidays, accreditation, and the dates the app itself writes).
ANY_DATE = DateRangeValidator()
# He must be 10 to 110 years old.
DATE_OF_BIRTH = DateRangeValidator(
    years_before=110, years_after=-10, why="he must be between 10 and 110 years old"
)
# The work of a case (assessments, checklist, sessions, catch-ups, appointments, reviews,
# handovers, due dates): from 10 years ago to 5 years ahead.
CASEWORK_DATE = DateRangeValidator(years_before=10, years_after=5)
