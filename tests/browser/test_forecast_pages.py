"""A programme manager reads each man's expected start on the waiting list and follows the link
to the office's capacity page: both pass axe and reflow at 320 px; his offender manager reads
the forecast and its warning on his page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from programme.reporting.forecast import months_before
from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.test_reflow import WIDTH, assert_reflows
from tests.factories import make_group, make_offender, make_ready_referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def waiting_men(alice, pat, fern):
    """Twelve men ready for allocation in an office that starts a group every two months; the
    longest waiting one's order ends before he could finish."""
    today = timezone.localdate()
    for months in (1, 3, 5, 7, 9, 11):
        start = months_before(today, months)
        make_group(pat, [fern], start_date=start, today=start)
    men = []
    for number in range(12):
        offender = make_offender(alice, last_name=f"Waitingman{number:02d}")
        men.append(make_ready_referral(offender, alice))
        men[-1].waiting_since = today - timedelta(days=300 - number)
        men[-1].save(update_fields=["waiting_since"])
    late = men[0].offender
    late.order_end = today + timedelta(days=150)
    late.save(update_fields=["order_end"])
    return men


def test_the_manager_reads_expected_starts_and_the_capacity_of_the_office(page, pat, waiting_men):
    sign_in(page, pat.username)
    page.goto(reverse("programme:waiting_list"))
    table = page.get_by_role("table").first
    expect(table.get_by_role("columnheader", name="Expected to start")).to_be_visible()
    expect(table.get_by_text("Order ends first")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Groups needed to clear the list").click()
    expect(
        page.get_by_role("heading", level=1, name="Groups needed and facilitators")
    ).to_be_visible()
    row = page.locator("#queue-isotp-21_plus")
    expect(row.get_by_role("rowheader")).to_have_text("i-SOTP, 21+")
    # 12 waiting, no group formed with places: two new groups of ten.
    expect(row.locator("td").nth(0)).to_have_text("12")
    expect(row.locator("td").nth(2)).to_have_text("2")
    expect(page.locator("#facilitators-short")).to_contain_text("more facilitator")
    assert_accessible(page)

    page.set_viewport_size({"width": WIDTH, "height": 800})
    assert_reflows(page, page.url)
    assert_accessible(page)
    assert_reflows(page, reverse("programme:waiting_list"))


def test_his_offender_manager_reads_the_forecast_and_the_warning(page, alice, waiting_men):
    sign_in(page, alice.username)
    late = waiting_men[0].offender
    page.goto(reverse("programme:offender", args=[late.pk]))
    expect(page.get_by_text("Expected to start", exact=True)).to_be_visible()
    expect(page.locator(".govuk-warning-text")).to_contain_text("after his community order ends")
    assert_accessible(page)
    page.goto(reverse("programme:offender_programme", args=[late.pk]))
    expect(page.locator("#expected-start-range")).to_contain_text("Between")
    assert_accessible(page)
