"""Every kind of notification goes through the limited-access rule of the pages: nobody is
emailed (at once or in the daily digest) the CRN of a case closed to them: restricted without
them on its list, or excluding them. Each kind is tried with a restricted and an excluded case,
and with the case open (so each check can fail)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from isotp.notifications.models import Delivery, Email, Kind, Notification, Preference
from isotp.notifications.services import digests_write
from programme.models import Enforcement, Notice, NoticeKind
from programme.services.reminders import NOTICE_KINDS, daily_reminders, notice_notify
from referrals.models import CaseAccess
from tests.factories import make_handover_overdue, record


@pytest.fixture
def addresses(alice, fern, pat):
    for person in (alice, fern, pat):
        person.email = f"{person.username}@example.invalid"
        person.save(update_fields=["email"])


def limit(offender, access: str, person):
    """ "open": no limit; "restricted": restricted, nobody but an admin's choice on the list
    (the person is not); "excluded": the person excluded from an otherwise open case."""
    if access == "restricted":
        offender.restricted = True
        offender.save(update_fields=["restricted"])
    elif access == "excluded":
        CaseAccess.objects.create(
            offender=offender, staff=person, kind="excluded", note="Knows him"
        )


def told(kind, person) -> bool:
    return Notification.objects.filter(kind=kind, recipient=person).exists()


ACCESS = ["open", "restricted", "excluded"]


@pytest.mark.parametrize("access", ACCESS)
def test_an_absence(addresses, access, alice, fern, group, placement):
    limit(placement.offender, access, alice)
    record(group.sessions.get(number=1), placement, "unacceptable_absence", fern)
    assert told(Kind.ABSENCE, alice) == (access == "open")


@pytest.mark.parametrize("kind", list(NOTICE_KINDS))
@pytest.mark.parametrize("access", ACCESS)
def test_each_kind_of_notice(addresses, access, kind, alice, fern, placement):
    limit(placement.offender, access, alice)
    notice = Notice.objects.create(
        offender=placement.offender, kind=kind, message="Something to see", created_by=fern
    )
    notice_notify(notice)
    assert told(NOTICE_KINDS[kind], alice) == (access == "open")


@pytest.mark.parametrize("access", ACCESS)
def test_a_decision_due_soon_and_overdue(addresses, access, alice, pat, fern, group, placement):
    today = timezone.localdate()
    record(group.sessions.get(number=1), placement, "unacceptable_absence", fern)
    limit(placement.offender, access, alice)
    Enforcement.objects.update(due_by=today + timedelta(days=1))
    daily_reminders(today=today)
    assert told(Kind.DECISION_DUE_SOON, alice) == (access == "open")
    # Overdue: his office's programme manager, under the same rule.
    CaseAccess.objects.filter(staff=alice).update(staff=pat)
    Enforcement.objects.update(due_by=today - timedelta(days=1))
    daily_reminders(today=today)
    assert told(Kind.DECISION_OVERDUE, pat) == (access == "open")


@pytest.mark.parametrize("access", ACCESS)
def test_an_overdue_handover(addresses, access, alice, fern, group, placement):
    make_handover_overdue(placement.referral, fern)
    limit(placement.offender, access, fern)
    daily_reminders(today=timezone.localdate())
    assert told(Kind.HANDOVER_OVERDUE, fern) == (access == "open")
    assert told(Kind.HANDOVER_OVERDUE, alice) == (access != "restricted")


def test_a_case_restricted_after_the_notification_is_left_out_of_the_digest(
    addresses, alice, fern, group, placement, alice_has_another_man
):
    Preference.objects.create(staff=alice, kind=Kind.FEEDBACK, delivery=Delivery.DIGEST)
    for offender in (placement.offender, alice_has_another_man):
        notice_notify(
            Notice.objects.create(
                offender=offender, kind=NoticeKind.FEEDBACK, message="Engaged", created_by=fern
            )
        )
    assert Notification.objects.filter(recipient=alice).count() == 2
    # Then she is excluded from the first man's case (a colleague who knows him, say).
    limit(placement.offender, "excluded", alice)
    [digest] = digests_write(on=date.today())
    assert alice_has_another_man.crn in digest.body
    assert placement.offender.crn not in digest.body
    assert "1 update for you" in digest.subject
    # His stays waiting: sent if the case is opened to her again, never otherwise.
    waiting = Notification.objects.get(recipient=alice, email__isnull=True)
    assert waiting.crn == placement.offender.crn
    assert Email.objects.count() == 1


@pytest.fixture
def alice_has_another_man(alice):
    from tests.factories import make_offender

    return make_offender(alice, last_name="Secondman")
