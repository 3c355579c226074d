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
from datetime import UTC, date, datetime, time
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
    """Move this process's clock to TEST_TODAY's morning (or to TEST_NOW, the moment a parent
    test process had reached when it started this one), if set; returns the traveller."""
    day = travel_date()
    if day is None:
        return None
    moment = os.environ.get("TEST_NOW")
    start = (
        datetime.fromisoformat(moment)
        if moment
        else datetime.combine(day, MORNING, tzinfo=ZoneInfo("Europe/London"))
    )
    traveller = time_machine.travel(start, tick=True)
    traveller.start()
    return traveller


def on_day(day: date) -> time_machine.travel:
    """For a test's events on a day of its own story (a warning given the day after a
    failure, say): the clock at 10:00 in London that day, ticking on, until the block ends."""
    return time_machine.travel(datetime.combine(day, MORNING, tzinfo=ZoneInfo("Europe/London")))


def child_environment() -> dict[str, str]:
    """What a process a test starts needs in its environment to share the test's clock: the
    moment the test has reached (its clock has ticked on since the morning of TEST_TODAY)."""
    if travel_date() is None:
        return {}
    return {"TEST_TODAY": os.environ["TEST_TODAY"], "TEST_NOW": datetime.now(UTC).isoformat()}


def command(*arguments: str) -> list[str]:
    """The command line that runs `manage.py` with these arguments on the suite's clock."""
    moment = child_environment().get("TEST_NOW")
    return [sys.executable, "-m", "tests.clock", *([f"--now={moment}"] if moment else [])] + [
        "manage.py",
        *arguments,
    ]


def dates_to_try(start: date) -> list[date]:
    """The days `make test-dates` runs the suite at: the next twelve months' bank holidays with
    the day before and after each, a Monday, a Friday, 29 February 2028 and the last day of a
    month and of a year."""
    import calendar
    from datetime import timedelta

    from programme.models import england_and_wales_bank_holidays

    end = start + timedelta(days=365)
    days = set()
    for holiday in england_and_wales_bank_holidays(start.year):
        if start <= holiday <= end:
            days |= {holiday - timedelta(days=1), holiday, holiday + timedelta(days=1)}
    monday = start + timedelta(days=(7 - start.weekday()) % 7 or 7)
    last_of_month = date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])
    days |= {monday, monday + timedelta(days=4), date(2028, 2, 29), last_of_month}
    days.add(date(start.year, 12, 31))
    return sorted(days)


if __name__ == "__main__":
    # python -m tests.clock [--now=ISO] manage.py ARGS: manage.py on the test's clock.
    arguments = sys.argv[1:]
    if arguments[0].startswith("--now="):
        os.environ["TEST_NOW"] = arguments.pop(0).removeprefix("--now=")
    start_travelling()
    sys.argv = arguments
    runpy.run_path(sys.argv[0], run_name="__main__")
