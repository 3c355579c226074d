"""Bulk actions in the browser, with axe on every page shown: a programme manager allocates
several men in one step (one refused, listed by name with the reason) and an offender
manager acknowledges several notices with one note."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from programme.models import Notice
from referrals.models import Programme
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import make_group, make_offender, make_placement, make_ready_referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_allocating_several_men_in_one_step(page, alice, pat, fern):
    Programme.objects.filter(code="isotp").update(max_group_size=2)
    group = make_group(pat, [fern], start_date=timezone.localdate() + timedelta(days=14))
    for last_name in ("Firstman", "Secondman", "Thirdman"):
        make_ready_referral(make_offender(alice, last_name=last_name), alice)
    sign_in(page, pat.username)
    page.goto(reverse("programme:group", args=[group.pk]))
    assert_accessible(page)
    for last_name in ("Firstman", "Secondman", "Thirdman"):
        page.get_by_label(f"Allocate Test {last_name}").check()
    page.get_by_role("button", name="Allocate the men ticked").click()

    # Two places: two allocated, the third refused by name with the reason.
    summary = page.locator(".govuk-error-summary")
    assert "1 man was not allocated" in summary.inner_text()
    assert "Test Thirdman was not allocated. The group is full" in summary.inner_text()
    banner = page.locator(".govuk-notification-banner--success")
    assert "2 men have a place in the group" in banner.inner_text()
    assert page.title().startswith("Error: ")
    assert_accessible(page)
    assert group.placements.count() == 2


def test_acknowledging_several_notices_with_one_note(page, alice, pat, fern):
    group = make_group(pat, [fern], start_date=timezone.localdate() + timedelta(days=14))
    placement = make_placement(group, make_offender(alice, last_name="Noticeman"), alice, by=pat)
    Notice.objects.bulk_create(
        Notice(offender=placement.offender, kind="risk_note", message=f"Note {n}", created_by=fern)
        for n in range(3)
    )
    sign_in(page, alice.username)
    page.goto(reverse("programme:actions"))
    assert_accessible(page)
    form = page.locator(
        "form", has=page.get_by_role("button", name="Acknowledge the notices ticked")
    )
    boxes = form.get_by_role("checkbox")
    assert boxes.count() == 3
    boxes.nth(0).check()
    boxes.nth(1).check()
    # Without a note: refused, the ticks kept.
    form.get_by_role("button", name="Acknowledge the notices ticked").click()
    assert "Say what you did about it" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    form = page.locator(
        "form", has=page.get_by_role("button", name="Acknowledge the notices ticked")
    )
    assert form.get_by_role("checkbox").nth(0).is_checked()
    assert form.get_by_role("checkbox").nth(1).is_checked()
    form.get_by_label("What did you do about them?").fill("Rang him about all of it")
    form.get_by_role("button", name="Acknowledge the notices ticked").click()
    assert "2 notices acknowledged" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)
    assert Notice.objects.filter(action_taken="Rang him about all of it").count() == 2
