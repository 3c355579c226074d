"""Signing in to the standard, in a browser: password, then the authenticator's code; the first
time, setting the app up from the QR code's typed key; recovery codes; a wrong code; changing
the password. Every page passes axe."""

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, unused_totp_code
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def password_step(page, username, password=PASSWORD):
    page.goto("/login/")
    assert_accessible(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_first_sign_in_sets_up_the_app_then_signs_in_with_a_code(page, browser, alice):
    password_step(page, alice.username)
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    expect(page.locator(".app-qr-code svg")).to_be_visible()
    assert_accessible(page)
    typed_key = page.locator("#secret").inner_text().replace(" ", "")
    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    assert typed_key  # what a person would type into the app
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("link", name=re.compile("The code is not right"))).to_be_visible()
    assert_accessible(page)
    page.wait_for_timeout(1100)  # the wait after a wrong code
    page.get_by_label("Code from your authenticator app").fill(unused_totp_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Your authenticator app is set up")).to_be_visible()
    assert_accessible(page)
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name=re.compile("I have kept my recovery codes")).click()
    expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()

    # Another day, another browser: the code from the app.
    context = browser.new_context(base_url=page.url.split("/today")[0], bypass_csp=True)
    other = context.new_page()
    password_step(other, alice.username)
    expect(other.get_by_role("heading", name="Enter your security code")).to_be_visible()
    assert_accessible(other)
    other.get_by_label("Security code").fill(unused_totp_code(device))
    other.get_by_role("button", name="Continue").click()
    expect(other.get_by_role("heading", name="Today", exact=True)).to_be_visible()
    context.close()

    # And with a recovery code, when the phone is not to hand.
    page.get_by_role("button", name="Sign out").click()
    password_step(page, alice.username)
    page.get_by_label("Security code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("You signed in with a recovery code. You have 9 left")).to_be_visible()


def test_changing_the_password_from_the_header(page, alice):
    from tests.browser.conftest import sign_in

    sign_in(page, alice.username)
    page.get_by_role("link", name="Change password").click()
    expect(page.get_by_role("heading", name="Change your password")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Old password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("New password confirmation").fill("short")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("link", name=re.compile("This password is too short"))).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Old password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("a-long-new-passphrase-2026")
    page.get_by_label("New password confirmation").fill("a-long-new-passphrase-2026")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password has been changed")).to_be_visible()
    page.goto("/account/recovery-codes/")
    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    assert_accessible(page)
