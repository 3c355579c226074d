"""Issue 14, part 4: non-associations. An offender manager records men who must not be in the
same group (with a reason only offender managers read); allocation refuses a place beside one
of them, or a programme manager overrides with a recorded reason, never seeing the details."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from programme.models import NonAssociation, NonAssociationOverride, Placement, ProgrammeError
from programme.services.non_associations import non_association_end, non_association_record
from programme.services.scheduling import NON_ASSOCIATION, placement_allocate
from tests.factories import make_group, make_offender, make_placement, make_ready_referral

SECRET = "His co-defendant threatened him in court"


@pytest.fixture
def forming(pat, fern):
    return make_group(pat, [fern], start_date=timezone.localdate() + timedelta(days=14))


@pytest.fixture
def men(alice, otto):
    """Adam (Alice's) and Carl (Otto's), co-defendants; Dan, nobody's concern."""
    adam = make_offender(alice, first_name="Adam", last_name="Codefendant")
    carl = make_offender(otto, first_name="Carl", last_name="Othercase")
    dan = make_offender(alice, first_name="Dan", last_name="Unrelated")
    return adam, carl, dan


def page(offender):
    return reverse("programme:non_associations", args=[offender.pk])


# --- Recording -------------------------------------------------------------------------------


def test_the_offender_manager_records_one_by_crn_and_reads_it_back(login, alice, men):
    adam, carl, _dan = men
    client = login(alice)
    response = client.post(
        page(adam), {"other_crn": carl.crn.lower(), "kind": "co_defendant", "reason": SECRET}
    )
    assert response.status_code == 302
    pair = NonAssociation.objects.get()
    assert (pair.offender, pair.other, pair.recorded_by) == (adam, carl, alice)
    content = client.get(page(adam)).content.decode()
    assert f"CRN {carl.crn}" in content and SECRET in content and "Co-defendant" in content
    # Carl's name is not shown: he is on another caseload.
    assert "Othercase" not in content


def test_the_other_man_s_offender_manager_sees_it_without_the_details(login, alice, otto, men):
    adam, carl, _dan = men
    non_association_record(offender=adam, other=carl, kind="co_defendant", reason=SECRET, by=alice)
    content = login(otto).get(page(carl)).content.decode()
    assert f"CRN {adam.crn}" in content and "Co-defendant" in content
    assert SECRET not in content
    assert "ask them for the details" in content


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("X999999", "No offender has the CRN X999999: check it and try again"),
        ("own", "Enter the CRN of another man, not his own"),
        ("", "Enter the CRN of the man he must not be grouped with"),
    ],
)
def test_a_wrong_crn_is_refused_on_the_form_keeping_what_was_typed(
    login, alice, men, typed, message
):
    adam, _carl, _dan = men
    crn = adam.crn if typed == "own" else typed
    response = login(alice).get(page(adam))
    response = login(alice).post(
        page(adam), {"other_crn": crn, "kind": "associate", "reason": "Typed details"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert message in content
    assert "Typed details" in content
    assert not NonAssociation.objects.exists()


def test_the_same_pair_cannot_be_recorded_twice_from_either_side(login, alice, otto, men):
    adam, carl, _dan = men
    non_association_record(offender=adam, other=carl, kind="co_defendant", reason=SECRET, by=alice)
    response = login(otto).post(
        page(carl), {"other_crn": adam.crn, "kind": "associate", "reason": "Again"}
    )
    assert "These two men are already kept apart" in response.content.decode()
    assert NonAssociation.objects.count() == 1


def test_the_database_refuses_a_man_kept_from_himself(alice, men):
    adam, _carl, _dan = men
    with pytest.raises(IntegrityError), transaction.atomic():
        NonAssociation.objects.create(
            offender=adam, other=adam, kind="other", reason="x", recorded_by=alice
        )


@pytest.mark.parametrize("who", ["pat", "fern", "otto", "hilary", "audrey"])
def test_nobody_but_his_offender_manager_opens_his_non_associations(request, login, men, who):
    adam, carl, _dan = men
    client = login(request.getfixturevalue(who))
    assert client.get(page(adam)).status_code == 404
    assert client.post(page(adam), {"other_crn": carl.crn}).status_code == 404


# --- Allocation --------------------------------------------------------------------------------


def test_allocation_beside_a_man_he_must_be_kept_from_is_refused_without_the_details(
    alice, otto, pat, forming, men
):
    adam, carl, dan = men
    non_association_record(offender=adam, other=carl, kind="co_defendant", reason=SECRET, by=alice)
    make_placement(forming, carl, otto, by=pat)
    with pytest.raises(ProgrammeError) as refusal:
        placement_allocate(group=forming, referral=make_ready_referral(adam, alice), by=pat)
    assert str(refusal.value) == NON_ASSOCIATION
    assert SECRET not in str(refusal.value)
    # Dan is nobody's concern; and the rule is mutual (Carl's side was not the one recorded).
    make_placement(forming, dan, alice, by=pat)


def test_the_rule_works_from_the_other_side_too(alice, otto, pat, forming, men):
    adam, carl, _dan = men
    non_association_record(offender=adam, other=carl, kind="co_defendant", reason=SECRET, by=alice)
    make_placement(forming, adam, alice, by=pat)
    with pytest.raises(ProgrammeError, match="must not be grouped"):
        placement_allocate(group=forming, referral=make_ready_referral(carl, otto), by=pat)


def test_a_former_member_no_longer_blocks_and_an_ended_one_no_longer_counts(
    alice, otto, pat, forming, men
):
    from programme.services.scheduling import referral_move
    from referrals.models import ClosingReason

    adam, carl, dan = men
    non_association_record(offender=adam, other=carl, kind="co_defendant", reason=SECRET, by=alice)
    carls = make_placement(forming, carl, otto, by=pat)
    referral_move(
        referral=carls.referral,
        to_status="withdrawn",
        by=otto,
        reason=ClosingReason.objects.filter(status="withdrawn").first(),
    )
    placement_allocate(group=forming, referral=make_ready_referral(adam, alice), by=pat)
    # Ended: Dan and Adam were kept apart, no longer.
    pair = non_association_record(
        offender=dan, other=adam, kind="associate", reason="Knew each other", by=alice
    )
    non_association_end(non_association=pair, reason="Not associates after all", by=alice)
    placement_allocate(group=forming, referral=make_ready_referral(dan, alice), by=pat)


def test_the_group_page_flags_the_conflict_and_a_reason_overrides_it(
    login, alice, otto, pat, forming, men
):
    adam, carl, _dan = men
    pair = non_association_record(
        offender=adam, other=carl, kind="co_defendant", reason=SECRET, by=alice
    )
    make_placement(forming, carl, otto, by=pat)
    referral = make_ready_referral(adam, alice)
    client = login(pat)
    content = client.get(forming.get_absolute_url()).content.decode()
    assert "Non-association" in content and SECRET not in content
    assert f'name="referral" type="checkbox" value="{referral.pk}"' in content
    assert 'name="override_reason"' in content
    allocate = reverse("programme:group_allocate", args=[forming.pk])
    # Ticked without a reason: refused by name, still ticked.
    refused = client.post(allocate, {"referral": [referral.pk]})
    text = refused.content.decode()
    assert "Adam Codefendant was not allocated. He must not be grouped" in text
    assert f'value="{referral.pk}" checked' in text
    assert not Placement.objects.filter(referral=referral).exists()
    # With a reason: placed, and the override kept against the non-association.
    done = client.post(
        allocate, {"referral": [referral.pk], "override_reason": "Victim is a stranger"}
    )
    assert done.status_code == 302
    override = NonAssociationOverride.objects.get()
    assert override.non_association == pair and override.by == pat
    assert override.reason == "Victim is a stranger"
    assert override.placement.referral == referral


def test_a_reason_overrides_only_a_non_association(alice, pat, fern, men):
    """A full group stays full whatever reason is given."""
    adam, _carl, _dan = men
    small = make_group(pat, [fern], start_date=timezone.localdate() + timedelta(days=14))
    small.programme.__class__.objects.filter(pk=small.programme_id).update(max_group_size=1)
    make_placement(small, make_offender(alice), alice, by=pat)
    small.refresh_from_db()
    with pytest.raises(ProgrammeError, match="full"):
        placement_allocate(
            group=small,
            referral=make_ready_referral(adam, alice),
            by=pat,
            override_reason="Please",
        )


def test_two_co_defendants_ticked_together_are_not_both_placed(
    login, alice, otto, pat, forming, men
):
    adam, carl, _dan = men
    non_association_record(offender=adam, other=carl, kind="co_defendant", reason=SECRET, by=alice)
    first = make_ready_referral(adam, alice)
    second = make_ready_referral(carl, otto)
    response = login(pat).post(
        reverse("programme:group_allocate", args=[forming.pk]),
        {"referral": [first.pk, second.pk]},
        follow=True,
    )
    assert Placement.objects.filter(referral=first).exists()
    assert not Placement.objects.filter(referral=second).exists()
    assert "Carl Othercase was not allocated" in response.content.decode()


def test_ending_needs_a_reason_and_is_kept(login, alice, men):
    adam, carl, _dan = men
    pair = non_association_record(
        offender=adam, other=carl, kind="co_defendant", reason=SECRET, by=alice
    )
    client = login(alice)
    url = reverse("programme:non_association_stop", args=[pair.pk])
    response = client.post(url, {f"end-{pair.pk}-ended_reason": ""}, follow=True)
    assert "Say why they no longer need to be kept apart" in response.content.decode()
    client.post(url, {f"end-{pair.pk}-ended_reason": "Case dropped"})
    pair.refresh_from_db()
    assert pair.ended_at and pair.ended_by == alice and pair.ended_reason == "Case dropped"
    content = client.get(page(adam)).content.decode()
    assert "Ended" in content and "Case dropped" in content
