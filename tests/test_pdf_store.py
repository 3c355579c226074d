"""A PDF is rendered once per version of what it shows and kept in the database
(isotp.models.PdfRendering): a second print of an unchanged record is served from there, a
change to the record prints a new PDF, and every print is in the consultation log."""

from datetime import timedelta

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from isotp.models import AccessLog, PdfRendering
from isotp.pdf import rendering_digest
from tests.pdf_text import pdf_text


def attendance_url(placement) -> str:
    return reverse("programme:attendance_record_pdf", args=[placement.pk])


def prints_logged(placement) -> list[AccessLog]:
    return list(
        AccessLog.objects.filter(
            view="programme:attendance_record_pdf", record_id=str(placement.pk)
        )
    )


def test_a_second_print_of_an_unchanged_record_is_served_from_the_store_with_the_same_bytes(
    login, alice, placement
):
    client = login(alice)
    first = client.get(attendance_url(placement))
    assert first.status_code == 200 and first.content.startswith(b"%PDF-")
    assert PdfRendering.objects.count() == 1

    second = client.get(attendance_url(placement))
    assert second.status_code == 200
    assert second.content == first.content
    assert PdfRendering.objects.count() == 1
    assert "no-store" in second["Cache-Control"]
    # Both prints are reads of his record: two rows, each naming him.
    logged = prints_logged(placement)
    assert len(logged) == 2
    assert all(row.action == "print" and row.staff == alice for row in logged)
    assert all(row.offender_ids == [placement.offender.pk] for row in logged)


def test_the_second_print_is_the_stored_rendering_not_a_new_one(login, alice, placement):
    client = login(alice)
    client.get(attendance_url(placement))
    # Put a marker in place of the stored PDF: only a print served from the store returns it.
    PdfRendering.objects.update(pdf=b"%PDF-the stored one")
    assert client.get(attendance_url(placement)).content == b"%PDF-the stored one"
    assert len(prints_logged(placement)) == 2


def test_a_change_to_the_record_prints_a_new_pdf_with_the_new_text(login, alice, placement):
    client = login(alice)
    before = client.get(attendance_url(placement))
    assert "Placedperson" in pdf_text(before.content)

    offender = placement.offender
    offender.last_name = "Renamedperson"
    offender.save()
    after = client.get(attendance_url(placement))

    text = pdf_text(after.content)
    assert "Renamedperson" in text and "Placedperson" not in text
    assert PdfRendering.objects.count() == 2
    assert len(prints_logged(placement)) == 2


def test_what_the_stylesheet_says_is_part_of_the_key():
    html = '<link rel="stylesheet" href="/static/reports/report.css"><p>Same words</p>'
    assert rendering_digest(html) == rendering_digest(html)
    assert rendering_digest(html) != rendering_digest(html.replace("report.css", "other.css"))
    assert rendering_digest(html) != rendering_digest(html.replace("Same", "Other"))


def test_old_renderings_and_bulk_prints_are_purged(login, alice, placement):
    login(alice).get(attendance_url(placement))
    kept = PdfRendering.objects.get()
    PdfRendering.objects.create(digest="0" * 64, pdf=b"%PDF-old")
    PdfRendering.objects.filter(digest="0" * 64).update(
        rendered_at=timezone.now() - timedelta(days=8)
    )
    call_command("purge_pdf_renderings", "--days", "7")
    assert list(PdfRendering.objects.values_list("digest", flat=True)) == [kept.digest]
