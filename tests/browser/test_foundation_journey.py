import re

import pytest
from playwright.sync_api import expect

from referrals.models import Offender
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import make_offender

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_offender_manager_adds_an_offender_after_fixing_a_mistake(page, alice, otto):
    make_offender(alice, first_name="Existing", last_name="Caseloadperson")

    sign_in(page, alice.username)
    # She starts on her today page; her caseload is a section of the header away.
    expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Caseload", exact=True
    ).click()
    expect(page.get_by_role("heading", name="Your caseload")).to_be_visible()
    expect(page.get_by_role("link", name="Caseloadperson, Existing")).to_be_visible()
    assert_accessible(page)
    # Her name in the header is text, not a link, and does not look like one.
    who = page.locator(".app-header__user")
    expect(who).to_contain_text("Alice")
    assert who.evaluate("element => getComputedStyle(element).textDecorationLine") == "none"

    page.get_by_role("button", name="Add an offender").click()
    expect(page.get_by_role("heading", name="Add an offender")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("CRN").fill("12345")
    page.get_by_label("First name").fill("Newman")
    page.get_by_label("Last name").fill("Inventedsurname")
    page.locator("#id_date_of_birth_0").fill("4")
    page.locator("#id_date_of_birth_1").fill("7")
    page.locator("#id_date_of_birth_2").fill("1990")
    page.get_by_label("Male", exact=True).check()
    page.get_by_label("Community order").check()
    page.locator("#id_order_start_0").fill("1")
    page.locator("#id_order_start_1").fill("2")
    page.locator("#id_order_start_2").fill("2026")
    page.locator("#id_order_end_0").fill("31")
    page.locator("#id_order_end_1").fill("1")
    page.locator("#id_order_end_2").fill("2029")
    page.get_by_label("Large print").check()
    page.get_by_role("button", name="Save offender").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Enter a CRN as one letter followed by six digits")
    # What the user typed is still there.
    expect(page.get_by_label("First name")).to_have_value("Newman")
    expect(page.locator("#id_date_of_birth_2")).to_have_value("1990")
    expect(page.get_by_label("Large print")).to_be_checked()
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_accessible(page)

    page.get_by_label("CRN").fill("x654321")
    page.get_by_role("button", name="Save offender").click()

    expect(page.get_by_role("heading", name="Newman Inventedsurname")).to_be_visible()
    expect(page.get_by_text("Newman Inventedsurname was added to the caseload")).to_be_visible()
    assert_accessible(page)
    # His change history is a page of its own, under his sub navigation.
    page.get_by_role("navigation", name="Pages about Newman Inventedsurname").get_by_role(
        "link", name="History"
    ).click()
    expect(page.locator("#history ~ .app-table-scroll table")).to_contain_text("Offender created")
    offender = Offender.objects.get(crn="X654321")
    assert offender.offender_manager == alice

    page.get_by_role("link", name="Back to caseload").click()
    expect(page.get_by_role("link", name="Inventedsurname, Newman")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, otto.username)
    response = page.goto(f"/offenders/{offender.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    assert_accessible(page)
