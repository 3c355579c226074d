"""Issue 14, part 5: the court bundle of a breach or recall, one PDF from the record: the
order and the decision, the attendance chronology with amendments marked, each failure with
its date, the warnings and decisions with their reasons, the letters sent, the status
history and the signatures block; paged, with contents, and tagged."""

import re

import pytest
from django.urls import reverse

from isotp.models import AccessLog
from programme.models import Enforcement, EnforcementDecisionType
from programme.services.enforcement import enforcement_decide
from tests.factories import give_warning, make_offender, make_referral, record
from tests.pdf_text import assert_accessible_pdf, pdf_reader, pdf_text


def session(group, number):
    return group.sessions.get(number=number)


@pytest.fixture
def breach(group, placement, fern, alice):
    """Adam Placedperson: session 1 recorded as an unacceptable absence, then amended; a warning for missing
    session 2; session 3 missed too, and the offender manager initiates a breach."""
    record(session(group, 1), placement, "unacceptable_absence", fern)
    record(
        session(group, 1),
        placement,
        "acceptable_absence",
        fern,
        absence_reason="medical",
        change_reason="Doctor's note arrived",
    )
    record(session(group, 2), placement, "unacceptable_absence", fern)
    first = Enforcement.objects.get(attendance__session__number=2)
    give_warning(first, alice, reason="First failure; warned in writing")
    record(session(group, 3), placement, "unacceptable_absence", fern)
    second = Enforcement.objects.get(attendance__session__number=3)
    assert second.proposed_action == "breach"
    enforcement_decide(
        enforcement=second,
        decision=EnforcementDecisionType.BREACH_INITIATED,
        reason="Second failure within twelve months after a warning",
        by=alice,
    )
    return second


def bundle_url(placement):
    return reverse("programme:court_bundle_pdf", args=[placement.referral_id])


def test_the_bundle_holds_the_whole_record_of_the_breach(login, alice, group, placement, breach):
    response = login(alice).get(bundle_url(placement))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"court-bundle-{placement.offender.crn}" in response["Content-Disposition"]
    text = pdf_text(response.content)
    flat = " ".join(text.split())
    assert "Court bundle: Breach initiated" in flat
    assert "Adam Placedperson" in flat and placement.offender.crn in flat
    # The decision it supports, with its reason and the failure.
    assert "Second failure within twelve months after a warning" in flat
    assert f"Unacceptable absence on 16 February 2026 ({session(group, 3).name})" in flat
    # Each failure with its date; the warning with its reason; the letter sent for it.
    failures = flat[flat.index("3. Failures", flat.index("7. Signatures")) :]
    assert f"9 February 2026 {session(group, 2).name} Unacceptable absence" in failures
    assert f"16 February 2026 {session(group, 3).name} Unacceptable absence" in failures
    assert "Formal warning given. Reason: First failure; warned in writing" in flat
    letters = flat[flat.index("5. Letters sent", flat.index("7. Signatures")) :]
    assert (
        f"Formal warning Unacceptable absence on 9 February 2026 ({session(group, 2).name})"
        in letters
    )
    # Each session named, with who led it (a court would ask).
    assert f"{session(group, 4).name} 23 February 2026 Fern Testington" in flat
    # The amended entry is marked and its change listed.
    assert "Acceptable absence: Medical (amended*)" in flat
    assert "Doctor's note arrived" in flat
    # The status history shows the move to breach; the signatures block closes it.
    assert "Breach" in flat[flat.rindex("6. Status history") :]
    assert "Signature" in flat[flat.rindex("7. Signatures") :]


def test_the_bundle_is_paged_with_contents_and_tagged(login, alice, placement, breach):
    content = login(alice).get(bundle_url(placement)).content
    assert_accessible_pdf(content, "Court bundle")
    pages = pdf_reader(content).pages
    assert len(pages) >= 7  # the contents, then each of the seven parts on its own page
    for number, page in enumerate(pages, start=1):
        footer = " ".join(page.extract_text().split())
        assert f"Page {number} of {len(pages)}" in footer
        assert "OFFICIAL-SENSITIVE" in footer
    # Each part starts on its own page, and the contents give that page.
    contents = " ".join(pages[0].extract_text().split())
    for title in ["2. Attendance chronology", "7. Signatures"]:
        page_number = next(
            n
            for n, page in enumerate(pages, start=1)
            if n > 1 and title in " ".join(page.extract_text().split())
        )
        listed = re.search(r"page (\d+)", contents.split(title)[1])
        assert listed and int(listed[1]) == page_number


def test_the_programme_manager_may_print_it_and_the_print_is_logged(login, pat, placement, breach):
    assert login(pat).get(bundle_url(placement)).status_code == 200
    entry = AccessLog.objects.filter(action="print").latest("pk")
    assert entry.record_type == "referrals.Referral"
    assert entry.record_id == str(placement.referral_id)


@pytest.mark.parametrize("who", ["fern", "otto", "hilary", "audrey", "ada"])
def test_nobody_else_may_print_it(request, login, placement, breach, who):
    response = login(request.getfixturevalue(who)).get(bundle_url(placement))
    assert response.status_code == 404


def test_there_is_no_bundle_without_a_breach_or_recall(login, alice, group, placement, fern):
    record(session(group, 1), placement, "unacceptable_absence", fern)
    client = login(alice)
    assert client.get(bundle_url(placement)).status_code == 404
    never_placed = make_referral(make_offender(alice), alice)
    url = reverse("programme:court_bundle_pdf", args=[never_placed.pk])
    assert client.get(url).status_code == 404
    page = client.get(reverse("programme:offender_programme", args=[placement.offender.pk]))
    assert "court bundle" not in page.content.decode().lower()


def test_his_programme_page_links_to_the_bundle_once_there_is_one(login, alice, placement, breach):
    page = login(alice).get(reverse("programme:offender_programme", args=[placement.offender.pk]))
    assert bundle_url(placement) in page.content.decode()


def test_a_restarted_attempt_and_its_warning_are_in_the_bundle(
    login, alice, pat, fern, group, placement
):
    """The warning that made the second failure a breach was given in his first attempt,
    before a restart: the court sees both attempts."""
    from datetime import date

    from programme.services.register import placement_restart
    from programme.services.scheduling import placement_allocate
    from tests.factories import allocation_day, make_group

    record(session(group, 1), placement, "unacceptable_absence", fern)
    give_warning(
        Enforcement.objects.get(attendance__placement=placement),
        alice,
        reason="First failure; warned in writing",
    )
    restarted = placement_restart(placement=placement, on=date(2026, 2, 3), by=alice)
    second_group = make_group(pat, [fern], start_date=date(2026, 3, 2), venue="Second room")
    second = placement_allocate(
        group=second_group, referral=restarted, by=pat, on=allocation_day(second_group)
    )
    record(session(second_group, 1), second, "unacceptable_absence", fern)
    failure = Enforcement.objects.get(attendance__placement=second)
    assert failure.proposed_action == "breach"
    enforcement_decide(
        enforcement=failure,
        decision=EnforcementDecisionType.BREACH_INITIATED,
        reason="Failed again after a warning",
        by=alice,
    )
    flat = " ".join(pdf_text(login(alice).get(bundle_url(second)).content).split())
    assert "Place 1 of 2" in flat and "Place 2 of 2" in flat
    assert "Second room" in flat
    assert "First failure; warned in writing" in flat
    assert "Restart required" in flat
