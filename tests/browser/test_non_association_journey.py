"""Issue 14: allocating around a non-association, in the browser. His offender manager records
that Adam must not be grouped with Carl (a co-defendant on another caseload); the programme
manager sees the conflict on the group page without the details, is refused without a reason,
and allocates him with one. Every page passes axe."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from programme.models import NonAssociationOverride, Placement
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import make_group, make_offender, make_placement, make_ready_referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DETAILS = "Co-defendant in the same case; threats at court"


def test_allocating_around_a_non_association(page, alice, otto, pat, fern):
    group = make_group(pat, [fern], start_date=timezone.localdate() + timedelta(days=14))
    carl = make_offender(otto, first_name="Carl", last_name="Othercase")
    make_placement(group, carl, otto, by=pat)
    adam = make_offender(alice, first_name="Adam", last_name="Codefendant")
    referral = make_ready_referral(adam, alice)

    # His offender manager records the non-association from his programme page.
    sign_in(page, alice.username)
    page.goto(f"/offenders/{adam.pk}/programme/")
    page.get_by_role("link", name="Non-associations").click()
    expect(page.get_by_role("heading", level=1, name="Non-associations")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("CRN of the other man").fill(carl.crn)
    page.get_by_label("Co-defendant").check()
    page.get_by_label("Details").fill(DETAILS)
    page.get_by_role("button", name="Record the non-association").click()
    expect(page.get_by_text("will not be put in the same group")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text(f"CRN {carl.crn}")
    expect(page.get_by_role("table")).to_contain_text(DETAILS)
    assert_accessible(page)

    # The programme manager sees that there is a conflict, never the details.
    sign_in(page, pat.username)
    page.goto(group.get_absolute_url())
    row = page.locator(f"#candidate-{referral.pk}")
    expect(row).to_contain_text("Non-association")
    expect(page.get_by_role("main")).not_to_contain_text(DETAILS)
    assert_accessible(page)

    # Without a reason he is refused by name, and stays ticked.
    page.get_by_label("Allocate Adam Codefendant").check()
    page.get_by_role("button", name="Allocate the men ticked").click()
    expect(page.get_by_role("alert")).to_contain_text("Adam Codefendant was not allocated")
    expect(page.get_by_label("Allocate Adam Codefendant")).to_be_checked()
    assert_accessible(page)
    assert not Placement.objects.filter(referral=referral).exists()

    # With a reason he is placed, and the reason is kept.
    page.get_by_label("Reason to allocate despite a non-association").fill(
        "Different victims; the court allowed contact"
    )
    page.get_by_role("button", name="Allocate the men ticked").click()
    expect(page.get_by_text("Adam Codefendant has a place in the group")).to_be_visible()
    assert_accessible(page)
    override = NonAssociationOverride.objects.get()
    assert override.reason == "Different victims; the court allowed contact"
    assert override.by == pat
