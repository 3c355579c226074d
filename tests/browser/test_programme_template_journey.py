"""Issue 14, part 1: forming a group with a programme template, in the browser. While a group
runs version 1 of i-SOTP, an admin copies it as version 2 in the Django admin and renames a
session; the programme manager forms a group choosing version 2; its page and its register
name the sessions from version 2, while the older group still shows version 1's names. axe on
every app page (and no serious finding on the admin's)."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from programme.models import Group
from referrals.models import Programme
from tests.browser.conftest import assert_accessible, assert_no_serious_violations, sign_in
from tests.factories import make_group

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OLD_TITLE = "Harm done by viewing, sharing and collecting"
NEW_TITLE = "The harm of viewing: the children are real"


def fill_date(page, field: str, day: date) -> None:
    page.locator(f"#id_{field}_0").fill(str(day.day))
    page.locator(f"#id_{field}_1").fill(str(day.month))
    page.locator(f"#id_{field}_2").fill(str(day.year))


def test_forming_a_group_with_a_new_version_of_the_template(page, ada, pat, fern):
    older = make_group(pat, [fern], start_date=date.today() + timedelta(days=3))
    assert older.version.number == 1

    # The admin finds version 1 read-only (a group runs it) and copies it as version 2.
    sign_in(page, ada.username)
    page.goto(reverse("admin:programme_programmeversion_changelist"))
    page.get_by_role("link", name="i-SOTP version 1").click()
    expect(page.get_by_text("Used by 1 group: read-only")).to_be_visible()
    expect(page.locator('input[name="sessions-7-title"]')).to_have_count(0)
    assert_no_serious_violations(page)
    page.goto(reverse("admin:programme_programmeversion_changelist"))
    page.get_by_role("checkbox", name="Select this object for an action - i-SOTP version 1").check()
    page.locator('select[name="action"]').select_option(label="Copy as a new version")
    page.get_by_role("button", name="Run").or_(page.get_by_role("button", name="Go")).click()
    expect(page.get_by_text("i-SOTP version 2 made from version 1")).to_be_visible()
    expect(page.get_by_text("Not used by any group yet")).to_be_visible()
    assert_no_serious_violations(page)

    # ... and renames session 8 in the copy.
    title = page.locator('input[name="sessions-7-title"]')
    expect(title).to_have_value(OLD_TITLE)
    title.fill(NEW_TITLE)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was changed successfully")).to_be_visible()
    page.context.clear_cookies()

    # The programme manager forms a group choosing version 2.
    sign_in(page, pat.username)
    page.goto(reverse("programme:group_create"))
    page.get_by_label("Programme", exact=True).select_option(label="i-SOTP")
    page.get_by_label("Version of its sessions").select_option(label="i-SOTP version 2")
    page.get_by_label("21+").check()
    page.get_by_label("Venue").fill("Riverside probation office, room 5")
    page.get_by_label(str(fern)).check()
    fill_date(page, "start_date", date.today() + timedelta(days=10))
    page.get_by_role("group", name="Days of the week it meets").get_by_label("Tuesday").check()
    page.get_by_label("Start time").fill("10:00")
    assert_accessible(page)
    page.get_by_role("button", name="Form the group").click()
    expect(page.get_by_text("Group formed with 35 sessions of i-SOTP version 2")).to_be_visible()
    newer = Group.objects.exclude(pk=older.pk).get()
    assert newer.version.number == 2
    expect(page.locator("#programme-version")).to_contain_text("i-SOTP version 2")
    page.get_by_text("Upcoming sessions (34)").click()
    expect(page.locator("#sessions-upcoming")).to_contain_text(f"Session 8 — Module 2: {NEW_TITLE}")
    assert_accessible(page)

    # The older group still names its sessions from version 1.
    page.goto(older.get_absolute_url())
    expect(page.locator("#programme-version")).to_contain_text("i-SOTP version 1")
    page.get_by_text("Upcoming sessions (34)").click()
    expect(page.locator("#sessions-upcoming")).to_contain_text(f"Session 8 — Module 2: {OLD_TITLE}")
    expect(page.get_by_role("main")).not_to_contain_text(NEW_TITLE)
    assert_accessible(page)
    page.context.clear_cookies()

    # The facilitator's register names the session from the group's version.
    sign_in(page, fern.username)
    page.goto(reverse("programme:register", args=[newer.sessions.get(number=8).pk]))
    expect(page.locator("#session-name")).to_have_text(f"Session 8 — Module 2: {NEW_TITLE}")
    assert_accessible(page)
    page.goto(reverse("programme:register", args=[older.sessions.get(number=8).pk]))
    expect(page.locator("#session-name")).to_have_text(f"Session 8 — Module 2: {OLD_TITLE}")
    assert_accessible(page)
    assert Programme.objects.get(code="isotp").versions.count() == 2
