from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import make_offence, make_offender

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_date(page, field: str, day: date) -> None:
    page.locator(f"#id_{field}_0").fill(str(day.day))
    page.locator(f"#id_{field}_1").fill(str(day.month))
    page.locator(f"#id_{field}_2").fill(str(day.year))


def test_assess_refer_complete_the_checklist_and_appear_on_the_waiting_list(page, alice, pat, fern):
    offender = make_offender(
        alice,
        first_name="Journey",
        last_name="Referralman",
        order_start=date(2026, 1, 5),
        order_end=date(2029, 1, 4),
    )
    make_offence(offender)
    sign_in(page, alice.username)
    page.goto(f"/offenders/{offender.pk}/")
    page.get_by_role("link", name="Record an eligibility assessment").click()
    assert_accessible(page)

    page.get_by_label("Pre-sentence").check()
    fill_date(page, "assessed_on", date(2026, 1, 2))
    fill_date(page, "oasys_completed_on", date(2025, 12, 20))
    page.get_by_role("group", name="Risk of serious harm").get_by_label("Medium").check()
    page.get_by_role("button", name="Record assessment").click()

    # Without RM2000 there is no outcome yet: the page says what is missing.
    expect(page.get_by_text("Incomplete: missing RM2000")).to_be_visible()
    expect(page.get_by_label("Proposal wording")).to_have_count(0)
    expect(page.get_by_role("button", name="Refer to the i-SOTP waiting list")).to_have_count(0)
    assert_accessible(page)
    page.get_by_role("link", name="Complete the assessment").click()
    fill_date(page, "rm2000_completed_on", date(2025, 12, 21))
    page.get_by_role("group", name="RM2000 category").get_by_label("Low").check()
    page.get_by_role("button", name="Save assessment").click()

    expect(page.get_by_role("heading", name="Eligible for i-SOTP")).to_be_visible()
    expect(page.locator(".app-reasons")).to_contain_text("Male")
    expect(page.get_by_label("Proposal wording")).to_have_value(
        "to attend a Sex Offender Treatment Programme to a maximum of 60 sessions"
    )
    assert_accessible(page)

    page.get_by_role("button", name="Refer to the i-SOTP waiting list").click()
    expect(page.get_by_role("alert")).to_contain_text("Referred to the i-SOTP waiting list")
    expect(page.locator("#missing-items")).to_contain_text("CPS pack")
    assert_accessible(page)

    expect(page.get_by_text("becomes “Ready for allocation” by itself")).to_be_visible()
    page.get_by_role("link", name="Update the checklist").click()
    for field in [
        "psr_provided_on",
        "cps_pack_provided_on",
        "previous_convictions_provided_on",
        "liaison_on",
        "understands_requirements_on",
    ]:
        fill_date(page, field, date(2026, 1, 10))
    page.get_by_label("No additional reports").check()
    # The interview is not typed: it comes from the pre-group one-to-one.
    expect(page.get_by_text("This comes from his pre-group one-to-one")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Save checklist").click()
    expect(page.locator("#missing-items")).to_contain_text("Assessment interview")

    # His offender manager schedules the pre-group one-to-one for today with Fern...
    page.goto(f"/offenders/{offender.pk}/programme/")
    page.get_by_role("link", name="Schedule his pre-group one-to-one").click()
    fill_date(page, "on", date.today())
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("Place").fill("Riverside probation office, interview room 1")
    page.get_by_label(str(fern)).check()
    assert_accessible(page)
    page.get_by_role("button", name="Schedule the one-to-one").click()
    expect(page.get_by_role("alert")).to_contain_text("Pre-group one-to-one scheduled")
    assert_accessible(page)
    one_to_one = page.get_by_role("link", name="Pre-group one-to-one at 10am")
    url = one_to_one.get_attribute("href")

    # ...and Fern records it once held: the checklist is filled and he is ready.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, fern.username)
    page.goto(url)
    page.get_by_role("group", name="Did he attend?").get_by_label("Yes").check()
    page.get_by_label("Suitable", exact=True).check()
    assert_accessible(page)
    page.get_by_role("button", name="Record the one-to-one").click()
    expect(page.get_by_role("alert")).to_contain_text("Pre-group one-to-one recorded")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, alice.username)
    page.goto(reverse("referrals:referral", args=[offender.referrals.get().pk]))
    expect(page.get_by_text("Complete", exact=True)).to_be_visible()
    expect(page.locator(".govuk-tag", has_text="Ready for allocation")).to_be_visible()
    expect(page.get_by_text("Awaiting assessment interview → Ready for allocation")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, pat.username)
    page.get_by_role("link", name="Waiting list").click()
    expect(page.get_by_role("link", name="Journey Referralman")).to_be_visible()
    assert_accessible(page)


def test_an_unaccredited_offender_manager_is_refused_an_assessment(page, uma):
    offender = make_offender(uma, first_name="Refused", last_name="Assessee")
    sign_in(page, uma.username)
    page.goto(f"/offenders/{offender.pk}/")
    # Not offered: his page says who must do it...
    expect(page.get_by_role("link", name="Record an eligibility assessment")).to_have_count(0)
    expect(page.get_by_text("an accredited assessor must do it")).to_be_visible()
    # ...and the address typed by hand is refused, saying why.
    page.goto(f"/offenders/{offender.pk}/assessments/new/")
    expect(page.get_by_role("heading", name="You cannot record an assessment")).to_be_visible()
    expect(page.get_by_text("three-day accredited training")).to_be_visible()
    assert_accessible(page)
