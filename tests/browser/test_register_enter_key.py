"""Nothing typed is ever lost: on the register, Enter in any text box saves the register with
what was typed ("Save register" is the form's default action), and "Mark all attended" fills
in the outcomes left blank without replacing anything typed. Each state of the register
passes axe: blank, partly recorded, complete (a summary), changing one man, in error."""

from datetime import date

import pytest
from playwright.sync_api import expect

from programme.models import Attendance, AttendanceAmendment
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import make_group, make_offender, make_placement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAVED = "Register for session 1 saved"


def test_enter_in_every_text_box_of_the_register_saves_what_was_typed(page, alice, pat, fern):
    # A group whose first session was held (groups in tests start on 2 February 2026).
    group = make_group(pat, [fern])
    arthur = make_placement(
        group, make_offender(alice, first_name="Arthur", last_name="Attender"), alice, by=pat
    )
    albert = make_placement(
        group, make_offender(alice, first_name="Albert", last_name="Absentee"), alice, by=pat
    )
    session = group.sessions.get(number=1)

    sign_in(page, fern.username)
    page.goto(f"/sessions/{session.pk}/register/")
    expect(page.get_by_role("heading", name="Still to record: 2 of 2")).to_be_visible()
    first = page.locator(".app-register-member", has_text="Arthur Attender")
    second = page.locator(".app-register-member", has_text="Albert Absentee")
    arthur_late = first.get_by_label("Minutes late for Arthur Attender", exact=True)
    # What follows an outcome appears under it once it is chosen.
    expect(arthur_late).to_be_hidden()
    expect(second.get_by_label("Reason the absence is acceptable")).to_be_hidden()
    assert_accessible(page)

    # Typed first, then "Mark all attended": the typing is kept, the blanks filled in.
    second.get_by_label("Unacceptable absence").check()
    expect(second.get_by_label("Minutes late", exact=False).first).to_be_hidden()
    second.get_by_text("Add a note").click()
    second.get_by_label("Note for Albert Absentee").fill("No call, no message")
    page.get_by_role("button", name="Mark all attended").click()
    expect(page.get_by_text("Nothing is saved yet")).to_be_visible()
    expect(first.get_by_label("Attended and complied")).to_be_checked()
    # Nothing is unfolded that was not asked for: choosing his outcome again shows its questions.
    expect(arthur_late).to_be_hidden()
    first.get_by_label("Attended and complied").click()
    expect(arthur_late).to_be_visible()
    expect(second.get_by_label("Unacceptable absence")).to_be_checked()
    expect(second.get_by_label("Note for Albert Absentee")).to_have_value("No call, no message")
    assert not Attendance.objects.exists()
    assert_accessible(page)

    # Enter in a textarea is a new line, not a submission.
    first.get_by_text("Add a note").click()
    note = first.get_by_label("Note for Arthur Attender")
    note.fill("Arrived flustered")
    note.press("Enter")
    note.type("Settled quickly")
    expect(note).to_have_value("Arrived flustered\nSettled quickly")
    assert not Attendance.objects.exists()

    # Enter in a text box saves everything typed, never replaces it.
    arthur_late.fill("5")
    arthur_late.press("Enter")
    expect(page.get_by_text(SAVED + " (2 recorded)")).to_be_visible()
    arthur_record = Attendance.objects.get(placement=arthur)
    assert arthur_record.outcome == "attended"
    assert arthur_record.minutes_late == 5
    # (browsers send a textarea's new lines as CRLF)
    assert arthur_record.note.splitlines() == ["Arrived flustered", "Settled quickly"]
    albert_record = Attendance.objects.get(placement=albert)
    assert albert_record.outcome == "unacceptable_absence"
    assert albert_record.note == "No call, no message"

    # Complete: a summary, one row a man, each with a "Change" link naming him.
    summary = page.locator(".app-register-summary")
    expect(page.get_by_text("Complete", exact=True)).to_be_visible()
    expect(summary).to_contain_text("Attended and complied")
    expect(summary).to_contain_text("5 minutes late")
    expect(page.locator("form textarea")).to_have_count(0)
    assert_accessible(page)

    # Albert was there after all: his record is changed with a reason, pressing Enter.
    page.get_by_role("link", name="Change the record of Albert Absentee").click()
    expect(page.get_by_role("heading", name="Change the record of Albert Absentee")).to_be_visible()
    page.get_by_label("Attended and complied").check()
    late = page.get_by_label("Minutes late for Albert Absentee", exact=True)
    late.fill("15")
    late.press("Enter")
    # Without a reason the change is refused: the reason box is marked in error.
    expect(page.locator(".govuk-error-summary")).to_contain_text("Give a reason for changing")
    reason = page.get_by_label("Reason for the change for Albert Absentee")
    expect(reason).to_have_class("govuk-input govuk-input--error")
    expect(late).to_have_value("15")
    assert page.title().startswith("Error: ")
    assert_accessible(page)
    page.locator(".govuk-error-summary a").first.click()
    expect(reason).to_be_focused()
    reason.fill("Signed in late at reception")
    reason.press("Enter")
    expect(page.get_by_text(SAVED + " (1 recorded)")).to_be_visible()
    albert_record.refresh_from_db()
    assert (albert_record.outcome, albert_record.minutes_late) == ("attended", 15)
    assert AttendanceAmendment.objects.get().reason == "Signed in late at reception"
    expect(page.locator(".app-amendments")).to_contain_text("Signed in late at reception")

    # Enter in Arthur's change reason box too (a reason with no change is harmless).
    page.get_by_role("link", name="Change the record of Arthur Attender").click()
    page.get_by_label("Minutes late for Arthur Attender", exact=True).fill("0")
    arthur_reason = page.get_by_label("Reason for the change for Arthur Attender")
    arthur_reason.fill("Nothing changed")
    arthur_reason.press("Enter")
    expect(page.get_by_text(SAVED + " (1 recorded)")).to_be_visible()
    assert Attendance.objects.get(placement=arthur).minutes_late == 0
    assert AttendanceAmendment.objects.count() == 1
    assert_accessible(page)


def test_a_register_saved_in_part_says_who_is_still_to_record(page, alice, pat, fern):
    group = make_group(pat, [fern])
    for first_name in ("Arthur", "Albert", "Alfred"):
        make_placement(
            group, make_offender(alice, first_name=first_name, last_name="Partly"), alice, by=pat
        )
    session = group.sessions.get(number=1)
    sign_in(page, fern.username)
    page.goto(f"/sessions/{session.pk}/register/")
    arthur = page.locator(".app-register-member", has_text="Arthur Partly")
    arthur.get_by_label("Acceptable absence", exact=True).check()
    # Save and mark complete asks for everyone; the reason for an acceptable absence too.
    page.get_by_role("button", name="Save and mark register complete").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Albert Partly: Choose what happened")
    expect(summary).to_contain_text("Arthur Partly: Choose the reason the absence is acceptable")
    reason = arthur.get_by_label("Reason the absence is acceptable")
    expect(reason).to_have_class("govuk-select govuk-select--error")
    assert_accessible(page)

    # "Save register" saves those given and leaves the others for later: not errors.
    reason.select_option(label="Medical")
    page.get_by_role("button", name="Save register").click()
    expect(page.get_by_text(SAVED + " (1 recorded)")).to_be_visible()
    expect(page.get_by_role("heading", name="Still to record: 2 of 3")).to_be_visible()
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    expect(page.locator(".app-register-summary")).to_contain_text("Acceptable absence (medical)")
    assert_accessible(page)

    # A session not yet held: when it can be recorded, and no form.
    later = make_group(pat, [fern], start_date=date(2030, 1, 7))
    make_placement(
        later, make_offender(alice, first_name="Fred", order_end=date(2033, 1, 1)), alice, by=pat
    )
    page.goto(f"/sessions/{later.sessions.get(number=1).pk}/register/")
    expect(page.locator("#not-yet")).to_contain_text(
        "You can record this register from Monday 7 January 2030"
    )
    expect(page.locator("main form")).to_have_count(0)
    assert_accessible(page)
