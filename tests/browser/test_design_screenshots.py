"""The redesigned pages of docs/design.md at 1280 and 320 CSS pixels: each shows the GOV.UK or
MoJ component the design says it uses, passes axe, and is photographed.

`make screenshots` runs this with SCREENSHOT_DIR=docs/design to refresh the pictures the design
notes describe; otherwise they go to a temporary folder and only the checks count."""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import (
    make_offence,
    make_offender,
    make_placement,
    make_ready_referral,
    make_running_group,
    record,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1280, 320)


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def _shoot(page, url: str, name: str, component: str) -> None:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            response = page.goto(url)
            assert response.status == 200, url
            assert page.locator(component).count() > 0, f"{name}: no {component} on {url}"
            assert page.evaluate("() => document.documentElement.scrollWidth") <= width, name
            assert_accessible(page)
            page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)

    return _shoot


def test_the_redesigned_pages_use_their_components(page, alice, pat, fern, shots):
    # A group running now: four sessions behind us, the fifth at its next meeting.
    group = make_running_group(pat, [fern], behind=4)
    men = [
        make_offender(alice, first_name=first, last_name=last)
        for first, last in (("Arthur", "Attender"), ("Bertie", "Bystander"), ("Cyril", "Absent"))
    ]
    for man in men:
        make_offence(man)
    placements = [make_placement(group, man, alice, by=pat) for man in men]
    sessions = {n: group.sessions.get(number=n) for n in (1, 2, 3, 4)}
    for number in (1, 2, 3):
        for placement in placements[:2]:
            record(sessions[number], placement, "attended", fern)
    record(sessions[1], placements[2], "attended", fern)
    record(sessions[2], placements[2], "attended", fern, minutes_late=10)
    record(sessions[3], placements[2], "unacceptable_absence", fern)
    for first, last in (("Dennis", "Waiting"), ("Edgar", "Ready")):
        make_ready_referral(make_offender(alice, first_name=first, last_name=last), alice)

    sign_in(page, fern.username)
    register = reverse("programme:register", args=[sessions[4].pk])
    shots(page, register, "register-to-record", ".govuk-radios__conditional")
    completed = reverse("programme:register", args=[sessions[3].pk])
    shots(page, completed, "register-recorded", ".govuk-summary-list")
    shots(page, group.get_absolute_url(), "group", "#next-session")

    page.context.clear_cookies()
    sign_in(page, alice.username)
    absent = men[2]
    shots(page, reverse("programme:offender", args=[absent.pk]), "offender", ".govuk-task-list")
    timeline = reverse("programme:offender_timeline", args=[absent.pk])
    shots(page, timeline, "timeline", ".moj-timeline")
    shots(page, reverse("programme:caseload"), "caseload", ".moj-filter")

    page.context.clear_cookies()
    sign_in(page, pat.username)
    shots(page, reverse("programme:waiting_list"), "waiting-list", ".govuk-tag")
