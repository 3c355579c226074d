from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from programme.models import CatchUp, Group
from programme.services.register import catch_up_record
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import (
    let_sessions_pass,
    make_offender,
    make_placement,
    make_ready_referral,
    record,
    today,
)
from tests.pdf_text import pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_date(page, field: str, day: date) -> None:
    page.locator(f"#id_{field}_0").fill(str(day.day))
    page.locator(f"#id_{field}_1").fill(str(day.month))
    page.locator(f"#id_{field}_2").fill(str(day.year))


def test_form_a_group_record_a_register_and_give_a_formal_warning(page, alice, pat, fern):
    make_ready_referral(make_offender(alice, first_name="Arthur", last_name="Attender"), alice)
    make_ready_referral(make_offender(alice, first_name="Albert", last_name="Absentee"), alice)

    # The programme manager forms a 21+ group and allocates both men.
    sign_in(page, pat.username)
    page.get_by_role("link", name="Groups", exact=True).click()
    page.get_by_role("button", name="Form a group").click()
    page.get_by_label("Programme").select_option(label="i-SOTP")
    page.get_by_label("21+").check()
    page.get_by_label("Venue").fill("Riverside probation office, room 2")
    page.get_by_label(str(fern)).check()
    fill_date(page, "start_date", today() + timedelta(days=7))
    page.get_by_role("group", name="Days of the week it meets").get_by_label("Monday").check()
    page.get_by_label("Start time").fill("18:00")
    assert_accessible(page)
    page.get_by_role("button", name="Form the group").click()
    expect(page.get_by_text("Group formed with 35 sessions")).to_be_visible()
    # One man first, then the other: each tick and "Allocate the men ticked".
    page.get_by_label("Allocate Arthur Attender").check()
    page.get_by_role("button", name="Allocate the men ticked").click()
    expect(page.get_by_text("Arthur Attender has a place in the group")).to_be_visible()
    page.get_by_label("Allocate Albert Absentee").check()
    page.get_by_role("button", name="Allocate the men ticked").click()
    expect(page.get_by_text("2 of 10 taken")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    # Three weeks go by: sessions 1 and 2 have been held.
    let_sessions_pass(Group.objects.get(), behind=2)

    # The facilitator records session 1: everyone attended, then one unacceptable absence.
    sign_in(page, fern.username)
    expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="My groups").click()
    expect(page.get_by_role("heading", name="My groups")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Groups", exact=True).click()
    page.get_by_role("link", name="i-SOTP 21+, Riverside probation office, room 2").click()
    page.get_by_role("link", name="Register for session 1", exact=True).click()
    page.get_by_role("button", name="Mark all attended").click()
    absentee = page.locator(".app-register-member", has_text="Albert Absentee")
    expect(absentee.get_by_label("Attended and complied")).to_be_checked()
    absentee.get_by_label("Unacceptable absence").check()
    assert_accessible(page)
    page.get_by_role("button", name="Save register").click()
    expect(page.get_by_text("Register for session 1 saved (2 recorded)")).to_be_visible()

    # At the next session he cannot be recorded as attending: the register says why.
    page.get_by_role("link", name="Back to the group").click()
    page.get_by_role("link", name="Register for session 2", exact=True).click()
    absentee = page.locator(".app-register-member", has_text="Albert Absentee")
    expect(absentee).to_contain_text("Catch-up of session 1 still to do")
    absentee.get_by_label("Attended and complied").check()
    page.get_by_role("button", name="Save register").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("nothing was saved")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    # His offender manager decides: a formal warning, and prints the letter.
    sign_in(page, alice.username)
    page.get_by_role("link", name="Actions").click()
    expect(page.locator("#enforcement ~ .app-table-scroll table").first).to_contain_text(
        "Albert Absentee"
    )
    expect(page.get_by_text("Formal warning").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Decide for Albert Absentee").click()
    page.get_by_label("Formal warning given").check()
    assert_accessible(page)
    page.get_by_role("button", name="Record the decision").click()
    letter_link = page.get_by_role("link", name="Print the warning letter (PDF)")
    expect(letter_link).to_be_visible()
    letter = page.request.get(letter_link.get_attribute("href"))
    assert letter.headers["content-type"] == "application/pdf"
    text = " ".join(pdf_text(letter.body()).split())
    assert "Albert Absentee" in text and "formal warning" in text.lower()

    # And prints his attendance record for court.
    page.goto("/offenders/")
    page.get_by_role("link", name="Absentee, Albert").click()
    page.get_by_role("navigation", name="Pages about Albert Absentee").get_by_role(
        "link", name="Programme"
    ).click()
    assert_accessible(page)
    record_link = page.get_by_role("link", name="attendance record").first
    attendance = page.request.get(record_link.get_attribute("href"))
    assert "Unacceptable absence" in " ".join(pdf_text(attendance.body()).split())


def test_the_fifth_missed_session_ends_the_attempt_with_a_restart(page, alice, pat, fern, group):
    man = make_offender(alice, first_name="Frank", last_name="Fivemisses")
    placement = make_placement(group, man, alice, by=pat)
    for number in range(1, 5):
        record(
            group.sessions.get(number=number),
            placement,
            "acceptable_absence",
            fern,
            absence_reason="medical",
        )
        catch_up = CatchUp.objects.get(placement=placement, session__number=number)
        catch_up_record(
            catch_up=catch_up,
            held_on=catch_up.session.date,
            facilitator=fern,
            completed=True,
            note="",
            by=fern,
        )

    sign_in(page, fern.username)
    page.goto(f"/placements/{placement.pk}/")
    expect(page.locator("#catch-ups-used")).to_have_text("4 of 4 used")
    page.goto(f"/sessions/{group.sessions.get(number=5).pk}/register/")
    page.get_by_label("Unacceptable absence").check()
    page.get_by_role("button", name="Save register").click()
    expect(
        page.get_by_text("must restart the programme and is back on the waiting list")
    ).to_be_visible()
    assert_accessible(page)

    # A week later the register of session 2 turns out to be wrong: he was there. After the
    # restart, the correction still saves; the restart stands and his manager is asked.
    page.goto(f"/sessions/{group.sessions.get(number=2).pk}/register/")
    page.get_by_role("link", name="Change the record of Frank Fivemisses").click()
    page.get_by_label("Attended and complied").check()
    page.get_by_label("Reason for the change").fill("Signed in on the paper register: he was there")
    page.get_by_role("button", name="Save the change").click()
    expect(page.get_by_text("Register for session 2 saved")).to_be_visible()
    expect(page.get_by_text("the restart may no longer be needed").first).to_be_visible()
    amendment = (
        "Amended: was Acceptable absence (medical), now Attended and complied — "
        f"{fern.get_full_name()}"
    )
    expect(page.locator(".app-amendments")).to_contain_text(amendment)
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, alice.username)
    page.get_by_role("link", name="Actions").click()
    expect(page.get_by_role("main")).to_contain_text("must start the programme again")
    expect(page.get_by_role("main")).to_contain_text("the restart may no longer be needed")
    page.goto(f"/offenders/{man.pk}/timeline/")
    expect(page.get_by_role("main")).to_contain_text("Group session 2 record amended")
    expect(page.get_by_role("main")).to_contain_text(amendment)
    record_pdf = page.request.get(f"/placements/{placement.pk}/attendance.pdf")
    text = " ".join(pdf_text(record_pdf.body()).split())
    assert "Attended and complied (amended*)" in text
    assert "Signed in on the paper register: he was there" in text
    page.get_by_role("link", name="Waiting list", exact=True).click()
    expect(page.get_by_role("link", name="Frank Fivemisses")).to_be_visible()
    assert_accessible(page)
