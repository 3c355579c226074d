"""After the programme: the end-of-programme report, the three-way handover, the risk
re-assessment, the recommendations, and closing the referral."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from isotp.consultation import consulted
from programme.access import (
    get_referral_after_programme,
    get_referral_to_run_after_programme,
    get_referral_to_write_report,
    get_report_for_user,
    get_report_to_write,
    runs_post_programme,
    writes_report,
)
from programme.forms import (
    CorrectionForm,
    HandoverForm,
    ReassessmentForm,
    RecommendationForm,
    ReportForm,
)
from programme.models import (
    ProgrammeError,
    Recommendation,
    ReportStatus,
)
from programme.services.post_programme import (
    HANDOVER_BEFORE_REPORT,
    PostProgramme,
    attendance_summary,
    handover_record,
    latest_submitted_report,
    reassessment_record,
    recommendation_owners,
    recommendation_update,
    report_missing,
    report_save,
    report_start,
    report_start_refusal,
)
from programme.services.post_programme import referral_close as close_referral
from programme.services.post_programme import report_correct as correct_report
from programme.services.post_programme import report_submit as submit_report


@require_safe
def overview(request, pk: int):
    referral = get_referral_after_programme(request.user, pk)
    consulted(referral)
    work = PostProgramme.load(referral)
    runs = runs_post_programme(request.user, referral)
    tasks = work.tasks(
        writes_report=writes_report(request.user, referral), runs_post_programme=runs
    )
    return render(
        request,
        "programme/post_programme.html",
        {
            "referral": referral,
            "offender": referral.offender,
            "work": work,
            "tasks": tasks,
            "can_close": tasks[-1].can_act,
            "assessment": referral.assessment,
        },
    )


@require_http_methods(["GET", "POST"])
def report_edit(request, pk: int):
    """Write the draft. Opening the page creates nothing: the draft is made on first save."""
    referral = get_referral_to_write_report(request.user, pk)
    draft = referral.end_reports.filter(status=ReportStatus.DRAFT).first()
    refusal = "" if draft else report_start_refusal(referral)
    if refusal:
        messages.error(request, refusal)
        return redirect("programme:post_programme", pk=referral.pk)
    if draft:
        targets = [p.target for p in draft.progress.select_related("target")]
        initial = {
            "overall_progress": draft.overall_progress,
            "risk_factors": draft.risk_factors,
            "relapse_prevention_plan": draft.relapse_prevention_plan,
            "recommendations": "\n".join(draft.recommendations),
            **{f"target_{p.target_id}": p.progress for p in draft.progress.all()},
        }
        summary, version = draft.attendance_summary, draft.version
    else:
        targets = list(referral.programme.treatment_targets.all())
        initial = {}
        summary, version = attendance_summary(referral.placement), 1
    form = ReportForm(
        request.POST if request.method == "POST" else None, initial=initial, targets=targets
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # the draft and its first text, or neither
                report = report_start(referral=referral, by=request.user)
                report_save(
                    report=report,
                    overall_progress=form.cleaned_data["overall_progress"],
                    risk_factors=form.cleaned_data["risk_factors"],
                    relapse_prevention_plan=form.cleaned_data["relapse_prevention_plan"],
                    progress=form.progress,
                    recommendations=form.recommendation_lines,
                    by=request.user,
                )
        except ProgrammeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Draft of version {report.version} saved")
            return redirect(report)
    return render(
        request,
        "programme/report_form.html",
        {
            "form": form,
            "summary": summary,
            "version": version,
            "referral": referral,
            "offender": referral.offender,
        },
    )


@require_safe
def report_detail(request, pk: int):
    report = get_report_for_user(request.user, pk)
    referral = get_referral_after_programme(request.user, report.referral_id)
    return render(
        request,
        "programme/report_detail.html",
        {
            "report": report,
            "referral": referral,
            "offender": referral.offender,
            "progress": report.progress.select_related("target"),
            "missing": [] if report.is_locked else report_missing(report),
            "writes_report": writes_report(request.user, referral),
            "correction_form": CorrectionForm(),
            "is_latest": not referral.end_reports.filter(version__gt=report.version).exists(),
        },
    )


@require_POST
def report_submit(request, pk: int):
    report = get_report_to_write(request.user, pk)
    try:
        submit_report(report=report, by=request.user)
    except ProgrammeError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"Version {report.version} submitted and locked. His offender manager has been "
            "asked to arrange the three-way handover meeting.",
        )
    return redirect("programme:report", pk=report.pk)


@require_http_methods(["GET", "POST"])
def report_correct(request, pk: int):
    report = get_report_to_write(request.user, pk)
    form = CorrectionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            correction = correct_report(
                report=report, reason=form.cleaned_data["reason"], by=request.user
            )
        except ProgrammeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, f"Version {correction.version} started; version {report.version} is kept"
            )
            return redirect("programme:report_edit", pk=report.referral_id)
    return render(
        request,
        "programme/report_correct.html",
        {"form": form, "report": report, "offender": report.referral.offender},
    )


@require_http_methods(["GET", "POST"])
def handover_create(request, pk: int):
    referral = get_referral_to_run_after_programme(request.user, pk)
    if latest_submitted_report(referral) is None:
        messages.error(request, HANDOVER_BEFORE_REPORT)
        return redirect("programme:post_programme", pk=referral.pk)
    form = HandoverForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        meeting = handover_record(referral=referral, by=request.user, **form.cleaned_data)
        if meeting.all_attended:
            messages.success(request, "Handover meeting recorded with all three present")
        else:
            messages.warning(
                request,
                "Handover meeting recorded, but "
                + " and ".join(meeting.missing_people)
                + " did not attend: another meeting with all three must be held.",
            )
        return redirect("programme:post_programme", pk=referral.pk)
    return render(
        request,
        "programme/handover_form.html",
        {"form": form, "referral": referral, "offender": referral.offender},
    )


@require_http_methods(["GET", "POST"])
def reassessment_create(request, pk: int):
    referral = get_referral_to_run_after_programme(request.user, pk)
    form = ReassessmentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            reassessment_record(referral=referral, by=request.user, **form.cleaned_data)
        except ProgrammeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Post-programme risk re-assessment recorded")
            return redirect("programme:post_programme", pk=referral.pk)
    return render(
        request,
        "programme/reassessment_form.html",
        {
            "form": form,
            "referral": referral,
            "offender": referral.offender,
            "assessment": referral.assessment,
        },
    )


@require_http_methods(["GET", "POST"])
def recommendation_edit(request, pk: int):
    recommendation = get_object_or_404(Recommendation, pk=pk)
    referral = get_referral_to_run_after_programme(request.user, recommendation.referral_id)
    form = RecommendationForm(
        request.POST if request.method == "POST" else None,
        owners=recommendation_owners(referral.offender),
        initial={
            "status": recommendation.status,
            "owner": recommendation.owner_id,
            "due_on": recommendation.due_on,
            "not_pursued_reason": recommendation.not_pursued_reason,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            recommendation_update(
                recommendation=recommendation, by=request.user, **form.cleaned_data
            )
        except ProgrammeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Recommendation {recommendation.number} updated")
            return redirect("programme:post_programme", pk=referral.pk)
    return render(
        request,
        "programme/recommendation_form.html",
        {
            "form": form,
            "recommendation": recommendation,
            "notes": recommendation.notes.select_related("by"),
            "referral": referral,
            "offender": referral.offender,
        },
    )


@require_POST
def referral_close(request, pk: int):
    referral = get_referral_to_run_after_programme(request.user, pk)
    try:
        close_referral(referral=referral, by=request.user)
    except ProgrammeError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The referral is closed: programme complete")
    return redirect("programme:post_programme", pk=referral.pk)
