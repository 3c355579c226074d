"""The rest of the page types reflow at 320 CSS pixels too (WCAG 2.2 AA, 1.4.10): the sign-in
pages, the statements, the audit pages, a case outside one's own work, a subject access request,
and the forms, each at 320 x 800 with no sideways scrolling of the page and no axe violation.
tests/browser/test_reflow.py covers the lists, the offender's pages and the register."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from referrals.models import Assessment
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import (
    PASSWORD,
    let_sessions_pass,
    make_assessment,
    make_authenticator,
    make_offender,
    make_placement,
    make_ready_referral,
    record,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 320


def reflow_problem(page: Page) -> str | None:
    """Why the page on screen does not reflow at WIDTH, or None if it does."""
    widths = page.evaluate(
        """() => ({scroll: document.documentElement.scrollWidth,
                   header: document.querySelector('header').getBoundingClientRect().width})"""
    )
    if widths["scroll"] > WIDTH:
        # The elements that stick out, innermost first, so the failure says what to fix.
        culprits = page.evaluate(
            """(width) => [...document.body.querySelectorAll('*')]
                .filter(e => e.getBoundingClientRect().right > width + 1)
                .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > width + 1))
                .slice(0, 5)
                .map(e => e.outerHTML.slice(0, 160))""",
            WIDTH,
        )
        return f"{page.url} is {widths['scroll']} px wide at {WIDTH} px: {culprits}"
    if widths["header"] < widths["scroll"]:
        return f"{page.url}: the header's background stops short of the page's width"
    return None


def check(page: Page, failures: list[str], who: str) -> None:
    """Reflow and axe on the page on screen; a failure is noted and the next page is tried."""
    try:
        problem = reflow_problem(page)
        assert problem is None, problem
        assert_accessible(page)
    except AssertionError as error:
        failures.append(f"{who}: {error}")


def visit(page: Page, url: str, failures: list[str], who: str) -> None:
    response = page.goto(url)
    if response.status != 200:
        failures.append(f"{who}: {url} answered {response.status}")
        return
    check(page, failures, who)


def enter_password(page: Page, username: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_pages_and_statements_reflow_at_320_px(page, uma, otto):
    page.set_viewport_size({"width": WIDTH, "height": 800})
    failures: list[str] = []
    for url in (reverse("login"), reverse("accessibility"), reverse("privacy"), "/no-such-page/"):
        response = page.goto(url)
        check(page, failures, f"signed out {url} ({response.status})")

    # A wrong password: the page with its error summary.
    page.goto(reverse("login"))
    page.get_by_label("Username").fill(uma.username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check(page, failures, "wrong password")

    # Uma has no authenticator yet: she is asked to set one up (a QR code and a long key).
    enter_password(page, uma.username)
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    check(page, failures, "second factor set-up")

    # Otto has one: he is asked for its code.
    page.context.clear_cookies()
    make_authenticator(otto)
    page.goto(reverse("login"))
    enter_password(page, otto.username)
    expect(page.get_by_role("heading", name="Enter your security code")).to_be_visible()
    check(page, failures, "second factor code")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check(page, failures, "second factor code, none entered")

    page.context.clear_cookies()
    sign_in(page, otto.username)
    for url in (
        reverse("password_change"),
        reverse("recovery_codes"),
        reverse("accessibility"),
        reverse("privacy"),
    ):
        visit(page, url, failures, "otto")
    page.goto(reverse("password_change"))
    page.get_by_role("button", name="Change password").click()
    # The answer loaded before it is measured (else the page may still be navigating).
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check(page, failures, "password change, nothing entered")
    assert failures == [], "\n".join(failures)


def test_forms_and_audit_pages_reflow_at_320_px(page, alice, otto, pat, fern, audrey, group):
    # Long names: the words that must wrap rather than widen the page.
    placed = make_offender(
        alice, first_name="Maximilian-Alexander", last_name="Featherstonehaugh-Worthington"
    )
    placement = make_placement(group, placed, alice, by=pat)
    let_sessions_pass(group, behind=1)
    # An unacceptable absence: an enforcement decision to make and a catch-up to hold.
    record(group.sessions.get(number=1), placement, "unacceptable_absence", fern)
    enforcement = placement.attendances.get(session__number=1).enforcement
    catch_up = placement.catch_ups.get()
    waiting = make_offender(alice, first_name="Bartholomew", last_name="Winterbottom-Smythe")
    referral = make_ready_referral(waiting, alice)
    assessed = make_offender(alice, first_name="Cornelius", last_name="Abernathy")
    make_assessment(assessed, alice)
    assessment = Assessment.objects.filter(offender=assessed).latest("pk")
    elsewhere = make_offender(otto, first_name="Ottoline", last_name="Colleaguescase")
    future_session = group.sessions.get(number=6)

    page.set_viewport_size({"width": WIDTH, "height": 800})
    pages = {
        alice: [
            reverse("referrals:offender_create"),
            reverse("referrals:offender_edit", args=[placed.pk]),
            reverse("referrals:offence_create", args=[assessed.pk]),
            reverse("referrals:assessment", args=[assessment.pk]),
            reverse("referrals:referral_checklist", args=[referral.pk]),
            reverse("programme:referral_move", args=[referral.pk]),
            reverse("programme:appointment_create", args=[placed.pk]),
            reverse("programme:risk_review_create", args=[placed.pk]),
            reverse("programme:enforcement", args=[enforcement.pk]),
            reverse("referrals:case_lookup"),
        ],
        pat: [
            reverse("programme:group_create"),
            reverse("programme:session_move", args=[future_session.pk]),
            reverse("programme:enforcement", args=[enforcement.pk]),
        ],
        fern: [
            reverse("programme:catch_up", args=[catch_up.pk]),
        ],
        audrey: [
            reverse("audit:home"),
            reverse("programme:subject_access", args=[placed.pk]),
        ],
    }
    failures: list[str] = []
    for person, urls in pages.items():
        page.context.clear_cookies()
        sign_in(page, person.username)
        for url in urls:
            visit(page, url, failures, person.username)

        if person == alice:
            # A form sent back with errors: the error summary and the fields in error.
            page.goto(reverse("referrals:offender_create"))
            page.get_by_role("button", name="Save offender").click()
            expect(page.locator(".govuk-error-summary")).to_be_visible()
            check(page, failures, "alice: offender form with errors")
            # A case outside her own work: she gives a reason, then reads it.
            page.goto(reverse("referrals:case_lookup"))
            page.get_by_label("CRN").fill(elsewhere.crn)
            page.get_by_label("Why do you need to see this case?").fill("Covering for Otto")
            page.get_by_role("button", name="Continue").click()
            expect(page.get_by_role("heading", name="Ottoline Colleaguescase")).to_be_visible()
            check(page, failures, "alice: case outside her work")
        if person == fern:
            # Feedback sent empty: the feedback form with its error.
            page.goto(reverse("programme:placement", args=[placement.pk]))
            page.get_by_role("button", name="Send feedback").click()
            expect(page.locator(".govuk-error-summary")).to_be_visible()
            check(page, failures, "fern: feedback form with errors")
        if person == audrey:
            # Searching the log for one man asks why first.
            page.goto(reverse("audit:home") + f"?person={placed.crn}")
            expect(page.get_by_role("heading", level=1)).to_contain_text("Why")
            check(page, failures, "audrey: reason for a search")
    assert failures == [], "\n".join(failures)
