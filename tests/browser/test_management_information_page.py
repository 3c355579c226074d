"""The management information page in a browser: it passes axe at a desktop width and at
320 px (where it reflows: wide tables scroll in their own region, charts shrink), its charts
are images named by their titles, and the Content-Security-Policy blocks nothing on it (no
inline script or style in the charts)."""

from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.test_reflow import assert_reflows
from tests.factories import make_offender, make_referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_senior_manager_reads_the_figures_with_any_browser_setup(page, sam, alice):
    make_referral(make_offender(alice, last_name="Waitingman"), alice)
    blocked = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, sam.username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Management information")
    page.goto(reverse("programme:management_information") + f"?first_month={date.today():%Y-%m}")
    expect(page.get_by_role("img", name="Referrals received and starts")).to_be_visible()
    expect(
        page.get_by_role("table", name="Referrals received and starts, by month")
    ).to_be_visible()
    current = page.get_by_role("navigation", name="Menu").locator('[aria-current="page"]')
    expect(current).to_have_text("Management information")
    assert_accessible(page)
    assert blocked == []

    page.set_viewport_size({"width": 320, "height": 800})
    assert_reflows(page, reverse("programme:management_information"))
