"""Nothing typed is ever lost: on the register, Enter in any text box saves the register with
what was typed ("Save register" is the form's default action), and "Mark all attended" fills
in the outcomes left blank without replacing anything typed."""

import pytest
from playwright.sync_api import expect

from programme.models import Attendance, AttendanceAmendment
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import make_group, make_offender, make_placement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAVED = "Register for session 1 saved (2 recorded)"


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
    first = page.locator(".app-register-member", has_text="Arthur Attender")
    second = page.locator(".app-register-member", has_text="Albert Absentee")

    # Typed first, then "Mark all attended": the typing is kept, the blanks filled in.
    first.get_by_label("Minutes late for Arthur Attender").fill("5")
    second.get_by_label("Unacceptable absence").check()
    second.get_by_label("Note for Albert Absentee").fill("No call, no message")
    page.get_by_role("button", name="Mark all attended").click()
    expect(page.get_by_text("Nothing is saved yet")).to_be_visible()
    expect(first.get_by_label("Attended and complied")).to_be_checked()
    expect(first.get_by_label("Minutes late for Arthur Attender")).to_have_value("5")
    expect(second.get_by_label("Unacceptable absence")).to_be_checked()
    expect(second.get_by_label("Note for Albert Absentee")).to_have_value("No call, no message")
    assert not Attendance.objects.exists()
    assert_accessible(page)

    # Enter in a textarea is a new line, not a submission.
    note = first.get_by_label("Note for Arthur Attender")
    note.fill("Arrived flustered")
    note.press("Enter")
    note.type("Settled quickly")
    expect(note).to_have_value("Arrived flustered\nSettled quickly")
    assert not Attendance.objects.exists()

    # Enter in the first text box saves everything typed, never replaces it.
    first.get_by_label("Minutes late for Arthur Attender").press("Enter")
    expect(page.get_by_text(SAVED)).to_be_visible()
    arthur_record = Attendance.objects.get(placement=arthur)
    assert arthur_record.outcome == "attended"
    assert arthur_record.minutes_late == 5
    # (browsers send a textarea's new lines as CRLF)
    assert arthur_record.note.splitlines() == ["Arrived flustered", "Settled quickly"]
    albert_record = Attendance.objects.get(placement=albert)
    assert albert_record.outcome == "unacceptable_absence"
    assert albert_record.note == "No call, no message"

    # Each text box in turn: type, press Enter, and the register is saved with it.
    for member, placement, minutes in [
        (first, arthur, "10"),
        (second, albert, "15"),
    ]:
        name = placement.referral.offender.full_name
        box = member.get_by_label(f"Minutes late for {name}")
        box.fill(minutes)
        box.press("Enter")
        expect(page.get_by_text(SAVED)).to_be_visible()
        expect(box).to_have_value(minutes)
        assert Attendance.objects.get(placement=placement).minutes_late == int(minutes)

    # The change reason, shown once an outcome is recorded: Albert was there after all.
    second.get_by_label("Attended and complied").check()
    reason = second.get_by_label("Reason for changing the recorded outcome for Albert Absentee")
    reason.fill("Signed in late at reception")
    first.get_by_label("Note for Arthur Attender").fill("Kept")
    reason.press("Enter")
    expect(page.get_by_text(SAVED)).to_be_visible()
    assert Attendance.objects.get(placement=albert).outcome == "attended"
    assert AttendanceAmendment.objects.get().reason == "Signed in late at reception"
    assert Attendance.objects.get(placement=arthur).note == "Kept"

    # And Enter in Arthur's change reason box too (a reason with no change is harmless).
    arthur_reason = first.get_by_label(
        "Reason for changing the recorded outcome for Arthur Attender"
    )
    first.get_by_label("Minutes late for Arthur Attender").fill("0")
    arthur_reason.fill("Nothing changed")
    arthur_reason.press("Enter")
    expect(page.get_by_text(SAVED)).to_be_visible()
    assert Attendance.objects.get(placement=arthur).minutes_late == 0
    assert_accessible(page)
