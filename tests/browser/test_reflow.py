"""Every page type reflows at 320 CSS pixels (WCAG 2.2 AA, 1.4.10): at a 320 x 800 viewport
the page itself never scrolls sideways (a wide table may scroll inside its own focusable
region), and each page still passes axe-core."""

import pytest
from django.urls import reverse

from tests.browser.conftest import assert_accessible, assert_no_serious_violations, sign_in
from tests.factories import (
    let_sessions_pass,
    make_assessment,
    make_offender,
    make_placement,
    make_ready_referral,
    record,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 320


def assert_reflows(page, url: str) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    widths = page.evaluate(
        """() => ({scroll: document.documentElement.scrollWidth,
                   header: document.querySelector('header').getBoundingClientRect().width})"""
    )
    if widths["scroll"] > WIDTH:
        # Name the elements that stick out, innermost first, so the failure says what to fix.
        culprits = page.evaluate(
            """(width) => [...document.body.querySelectorAll('*')]
                .filter(e => e.getBoundingClientRect().right > width + 1)
                .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > width + 1))
                .slice(0, 5)
                .map(e => e.outerHTML.slice(0, 160))""",
            WIDTH,
        )
        raise AssertionError(f"{url} is {widths['scroll']} px wide at {WIDTH} px: {culprits}")
    # The header's background fills the page, not only the first 320 px of a wider one.
    assert widths["header"] >= widths["scroll"], url
    assert_accessible(page)


def test_every_page_type_reflows_at_320_px(page, alice, pat, fern, audrey, ada, group):
    # Long names and a long CRN: the words that must wrap rather than widen the page.
    placed = make_offender(
        alice,
        first_name="Maximilian-Alexander",
        last_name="Featherstonehaugh-Worthington",
    )
    placement = make_placement(group, placed, alice, by=pat)
    waiting = make_offender(alice, first_name="Bartholomew", last_name="Winterbottom-Smythe")
    referral = make_ready_referral(waiting, alice)
    let_sessions_pass(group, behind=1)
    # An unacceptable absence puts a decision on the offender manager's actions page.
    record(group.sessions.get(number=1), placement, "unacceptable_absence", fern)
    assessed = make_offender(alice, first_name="Cornelius", last_name="Abernathy")
    make_assessment(assessed, alice)
    session = group.sessions.get(number=2)

    page.set_viewport_size({"width": WIDTH, "height": 800})
    pages = {
        alice: [
            reverse("programme:today"),
            reverse("programme:caseload"),
            reverse("programme:offender", args=[placed.pk]),
            reverse("programme:offender_programme", args=[placed.pk]),
            reverse("referrals:referral", args=[referral.pk]),
            reverse("referrals:assessment_create", args=[assessed.pk]),
            reverse("programme:actions"),
            reverse("referrals:offender_consultations", args=[placed.pk]),
        ],
        pat: [
            reverse("programme:today"),
            reverse("programme:caseload"),  # the office's caseload
            reverse("programme:waiting_list"),
            reverse("programme:group_list"),
            reverse("programme:group", args=[group.pk]),
        ],
        fern: [
            reverse("programme:today"),
            reverse("programme:facilitator_home"),
            reverse("programme:register", args=[session.pk]),
            reverse("programme:placement", args=[placement.pk]),
        ],
        audrey: [reverse("audit:home")],
    }
    failures = []
    for person, urls in pages.items():
        page.context.clear_cookies()
        sign_in(page, person.username)
        for url in urls:
            try:
                assert_reflows(page, url)
                if url == reverse("programme:actions"):
                    # The page's action is in the first column: on screen without scrolling.
                    decide = page.get_by_role("link", name="Decide").bounding_box()
                    assert decide["x"] + decide["width"] <= WIDTH, "Decide is off-screen"
            except AssertionError as error:
                failures.append(f"{person.username} {error}")
    assert failures == [], "\n".join(failures)

    page.context.clear_cookies()
    sign_in(page, ada.username)
    response = page.goto(reverse("admin:index"))
    assert response.status == 200
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    # The admin's own bar (as tests/browser/test_admin_accessible.py): Django's templates.
    assert_no_serious_violations(page)
