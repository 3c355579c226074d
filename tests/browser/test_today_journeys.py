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
