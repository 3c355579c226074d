"""The forecast's back-test (docs/forecasting.md): predictions made as if some months earlier,
compared with when the men actually started.

    DJANGO_DEBUG=true .venv/bin/python benchmarks/forecast_backtest.py [--months 6] [--on DAY]

Run it on a generated database (`manage.py generate_data`, docs/generated-data.md); it only
reads. For the day of the test (`--on`, default `--months` before the newest session recorded)
it rebuilds the waiting list as it stood then, from the status history (each referral's
status at the end of that day), puts every man in his queue (office, programme and age band
that day, the waiting list's order), and forecasts him with the service's own method and
what was recorded by then (groups formed by that day, places given and not yet ended). It
then compares each forecast with his actual first session, and prints the error.
"""

import argparse
import os
import statistics
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isotp.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the values fall (nearest rank)."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def queue_then(on: date) -> list[dict]:
    """Every referral waiting at the end of `on`, with its place in its queue then."""
    from django.db.models import F, OuterRef, Subquery
    from django.utils import timezone

    from programme.reporting.forecast import place_in_queue, queue_windows
    from referrals.models import WAITING_STATUSES, Referral, ReferralStatusChange

    end_of_day = timezone.make_aware(datetime.combine(on + timedelta(days=1), time.min))
    status_then = (
        ReferralStatusChange.objects.filter(referral=OuterRef("pk"), at__lt=end_of_day)
        .order_by("-at", "-pk")
        .values("to_status")[:1]
    )
    rows = (
        Referral.objects.annotate(status_then=Subquery(status_then))
        .filter(status_then__in=WAITING_STATUSES)
        .with_age_band(on)
        .annotate(
            **queue_windows("status_then"),
            office_id=F("offender__office_id"),
            started_on=F("placement__first_session__date"),
            allocated_on=F("placement__allocated_on"),
            final_status=F("status"),
        )
        .values(
            "pk",
            "office_id",
            "programme_id",
            "age_band",
            "queue_position",
            "ready_so_far",
            "queue_size",
            "status_then",
            "started_on",
            "allocated_on",
            "final_status",
        )
    )
    return [
        dict(
            row,
            place=place_in_queue(
                status=row["status_then"],
                position=row["queue_position"],
                ready_so_far=row["ready_so_far"],
            ),
        )
        for row in rows
    ]


WAITING = ("awaiting_assessment", "suitable_not_ready", "awaiting_allocation")


def summary(men: list[dict]) -> dict:
    """The error of the forecasts of these men: days off (actual first session less the
    expected date) of those who started, and how many started inside their range."""
    known = [m for m in men if m["forecast"].known]
    started = [m for m in known if m["started"]]
    off = [(m["started_on"] - m["forecast"].expected).days for m in started]
    inside = [
        m for m in started if m["forecast"].earliest <= m["started_on"] <= m["forecast"].latest
    ]
    figures = {
        "men": len(men),
        "with a forecast": len(known),
        "started by the end": len(started),
        "left without starting": sum(1 for m in known if m["left"]),
        "still waiting, past the latest date": sum(
            1 for m in known if m["still_waiting"] and m["forecast"].latest < m["end"]
        ),
        "of whom still not ready at the end": sum(
            1
            for m in known
            if m["still_waiting"] and m["forecast"].latest < m["end"] and not m["ready_at_end"]
        ),
        "still waiting, range not over": sum(
            1 for m in known if m["still_waiting"] and m["forecast"].latest >= m["end"]
        ),
    }
    if started:
        absolute = [abs(days) for days in off]
        figures.update(
            {
                "median days off": statistics.median(absolute),
                "90th percentile days off": percentile(absolute, 0.9),
                "mean days late (negative: early)": round(statistics.mean(off), 1),
                "started within the range": f"{len(inside) / len(started):.0%}",
            }
        )
    return figures


def backtest(*, on: date, end: date) -> dict:
    from programme.reporting.forecast import predict_start, queue_supplies
    from referrals.models import Programme

    waiting = queue_then(on)
    programmes = Programme.objects.in_bulk()
    supplies = queue_supplies(
        {(r["office_id"], r["programme_id"], r["age_band"]) for r in waiting},
        today=on,
        programmes=programmes,
        as_recorded_then=True,
    )
    men = []
    for row in waiting:
        supply = supplies[(row["office_id"], row["programme_id"], row["age_band"])]
        forecast = predict_start(
            place=row["place"],
            queue_size=row["queue_size"],
            supply=supply,
            today=on,
            ready=row["status_then"] == "awaiting_allocation",
        )
        # His first session, if his place was given after the day of the test.
        started = row["started_on"] is not None and row["allocated_on"] > on
        men.append(
            {
                "forecast": forecast,
                "started": started,
                "started_on": row["started_on"],
                "still_waiting": not started and row["final_status"] in WAITING,
                "ready_at_end": row["final_status"] == "awaiting_allocation",
                "left": not started and row["final_status"] not in WAITING,
                "ready": row["status_then"] == "awaiting_allocation",
                "in_forming_group": forecast.in_forming_group,
                "end": end,
            }
        )
    return {
        "everyone": summary(men),
        "ready for allocation then": summary([m for m in men if m["ready"]]),
        "not yet ready then": summary([m for m in men if not m["ready"]]),
        "in a group formed already": summary([m for m in men if m["in_forming_group"]]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=6, help="how long before the data's end")
    parser.add_argument("--on", type=date.fromisoformat, help="the day of the test")
    arguments = parser.parse_args()
    setup()
    from django.db.models import Max

    from programme.models import GroupSession
    from programme.reporting.forecast import months_before

    end = GroupSession.objects.filter(register_completed_at__isnull=False).aggregate(
        last=Max("date")
    )["last"]
    if end is None:
        sys.exit("No recorded sessions: generate data first (docs/generated-data.md)")
    on = arguments.on or months_before(end, arguments.months)
    result = backtest(on=on, end=end)
    print(f"Forecasts made as on {on:%-d %B %Y}, compared with the data up to {end:%-d %B %Y}")
    rows = list(next(iter(result.values())))
    print("| | " + " | ".join(result) + " |")
    print("| --- |" + " --- |" * len(result))
    for row in rows:
        print(f"| {row} | " + " | ".join(str(part.get(row, "")) for part in result.values()) + " |")


if __name__ == "__main__":
    main()
