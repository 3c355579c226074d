"""After the programme: the report and its versions, the handover, the re-assessment, the
recommendations and closing the referral."""

from datetime import date, timedelta

import pgtrigger
import pytest
from django.urls import reverse

from programme.models import (
    EndOfProgrammeReport,
    Enforcement,
    HandoverMeeting,
    Notice,
    ProgrammeError,
    Recommendation,
    TreatmentTarget,
)
from programme.services.post_programme import (
    closing_missing,
    recommendation_update,
    referral_close,
    report_correct,
    report_save,
    report_start,
    report_submit,
)
from referrals.models import Programme, ReferralStatus
from tests.factories import (
    make_group,
    make_handover,
    make_offender,
    make_placement,
    make_reassessment,
    record,
)
from tests.pdf_text import assert_accessible_pdf, pdf_text


@pytest.fixture
def completed(pat, fern, alice):
    """Alice's man, Carl Completer, who attended both sessions of a two-session group."""
    Programme.objects.filter(code="isotp").update(sessions=2)
    group = make_group(pat, [fern])
    placement = make_placement(
        group, make_offender(alice, first_name="Carl", last_name="Completer"), alice, by=pat
    )
    for number in (1, 2):
        record(group.sessions.get(number=number), placement, "attended", fern)
    placement.referral.refresh_from_db()
    return placement.referral


def write_report(referral, fern, recommendations=("Attend a Circles of Support group",)):
    report = report_start(referral=referral, by=fern)
    targets = TreatmentTarget.objects.filter(programme=referral.programme)
    report_save(
        report=report,
        overall_progress="Engaged throughout",
        risk_factors="Isolation; late-night internet use",
        relapse_prevention_plan="Filtering software; weekly check-ins",
        progress={t.pk: f"Progress on {t.name}" for t in targets},
        recommendations=list(recommendations),
        by=fern,
    )
    return report


def close_all(referral, fern, alice):
    report = write_report(referral, fern)
    report_submit(report=report, by=fern)
    make_handover(referral, alice, held_on=date(2026, 3, 1), place="Riverside office")
    make_reassessment(
        referral,
        alice,
        oasys_on=date(2026, 3, 2),
        risk_of_serious_harm="low",
        rm2000_on=date(2026, 3, 2),
        rm2000_category="low",
        what_changed="Lower",
    )
    for recommendation in referral.recommendations.all():
        recommendation_update(
            recommendation=recommendation,
            status="done",
            owner=alice,
            due_on=None,
            not_pursued_reason="",
            note="Done",
            by=alice,
        )


def test_completion_moves_to_post_programme_and_tells_the_manager(completed):
    assert completed.status == ReferralStatus.POST_PROGRAMME
    assert Notice.objects.filter(kind="completion", offender=completed.offender).exists()


def test_the_report_takes_its_attendance_from_the_register(completed, fern):
    report = report_start(referral=completed, by=fern)
    assert report.attendance_summary["attended"] == 2
    assert report.attendance_summary["sessions"] == 2
    assert (
        report.progress.count()
        == TreatmentTarget.objects.filter(programme=completed.programme).count()
    )


def test_a_report_cannot_be_started_before_the_programme_is_completed(placement, fern):
    with pytest.raises(ProgrammeError, match="once he has completed the programme"):
        report_start(referral=placement.referral, by=fern)


def test_an_incomplete_report_cannot_be_submitted_and_says_what_is_missing(completed, fern):
    report = report_start(referral=completed, by=fern)
    with pytest.raises(ProgrammeError) as refusal:
        report_submit(report=report, by=fern)
    message = str(refusal.value)
    assert "Risk factors" in message and "Relapse prevention plan" in message
    assert "At least one recommendation" in message


def test_a_submitted_report_is_locked(completed, fern):
    report = write_report(completed, fern)
    report_submit(report=report, by=fern)
    with pytest.raises(ProgrammeError, match="A submitted report is locked"):
        report_save(
            report=report,
            overall_progress="",
            risk_factors="x",
            relapse_prevention_plan="x",
            progress={},
            recommendations=["x"],
            by=fern,
        )


def test_submitting_puts_the_recommendations_to_work_and_asks_for_the_handover(completed, fern):
    report = write_report(completed, fern, recommendations=["First", "Second"])
    report_submit(report=report, by=fern)
    assert list(completed.recommendations.values_list("number", "text")) == [
        (1, "First"),
        (2, "Second"),
    ]
    notice = Notice.objects.get(kind="report")
    assert "Arrange the three-way handover meeting" in notice.message


def test_a_correction_makes_a_new_version_and_keeps_the_old(completed, fern):
    report = write_report(completed, fern, recommendations=["First", "Second"])
    report_submit(report=report, by=fern)
    correction = report_correct(report=report, reason="Wrong date in the plan", by=fern)
    assert correction.version == 2 and correction.previous_version == report
    report_save(
        report=correction,
        overall_progress="",
        risk_factors="Revised",
        relapse_prevention_plan="Revised plan",
        progress={p.target_id: "x" for p in correction.progress.all()},
        recommendations=["First, reworded"],
        by=fern,
    )
    report_submit(report=correction, by=fern)
    report.refresh_from_db()
    assert report.risk_factors == "Isolation; late-night internet use"
    assert report.is_locked
    first, second = completed.recommendations.order_by("number")
    assert first.text == "First, reworded"
    assert second.status == "not_pursued" and "Removed in version 2" in second.not_pursued_reason


def test_a_correction_needs_a_reason(completed, fern):
    report = write_report(completed, fern)
    report_submit(report=report, by=fern)
    with pytest.raises(ProgrammeError, match="Say what the correction is for"):
        report_correct(report=report, reason=" ", by=fern)


def test_closing_is_refused_while_anything_is_missing_and_lists_it(completed, fern, alice):
    missing = closing_missing(completed)
    assert "The end-of-programme report has not been submitted" in missing
    assert any("three-way handover meeting has not been held" in m for m in missing)
    assert "His risk has not been re-assessed after the programme" in missing
    with pytest.raises(ProgrammeError, match="cannot be closed yet"):
        referral_close(referral=completed, by=alice)


def test_a_handover_missed_by_one_of_the_three_does_not_count(completed, fern, alice):
    close_all(completed, fern, alice)
    HandoverMeeting.objects.all().update(facilitator_attended=False)
    assert any("handover" in m for m in closing_missing(completed))


def test_an_open_recommendation_blocks_closing(completed, fern, alice):
    close_all(completed, fern, alice)
    Recommendation.objects.update(status="in_progress")
    assert closing_missing(completed) == ["Recommendation 1 is in progress"]


def test_a_recommendation_is_owned_only_by_those_who_work_his_case(
    login, completed, fern, alice, pat, ada, audrey
):
    report_submit(report=write_report(completed, fern), by=fern)
    recommendation = completed.recommendations.get()
    url = reverse("programme:recommendation", args=[recommendation.pk])
    client = login(alice)
    page = client.get(url).content.decode()
    owners = page[page.index('name="owner"') : page.index("</select>", page.index('name="owner"'))]
    for person in (alice, pat, fern):
        assert f'value="{person.pk}"' in owners
    for person in (ada, audrey):  # an admin and an auditor of his office are not offered
        assert f'value="{person.pk}"' not in owners
    # Nor taken if sent anyway, nor taken by the service.
    response = client.post(url, {"status": "in_progress", "owner": ada.pk})
    assert "Choose an owner from the list" in response.content.decode()
    with pytest.raises(ProgrammeError, match="Choose an owner from the list"):
        recommendation_update(
            recommendation=recommendation,
            status="in_progress",
            owner=ada,
            due_on=None,
            not_pursued_reason="",
            note="",
            by=alice,
        )
    recommendation.refresh_from_db()
    assert recommendation.owner is None


def test_a_recommendation_not_pursued_needs_a_reason(completed, fern, alice):
    report = write_report(completed, fern)
    report_submit(report=report, by=fern)
    recommendation = completed.recommendations.get()
    with pytest.raises(ProgrammeError, match="Say why"):
        recommendation_update(
            recommendation=recommendation,
            status="not_pursued",
            owner=None,
            due_on=None,
            not_pursued_reason="",
            note="",
            by=alice,
        )


def test_everything_done_closes_the_referral_as_programme_complete(completed, fern, alice):
    close_all(completed, fern, alice)
    referral_close(referral=completed, by=alice)
    completed.refresh_from_db()
    assert completed.status == ReferralStatus.PROGRAMME_COMPLETE
    assert completed.status_changes.last().by == alice


# --- Pages -----------------------------------------------------------------------------------


def report_form_data(referral, **overrides):
    data = {
        "overall_progress": "Good",
        "risk_factors": "Isolation",
        "relapse_prevention_plan": "Plan",
        "recommendations": "Keep filtering software\n\nJoin a support group\n",
    }
    for target in TreatmentTarget.objects.filter(programme=referral.programme):
        data[f"target_{target.pk}"] = "Progressed"
    data.update(overrides)
    return data


def test_facilitator_writes_and_submits_the_report_in_the_browser_forms(login, completed, fern):
    client = login(fern)
    response = client.post(
        reverse("programme:report_edit", args=[completed.pk]), report_form_data(completed)
    )
    report = EndOfProgrammeReport.objects.get()
    assert response.url == report.get_absolute_url()
    assert report.recommendations == ["Keep filtering software", "Join a support group"]
    client.post(reverse("programme:report_submit", args=[report.pk]))
    report.refresh_from_db()
    assert report.is_locked


def test_submitting_an_incomplete_report_from_the_page_lists_what_is_missing(
    login, completed, fern
):
    client = login(fern)
    client.post(
        reverse("programme:report_edit", args=[completed.pk]),
        report_form_data(completed, risk_factors=""),
    )
    report = EndOfProgrammeReport.objects.get()
    response = client.post(reverse("programme:report_submit", args=[report.pk]), follow=True)
    assert "cannot be submitted until it has: Risk factors" in response.content.decode()


@pytest.mark.parametrize("character", ["alice", "pat", "otto"])
def test_only_the_facilitators_write_the_report(request, login, completed, character):
    client = login(request.getfixturevalue(character))
    assert client.get(reverse("programme:report_edit", args=[completed.pk])).status_code == 404


def test_offender_manager_records_a_handover_one_missed_and_is_told_another_is_needed(
    login, completed, fern, alice
):
    report_submit(report=write_report(completed, fern), by=fern)
    response = login(alice).post(
        reverse("programme:handover_create", args=[completed.pk]),
        {
            "held_on_0": "1",
            "held_on_1": "3",
            "held_on_2": "2026",
            "place": "Office",
            "offender_attended": "yes",
            "facilitator_attended": "no",
            "offender_manager_attended": "yes",
            "notes": "",
            "agreed_actions": "",
        },
        follow=True,
    )
    assert "a facilitator did not attend: another meeting with all three must be held" in (
        response.content.decode()
    )


def test_the_handover_waits_for_the_report(login, completed, alice):
    response = login(alice).get(
        reverse("programme:handover_create", args=[completed.pk]), follow=True
    )
    assert "follows the end-of-programme report" in response.content.decode()


def test_the_reassessment_shows_beside_the_pre_programme_assessment(login, completed, alice):
    client = login(alice)
    client.post(
        reverse("programme:reassessment_create", args=[completed.pk]),
        {
            "oasys_on_0": "2",
            "oasys_on_1": "3",
            "oasys_on_2": "2026",
            "risk_of_serious_harm": "low",
            "rm2000_on_0": "2",
            "rm2000_on_1": "3",
            "rm2000_on_2": "2026",
            "rm2000_category": "low",
            "what_changed": "Engaged well; protective factors stronger",
        },
    )
    page = client.get(reverse("programme:post_programme", args=[completed.pk])).content.decode()
    assert ">Before</th>" in page and ">After</th>" in page
    assert "Medium" in page and "Low (2 March 2026)" in page


def test_closing_from_the_page_lists_what_is_missing(login, completed, alice):
    response = login(alice).post(
        reverse("programme:referral_close", args=[completed.pk]), follow=True
    )
    content = response.content.decode()
    assert "The referral cannot be closed yet" in content
    assert "His risk has not been re-assessed after the programme" in content


@pytest.mark.parametrize("character", ["otto", "hilary"])
def test_others_cannot_see_the_post_programme_pages(request, login, completed, character):
    client = login(request.getfixturevalue(character))
    assert client.get(reverse("programme:post_programme", args=[completed.pk])).status_code == 404


def test_facilitator_cannot_record_the_handover_or_close(login, completed, fern):
    client = login(fern)
    assert client.get(reverse("programme:handover_create", args=[completed.pk])).status_code == 404
    assert client.post(reverse("programme:referral_close", args=[completed.pk])).status_code == 404


def test_close_needs_post(login, completed, alice):
    assert (
        login(alice).get(reverse("programme:referral_close", args=[completed.pk])).status_code
        == 405
    )


def test_the_report_pdf_has_attendance_progress_and_recommendations(login, completed, fern, alice):
    report = write_report(completed, fern, recommendations=["Keep filtering software"])
    report_submit(report=report, by=fern)
    response = login(alice).get(reverse("programme:report_pdf", args=[report.pk]))
    text = " ".join(pdf_text(response.content).split())
    for expected in [
        "End-of-programme report",
        "Carl Completer",
        "Sessions attended 2 of 2",
        "Isolation; late-night internet use",
        "Keep filtering software",
        "Version 1",
    ]:
        assert expected in text, expected
    assert_accessible_pdf(response.content, "End-of-programme report")


def test_the_handover_record_pdf_shows_the_interpreter_language(login, completed, fern, alice):
    completed.offender.interpreter_language = "Polish"
    completed.offender.save()
    report_submit(report=write_report(completed, fern), by=fern)
    meeting = make_handover(completed, alice, held_on=date(2026, 3, 1), place="Riverside office")
    response = login(alice).get(reverse("programme:handover_pdf", args=[meeting.pk]))
    text = " ".join(pdf_text(response.content).split())
    assert "Interpreter needed: Polish" in text
    assert "Three-way handover meeting" in text
    assert_accessible_pdf(response.content, "handover")


def test_the_actions_page_shows_the_handover_due_and_outstanding_recommendations(
    login, completed, fern, alice
):
    report = write_report(completed, fern, recommendations=["Keep filtering software"])
    report_submit(report=report, by=fern)
    content = login(alice).get(reverse("programme:actions")).content.decode()
    assert "After the programme" in content and "Carl Completer" in content
    assert "Due by" in content
    assert "1. Keep filtering software" in content
    # Statuses at a glance, as GOV.UK tags.
    assert '<strong class="govuk-tag govuk-tag--grey">Not started</strong>' in content
    assert '<strong class="govuk-tag govuk-tag--grey">Not yet</strong>' in content


def test_an_overdue_handover_is_marked_on_the_actions_page(login, completed, fern, alice):
    from datetime import timedelta

    from django.utils import timezone

    report = write_report(completed, fern)
    report_submit(report=report, by=fern)
    # Sixty days pass: a submitted report is locked, so the test steps around its trigger.
    with pgtrigger.ignore("programme.EndOfProgrammeReport:report_submitted_locked"):
        EndOfProgrammeReport.objects.update(submitted_at=timezone.now() - timedelta(days=60))
    response = login(alice).get(reverse("programme:actions"))
    (referral,) = response.context["after_programme"]
    assert referral.handover_overdue
    assert "Overdue" in response.content.decode()


def test_risk_is_re_assessed_only_after_the_programme(placement, alice):
    from programme.services.post_programme import reassessment_record

    with pytest.raises(ProgrammeError, match="once he has completed the programme"):
        reassessment_record(
            referral=placement.referral,
            by=alice,
            oasys_on=date(2026, 3, 2),
            risk_of_serious_harm="low",
            rm2000_on=date(2026, 3, 2),
            rm2000_category="low",
            what_changed="x",
        )


def test_opening_the_report_page_creates_no_draft(login, completed, fern):
    response = login(fern).get(reverse("programme:report_edit", args=[completed.pk]))
    assert response.status_code == 200
    assert "Attended 2 of 2 sessions" in response.content.decode()
    assert not EndOfProgrammeReport.objects.exists()


# --- The task list ---------------------------------------------------------------------------


def task_list(client, referral):
    """The post-programme page: its tasks by key, and the page's text."""
    response = client.get(reverse("programme:post_programme", args=[referral.pk]))
    assert response.status_code == 200
    return {task.key: task for task in response.context["tasks"]}, response.content.decode()


def task_html(content: str, key: str) -> str:
    """The list item of one task, as the page has it."""
    start = content.index(f'id="task-{key}"')
    return content[start : content.index("</li>", start)]


def test_nothing_done_his_offender_manager_can_only_re_assess(login, completed):
    tasks, content = task_list(login(completed.offender.offender_manager), completed)
    assert [(t.title, t.status) for t in tasks.values()] == [
        ("Write the end-of-programme report", "Not yet started"),
        ("Hold the three-way handover meeting", "Cannot start yet"),
        ("Re-assess his risk", "Not yet started"),
        ("Act on the report's recommendations", "Cannot start yet"),
        ("Close as programme complete", "Cannot start yet"),
    ]
    # Only the re-assessment is his to do now; the report is the facilitators'.
    assert [key for key, task in tasks.items() if task.href] == ["reassessment"]
    assert tasks["handover"].hint == "Needs the end-of-programme report submitted"
    assert tasks["close"].hint == (
        "Needs the end-of-programme report submitted, the three-way handover meeting held "
        "and his risk re-assessed"
    )
    close = task_html(content, "close")
    assert "govuk-task-list__status--cannot-start-yet" in close and "<a " not in close
    assert "Cannot start yet" in close and "Needs the end-of-programme report submitted" in close
    assert "Close as programme complete</button>" not in content


def test_nothing_done_the_facilitator_is_sent_to_write_the_report(login, completed, fern):
    tasks, content = task_list(login(fern), completed)
    assert tasks["report"].status == "Not yet started"
    assert tasks["report"].href == reverse("programme:report_edit", args=[completed.pk])
    assert 'href="{}"'.format(tasks["report"].href) in task_html(content, "report")
    assert not tasks["reassessment"].href and not tasks["handover"].href
    assert tasks["close"].status == "Cannot start yet"
    assert "Close as programme complete</button>" not in content


def test_a_draft_is_in_progress_and_the_facilitator_continues_it(login, completed, fern):
    write_report(completed, fern)
    tasks, _ = task_list(login(fern), completed)
    assert tasks["report"].status == "In progress"
    assert tasks["report"].hint == "Version 1 is a draft, written by the facilitators"
    assert tasks["report"].href == reverse("programme:report_edit", args=[completed.pk])


def test_report_submitted_the_offender_manager_holds_the_handover_and_works_the_recommendations(
    login, completed, fern, alice
):
    report = write_report(completed, fern, recommendations=["Join a support group", "Review"])
    report_submit(report=report, by=fern)
    tasks, content = task_list(login(alice), completed)
    assert tasks["report"].status == "Completed"
    assert tasks["report"].href == report.get_absolute_url()  # he can read it from here
    assert tasks["handover"].status == "Not yet started"
    assert tasks["handover"].href == reverse("programme:handover_create", args=[completed.pk])
    assert tasks["handover"].hint.startswith("Due by ")
    assert tasks["recommendation-1"].status == "Not yet started"
    assert tasks["recommendation-1"].hint == "Join a support group"
    assert (
        tasks["recommendation-2"].href == completed.recommendations.get(number=2).get_absolute_url()
    )
    assert tasks["close"].hint == (
        "Needs the three-way handover meeting held, his risk re-assessed "
        "and recommendations 1 and 2 done or not pursued"
    )
    assert "Close as programme complete</button>" not in content
    # The completed step shows as plain text, the ones to do as tags.
    assert '<strong class="govuk-tag' not in task_html(content, "report")
    assert '<strong class="govuk-tag govuk-tag--blue">Not yet started</strong>' in task_html(
        content, "handover"
    )


def test_report_submitted_the_facilitator_reads_it_but_records_nothing_else(login, completed, fern):
    report = write_report(completed, fern)
    report_submit(report=report, by=fern)
    tasks, _ = task_list(login(fern), completed)
    assert tasks["report"].status == "Completed" and tasks["report"].href == (
        report.get_absolute_url()
    )
    assert [key for key, task in tasks.items() if task.href] == ["report"]
    assert tasks["recommendation-1"].status == "Not yet started"


def test_a_handover_one_of_the_three_missed_is_in_progress(login, completed, fern, alice):
    report_submit(report=write_report(completed, fern), by=fern)
    make_handover(
        completed, alice, held_on=date(2026, 3, 1), place="Office", facilitator_attended=False
    )
    tasks, _ = task_list(login(alice), completed)
    assert tasks["handover"].status == "In progress"
    assert "The meeting on 1 March 2026 was missed by a facilitator" in tasks["handover"].hint
    assert tasks["handover"].href


def test_all_done_the_offender_manager_is_offered_the_close_button(login, completed, fern, alice):
    close_all(completed, fern, alice)
    tasks, content = task_list(login(alice), completed)
    assert {t.status for key, t in tasks.items() if key != "close"} == {"Completed"}
    assert tasks["handover"].hint == (
        "Held on 1 March 2026 with him, a facilitator and his offender manager"
    )
    assert tasks["close"].status == "Not yet started" and tasks["close"].can_act
    assert "Close as programme complete</button>" in content


def test_all_done_the_facilitator_sees_it_ready_but_has_no_button(login, completed, fern, alice):
    close_all(completed, fern, alice)
    tasks, content = task_list(login(fern), completed)
    assert tasks["close"].status == "Not yet started"
    assert tasks["close"].hint == "Everything is done: his offender manager closes the referral"
    assert not tasks["close"].can_act
    assert "Close as programme complete</button>" not in content


def test_a_recommendation_not_pursued_counts_as_done(login, completed, fern, alice):
    close_all(completed, fern, alice)
    Recommendation.objects.update(status="not_pursued", not_pursued_reason="He moved away")
    tasks, content = task_list(login(alice), completed)
    assert tasks["recommendation-1"].status == "Completed"
    assert "Not pursued" in task_html(content, "recommendation-1")
    assert tasks["close"].status == "Not yet started"


def test_closed_the_last_step_is_completed(login, completed, fern, alice):
    close_all(completed, fern, alice)
    referral_close(referral=completed, by=alice)
    completed.refresh_from_db()
    tasks, content = task_list(login(alice), completed)
    assert tasks["close"].status == "Completed"
    assert "Programme complete" in content
    assert "Close as programme complete</button>" not in content


def test_a_correction_still_in_draft_keeps_the_referral_open(login, completed, fern, alice):
    close_all(completed, fern, alice)
    report_correct(report=completed.end_reports.get(), reason="Wrong date", by=fern)
    tasks, content = task_list(login(alice), completed)
    assert tasks["report"].status == "In progress"
    assert tasks["close"].hint == ("Needs the correction of the end-of-programme report submitted")
    assert "Close as programme complete</button>" not in content


def test_the_page_and_the_refusal_agree_on_when_closing_is_ready(completed, fern, alice):
    from programme.services.post_programme import PostProgramme

    def ready():
        work = PostProgramme.load(completed)
        closing = work.tasks(writes_report=False, runs_post_programme=True)[-1]
        assert (closing.status == "Not yet started") == (closing_missing(completed) == [])
        return closing.status == "Not yet started"

    assert not ready()
    report_submit(report=write_report(completed, fern), by=fern)
    assert not ready()
    close_all_after_report(completed, alice)
    assert ready()


def close_all_after_report(referral, alice):
    make_handover(referral, alice, held_on=date(2026, 3, 1), place="Riverside office")
    make_reassessment(
        referral,
        alice,
        oasys_on=date(2026, 3, 2),
        risk_of_serious_harm="low",
        rm2000_on=date(2026, 3, 2),
        rm2000_category="low",
        what_changed="Lower",
    )
    Recommendation.objects.filter(referral=referral).update(status="done")


def test_a_premature_close_is_refused_with_what_is_missing(login, completed, fern, alice):
    report_submit(report=write_report(completed, fern), by=fern)
    response = login(alice).post(
        reverse("programme:referral_close", args=[completed.pk]), follow=True
    )
    content = response.content.decode()
    assert "The referral cannot be closed yet. Still to do:" in content
    assert "The three-way handover meeting has not been held" in content
    assert "Recommendation 1 is not started" in content
    completed.refresh_from_db()
    assert completed.status == ReferralStatus.POST_PROGRAMME


@pytest.mark.parametrize("recommendations", [["One"], ["One", "Two", "Three", "Four"]])
def test_the_task_list_takes_the_same_queries_however_many_recommendations(
    login, completed, fern, alice, django_assert_num_queries, recommendations
):
    report_submit(report=write_report(completed, fern, recommendations), by=fern)
    make_handover(completed, alice, held_on=date(2026, 3, 1), place="Office")
    Recommendation.objects.update(owner=alice, due_on=date(2026, 4, 1))
    client = login(alice)
    url = reverse("programme:post_programme", args=[completed.pk])
    # Signed in: session, staff, second factor (3); the referral (1); its reports, handover
    # meetings, re-assessments, recommendations and his open enforcement decisions (5);
    # whether the viewer writes the report (1); the access log in a savepoint (3); the session
    # saved (1).
    # (+1: the header's count of what is due today, programme/casework/header_count.py)
    with django_assert_num_queries(15):
        response = client.get(url)
    tasks = [t for t in response.context["tasks"] if t.key.startswith("recommendation-")]
    assert len(tasks) == len(recommendations)


def test_an_open_enforcement_decision_of_any_attempt_blocks_closing(login, completed, fern, alice):
    """A recall proposed for a failure (here on his first session's record, as an earlier
    attempt's would be) and never decided: the referral cannot be closed, on the page or not."""
    close_all(completed, fern, alice)
    attendance = completed.placement.attendances.get(session__number=1)
    Enforcement.objects.create(
        attendance=attendance,
        offender=completed.offender,
        failure_on=attendance.session.date,
        due_by=attendance.session.date + timedelta(days=14),
        proposed_action="recall",
        proposal_reason="On licence: the action is a recall request",
    )
    when = f"{attendance.session.date:%-d %B %Y}"
    assert closing_missing(completed) == [
        f"The enforcement decision on his failure of {when} has not been taken"
    ]
    with pytest.raises(ProgrammeError, match="enforcement decision"):
        referral_close(referral=completed, by=alice)
    page = login(alice).get(reverse("programme:post_programme", args=[completed.pk]))
    assert f"the enforcement decision on his failure of {when} taken" in page.content.decode()
    completed.refresh_from_db()
    assert completed.status == ReferralStatus.POST_PROGRAMME
