"""The shared PDF report layout (templates/reports/base.html) and isotp.pdf.

No test here touches the database: rendering a report needs only templates and static files.
"""

import io
import math
from datetime import date
from pathlib import Path

import pypdf
import pytest

from isotp.pdf import BASE_URL, PdfResourceError, StaticFilesOnlyFetcher, pdf_bytes, render_pdf

SUBJECT = {
    "report_subject_name": "Siobhan O'Neill",
    "report_subject_crn": "X123456",
    "report_date": date(2026, 11, 25),
}

# A report of exactly two pages: the second starts with a forced page break.
TWO_PAGE_REPORT = """{% extends "reports/base.html" %}
{% block title %}Layout test for {{ report_subject_name }}{% endblock %}
{% block content %}
<h1>Layout test</h1>
<table class="summary">
  <tr><th scope="row">Name</th><td>{{ report_subject_name }}</td></tr>
  <tr><th scope="row">CRN</th><td>{{ report_subject_crn }}</td></tr>
</table>
<div class="callout"><p>Important wording.</p></div>
<ul class="reasons"><li>First reason</li><li>Second reason</li></ul>
<h2 class="page-break">Sessions</h2>
<table class="data">
  <thead><tr><th scope="col">Session</th><th scope="col" class="numeric">Hours</th></tr></thead>
  <tbody>{% for n in rows %}<tr><td>Session {{ n }}</td><td class="numeric">2</td></tr>{% endfor %}</tbody>
</table>
{% endblock %}
"""

EXTERNAL_IMAGE_REPORT = """{% extends "reports/base.html" %}
{% block content %}<p><img src="https://example.org/x.png" alt="x"></p>{% endblock %}
"""


@pytest.fixture
def report_templates(tmp_path: Path, settings) -> Path:
    """A temporary templates folder, searched before the project's own."""
    (tmp_path / "two_pages.html").write_text(TWO_PAGE_REPORT)
    (tmp_path / "external_image.html").write_text(EXTERNAL_IMAGE_REPORT)
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [tmp_path, *engine["DIRS"]]}]
    return tmp_path


def render(**extra) -> pypdf.PdfReader:
    pdf = pdf_bytes("two_pages.html", {**SUBJECT, "rows": range(5), **extra})
    return pypdf.PdfReader(io.BytesIO(pdf))


def effective_font_sizes(page: pypdf.PageObject) -> list[float]:
    """The size in points at which each run of visible text is drawn on the page."""
    sizes: list[float] = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            # The text rendering matrix is Tm x CTM; its y axis's length scales the font size.
            c, d = tm[2], tm[3]
            y_scale_x = c * cm[0] + d * cm[2]
            y_scale_y = c * cm[1] + d * cm[3]
            sizes.append(font_size * math.hypot(y_scale_x, y_scale_y))

    page.extract_text(visitor_text=visit)
    return sizes


def test_every_page_carries_the_marking_subject_and_page_number(report_templates):
    reader = render()

    assert len(reader.pages) == 2
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert text.count("OFFICIAL-SENSITIVE") == 2  # top and bottom centre
        assert "Siobhan O'Neill, CRN X123456" in text
        assert "Produced 25 November 2026" in text
        assert f"Page {number} of 2" in text


def test_pdf_is_tagged_with_title_and_language(report_templates):
    reader = render()
    catalog = reader.trailer["/Root"]

    assert "/StructTreeRoot" in catalog
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert catalog["/Lang"] == "en-GB"
    assert reader.metadata.title == "Layout test for Siobhan O'Neill"


def test_large_print_draws_every_character_at_18pt_or_more(report_templates):
    regular = [size for page in render().pages for size in effective_font_sizes(page)]
    large = [size for page in render(large_print=True).pages for size in effective_font_sizes(page)]

    # The measurement works: ordinary body text is 11pt.
    assert min(regular) < 12
    assert pytest.approx(11, abs=0.01) in regular
    assert large and min(large) >= 18 - 0.01


@pytest.mark.parametrize("large_print", [False, True])
def test_a_long_name_does_not_break_the_marking(report_templates, large_print):
    long_name = "Alexander Bartholomew Montgomery-Fitzwilliam"
    reader = render(report_subject_name=long_name, large_print=large_print)

    for page in reader.pages:
        assert page.extract_text().count("OFFICIAL-SENSITIVE") == 2


def test_fetcher_serves_static_files():
    response = StaticFilesOnlyFetcher().fetch(f"{BASE_URL}static/reports/report.css")

    assert response.content_type == "text/css"
    assert b"OFFICIAL-SENSITIVE" in response.read()


def test_fetcher_serves_collected_files_too(tmp_path: Path, settings):
    # In production {% static %} gives the manifest's hashed names, found only in STATIC_ROOT.
    settings.STATIC_ROOT = tmp_path
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "report.0123abcd.css").write_text("body { color: black }")

    response = StaticFilesOnlyFetcher().fetch(f"{BASE_URL}static/reports/report.0123abcd.css")

    assert response.read() == b"body { color: black }"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/x.png",
        "file:///etc/passwd",
        "http://isotp.invalid/static/reports/report.css",  # another origin
        f"{BASE_URL}static/../../../etc/passwd",
        f"{BASE_URL}static/%2e%2e/%2e%2e/etc/passwd",
        f"{BASE_URL}static/reports/missing.css",
        f"{BASE_URL}staticx/reports/report.css",
        f"{BASE_URL}media/report.css",
        "data:text/css,body{color:red}",
    ],
)
def test_fetcher_refuses_anything_else(url):
    with pytest.raises(PdfResourceError):
        StaticFilesOnlyFetcher().fetch(url)


def test_a_report_asking_for_an_outside_resource_is_not_rendered(report_templates):
    with pytest.raises(PdfResourceError):
        pdf_bytes("external_image.html", SUBJECT)


def test_render_pdf_response(report_templates, db):
    # db: a rendering is kept in the database (isotp.models.PdfRendering).
    response = render_pdf("two_pages.html", {**SUBJECT, "rows": []}, filename="X123456 report.pdf")

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="X123456 report.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF-")
