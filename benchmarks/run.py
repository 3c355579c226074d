"""The benchmark (`make benchmark`): every page measured on the data in one database, the
results written to benchmarks/results/<label>-scale-<scale>.json and docs/performance.md.

Not a test. It reads the data and writes what the pages write when they are opened (a
consultation row per page view, sessions), so run it on a generated database. Environment:
BENCHMARK_DATABASE (a database name; default the one DATABASE_URL names), BENCHMARK_RUNS (30),
BENCHMARK_LABEL ("after"), BENCHMARK_SCALE (default worked out from the number of offenders),
BENCHMARK_THROUGHPUT_SECONDS (10; 0 skips the gunicorn run), BENCHMARK_ONLY (a substring of
"group: page name" to measure only some pages). Exits non-zero, after writing everything, when a
page failed or a query sequentially scans a table of over 10,000 rows to keep under 5% of them.
"""

import json
import os
import platform
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


def _use_database(name: str) -> None:
    """Point both database URLs at another database on the same server."""
    for variable in ("DATABASE_URL", "DATABASE_OWNER_URL"):
        default = f"postgres://{'isotp_app' if variable == 'DATABASE_URL' else 'isotp_owner'}"
        url = os.environ.get(variable, default + "@127.0.0.1:5432/isotp")
        os.environ[variable] = urlunsplit(urlsplit(url)._replace(path="/" + name))


def machine() -> dict:
    from django.db import connection

    def first(path: str, key: str) -> str:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return ""

    memory_kb = first("/proc/meminfo", "MemTotal").split()[0:1]
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return {
        "cores": os.cpu_count(),
        "ram_gb": round(int(memory_kb[0]) / 1024 / 1024, 1) if memory_kb else None,
        "cpu": first("/proc/cpuinfo", "model name") or platform.processor(),
        "postgresql": postgres,
        "python": platform.python_version(),
        # Other work on the machine skews every figure: the load when the run began.
        "load_average": round(os.getloadavg()[0], 2),
    }


def scale_label() -> str:
    """BENCHMARK_SCALE, else the share of the national size (100,000 offenders) in the data."""
    if os.environ.get("BENCHMARK_SCALE"):
        return os.environ["BENCHMARK_SCALE"]
    from referrals.models import Offender

    offenders = Offender.objects.count()
    if offenders < 500:
        return "demo"
    return str(float(f"{offenders / 100_000:.2g}"))


def main() -> int:
    if os.environ.get("BENCHMARK_DATABASE"):
        _use_database(os.environ["BENCHMARK_DATABASE"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isotp.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    import isotp.pdf
    from benchmarks import measure, report
    from benchmarks.pages import ADMIN, PDFS, hot_spots, pages

    runs = int(os.environ.get("BENCHMARK_RUNS", "30"))
    seconds = int(os.environ.get("BENCHMARK_THROUGHPUT_SECONDS", "10"))
    only = os.environ.get("BENCHMARK_ONLY", "").lower()
    label = os.environ.get("BENCHMARK_LABEL", "after")
    database = settings.DATABASES["default"]["NAME"]

    analyzed = measure.analyze_unanalyzed()
    if analyzed:
        print(f"ANALYZE (never analyzed before): {', '.join(analyzed)}")
    sizes = measure.table_sizes()
    spots = hot_spots()
    scale = scale_label()
    machine_info = machine()
    print(f"Database {database}, scale {scale}, {runs} runs a page")
    for key, value in spots.items():
        print(f"  {key}: {value.username if hasattr(value, 'username') else value}")

    results, failures = [], []
    chosen = [p for p in pages(spots) if only in f"{p.group}: {p.name}".lower()]
    pdf_warmed = False
    for page in chosen:
        if page.group == PDFS and not pdf_warmed:
            # The first PDF of a process starts the renderer's fork server: not a page's cost.
            isotp.pdf.html_to_pdf(
                '<html lang="en"><title>Warm-up</title><p>Warm-up</p>', timeout=60
            )
            pdf_warmed = True
        if page.user is None:
            result = {
                "group": page.group,
                "name": page.name,
                "skipped": page.note or "not in the data",
            }
            results.append(result)
            print(report.line(result), flush=True)
            continue
        try:
            result = measure.measure_page(page, runs, sizes, pdf=page.group == PDFS)
        except Exception as error:  # noqa: BLE001 - one broken page must not hide the rest
            traceback.print_exc()
            result = {"group": page.group, "name": page.name, "url": page.url, "error": repr(error)}
        result["targets"] = report.targets(result)
        results.append(result)
        print(report.line(result), flush=True)
        if "error" in result:
            failures.append(f"{page.group}: {page.name}: {result['error']}")
        for scan in result.get("seq_scans", []):
            failures.append(
                f"{page.group}: {page.name}: sequential scan of {scan['table']} "
                f"({scan['rows']:,} rows, about {scan['kept']:,} kept) in: {scan['sql']}"
            )

    om = spots["offender_manager"]
    if seconds <= 0:
        throughput = {"skipped": "BENCHMARK_THROUGHPUT_SECONDS=0"}
    elif only not in "throughput: caseload":
        throughput = {"skipped": f"BENCHMARK_ONLY={only}"}
    elif om is None:
        throughput = {"skipped": "no offender manager in the data"}
    else:
        from django.urls import reverse

        print(f"Throughput: {seconds} s each under gunicorn with wrk ...", flush=True)
        throughput = measure.throughput(om, reverse("programme:caseload"), seconds)
        if "error" in throughput:
            failures.append(f"throughput: {throughput['error']}")
    print(report.throughput_line(throughput))

    data = {
        "label": label,
        "scale": scale,
        "database": database,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "runs": runs,
        "only": only,
        "machine": machine_info,
        "hot_spots": {
            key: getattr(value, "username", value) if value is not None else None
            for key, value in spots.items()
        },
        "pages": results,
        "throughput": throughput,
        "admin_group": ADMIN,
        "failures": failures,
    }
    data["hot_spots"]["offender"] = spots["offender"] and spots["offender"].crn
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{label}-scale-{scale}.json"
    path.write_text(json.dumps(data, indent=1, default=str) + "\n")
    report.write(path, ROOT / "docs" / "performance.md")
    print(f"Wrote {path.relative_to(ROOT)} and docs/performance.md")
    if failures:
        print("\nBENCHMARK FAILED:", file=sys.stderr)
        for failure in failures:
            print(f"  {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
