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


def task(page, key: str):
    """One step of the post-programme task list."""
    return page.locator(f"#task-{key}")


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
    # The task list: his report is the facilitator's to write, the rest cannot start yet.
    expect(task(page, "handover")).to_contain_text("Cannot start yet")
    expect(task(page, "close")).to_contain_text("Cannot start yet")
    page.get_by_role("link", name="Write the end-of-programme report").click()
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
    expect(task(page, "report")).to_contain_text("Completed")
    expect(task(page, "close")).to_contain_text("Cannot start yet")
    expect(task(page, "close")).to_contain_text("the three-way handover meeting held")
    expect(task(page, "close").get_by_role("link")).to_have_count(0)

    page.get_by_role("link", name="Hold the three-way handover meeting").click()
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

    page.get_by_role("link", name="Re-assess his risk").click()
    fill_date(page, "oasys_on", date(2026, 11, 21))
    page.get_by_role("group", name="Risk of serious harm (OASys ROSH)").get_by_label("Low").check()
    fill_date(page, "rm2000_on", date(2026, 11, 21))
    page.get_by_role("group", name="RM2000 category").get_by_label("Low").check()
    page.get_by_label("What changed").fill("Protective factors stronger")
    assert_accessible(page)
    page.get_by_role("button", name="Record the re-assessment").click()
    expect(page.get_by_role("cell", name="Low (21 November 2026)").first).to_be_visible()

    for number in (1, 2):
        page.get_by_role("link", name=f"Recommendation {number}", exact=True).click()
        page.get_by_label("Done").check()
        page.get_by_label("Progress note").fill("Completed")
        if number == 1:
            assert_accessible(page)
        page.get_by_role("button", name="Save").click()

    expect(task(page, "close")).to_contain_text("Not yet started")
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


def test_the_task_list_and_the_report_reflow_at_320_px(page, alice, pat, fern):
    from programme.services.post_programme import report_submit
    from tests.browser.test_reflow import WIDTH, assert_reflows
    from tests.test_post_programme import write_report

    Programme.objects.filter(code="isotp").update(sessions=2)
    group = make_group(pat, [fern])
    man = make_offender(
        alice, first_name="Maximilian-Alexander", last_name="Featherstonehaugh-Worthington"
    )
    placement = make_placement(group, man, alice, by=pat)
    for number in (1, 2):
        record(group.sessions.get(number=number), placement, "attended", fern)
    referral = placement.referral
    tasks = f"/referrals/{referral.pk}/post-programme/"
    page.set_viewport_size({"width": WIDTH, "height": 800})

    # Nothing done: the facilitator's task list and the report form.
    sign_in(page, fern.username)
    assert_reflows(page, tasks)
    expect(page.locator("#task-close")).to_contain_text("Cannot start yet")
    assert_reflows(page, f"/referrals/{referral.pk}/report/")
    page.get_by_role("button", name="Sign out").click()

    # Report submitted, with long recommendations: his offender manager's task list and the
    # report itself.
    report = write_report(
        referral,
        fern,
        recommendations=[
            "Attend a Circles of Support and Accountability group every week for a year",
            "Review his internet use monthly with filtering-software-reports-attached",
        ],
    )
    report_submit(report=report, by=fern)
    sign_in(page, alice.username)
    assert_reflows(page, tasks)
    expect(page.locator("#task-handover")).to_contain_text("Not yet started")
    assert_reflows(page, report.get_absolute_url())
