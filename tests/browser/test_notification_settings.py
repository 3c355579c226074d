"""A person chooses how they are emailed: the "Email notifications" page, with axe before
and after saving."""

import pytest
from playwright.sync_api import expect

from isotp.notifications.models import Preference
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_offender_manager_chooses_a_daily_email_for_absences(page, alice):
    sign_in(page, alice.username)
    page.goto("/account/notifications/")
    expect(page.get_by_role("heading", name="Email notifications")).to_be_visible()
    absences = page.get_by_role(
        "group", name="An unacceptable absence needs your enforcement decision"
    )
    expect(absences.get_by_label("At once")).to_be_checked()
    assert_accessible(page)

    absences.get_by_label("In a daily email").check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Your email notification settings are saved")).to_be_visible()
    expect(absences.get_by_label("In a daily email")).to_be_checked()
    assert Preference.objects.get(staff=alice, kind="absence").delivery == "digest"
    assert_accessible(page)
