"""Locked means locked, in the app, the Django admin and the database alike: a submitted
end-of-programme report and its progress, an enforcement decision a person took, and recorded
history (status moves, amendments, the access log, every pghistory event)."""

import pytest
from django.apps import apps
from django.db import IntegrityError, InternalError, ProgrammingError, transaction
from django.urls import reverse

from programme.models import (
    AttendanceAmendment,
    EndOfProgrammeReport,
    Enforcement,
    TargetProgress,
    TreatmentTarget,
)
from programme.services.enforcement import enforcement_decide
from programme.services.post_programme import report_save, report_start, report_submit
from referrals.models import Programme, ReferralStatusChange
from tests.factories import make_group, make_offender, make_placement, record

REFUSED = (InternalError, IntegrityError)


def refused(action) -> bool:
    """Whether the database refuses the change (the row is left as it was): by a trigger or,
    on the append-only tables, already by the app role's grants (tests/test_database_grants.py)."""
    try:
        with transaction.atomic():
            action()
    except REFUSED:
        return True
    except ProgrammingError as error:
        return "permission denied" in str(error)
    return False


@pytest.fixture
def report(pat, fern, alice):
    """The draft end-of-programme report of Carl, who attended both sessions of a two-session
    group, written in full by Fern."""
    Programme.objects.filter(code="isotp").update(sessions=2)
    group = make_group(pat, [fern])
    placement = make_placement(
        group, make_offender(alice, first_name="Carl", last_name="Completer"), alice, by=pat
    )
    for number in (1, 2):
        record(group.sessions.get(number=number), placement, "attended", fern)
    placement.referral.refresh_from_db()
    report = report_start(referral=placement.referral, by=fern)
    targets = TreatmentTarget.objects.filter(programme=placement.referral.programme)
    return report_save(
        report=report,
        overall_progress="Engaged throughout",
        risk_factors="Isolation",
        relapse_prevention_plan="Filtering software",
        progress={t.pk: f"Progress on {t.name}" for t in targets},
        recommendations=["Attend a Circles of Support group"],
        by=fern,
    )


@pytest.fixture
def submitted(report, fern):
    return report_submit(report=report, by=fern)


@pytest.fixture
def enforcement(group, placement, fern):
    """A pending enforcement decision: Adam missed session 1 without a good reason."""
    record(group.sessions.get(number=1), placement, "unacceptable_absence", fern)
    return Enforcement.objects.get()


def admin_change_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


# --- The database ------------------------------------------------------------------------------


def test_the_database_refuses_to_change_a_submitted_report(submitted):
    reports = EndOfProgrammeReport.objects.filter(pk=submitted.pk)
    assert refused(lambda: reports.update(risk_factors="Rewritten"))
    assert refused(lambda: reports.update(status="draft"))
    assert refused(lambda: reports.delete())
    assert EndOfProgrammeReport.objects.get(pk=submitted.pk).risk_factors == "Isolation"


def test_the_database_refuses_to_change_the_progress_of_a_submitted_report(submitted):
    progress = TargetProgress.objects.filter(report=submitted)
    assert progress.exists()
    assert refused(lambda: progress.update(progress="Rewritten"))
    assert not TargetProgress.objects.filter(progress="Rewritten").exists()


def test_a_draft_report_and_its_progress_can_still_be_saved(report):
    EndOfProgrammeReport.objects.filter(pk=report.pk).update(risk_factors="Changed")
    TargetProgress.objects.filter(report=report).update(progress="Changed")
    assert TargetProgress.objects.filter(report=report, progress="Changed").exists()


@pytest.mark.parametrize(
    "decision", ["warning_given", "breach_initiated", "recall_requested", "found_acceptable"]
)
def test_the_database_refuses_to_change_a_decision_a_person_took(enforcement, alice, decision):
    enforcement_decide(enforcement=enforcement, decision=decision, reason="Considered", by=alice)
    decided = Enforcement.objects.filter(pk=enforcement.pk)
    assert refused(lambda: decided.update(decision=""))
    assert refused(lambda: decided.update(decision_reason="Rewritten"))
    assert Enforcement.objects.get(pk=enforcement.pk).decision == decision


def test_a_pending_or_not_needed_enforcement_can_still_change(enforcement, alice):
    pending = Enforcement.objects.filter(pk=enforcement.pk)
    pending.update(proposal_reason="Refreshed proposal")
    pending.update(decision="not_needed", decided_by=alice, decided_on=enforcement.failure_on)
    # A correction back to a failure reopens it.
    pending.update(decision="", decided_by=None, decided_on=None)
    assert Enforcement.objects.get(pk=enforcement.pk).is_pending


def test_the_database_refuses_to_change_or_delete_a_status_move(placement):
    moves = ReferralStatusChange.objects.filter(referral=placement.referral)
    assert moves.exists()
    assert refused(lambda: moves.update(note="Rewritten"))
    assert refused(lambda: moves.delete())


def test_the_database_refuses_to_change_or_delete_an_amendment(group, placement, fern):
    session = group.sessions.get(number=1)
    record(session, placement, "unacceptable_absence", fern)
    record(session, placement, "attended", fern, change_reason="He was there after all")
    amendments = AttendanceAmendment.objects.all()
    assert amendments.exists()
    assert refused(lambda: amendments.update(reason="Rewritten"))
    assert refused(lambda: amendments.delete())


def event_models():
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in {"isotp", "referrals", "programme"}
        and model.__name__.endswith("Event")
        and hasattr(model, "pgh_tracked_model")
    ]


def test_every_history_table_refuses_changes_and_deletes(submitted, enforcement):
    checked = 0
    for model in event_models():
        events = model.objects.all()
        if not events.exists():
            continue
        checked += 1
        assert refused(lambda events=events: events.update(pgh_label="tampered")), model
        assert refused(lambda events=events: events.delete()), model
    # Offenders, referrals, placements, attendances, reports, enforcement... all have events.
    assert checked >= 10


# --- The Django admin ----------------------------------------------------------------------


def test_the_admin_shows_a_submitted_report_read_only_and_refuses_a_post(login, ada, submitted):
    client = login(ada)
    url = admin_change_url(submitted)
    page = client.get(url).content.decode()
    assert 'name="_save"' not in page
    assert 'name="risk_factors"' not in page
    assert "Isolation" in page
    response = client.post(url, {"risk_factors": "Rewritten", "_save": "Save"})
    assert response.status_code == 403
    assert EndOfProgrammeReport.objects.get(pk=submitted.pk).risk_factors == "Isolation"


def test_the_admin_shows_the_progress_of_a_submitted_report_read_only(login, ada, submitted):
    client = login(ada)
    progress = submitted.progress.first()
    url = admin_change_url(progress)
    assert 'name="_save"' not in client.get(url).content.decode()
    assert client.post(url, {"progress": "Rewritten", "_save": "Save"}).status_code == 403


def test_the_admin_still_edits_a_draft_report(login, ada, report):
    page = login(ada).get(admin_change_url(report)).content.decode()
    assert 'name="_save"' in page and 'name="risk_factors"' in page


def test_the_admin_shows_a_decided_enforcement_read_only_and_refuses_a_post(
    login, ada, alice, enforcement
):
    enforcement_decide(enforcement=enforcement, decision="warning_given", reason="", by=alice)
    client = login(ada)
    url = admin_change_url(enforcement)
    assert 'name="_save"' not in client.get(url).content.decode()
    response = client.post(url, {"decision": "", "_save": "Save"})
    assert response.status_code == 403
    assert Enforcement.objects.get(pk=enforcement.pk).decision == "warning_given"


def test_the_admin_still_edits_a_pending_enforcement(login, ada, enforcement):
    assert 'name="_save"' in login(ada).get(admin_change_url(enforcement)).content.decode()


def test_the_admin_shows_history_read_only_and_adds_none(login, ada, group, placement, fern):
    session = group.sessions.get(number=1)
    record(session, placement, "unacceptable_absence", fern)
    record(session, placement, "attended", fern, change_reason="He was there after all")
    client = login(ada)
    for obj in [ReferralStatusChange.objects.first(), AttendanceAmendment.objects.get()]:
        opts = obj._meta
        url = admin_change_url(obj)
        assert client.get(url).status_code == 200
        assert 'name="_save"' not in client.get(url).content.decode()
        assert client.post(url, {}).status_code == 403
        add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        assert client.get(add).status_code == 403
