"""One PDF render has a time limit (settings.PDF_RENDER_TIMEOUT_SECONDS): past it, WeasyPrint's
child process is killed and the user gets a page saying the document took too long (503)."""

import time

import pytest
from django.urls import reverse

from isotp.pdf import PdfResourceError, PdfTimeout, html_to_pdf
from tests.factories import make_assessment, make_offender


def test_a_document_within_the_limit_renders_in_a_child_process():
    assert html_to_pdf("<p>Short</p>", timeout=20).startswith(b"%PDF-")


def test_the_child_still_refuses_outside_resources():
    with pytest.raises(PdfResourceError):
        html_to_pdf('<img src="https://example.org/x.png" alt="x">', timeout=20)


def test_an_oversized_report_is_stopped_at_the_limit(settings):
    # A real document far too big to render in a second: 40,000 table rows.
    rows = "".join(f"<tr><td>Session {n}</td><td>{'word ' * 20}</td></tr>" for n in range(40_000))
    html = f"<html><body><table>{rows}</table></body></html>"
    started = time.monotonic()
    with pytest.raises(PdfTimeout, match="longer than 1 seconds"):
        html_to_pdf(html, timeout=1)
    assert time.monotonic() - started < 5  # stopped, not waited for


def test_the_user_is_told_the_document_took_too_long(login, alice, settings):
    offender = make_offender(alice)
    assessment = make_assessment(offender, alice)
    settings.PDF_RENDER_TIMEOUT_SECONDS = 0.001  # no report renders that fast
    response = login(alice).get(reverse("referrals:assessment_pdf", args=[assessment.pk]))
    page = response.content.decode()
    assert response.status_code == 503
    assert "The document took too long to produce" in page
    assert "Try again in a few minutes" in page
    assert "no-store" in response["Cache-Control"]


def test_the_same_report_renders_within_the_normal_limit(login, alice):
    offender = make_offender(alice)
    assessment = make_assessment(offender, alice)
    response = login(alice).get(reverse("referrals:assessment_pdf", args=[assessment.pk]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
