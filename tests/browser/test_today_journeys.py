"""Each role's day starts on its today page: signing in lands there, every task on it is
reached by links alone, and each page passes axe and reflows at 320 px."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from referrals.models import Programme
from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.test_reflow import WIDTH, assert_reflows
from tests.factories import (
    make_group,
    make_offender,
    make_placement,
    make_ready_referral,
    record,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = reverse("programme:today")


def lands_on_today(page, username):
    sign_in(page, username)
    expect(page).to_have_url(re.compile(re.escape(TODAY) + "$"))
    expect(page.get_by_role("heading", level=1, name="Today")).to_be_visible()
    navigation = page.get_by_role("navigation", name="Menu")
    expect(navigation.get_by_role("link").first).to_contain_text("Today (")
    assert_accessible(page)


def follow(page, name, heading=None):
    """Back to the today page, then a link on it; the page it reaches passes axe."""
    page.goto(TODAY)
    page.get_by_role("link", name=name).first.click()
    if heading:
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    assert_accessible(page)


@pytest.fixture
def day(alice, pat, fern):
    """A two-session group that has finished: Carl completed it (a report to write), Adam
    missed the first session without excuse (a decision overdue, a catch-up to run), and
    two men are ready with no group."""
    Programme.objects.filter(code="isotp").update(sessions=2)
    group = make_group(pat, [fern])
    carl = make_placement(
        group, make_offender(alice, first_name="Carl", last_name="Completer"), alice, by=pat
    )
    adam = make_placement(
        group, make_offender(alice, first_name="Adam", last_name="Absent"), alice, by=pat
    )
    for number in (1, 2):
        record(group.sessions.get(number=number), carl, "attended", fern)
    record(group.sessions.get(number=1), adam, "unacceptable_absence", fern)
    for _ in range(2):
        make_ready_referral(make_offender(alice), alice)
    make_group(pat, [fern], start_date=timezone.localdate() + timedelta(days=14))
    return group


def test_offender_managers_day(page, alice, day):
    lands_on_today(page, alice.username)
    page.set_viewport_size({"width": WIDTH, "height": 800})
    assert_reflows(page, TODAY)
    page.set_viewport_size({"width": 1280, "height": 800})
    follow(page, "Decide for Adam Absent", "Enforcement decision")
    follow(page, "See his programme for Adam Absent", "Absent")


def test_facilitators_day(page, fern, day):
    lands_on_today(page, fern.username)
    page.set_viewport_size({"width": WIDTH, "height": 800})
    assert_reflows(page, TODAY)
    page.set_viewport_size({"width": 1280, "height": 800})
    # The end-of-programme report to write, reached by links alone.
    follow(page, "Write the report for Carl Completer", "report")
    follow(page, "Run the catch-up for Adam Absent")
    follow(page, "Record the register")


def test_programme_managers_day(page, pat, day):
    lands_on_today(page, pat.username)
    page.set_viewport_size({"width": WIDTH, "height": 800})
    assert_reflows(page, TODAY)
    page.set_viewport_size({"width": 1280, "height": 800})
    follow(page, re.compile(r", 21\+$"))
    follow(page, "See the decision for Adam Absent", "Enforcement decision")
    page.goto(TODAY)
    page.locator("#forming ~ .app-table-scroll").first.get_by_role("link").first.click()
    assert_accessible(page)


def test_facilitator_reaches_the_reports_to_write_and_the_handovers_by_links(
    page, alice, pat, fern, day
):
    # Five more men finished another two-session group: six reports to write, one page shows five.
    other = make_group(pat, [fern], venue="Second room")
    men = [
        make_placement(other, make_offender(alice, last_name=f"Finisher{n}"), alice, by=pat)
        for n in range(5)
    ]
    for number in (1, 2):
        for placement in men:
            record(other.sessions.get(number=number), placement, "attended", fern)
    lands_on_today(page, fern.username)
    page.get_by_role("link", name="See all 6 end-of-programme reports to write").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("End-of-programme reports to write")
    expect(page.get_by_role("row", name=re.compile("Carl Completer"))).to_contain_text(
        "Write the report"
    )
    assert_accessible(page)
    page.set_viewport_size({"width": WIDTH, "height": 800})
    assert_reflows(page, reverse("programme:reports_to_write"))
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("link", name="Write the report for Carl Completer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("report")
    assert_accessible(page)
    # From My groups too, and on to the handovers.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="My groups").click()
    page.get_by_role("link", name="End-of-programme reports to write (6)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("End-of-programme reports to write")
    page.get_by_role("link", name="Handovers to attend").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Handovers to attend")
    expect(page.get_by_text("No handover is waiting to be held.")).to_be_visible()
    assert_accessible(page)


def test_programme_manager_allocates_from_the_waiting_list(page, alice, pat, day):
    lands_on_today(page, pat.username)
    page.get_by_role("link", name=re.compile(r", 21\+$")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Waiting list")
    assert_accessible(page)
    boxes = page.get_by_label(re.compile("^Allocate Test"))
    expect(boxes).to_have_count(2)
    for index in range(2):
        boxes.nth(index).check()
    # Without a group chosen: the page says so, and the ticks are kept.
    page.get_by_role("button", name="Allocate the men ticked").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Choose a group to give the men ticked a place in")
    assert page.title().startswith("Error: ")
    expect(boxes.first).to_be_checked()
    assert_accessible(page)
    page.get_by_label("Group to give the men ticked a place in").select_option(index=1)
    page.get_by_role("button", name="Allocate the men ticked").click()
    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text("2 men have a place in the i-SOTP 21+ group")
    expect(page.get_by_label(re.compile("^Allocate Test"))).to_have_count(0)
    assert_accessible(page)
