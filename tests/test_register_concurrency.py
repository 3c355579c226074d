"""A register is evidence: a save never overwrites, unseen, what someone else recorded after the
page was opened (optimistic concurrency: each man's form carries the state of his record it
showed), and any change to a recorded outcome, note or risk flag goes through the amendment
path with its reason, however the request is sent."""

import re
import threading

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from isotp.models import Role
from programme.models import Attendance, AttendanceAmendment
from tests.factories import (
    make_group,
    make_offender,
    make_placement,
    make_staff,
    record,
    sign_in_verified,
)


@pytest.fixture
def gina(fern):
    """Fern's co-facilitator."""
    return make_staff(
        "gina.cofacilitator", Role.FACILITATOR, fern.office, first_name="Gina", last_name="Cole"
    )


@pytest.fixture
def group(pat, fern, gina):
    """Fern's and Gina's group (35 Monday sessions from 2 February 2026)."""
    return make_group(pat, [fern, gina])


def register_url(group, number=1):
    return reverse("programme:register", args=[group.sessions.get(number=number).pk])


def seen_on(page: str, placement) -> str:
    """The state of his record the page showed (its hidden field)."""
    found = re.search(rf'name="m{placement.pk}-seen" value="([^"]*)"', page)
    assert found, "the register carries no state for him"
    return found.group(1)


def entry(placement, outcome, **fields):
    prefix = f"m{placement.pk}-"
    return {prefix + "outcome": outcome, **{prefix + k: v for k, v in fields.items()}}


def test_a_man_recorded_by_someone_else_after_the_page_was_opened_is_not_overwritten(
    fern, gina, group, placement
):
    first, second = sign_in_verified(Client(), fern), sign_in_verified(Client(), gina)
    url = register_url(group)
    page = first.get(url).content.decode()
    assert seen_on(page, placement) == ""  # not recorded yet
    # Gina, at the same session on another computer, records him first.
    second.post(url, entry(placement, "attended", note="Took part well", seen=""))
    # Fern's save from her older page is refused for him, and says who did what.
    refused = first.post(
        url, entry(placement, "unacceptable_absence", seen=seen_on(page, placement))
    )
    assert refused.status_code == 200
    text = " ".join(refused.content.decode().split())
    assert "Gina" in text and "recorded him at" in text
    assert "he is now recorded as “Attended and complied”" in text
    attendance = Attendance.objects.get()
    assert (attendance.outcome, attendance.note) == ("attended", "Took part well")
    assert not AttendanceAmendment.objects.exists()


def test_a_change_from_a_page_older_than_the_last_change_is_refused(fern, gina, group, placement):
    record(group.sessions.get(number=1), placement, "attended", fern)
    first, second = sign_in_verified(Client(), fern), sign_in_verified(Client(), gina)
    url = register_url(group)
    page = first.get(url, {"change": placement.pk}).content.decode()
    other_page = second.get(url, {"change": placement.pk}).content.decode()
    second.post(
        url,
        {
            "change": placement.pk,
            **entry(
                placement,
                "unacceptable_absence",
                change_reason="He left at the break",
                seen=seen_on(other_page, placement),
            ),
        },
    )
    refused = first.post(
        url,
        {
            "change": placement.pk,
            **entry(
                placement,
                "attended",
                change_reason="He was there",
                seen=seen_on(page, placement),
            ),
        },
    )
    text = " ".join(refused.content.decode().split())
    assert "changed his record at" in text and "Unacceptable absence" in text
    assert Attendance.objects.get().outcome == "unacceptable_absence"
    assert AttendanceAmendment.objects.count() == 1
    # Reloaded, the page shows the new state and the change can be made, with its reason.
    page = first.get(url, {"change": placement.pk}).content.decode()
    saved = first.post(
        url,
        {
            "change": placement.pk,
            **entry(
                placement, "attended", change_reason="He was there", seen=seen_on(page, placement)
            ),
        },
    )
    assert saved.status_code == 302
    assert Attendance.objects.get().outcome == "attended"
    assert AttendanceAmendment.objects.count() == 2


def test_an_ordinary_post_to_a_completed_register_changes_nothing(login, fern, group, placement):
    record(group.sessions.get(number=1), placement, "attended", fern, note="Engaged")
    response = login(fern).post(
        register_url(group), entry(placement, "attended", note="Rewritten", risk_relevant="on")
    )
    assert response.status_code == 200
    assert "recorded him at" in response.content.decode()
    attendance = Attendance.objects.get()
    assert (attendance.note, attendance.risk_relevant) == ("Engaged", False)


def test_changing_a_note_or_the_risk_flag_needs_a_reason_and_is_kept_as_an_amendment(
    login, fern, group, placement
):
    session = group.sessions.get(number=1)
    record(session, placement, "attended", fern, note="Said little", risk_relevant=True)
    client = login(fern)
    url = register_url(group)
    page = client.get(url, {"change": placement.pk}).content.decode()
    seen = seen_on(page, placement)
    changed = {"change": placement.pk, **entry(placement, "attended", note="Said a lot", seen=seen)}
    refused = client.post(url, changed)
    assert "Give a reason for changing his recorded note and risk-relevant flag" in (
        refused.content.decode()
    )
    assert Attendance.objects.get().note == "Said little"

    changed[f"m{placement.pk}-change_reason"] = "Notes of the wrong man"
    assert client.post(url, changed).status_code == 302
    attendance = Attendance.objects.get()
    assert (attendance.note, attendance.risk_relevant) == ("Said a lot", False)
    amendment = AttendanceAmendment.objects.get()
    assert (amendment.old_note, amendment.new_note) == ("Said little", "Said a lot")
    assert (amendment.old_risk_relevant, amendment.new_risk_relevant) == (True, False)
    assert amendment.reason == "Notes of the wrong man"
    summary = client.get(url).content.decode()
    assert "Amended: note changed; no longer risk-relevant" in summary
    assert "Notes of the wrong man" in summary


@pytest.mark.django_db(transaction=True)
def test_of_many_saves_sent_at_once_from_one_page_state_one_is_kept(
    reference_data, fern, group, placement
):
    url = register_url(group)
    clients = [sign_in_verified(Client(), fern) for _ in range(6)]
    answers = []

    def save(client, number):
        try:
            answers.append(
                client.post(url, entry(placement, "attended", note=f"Save {number}", seen=""))
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(c, n)) for n, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [200] * 5 + [302]
    attendance = Attendance.objects.get()
    kept = next(a for a in answers if a.status_code == 302)
    assert attendance.note.startswith("Save ")
    refusals = [a for a in answers if a.status_code == 200]
    assert all("recorded him at" in a.content.decode() for a in refusals)
    assert kept is not None


def test_the_services_own_callers_are_not_checked(fern, group, placement):
    # record() (and the catch-up and correction services) read the record under the lock.
    record(group.sessions.get(number=1), placement, "attended", fern)
    session = group.sessions.get(number=1)
    record(session, placement, "unacceptable_absence", fern, change_reason="He left")
    assert Attendance.objects.get().outcome == "unacceptable_absence"


def test_a_second_man_recorded_meanwhile_does_not_block_the_first(
    fern, gina, alice, pat, group, placement
):
    other = make_placement(group, make_offender(alice, last_name="Otherman"), alice, by=pat)
    first, second = sign_in_verified(Client(), fern), sign_in_verified(Client(), gina)
    url = register_url(group)
    page = first.get(url).content.decode()
    second.post(url, entry(other, "attended", seen=""))
    saved = first.post(url, entry(placement, "attended", seen=seen_on(page, placement)))
    assert saved.status_code == 302
    assert Attendance.objects.count() == 2
