"""The offender's pages (Overview, Timeline, Programme, Personal details, History) at 1280 and
320 CSS pixels: no page-level sideways scroll at 320 (WCAG 2.2 AA, 1.4.10), axe passes, and
the sub navigation takes a keyboard user from page to page."""

import pytest
from django.urls import reverse

from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.test_reflow import WIDTH, assert_reflows
from tests.factories import let_sessions_pass, make_offence, make_offender, make_placement, record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = (
    "programme:offender",
    "programme:offender_timeline",
    "programme:offender_programme",
    "programme:offender_personal_details",
    "programme:offender_history",
)


@pytest.fixture
def placed(alice, pat, fern, group):
    """A man with a long name, an absence to decide and a few weeks of sessions."""
    offender = make_offender(
        alice, first_name="Maximilian-Alexander", last_name="Featherstonehaugh-Worthington"
    )
    make_offence(offender)
    placement = make_placement(group, offender, alice, by=pat)
    let_sessions_pass(group, behind=3)
    record(group.sessions.get(number=1), placement, "attended", fern)
    record(group.sessions.get(number=2), placement, "attended", fern, minutes_late=10)
    record(group.sessions.get(number=3), placement, "unacceptable_absence", fern)
    return offender


def test_the_offenders_pages_reflow_at_320_px_and_pass_axe(page, alice, placed):
    sign_in(page, alice.username)
    page.set_viewport_size({"width": WIDTH, "height": 800})
    for name in PAGES:
        assert_reflows(page, reverse(name, args=[placed.pk]))


def test_the_sub_navigation_and_the_next_action_work_by_keyboard(page, alice, placed):
    sign_in(page, alice.username)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(reverse("programme:offender", args=[placed.pk]))
    assert_accessible(page)
    nav = page.get_by_role("navigation", name=f"Pages about {placed.full_name}")
    nav.get_by_role("link", name="Timeline").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{reverse('programme:offender_timeline', args=[placed.pk])}")
    assert nav.get_by_role("link", name="Timeline").get_attribute("aria-current") == "page"
    assert page.locator(".moj-timeline__item").count() >= 5
    assert_accessible(page)
    page.goto(reverse("programme:offender", args=[placed.pk]))
    page.get_by_role("link", name="Record the enforcement decision").click()
    assert "/enforcement/" in page.url
