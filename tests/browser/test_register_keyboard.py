"""The register is built for the facilitator's minute after a session: recording three men
(two attended, one unacceptable absence) with the keyboard alone takes few key presses.

Every key press is counted: Tab to move, Space or an arrow key to choose, Enter to act. The
journey starts on the freshly loaded page and uses the skip link, so the header's links (which
change with the navigation) are not counted. Arrow keys wrap in a radio group: "Up" from the
first radio chooses the last one ("Unacceptable absence").

Measured on 6 December 2026: 25 presses before the redesign (five inline radios, then a reason,
minutes late, homework, note and a checkbox for every man whatever happened to him), 17 after
(stacked radios whose follow-up questions appear only under the outcome they belong to, the
note behind "Add a note"), 18 since "Mark all attended" came first on the page (one more Tab
past it). The test fails if the journey takes more presses than that.

"All attended, one unacceptable absence" is the usual register, and "Mark all attended" is
its quick path: first on the page, it ticks "Attended and complied" in place (no reload, the
focus kept, nothing unfolded), and then only the absent man is changed. Measured on 7 December
2026 before it was: 52 presses for 10 men by hand, 67 with "Mark all attended" (the button came
after the Save buttons, reloaded the page, sent the focus to the top and unfolded "Minutes
late" and "Homework" for every man). The counts it takes now are in MARK_ALL_PRESSES.
"""

import pytest
from playwright.sync_api import expect

from programme.models import Attendance
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import make_group, make_offender, make_placement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOST_PRESSES = 18
# Men on the register: the most presses "all attended, one unacceptable absence" may take
# with "Mark all attended" (skip link, the button, Tab through the men to the absent one, one
# arrow, Tab on to "Save register").
MARK_ALL_PRESSES = {3: 13, 10: 27}


class Keyboard:
    """Presses keys on the page, counting each one."""

    def __init__(self, page):
        self.page = page
        self.presses = 0

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.presses += 1

    def tab_to(self, locator, most: int = 40) -> None:
        """Tab until the locator has the focus (failing after `most` presses)."""
        for _ in range(most):
            self.press("Tab")
            if locator.evaluate("element => element === document.activeElement"):
                return
        raise AssertionError(f"Tab never reached {locator}")


def test_all_attended_but_one_takes_few_key_presses(page, alice, pat, fern):
    group = make_group(pat, [fern])
    men = {
        name: make_placement(
            group, make_offender(alice, first_name=name, last_name="Keyboard"), alice, by=pat
        )
        for name in ("Adam", "Bernard", "Colin")
    }
    session = group.sessions.get(number=1)
    sign_in(page, fern.username)
    page.goto(f"/sessions/{session.pk}/register/")
    assert_accessible(page)

    def first_radio(name):
        return page.locator(f"#id_m{men[name].pk}-outcome_0")

    keys = Keyboard(page)
    keys.tab_to(page.get_by_role("link", name="Skip to main content"))
    keys.press("Enter")
    keys.tab_to(first_radio("Adam"))
    keys.press("Space")
    keys.tab_to(first_radio("Bernard"))
    keys.press("ArrowUp")
    expect(page.locator(f"#id_m{men['Bernard'].pk}-outcome_4")).to_be_checked()
    keys.tab_to(first_radio("Colin"))
    keys.press("Space")
    keys.tab_to(page.get_by_role("button", name="Save register"))
    keys.press("Enter")

    expect(page.get_by_text("Register for session 1 saved (3 recorded)")).to_be_visible()
    outcomes = {
        a.placement.referral.offender.first_name: a.outcome for a in Attendance.objects.all()
    }
    assert outcomes == {
        "Adam": "attended",
        "Bernard": "unacceptable_absence",
        "Colin": "attended",
    }
    print(f"key presses: {keys.presses}")
    assert keys.presses <= MOST_PRESSES


@pytest.mark.parametrize("count", sorted(MARK_ALL_PRESSES))
def test_all_attended_but_one_by_marking_everyone_first(page, alice, pat, fern, count):
    group = make_group(pat, [fern])
    names = [f"Man{chr(ord('a') + number)}" for number in range(count)]
    men = [
        make_placement(
            group, make_offender(alice, first_name="Keyboard", last_name=name), alice, by=pat
        )
        for name in names
    ]
    absent = men[count // 2]
    session = group.sessions.get(number=1)
    sign_in(page, fern.username)
    page.goto(f"/sessions/{session.pk}/register/")

    keys = Keyboard(page)
    keys.tab_to(page.get_by_role("link", name="Skip to main content"))
    keys.press("Enter")
    mark_all = page.get_by_role("button", name="Mark all attended")
    keys.tab_to(mark_all)
    keys.press("Enter")

    # Marked in place: the same page, the focus on the button, nothing unfolded.
    expect(page.get_by_role("status")).to_have_text(
        f"{count} men marked “Attended and complied”. Nothing is saved yet: change anyone "
        "who was not there, then save the register."
    )
    assert mark_all.evaluate("element => element === document.activeElement")
    for man in men:
        expect(page.locator(f"#id_m{man.pk}-outcome_0")).to_be_checked()
    expect(page.locator(".govuk-radios__conditional:visible")).to_have_count(0)
    expect(page.locator("details[open]")).to_have_count(0)
    assert Attendance.objects.count() == 0
    assert_accessible(page)

    # Into the absent man's radios (on "Attended and complied"), Up to the last outcome.
    keys.tab_to(page.locator(f"#id_m{absent.pk}-outcome_0"))
    keys.press("ArrowUp")
    expect(page.locator(f"#id_m{absent.pk}-outcome_4")).to_be_checked()
    keys.tab_to(page.get_by_role("button", name="Save register"))
    keys.press("Enter")

    expect(page.get_by_text(f"Register for session 1 saved ({count} recorded)")).to_be_visible()
    outcomes = {a.placement_id: a.outcome for a in Attendance.objects.all()}
    assert outcomes == {
        man.pk: "unacceptable_absence" if man == absent else "attended" for man in men
    }
    print(f"{count} men: {keys.presses} key presses")
    assert keys.presses <= MARK_ALL_PRESSES[count]
