"""Time the list pages (caseload, waiting list, register, actions) at two data sizes.

Prints median response times and query counts; not a test. Works inside one transaction
on the development database and rolls everything back, so it leaves no data behind:

    DJANGO_SETTINGS_MODULE=isotp.settings DJANGO_DEBUG=true .venv/bin/python benchmarks/list_pages.py
"""

import os
import statistics
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isotp.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from tests.factories import (  # noqa: E402
    Role,
    make_group,
    make_offender,
    make_office,
    make_placement,
    make_ready_referral,
    make_staff,
    record,
)

RUNS = 7


def measure(client: Client, url: str) -> tuple[float, int]:
    timings = []
    queries = 0
    for _ in range(RUNS):
        connection.queries_log.clear()  # the setup's thousands of queries would fill it
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    return statistics.median(timings) * 1000, queries


def scenario(size: int) -> None:
    with transaction.atomic():
        office = make_office(f"Benchmark PDU {size}", area="Benchmark area")
        manager = make_staff(
            f"bench.om.{size}",
            Role.OFFENDER_MANAGER,
            office,
            accredited_on=django.utils.timezone.localdate(),
        )
        facilitator = make_staff(f"bench.fac.{size}", Role.FACILITATOR, office)
        programme_manager = make_staff(f"bench.pm.{size}", Role.PROGRAMME_MANAGER, office)
        groups = [make_group(programme_manager, [facilitator]) for _ in range((size + 9) // 10)]
        for number in range(size):
            offender = make_offender(manager)
            if number % 2:
                make_ready_referral(offender, manager)
            else:
                group = groups[(number // 2) % len(groups)]
                if group.placements.count() < 10:
                    placement = make_placement(group, offender, manager, by=programme_manager)
                    record(
                        group.sessions.get(number=1), placement, "unacceptable_absence", facilitator
                    )
        client = Client(HTTP_HOST="127.0.0.1")
        results = []
        client.force_login(manager)
        results.append(
            ("caseload (offender manager)", *measure(client, reverse("referrals:caseload")))
        )
        results.append(
            ("actions (offender manager)", *measure(client, reverse("programme:actions")))
        )
        client.force_login(programme_manager)
        results.append(
            (
                "waiting list (programme manager)",
                *measure(client, reverse("referrals:waiting_list")),
            )
        )
        client.force_login(facilitator)
        register = reverse("programme:register", args=[groups[0].sessions.get(number=2).pk])
        results.append(("register, 10 members (facilitator)", *measure(client, register)))
        print(f"\n{size} offenders")
        for name, ms, queries in results:
            print(f"  {name:<38} {ms:8.1f} ms median of {RUNS}   {queries:3d} queries")
        transaction.set_rollback(True)


if __name__ == "__main__":
    for size in (20, 200):
        scenario(size)
