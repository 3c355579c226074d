"""Issue 14, part 3: a facilitator's leave, in the browser. The programme manager opens "Who
runs each session" from the group page and makes Frank cover sessions 12 to 18 with Gina as
lead; the group page shows it; Frank keeps the register of a session he covers, and his
reading of it passes axe; the office's continuity page too."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from programme.models import SessionStaffingChange
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import Role, make_group, make_offender, make_placement, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_covering_a_facilitators_leave(page, office, alice, pat, fern):
    gina = make_staff("gina.cofacilitator", Role.FACILITATOR, office, last_name="Youngman")
    frank = make_staff("frank.cover", Role.FACILITATOR, office, last_name="Coverley")
    today = timezone.localdate()
    group = make_group(
        pat, [fern, gina], start_date=today - timedelta(weeks=12), weekday=today.weekday()
    )
    make_placement(
        group, make_offender(alice, first_name="Adam", last_name="Leaveman"), alice, by=pat
    )

    sign_in(page, pat.username)
    page.goto(group.get_absolute_url())
    page.get_by_role("link", name="Change who runs a session or a run of sessions").click()
    expect(page.get_by_role("heading", level=1, name="Who runs each session")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("From session").select_option("12")
    page.get_by_label("To session").select_option("18")
    page.get_by_label("Lead facilitator").select_option(label="Gina Youngman")
    page.get_by_label("Frank Coverley").check()
    page.get_by_label("Reason").fill("Fern on annual leave")
    page.get_by_role("button", name="Change the facilitators").click()
    expect(page.get_by_text("Facilitators changed for sessions 12 to 18")).to_be_visible()
    expect(page.locator("#history")).to_be_visible()
    assert_accessible(page)
    assert SessionStaffingChange.objects.get().reason == "Fern on annual leave"

    page.goto(group.get_absolute_url())
    expect(page.locator("#next-session")).to_contain_text("Gina Youngman")
    expect(page.locator("#next-session")).to_contain_text("Frank Coverley")
    assert_accessible(page)

    sign_in(page, frank.username)
    page.goto("/my-groups/")
    expect(page.get_by_role("heading", name="Sessions you cover for other groups")).to_be_visible()
    page.get_by_role("link", name="Complete the register").first.click()
    expect(page.locator("#session-staffing")).to_contain_text("Frank Coverley")
    expect(page.get_by_role("main")).to_contain_text("Adam Leaveman")
    assert_accessible(page)

    sign_in(page, pat.username)
    page.goto("/groups/continuity/")
    expect(page.get_by_role("heading", level=1, name="Facilitator continuity")).to_be_visible()
    assert_accessible(page)
