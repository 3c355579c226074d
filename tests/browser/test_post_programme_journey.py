from datetime import date

import pytest
from playwright.sync_api import expect

from referrals.models import Programme
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import make_group, make_offender, make_placement, record
from tests.pdf_text import pdf_reader, pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_date(page, field: str, day: date) -> None:
    page.locator(f"#id_{field}_0").fill(str(day.day))
    page.locator(f"#id_{field}_1").fill(str(day.month))
    page.locator(f"#id_{field}_2").fill(str(day.year))


def test_report_handover_reassessment_recommendations_and_closure(page, alice, pat, fern):
    Programme.objects.filter(code="isotp").update(sessions=2)
    group = make_group(pat, [fern])
    man = make_offender(alice, first_name="Colin", last_name="Closer", needs_large_print=True)
    placement = make_placement(group, man, alice, by=pat)
    for number in (1, 2):
        record(group.sessions.get(number=number), placement, "attended", fern)
    referral = placement.referral

    # The facilitator writes and submits the end-of-programme report.
    sign_in(page, fern.username)
    page.goto(f"/referrals/{referral.pk}/post-programme/")
    assert_accessible(page)
    page.get_by_role("link", name="Write the report").click()
    expect(page.get_by_text("Attended 2 of 2 sessions")).to_be_visible()
    for area in page.locator("textarea[name^=target_]").all():
        area.fill("Good progress")
    page.get_by_label("Risk factors").fill("Isolation at weekends")
    page.get_by_label("Relapse prevention plan").fill("Filtering software; weekly check-ins")
    page.get_by_label("Recommendations").fill("Join a support group\nReview internet use monthly")
    assert_accessible(page)
    page.get_by_role("button", name="Save the draft").click()
    page.get_by_role("button", name="Submit the report").click()
    expect(page.get_by_text("Version 1 submitted and locked")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    # His offender manager: closing is not offered while anything is missing, and the page
    # says what is.
    sign_in(page, alice.username)
    page.goto(f"/referrals/{referral.pk}/post-programme/")
    expect(page.get_by_role("button", name="Close as programme complete")).to_have_count(0)
    expect(page.locator("#closing-not-yet")).to_be_visible()
    expect(page.locator("#closing-missing")).to_contain_text("handover meeting has not been held")

    page.get_by_role("link", name="Record the handover meeting").click()
    fill_date(page, "held_on", date(2026, 11, 20))
    page.get_by_label("Place").fill("Riverside office")
    for question in [
        "Did he attend?",
        "Did a facilitator attend?",
        "Did the offender manager attend?",
    ]:
        page.get_by_role("group", name=question).get_by_label("Yes").check()
    assert_accessible(page)
    page.get_by_role("button", name="Record the meeting").click()
    expect(page.get_by_text("Handover meeting recorded with all three present")).to_be_visible()

    page.get_by_role("link", name="Record the risk re-assessment").click()
    fill_date(page, "oasys_on", date(2026, 11, 21))
    page.get_by_role("group", name="Risk of serious harm (OASys ROSH)").get_by_label("Low").check()
    fill_date(page, "rm2000_on", date(2026, 11, 21))
    page.get_by_role("group", name="RM2000 category").get_by_label("Low").check()
    page.get_by_label("What changed").fill("Protective factors stronger")
    assert_accessible(page)
    page.get_by_role("button", name="Record the re-assessment").click()
    expect(page.get_by_role("cell", name="Low (21 Nov 2026)").first).to_be_visible()

    for number in (1, 2):
        page.get_by_role("link", name=f"Update recommendation {number}").click()
        page.get_by_label("Done").check()
        page.get_by_label("Progress note").fill("Completed")
        if number == 1:
            assert_accessible(page)
        page.get_by_role("button", name="Save").click()

    page.get_by_role("button", name="Close as programme complete").click()
    expect(page.get_by_text("The referral is closed: programme complete")).to_be_visible()
    assert_accessible(page)

    # The information letter, in large print because his record says he needs it.
    letter = page.request.get(f"/offenders/{man.pk}/information-letter.pdf")
    assert letter.headers["content-type"] == "application/pdf"
    assert "Colin" in pdf_text(letter.body())
    sizes = []
    for pdf_page in pdf_reader(letter.body()).pages:
        pdf_page.extract_text(
            visitor_text=lambda text, cm, tm, font, size: (
                sizes.append(abs(size * tm[3] * cm[3])) if text.strip() else None
            )
        )
    assert sizes and min(sizes) >= 18
