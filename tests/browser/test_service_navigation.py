"""The header's sections are GOV.UK service navigation: on a phone (320 px) they fold behind a
"Menu" button that opens them; on a desktop (1280 px) they are listed without one. Either way
the section the page belongs to is marked as the current one."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sections_fold_behind_a_menu_button_on_a_phone_and_not_on_a_desktop(page, pat):
    sign_in(page, pat.username)
    navigation = page.get_by_role("navigation", name="Menu")
    menu = navigation.get_by_role("button", name="Menu")
    groups = navigation.get_by_role("link", name="Groups")

    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(reverse("programme:waiting_list"))
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(groups).to_be_hidden()
    assert_accessible(page)

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(groups).to_be_visible()
    current = navigation.locator('[aria-current="page"]')
    expect(current).to_have_count(1)
    expect(current).to_have_text("Waiting list")
    expect(current).to_be_visible()
    assert_accessible(page)
    # The open menu still fits the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 320

    groups.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(navigation.locator('[aria-current="page"]')).to_have_text("Groups")

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(reverse("programme:waiting_list"))
    expect(menu).to_be_hidden()
    for name in ("Office caseload", "Waiting list", "Groups"):
        expect(navigation.get_by_role("link", name=name)).to_be_visible()
    expect(navigation.locator('[aria-current="page"]')).to_have_text("Waiting list")
    assert_accessible(page)


def test_without_javascript_the_sections_are_listed_in_full_at_320_px(browser, live_server, pat):
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport={"width": 320, "height": 800}
    )
    page = context.new_page()
    try:
        # Sign in with JavaScript on, then carry the session over to a page without it.
        signed_in = browser.new_context(base_url=live_server.url)
        sign_in(signed_in.new_page(), pat.username)
        context.add_cookies(signed_in.cookies())
        signed_in.close()
        page.goto(reverse("programme:waiting_list"))
        navigation = page.get_by_role("navigation", name="Menu")
        expect(navigation.get_by_role("button", name="Menu")).to_be_hidden()
        for name in ("Office caseload", "Waiting list", "Groups"):
            expect(navigation.get_by_role("link", name=name)).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
    finally:
        context.close()
