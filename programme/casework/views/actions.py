"""The offender manager's actions: the enforcement decisions, notices, catch-ups, work after
the programme and recommendations of his caseload, each section paged on its own; notices
are acknowledged from it, one at a time or several with one note."""

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, Min, OuterRef, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from isotp.consultation import consulted
from programme.access import (
    ensure_offender_manager,
    get_notice_for_offender_manager,
    get_notices_for_offender_manager,
)
from programme.casework.today import catch_ups_to_run
from programme.forms import NoticeAcknowledgeForm, NoticesAcknowledgeForm
from programme.models import (
    Enforcement,
    HandoverMeeting,
    Notice,
    ProgrammeError,
    Reassessment,
    Recommendation,
    ReportStatus,
)
from programme.services.enforcement import notice_acknowledge as notice_acknowledge_service
from programme.services.enforcement import notices_acknowledge as notices_acknowledge_service
from referrals.access import cases_open_to
from referrals.models import Referral, ReferralStatus

# Each section of the actions page is paged on its own (?notices_page=2#notices): an offender
# manager can have hundreds of notices, and the page must stay quick and short.
ACTIONS_PAGE_SIZES = {
    "enforcement": 25,
    "notices": 10,
    "catch-ups": 25,
    "after-programme": 25,
    "recommendations": 25,
}


def _section_page(request, section: str, records, count: int | None = None) -> Page:
    paginator = Paginator(records, ACTIONS_PAGE_SIZES[section])
    if count is not None:
        paginator.count = count  # counted already, with other figures
    page = paginator.get_page(request.GET.get(f"{section}_page"))
    page.object_list = list(page.object_list)
    page.section = section
    return page


def _actions_page(request, refused: Notice | None = None, refused_form=None, bulk_form=None):
    """The actions page; with `refused`, that notice's form is shown bound, with its errors;
    with `bulk_form`, the form acknowledging several notices, bound, with its errors."""
    user = request.user
    today = timezone.localdate()
    # Due date first puts every overdue decision (due before today) above the rest.
    pending = Enforcement.objects.pending().filter(
        cases_open_to(user, "offender"), offender__offender_manager=user
    )
    counts = pending.aggregate(total=Count("pk"), overdue=Count("pk", filter=Q(due_by__lt=today)))
    enforcements = _section_page(
        request,
        "enforcement",
        pending.select_related("offender", "attendance__session").order_by(
            "due_by", "failure_on", "pk"
        ),
        count=counts["total"],
    )
    for enforcement in enforcements:
        enforcement.urgency = enforcement.urgency_on(today)
    notices = _section_page(
        request,
        "notices",
        Notice.objects.unacknowledged()
        .filter(cases_open_to(user, "offender"), offender__offender_manager=user)
        .select_related("offender", "created_by", "attendance__session")
        .order_by("created_at", "pk"),
    )
    if refused is not None and refused not in notices.object_list:
        # The notice whose acknowledgement was refused is shown with its errors, whatever
        # page it is on.
        notices.object_list.insert(0, refused)
    for notice in notices:
        if refused is not None and notice.pk == refused.pk:
            notice.form = refused_form
        else:
            notice.form = NoticeAcknowledgeForm(prefix=f"notice-{notice.pk}")
    if bulk_form is None:
        bulk_form = NoticesAcknowledgeForm(notices=notices.object_list)
    catch_ups = _section_page(
        request,
        "catch-ups",
        catch_ups_to_run()
        .filter(
            cases_open_to(user, "placement__referral__offender"),
            placement__referral__offender__offender_manager=user,
        )
        .select_related("session", "placement__group", "placement__referral__offender")
        .order_by("session__date", "pk"),
    )
    after_programme = _section_page(
        request,
        "after-programme",
        Referral.objects.filter(
            cases_open_to(user, "offender"),
            offender__offender_manager=user,
            status=ReferralStatus.POST_PROGRAMME,
        )
        .select_related("offender", "programme")
        .annotate(
            first_report_at=Min(
                "end_reports__submitted_at", filter=Q(end_reports__status=ReportStatus.SUBMITTED)
            ),
            handover_held=Exists(
                HandoverMeeting.objects.filter(
                    referral=OuterRef("pk"),
                    offender_attended=True,
                    facilitator_attended=True,
                    offender_manager_attended=True,
                )
            ),
            reassessed=Exists(Reassessment.objects.filter(referral=OuterRef("pk"))),
        )
        .order_by("pk"),
    )
    for referral in after_programme:
        referral.handover_due = (
            timezone.localdate(referral.first_report_at)
            + timedelta(days=referral.programme.handover_due_days)
            if referral.first_report_at
            else None
        )
        referral.handover_overdue = bool(
            referral.handover_due and not referral.handover_held and referral.handover_due < today
        )
    recommendations = _section_page(
        request,
        "recommendations",
        Recommendation.objects.outstanding()
        .filter(
            cases_open_to(user, "referral__offender"), referral__offender__offender_manager=user
        )
        .select_related("referral__offender", "owner")
        .order_by(F("due_on").asc(nulls_last=True), "pk"),
    )
    sections = [enforcements, notices, catch_ups, after_programme, recommendations]
    consulted(
        *[record for page in sections for record in page.object_list],
        action="list",
        query=request.GET.urlencode(),
        result_count=sum(page.paginator.count for page in sections),
    )
    return render(
        request,
        "programme/casework/actions.html",
        {
            "after_programme": after_programme,
            "recommendations": recommendations,
            "enforcements": enforcements,
            "overdue_count": counts["overdue"],
            "notices": notices,
            "catch_ups": catch_ups,
            "form": refused_form or (bulk_form if bulk_form.is_bound else None),
            "bulk_form": bulk_form,
            "ticked": set(bulk_form["notice"].value() or []) if bulk_form.is_bound else set(),
            "today": today,
        },
    )


@require_safe
def actions(request):
    ensure_offender_manager(request.user)
    return _actions_page(request)


@require_POST
def notice_acknowledge(request, pk: int):
    notice = get_notice_for_offender_manager(request.user, pk)
    form = NoticeAcknowledgeForm(request.POST, prefix=f"notice-{notice.pk}")
    if form.is_valid():
        try:
            notice_acknowledge_service(
                notice=notice, action_taken=form.cleaned_data["action_taken"], by=request.user
            )
        except ProgrammeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"{notice.get_kind_display()} for {notice.offender.full_name} acknowledged",
            )
            return redirect("programme:actions")
    return _actions_page(request, refused=notice, refused_form=form)


@require_POST
def notices_acknowledge(request):
    """Several of the user's notices acknowledged with one note. Every notice named must be
    one of theirs: any other refuses the whole request (404), and nothing is acknowledged."""
    notices = get_notices_for_offender_manager(request.user, request.POST.getlist("bulk-notice"))
    form = NoticesAcknowledgeForm(request.POST, notices=notices)
    if not form.is_valid():
        return _actions_page(request, bulk_form=form)
    acknowledged, refused = notices_acknowledge_service(
        notices=notices, action_taken=form.cleaned_data["action_taken"], by=request.user
    )
    if acknowledged:
        names = ", ".join(notice.offender.full_name for notice in acknowledged)
        count = len(acknowledged)
        messages.success(request, f"{count} notice{'s' if count > 1 else ''} acknowledged: {names}")
    for notice, reason in refused:
        messages.error(
            request,
            f"{notice.get_kind_display()} for {notice.offender.full_name} not acknowledged: {reason}",
        )
    return redirect("programme:actions")
