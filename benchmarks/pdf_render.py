"""Time the shared PDF report layout on a short and a long report. Prints figures; not a test.

DJANGO_SETTINGS_MODULE=isotp.settings DJANGO_DEBUG=true .venv/bin/python benchmarks/pdf_render.py
"""

import io
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
django.setup()

import pypdf  # noqa: E402
from django.conf import settings  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402

from isotp.pdf import pdf_bytes  # noqa: E402

# Every block of the layout, repeated once per section: a report of realistic shape.
TEMPLATE = """{% extends "reports/base.html" %}
{% block title %}Benchmark report{% endblock %}
{% block content %}
<h1>Benchmark report</h1>
{% for section in sections %}
<h2>Section {{ section }}</h2>
<p>{{ paragraph }}</p>
<table class="summary">
  <tr><th scope="row">Name</th><td>{{ report_subject_name }}</td></tr>
  <tr><th scope="row">CRN</th><td>{{ report_subject_crn }}</td></tr>
  <tr><th scope="row">Outcome</th><td>Suitable for the programme</td></tr>
</table>
<div class="callout"><p>{{ paragraph }}</p></div>
<ol class="reasons">{% for reason in reasons %}<li>{{ reason }}</li>{% endfor %}</ol>
<table class="data">
  <thead><tr><th scope="col">Session</th><th scope="col">Date</th><th scope="col" class="numeric">Hours</th></tr></thead>
  <tbody>{% for row in rows %}<tr><td>Session {{ row }}</td><td>{{ report_date|date:"j M Y" }}</td><td class="numeric">2.5</td></tr>{% endfor %}</tbody>
</table>
{% endfor %}
{% endblock %}
"""

PARAGRAPH = (
    "The assessment considered the risk and need factors recorded at referral, the views of the "
    "offender manager and the treatment manager, and the requirements of the order. "
) * 3

RUNS = 5


def context(sections: int, *, rows: int = 8, large_print: bool = False) -> dict:
    return {
        "report_subject_name": "Siobhan O'Neill",
        "report_subject_crn": "X123456",
        "report_date": date(2026, 11, 25),
        "large_print": large_print,
        "sections": range(1, sections + 1),
        "paragraph": PARAGRAPH,
        "reasons": ["First reason, in plain words.", "Second reason.", "Third reason."],
        "rows": range(1, rows + 1),
    }


def measure(label: str, sections: int, *, rows: int = 8, large_print: bool = False) -> None:
    ctx = context(sections, rows=rows, large_print=large_print)
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        pdf = pdf_bytes("benchmark.html", ctx)
        timings.append(time.perf_counter() - start)
    pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    print(
        f"{label:<22} {pages:>3} pages  {len(pdf) / 1024:>6.0f} KiB  "
        f"median {statistics.median(timings):.2f} s  min {min(timings):.2f} s  "
        f"max {max(timings):.2f} s  ({RUNS} runs)"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "benchmark.html").write_text(TEMPLATE)
        engine = settings.TEMPLATES[0]
        with override_settings(TEMPLATES=[{**engine, "DIRS": [folder, *engine["DIRS"]]}]):
            # isotp.pdf builds one FontConfiguration at import; this is what reusing it saves.
            start = time.perf_counter()
            FontConfiguration()
            print(f"FontConfiguration(): {(time.perf_counter() - start) * 1000:.1f} ms")
            # The first render of a process pays for loading fonts and warming caches.
            start = time.perf_counter()
            pdf_bytes("benchmark.html", context(1))
            print(f"first render of the process: {time.perf_counter() - start:.2f} s")
            measure("short report", 4)
            measure("long report", 25)
            # One long table spanning pages: the slow case the stack notes warn about.
            measure("one long table", 1, rows=700)
            measure("short, large print", 1, large_print=True)


if __name__ == "__main__":
    main()
