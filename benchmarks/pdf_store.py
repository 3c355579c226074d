"""Time the PDFs a first time (rendered) and again (served from the kept renderings,
isotp.models.PdfRendering): a man's attendance record and a group's register, 10 men and 35
sessions recorded. Not a test; works inside one transaction on the development database and
rolls everything back:

    DJANGO_DEBUG=true .venv/bin/python benchmarks/pdf_store.py
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

from isotp.models import AccessLog  # noqa: E402
from programme.services.register import RegisterEntry, register_save  # noqa: E402
from tests.factories import (  # noqa: E402
    Role,
    make_group,
    make_offender,
    make_office,
    make_placement,
    make_staff,
    sign_in_verified,
)

RUNS = 30


def timed(client: Client, url: str, pdf: bool = True) -> tuple[float, int, int]:
    """Milliseconds, queries, and the size of the response."""
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, url
    assert response.content.startswith(b"%PDF") or not pdf, url
    return elapsed, len(captured), len(response.content)


def report(name: str, client: Client, url: str) -> None:
    logged = AccessLog.objects.count()
    first, _, size = timed(client, url)
    again = [timed(client, url) for _ in range(RUNS)]
    times = sorted(t for t, _, _ in again)
    p50 = statistics.median(times)
    p95 = times[int(0.95 * (len(times) - 1))]
    assert AccessLog.objects.count() == logged + RUNS + 1  # every print logged
    print(
        f"  {name:<34} first {first:7.0f} ms   again p50 {p50:5.1f} ms  p95 {p95:5.1f} ms"
        f"  ({again[0][1]} queries, {size // 1024} KB)"
    )


def main() -> None:
    with transaction.atomic():
        office = make_office("Benchmark PDU pdf", area="Benchmark area")
        manager = make_staff(
            "bench.pdf.om",
            Role.OFFENDER_MANAGER,
            office,
            accredited_on=django.utils.timezone.localdate(),
        )
        facilitator = make_staff("bench.pdf.fac", Role.FACILITATOR, office)
        programme_manager = make_staff("bench.pdf.pm", Role.PROGRAMME_MANAGER, office)
        group = make_group(programme_manager, [facilitator])
        placements = [
            make_placement(group, make_offender(manager), manager, by=programme_manager)
            for _ in range(10)
        ]
        for session in group.sessions.order_by("number"):
            register_save(
                session=session,
                entries=[
                    RegisterEntry(placement=p, outcome="attended", minutes_late=0)
                    for p in placements
                ],
                by=facilitator,
            )
        client = sign_in_verified(Client(HTTP_HOST="127.0.0.1"), manager)
        print(f"\nPDFs, first print and {RUNS} prints again (unchanged records)")
        # For comparison, at the same moment: an HTML page about the same man.
        page = [
            timed(client, reverse("programme:placement", args=[placements[0].pk]), pdf=False)
            for _ in range(RUNS)
        ]
        page_times = sorted(t for t, _, _ in page)
        print(
            f"  {'(his place, an HTML page)':<34} {'':18} p50 {statistics.median(page_times):5.1f} ms"
            f"  p95 {page_times[int(0.95 * (RUNS - 1))]:5.1f} ms  ({page[0][1]} queries)"
        )
        report(
            "attendance record (35 sessions)",
            client,
            reverse("programme:attendance_record_pdf", args=[placements[0].pk]),
        )
        client = sign_in_verified(Client(HTTP_HOST="127.0.0.1"), programme_manager)
        report(
            "group register (10 men, 35 sessions)",
            client,
            reverse("programme:group_register_pdf", args=[group.pk]),
        )
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
