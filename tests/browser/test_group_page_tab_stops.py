"""The group page's sessions are split into the next one, past ones and upcoming ones, so a
keyboard user reaches the next session's register in a few tab stops, not after 35 rows of
links (issue 11: the page had a Register and a Move link on every one of its 35 sessions)."""

import pytest
from django.urls import reverse

from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import make_offender, make_placement, make_running_group, record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSABLE = """() => [...document.querySelectorAll(
    'main a[href], main button, main input:not([type=hidden]), main select, main textarea,'
    + ' main summary, main [tabindex]:not([tabindex="-1"])')]
    .filter(e => !e.disabled && e.checkVisibility({visibilityProperty: true})).length"""


def tab_stops(page, url: str) -> int:
    response = page.goto(url)
    assert response.status == 200, url
    return page.evaluate(FOCUSABLE)


def test_the_group_page_has_few_tab_stops_and_the_next_session_first(page, alice, pat, fern):
    # Ten sessions are behind us (five recorded, five not); the eleventh is the next.
    group = make_running_group(pat, [fern], behind=10)
    placement = make_placement(group, make_offender(alice, last_name="Tabperson"), alice, by=pat)
    for number in range(1, 6):
        record(group.sessions.get(number=number), placement, "attended", fern)
    url = reverse("programme:group", args=[group.pk])
    counts = {}
    for person in (fern, pat):
        page.context.clear_cookies()
        sign_in(page, person.username)
        counts[person.username] = tab_stops(page, url)
        assert_accessible(page)
        next_session = page.locator("#next-session")
        assert "Next session: session 11 of 35" in next_session.inner_text()
    print(f"\ntab stops in the group page's main: {counts}")
    # Before: 39 for the facilitator and 35 for the programme manager (a link a session).
    assert counts[fern.username] <= 20
    assert counts[pat.username] <= 20
