"""The suite's clock: `make test TEST_TODAY=2027-03-26` runs every test as if that were today.

Without TEST_TODAY the suite runs at the real date, so CI keeps trying new days. With it, the
whole process travels (time-machine patches the clock for every thread: the live server of
the browser tests too) to that date at 10:00 in London and the clock ticks on from there;
the worker processes the tests start travel with it (`python -m tests.clock manage.py …`).
PostgreSQL keeps the real clock: only timestamps it writes itself (history) see it.
"""

import os
import runpy
import sys
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import time_machine

MORNING = time(10, 0)


def travel_date() -> date | None:
    """The date TEST_TODAY names, or None to run at the real date."""
    value = os.environ.get("TEST_TODAY", "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise SystemExit(f"TEST_TODAY must be a date as YYYY-MM-DD, not {value!r}") from None


def start_travelling() -> time_machine.travel | None:
    """Move this process's clock to TEST_TODAY's morning, if it is set; returns the traveller."""
    day = travel_date()
    if day is None:
        return None
    traveller = time_machine.travel(
        datetime.combine(day, MORNING, tzinfo=ZoneInfo("Europe/London")), tick=True
    )
    traveller.start()
    return traveller


def command(*arguments: str) -> list[str]:
    """The command line that runs `manage.py` with these arguments on the suite's clock."""
    return [sys.executable, "-m", "tests.clock", "manage.py", *arguments]


if __name__ == "__main__":
    # python -m tests.clock manage.py ARGS: run manage.py as if TEST_TODAY were today.
    start_travelling()
    sys.argv = sys.argv[1:]
    runpy.run_path(sys.argv[0], run_name="__main__")


def dates_to_try(start: date) -> list[date]:
    """The days `make test-dates` runs the suite at: the next twelve months' bank holidays with
    the day before and after each, a Monday, a Friday, 29 February 2028 and the last day of a
    month and of a year."""
    import calendar
    from datetime import timedelta

    from programme.reference_data import BANK_HOLIDAYS

    end = start + timedelta(days=365)
    days = set()
    for holiday, _name in BANK_HOLIDAYS:
        if start <= holiday <= end:
            days |= {holiday - timedelta(days=1), holiday, holiday + timedelta(days=1)}
    monday = start + timedelta(days=(7 - start.weekday()) % 7 or 7)
    last_of_month = date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])
    days |= {monday, monday + timedelta(days=4), date(2028, 2, 29), last_of_month}
    days.add(date(start.year, 12, 31))
    return sorted(days)
