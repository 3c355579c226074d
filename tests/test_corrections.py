"""Corrections always work: any register or catch-up can be amended after the fact, whatever
happened to him since, and what a person decided is never silently undone."""

import re
from datetime import timedelta

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse

from programme.models import AttendanceAmendment, CatchUp, Enforcement, Notice, ProgrammeError
from programme.services.enforcement import enforcement_decide
from programme.services.register import CHANGE_NEEDS_REASON
from referrals.models import ReferralStatus
from tests.factories import give_warning, record


def session(group, number):
    return group.sessions.get(number=number)


def miss_five(group, placement, fern):
    for number in range(1, 6):
        record(session(group, number), placement, "unacceptable_absence", fern)
    placement.refresh_from_db()
    placement.referral.refresh_from_db()


def test_a_changed_outcome_keeps_was_now_who_when_and_why(group, placement, fern):
    record(session(group, 1), placement, "unacceptable_absence", fern)
    record(
        session(group, 1),
        placement,
        "acceptable_absence",
        fern,
        absence_reason="medical",
        change_reason="Doctor's note arrived",
    )
    amendment = AttendanceAmendment.objects.get()
    assert amendment.was == "Unacceptable absence"
    assert amendment.now == "Acceptable absence (medical)"
    assert amendment.describe().startswith(
        "Amended: was Unacceptable absence, now Acceptable absence (medical) — Fern Testington, "
    )
    assert amendment.describe().endswith("— Doctor's note arrived")


def test_changing_only_the_absence_reason_needs_a_reason_too(group, placement, fern):
    record(session(group, 1), placement, "acceptable_absence", fern, absence_reason="medical")
    with pytest.raises(Exception) as refusal:
        record(session(group, 1), placement, "acceptable_absence", fern, absence_reason="family")
    assert CHANGE_NEEDS_REASON.format(
        old="acceptable absence (medical)", new="acceptable absence (family or childcare)"
    ) in str(refusal.value)


def test_an_amendment_cannot_be_changed_or_deleted(group, placement, fern):
    record(session(group, 1), placement, "unacceptable_absence", fern)
    record(session(group, 1), placement, "attended", fern, change_reason="He was there")
    with pytest.raises(DatabaseError), transaction.atomic():
        AttendanceAmendment.objects.update(reason="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        AttendanceAmendment.objects.all().delete()


def test_after_a_restart_his_old_registers_can_still_be_saved_and_corrected(group, placement, fern):
    miss_five(group, placement, fern)
    assert placement.referral.status == ReferralStatus.RESTART_REQUIRED
    # Saving session 3 again, with nothing about him changed, works (a note added needs its
    # reason, like any change to a recorded entry).
    record(session(group, 3), placement, "unacceptable_absence", fern)
    record(
        session(group, 3),
        placement,
        "unacceptable_absence",
        fern,
        note="Re-saved",
        change_reason="Note added",
    )
    # And correcting a miss after the restart works, and tells the offender manager.
    result = record(
        session(group, 2),
        placement,
        "attended",
        fern,
        change_reason="Register mix-up: he was there",
    )
    placement.referral.refresh_from_db()
    assert placement.referral.status == ReferralStatus.RESTART_REQUIRED  # not undone
    assert any("the restart may no longer be needed" in n for n in result.notices)
    notice = Notice.objects.get(kind="correction", message__contains="restart")
    assert "4 missed sessions, within the 4 that catch-ups allow" in notice.message
    # And the decision session 2's failure needed is left to his offender manager.
    assert Notice.objects.filter(kind="correction", message__contains="yours to take").exists()


def test_the_same_correction_twice_tells_the_offender_manager_once(group, placement, fern):
    miss_five(group, placement, fern)
    record(session(group, 2), placement, "attended", fern, change_reason="He was there")
    # Told twice for the one correction: the restart may not be needed, and the decision the
    # failure needed is his offender manager's.
    told = Notice.objects.filter(kind="correction").count()
    assert told == 2
    record(
        session(group, 2),
        placement,
        "attended",
        fern,
        note="Saved again",
        change_reason="Note added",
    )
    assert Notice.objects.filter(kind="correction").count() == told


def test_a_decided_warning_stands_when_the_absence_is_amended(group, placement, fern, alice):
    record(session(group, 1), placement, "unacceptable_absence", fern)
    enforcement = Enforcement.objects.get()
    enforcement_decide(enforcement=enforcement, decision="warning_given", reason="", by=alice)
    result = record(
        session(group, 1),
        placement,
        "acceptable_absence",
        fern,
        absence_reason="medical",
        change_reason="Hospital letter",
    )
    enforcement.refresh_from_db()
    assert enforcement.decision == "warning_given"
    assert any(
        "The enforcement decision already taken (formal warning given) stands" in n
        for n in result.notices
    )
    assert Notice.objects.filter(kind="correction", offender=placement.offender).exists()


def test_amended_back_to_a_failure_the_decision_is_needed_again(group, placement, fern):
    record(session(group, 1), placement, "unacceptable_absence", fern)
    record(session(group, 1), placement, "attended", fern, change_reason="He was there")
    assert Enforcement.objects.get().is_pending  # his offender manager's to decide
    record(session(group, 1), placement, "unacceptable_absence", fern, change_reason="He was not")
    enforcement = Enforcement.objects.get()
    assert enforcement.is_pending
    assert not CatchUp.objects.get().cancelled


def test_a_correction_after_completion_is_flagged_not_undone(group, placement, fern):
    for number in range(1, 36):
        record(session(group, number), placement, "attended", fern)
    placement.referral.refresh_from_db()
    assert placement.referral.status == ReferralStatus.POST_PROGRAMME
    result = record(
        session(group, 7), placement, "unacceptable_absence", fern, change_reason="Signed in, left"
    )
    placement.referral.refresh_from_db()
    assert placement.referral.status == ReferralStatus.POST_PROGRAMME
    assert any("catch-up for session 7 not done" in n for n in result.notices)


def test_an_attendance_recorded_before_an_earlier_amendment_stays_correctable(
    group, placement, fern
):
    record(session(group, 1), placement, "attended", fern)
    record(session(group, 2), placement, "attended", fern)
    record(session(group, 1), placement, "unacceptable_absence", fern, change_reason="Left early")
    # Session 2's record (attended) can still be re-saved with a note.
    record(
        session(group, 2),
        placement,
        "attended",
        fern,
        note="Good contributions",
        change_reason="Note added",
    )
    assert placement.attendances.get(session__number=2).note == "Good contributions"


def test_the_register_page_shows_the_amendment(login, group, placement, fern):
    record(session(group, 1), placement, "unacceptable_absence", fern)
    record(session(group, 1), placement, "attended", fern, change_reason="He was there")
    page = login(fern).get(session(group, 1).get_absolute_url()).content.decode()
    assert "Amended: was Unacceptable absence, now Attended and complied" in page
    assert "He was there" in page


def test_the_attendance_record_pdf_marks_the_amended_entry(login, alice, group, placement, fern):
    from django.urls import reverse

    from tests.pdf_text import pdf_text

    record(session(group, 1), placement, "unacceptable_absence", fern)
    record(session(group, 1), placement, "attended", fern, change_reason="He was there")
    response = login(alice).get(reverse("programme:attendance_record_pdf", args=[placement.pk]))
    text = " ".join(pdf_text(response.content).split())
    assert "Attended and complied (amended*)" in text
    assert "Amended entries" in text
    # The entry names the session, as every record of it does ("Session 1 — Module 1: …").
    named = session(group, 1).name
    assert named.startswith("Session 1 — Module 1: ")
    assert f"{named}: Amended: was Unacceptable absence, now Attended and complied" in text
    assert "He was there" in text


def test_the_timeline_shows_the_amendment(login, alice, group, placement, fern):
    record(session(group, 1), placement, "unacceptable_absence", fern)
    record(session(group, 1), placement, "attended", fern, change_reason="He was there")
    timeline = reverse("programme:offender_timeline", args=[placement.offender.pk])
    page = login(alice).get(timeline).content.decode()
    assert "Group session 1 record amended" in page
    assert "Amended: was Unacceptable absence, now Attended and complied" in page


def test_the_warning_letter_shows_an_amendment_between_failures(
    login, alice, group, placement, fern
):
    from django.urls import reverse

    from tests.pdf_text import pdf_text

    record(session(group, 1), placement, "failed_to_comply", fern)
    enforcement = Enforcement.objects.get()
    enforcement_decide(enforcement=enforcement, decision="warning_given", reason="", by=alice)
    record(
        session(group, 1), placement, "unacceptable_absence", fern, change_reason="He never came"
    )
    response = login(alice).get(reverse("programme:warning_letter_pdf", args=[enforcement.pk]))
    text = " ".join(pdf_text(response.content).split())
    assert "Amended: was Attended, failed to comply, now Unacceptable absence" in text


# --- Correcting an enforcement decision ------------------------------------------------------


def decided_warning(group, placement, fern, alice):
    """Session 1 missed (2 February 2026); the warning given the next day."""
    record(session(group, 1), placement, "unacceptable_absence", fern)
    return give_warning(Enforcement.objects.get(), alice)


def test_a_decision_can_be_corrected_and_the_old_one_is_kept(login, group, placement, fern, alice):
    from django.urls import reverse

    enforcement = decided_warning(group, placement, fern, alice)
    response = login(alice).post(
        reverse("programme:enforcement_correct", args=[enforcement.pk]),
        {"correct-decision": "found_acceptable", "correct-reason": "He was in hospital"},
        follow=True,
    )
    page = response.content.decode()
    assert "The decision was corrected; the earlier one is kept" in page
    assert "Decision corrected: was formal warning given (Alice Testington," in page
    assert "now absence found acceptable on review" in page
    enforcement.refresh_from_db()
    assert enforcement.decision == "found_acceptable"
    assert enforcement.corrections.get().old_decision == "warning_given"


def test_a_correction_without_a_reason_is_refused_and_keeps_what_was_chosen(
    login, group, placement, fern, alice
):
    from django.urls import reverse

    enforcement = decided_warning(group, placement, fern, alice)
    response = login(alice).post(
        reverse("programme:enforcement_correct", args=[enforcement.pk]),
        {"correct-decision": "found_acceptable", "correct-reason": ""},
    )
    page = response.content.decode()
    assert "Say why the decision is being corrected" in page
    chosen = re.search(r'<input[^>]*value="found_acceptable"[^>]*>', page).group(0)
    assert "checked" in chosen, chosen
    enforcement.refresh_from_db()
    assert enforcement.decision == "warning_given"


@pytest.mark.parametrize("character", ["fern", "otto", "pat"])
def test_only_his_offender_manager_corrects_a_decision(
    request, login, group, placement, fern, alice, character
):
    from django.urls import reverse

    enforcement = decided_warning(group, placement, fern, alice)
    response = login(request.getfixturevalue(character)).post(
        reverse("programme:enforcement_correct", args=[enforcement.pk]),
        {"correct-decision": "found_acceptable", "correct-reason": "Because"},
    )
    assert response.status_code == 404
    enforcement.refresh_from_db()
    assert enforcement.decision == "warning_given"


def test_taking_back_a_warning_changes_the_proposal_for_his_next_failure(
    group, placement, fern, alice
):
    from programme.services.enforcement import enforcement_correct

    enforcement = decided_warning(group, placement, fern, alice)
    record(session(group, 2), placement, "unacceptable_absence", fern)
    second = Enforcement.objects.get(attendance__session__number=2)
    assert second.proposed_action == "breach"
    enforcement_correct(
        enforcement=enforcement, decision="found_acceptable", reason="Hospital", by=alice
    )
    second.refresh_from_db()
    assert second.proposed_action == "warning"


def test_correcting_a_breach_leaves_the_referral_for_a_person_to_move(
    group, placement, fern, alice
):
    from programme.services.enforcement import BREACH_STANDS, enforcement_correct

    record(session(group, 1), placement, "unacceptable_absence", fern)
    enforcement = Enforcement.objects.get()
    enforcement_decide(
        enforcement=enforcement, decision="breach_initiated", reason="Second failure", by=alice
    )
    placement.referral.refresh_from_db()
    assert placement.referral.status == ReferralStatus.BREACH
    _, notes = enforcement_correct(
        enforcement=enforcement, decision="warning_given", reason="Wrong box", by=alice
    )
    placement.referral.refresh_from_db()
    assert placement.referral.status == ReferralStatus.BREACH
    assert notes == [BREACH_STANDS]


def test_a_decision_correction_cannot_be_changed_or_deleted(group, placement, fern, alice):
    from programme.models import EnforcementCorrection
    from programme.services.enforcement import enforcement_correct

    enforcement = decided_warning(group, placement, fern, alice)
    enforcement_correct(enforcement=enforcement, decision="found_acceptable", reason="X", by=alice)
    with pytest.raises(DatabaseError), transaction.atomic():
        EnforcementCorrection.objects.update(reason="rewritten")
    # And the decision itself stays locked against any other change.
    with pytest.raises(DatabaseError), transaction.atomic():
        Enforcement.objects.update(decision_reason="rewritten")


def test_the_attendance_record_pdf_shows_a_corrected_decision(login, group, placement, fern, alice):
    from django.urls import reverse

    from programme.services.enforcement import enforcement_correct
    from tests.pdf_text import pdf_text

    enforcement = decided_warning(group, placement, fern, alice)
    enforcement_correct(
        enforcement=enforcement, decision="found_acceptable", reason="Hospital letter", by=alice
    )
    response = login(alice).get(reverse("programme:attendance_record_pdf", args=[placement.pk]))
    text = " ".join(pdf_text(response.content).split())
    assert "Decision corrected: was formal warning given" in text
    assert "Hospital letter" in text


def test_his_attendance_page_and_the_group_register_mark_the_amendment(
    login, alice, pat, group, placement, fern
):
    from django.urls import reverse

    from tests.pdf_text import pdf_text

    record(session(group, 1), placement, "unacceptable_absence", fern)
    record(session(group, 1), placement, "attended", fern, change_reason="He was there")
    page = login(alice).get(placement.get_absolute_url()).content.decode()
    assert "Amended: was Unacceptable absence, now Attended and complied" in page
    register = login(pat).get(reverse("programme:group_register_pdf", args=[group.pk]))
    text = " ".join(pdf_text(register.content).split())
    assert f"{placement.offender.crn} A*" in text


def test_a_held_catch_up_of_a_session_amended_to_attended_cannot_be_reopened(
    group, placement, fern
):
    """Found by the long model-based run: the reopened catch-up blocked him from later
    sessions for a session his record says he attended."""
    from programme.models import ProgrammeError
    from programme.services.register import CATCH_UP_NOT_NEEDED, catch_up_record

    record(session(group, 2), placement, "unacceptable_absence", fern)
    catch_up = CatchUp.objects.get()
    catch_up_record(
        catch_up=catch_up,
        held_on=catch_up.session.date,
        facilitator=fern,
        completed=True,
        note="",
        by=fern,
    )
    record(session(group, 2), placement, "attended", fern, change_reason="He was there")
    with pytest.raises(ProgrammeError) as refusal:
        catch_up_record(
            catch_up=catch_up,
            held_on=catch_up.session.date,
            facilitator=fern,
            completed=False,
            note="",
            by=fern,
        )
    assert str(refusal.value) == CATCH_UP_NOT_NEEDED.format(number=2)
    catch_up.refresh_from_db()
    assert catch_up.completed
    record(session(group, 3), placement, "attended", fern)


def test_an_ended_attempt_reads_as_ended_with_nothing_left_to_do(login, group, placement, fern):
    """Five sessions missed: the attempt ends (a restart). Its page says so, and offers no
    catch-up to record nor a finish to expect."""
    from programme.services.register import catch_up_record

    miss_five(group, placement, fern)
    assert placement.ended_on is not None
    page = " ".join(login(fern).get(placement.get_absolute_url()).content.decode().split())
    assert "This attempt ended on" in page
    assert "5 (4 can be made up by catch-ups)" in page
    assert "of 4 used" not in page and "Projected finish" not in page
    assert "Not done: the attempt ended" in page and "Outstanding" not in page
    assert "Record<span" not in page
    # And the service refuses a catch-up held after the attempt ended.
    catch_up = placement.catch_ups.order_by("session__number").first()
    with pytest.raises(ProgrammeError, match="This attempt ended on"):
        catch_up_record(
            catch_up=catch_up,
            held_on=placement.ended_on + timedelta(days=1),
            facilitator=fern,
            completed=True,
            note="",
            by=fern,
        )
