import io
import zipfile

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import make_offender

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_auditor_answers_a_subject_access_request_after_fixing_a_mistake(page, alice, audrey):
    offender = make_offender(alice, first_name="Sam", last_name="Requester")

    sign_in(page, audrey.username)
    page.goto(f"/subject-access/{offender.pk}/")
    expect(page.get_by_role("heading", name="Subject access request")).to_be_visible()
    expect(page.locator("#subject-crn")).to_have_text(offender.crn)
    assert_accessible(page)

    page.locator("#id_received_on_0").fill("20")
    page.locator("#id_received_on_1").fill("11")
    page.locator("#id_received_on_2").fill("2026")
    page.get_by_role("button", name="Download the subject access response").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the request reference")
    expect(page.locator("#id_received_on_0")).to_have_value("20")
    assert_accessible(page)

    page.get_by_label("Request reference").fill("SAR-2026-0142")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the subject access response").click()
    assert download.value.suggested_filename.startswith(f"subject-access-{offender.crn}-")
    content = download.value.path().read_bytes()
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert sorted(names) == [
        f"subject-access-{offender.crn}.json",
        f"subject-access-{offender.crn}.pdf",
    ]
