"""The offender manager's work during the programme (actions, enforcement decisions, notices,
risk reviews, appointments, his programme page) and the facilitator's start page."""

from datetime import date, timedelta

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, Min, OuterRef, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from isotp.consultation import consulted
from isotp.models import Staff
from programme.access import (
    can_decide_enforcement,
    can_schedule_one_to_one,
    get_appointment_for_offender_manager,
    get_enforcement_for_user,
    get_notice_for_offender_manager,
    groups_visible_to,
    one_to_ones_visible_to,
    registers_open_to,
)
from programme.forms_manager import (
    AppointmentForm,
    EnforcementCorrectionForm,
    EnforcementDecisionForm,
    NoticeAcknowledgeForm,
    NoticesAcknowledgeForm,
    RiskReviewForm,
)
from programme.models import (
    HUMAN_DECISIONS,
    SESSION_NAME,
    Enforcement,
    EnforcementDecisionType,
    GroupSession,
    HandoverMeeting,
    Notice,
    Placement,
    ProgrammeError,
    Reassessment,
    Recommendation,
    ReportStatus,
)
from programme.services import (
    enforcement_correct as enforcement_correct_service,
)
from programme.services import (
    enforcement_decide,
    projected_finish,
    risk_before_review,
    risk_review_record,
)
from programme.services import notice_acknowledge as notice_acknowledge_service
from programme.services import notices_acknowledge as notices_acknowledge_service
from programme.services import (
    referral_move as referral_move_service,
)
from programme.services import today as today_service
from programme.services.court_bundle import COURT_DECISIONS
from programme.services.forecast import forecast_for_referral
from programme.services.one_to_ones import schedule_rows
from programme.services.staffing import sessions_staffed_by
from programme.services.today import catch_ups_to_run
from referrals.access import (
    can_manage_referral,
    cases_open_to,
    get_offender_for_user,
    get_referral_for_user,
)
from referrals.forms import ReferralMoveForm
from referrals.models import Offender, Referral, ReferralError, ReferralStatus, RiskLevel

# An enforcement decision due within this many days (and not overdue) is marked "due soon".
DUE_SOON_DAYS = 3
NOT_THE_OFFENDER_MANAGER = "Only his offender manager, {name}, can record this decision"


def _urgency(due_by: date, today: date) -> str:
    if due_by < today:
        return "overdue"
    if due_by == today:
        return "today"
    if due_by <= today + timedelta(days=DUE_SOON_DAYS):
        return "soon"
    return ""


def _require_offender_manager(user: Staff) -> None:
    if not user.is_offender_manager:
        raise Http404("This page is for offender managers")


def _get_own_offender(user: Staff, pk: int) -> Offender:
    """An offender the user may see and is the offender manager of (others: 404)."""
    offender = get_offender_for_user(user, pk)
    if offender.offender_manager_id != user.pk:
        raise Http404("Only his offender manager can do this")
    return offender


# --- The offender manager's actions ----------------------------------------------------------


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
        enforcement.urgency = _urgency(enforcement.due_by, today)
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
        "programme/actions.html",
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
    _require_offender_manager(request.user)
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
    _require_offender_manager(request.user)
    ids = request.POST.getlist("bulk-notice")
    if not all(each.isdigit() for each in ids):
        raise Http404("No such notice")
    wanted = {int(each) for each in ids}
    notices = list(
        Notice.objects.filter(
            cases_open_to(request.user, "offender"),
            offender__offender_manager=request.user,
            pk__in=wanted,
        )
        .select_related("offender")
        .order_by("created_at", "pk")
    )
    if len(notices) != len(wanted):
        raise Http404("No such notice")
    consulted(*notices)
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


# --- Enforcement ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def enforcement(request, pk: int):
    enforcement = get_enforcement_for_user(request.user, pk)
    can_decide = can_decide_enforcement(request.user, enforcement) and enforcement.is_pending
    status = 200
    form = None
    if can_decide:
        form = EnforcementDecisionForm(
            request.POST if request.method == "POST" else None, enforcement=enforcement
        )
    if request.method == "POST":
        if not can_decide_enforcement(request.user, enforcement):
            messages.error(
                request,
                NOT_THE_OFFENDER_MANAGER.format(name=enforcement.offender.offender_manager),
            )
            status = 403
        elif not enforcement.is_pending:
            messages.error(request, "A decision has already been recorded for this failure")
            return redirect(enforcement)
        elif form.is_valid():
            try:
                decided = enforcement_decide(
                    enforcement=enforcement,
                    decision=form.cleaned_data["decision"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            except ProgrammeError as error:
                # The refusals are about a missing reason: shown at the reason box.
                field = None if form.cleaned_data["reason"].strip() else "reason"
                form.add_error(field, str(error))
            else:
                messages.success(request, f"Decision recorded: {decided.get_decision_display()}")
                return redirect(decided)
    else:
        consulted(enforcement)
    return _enforcement_page(request, enforcement, form=form, status=status)


def _enforcement_page(request, enforcement, *, form=None, correction_form=None, status=200):
    attendance = enforcement.attendance
    can_correct = enforcement.decision in HUMAN_DECISIONS and can_decide_enforcement(
        request.user, enforcement
    )
    if can_correct and correction_form is None:
        correction_form = EnforcementCorrectionForm(enforcement=enforcement)
    return render(
        request,
        "programme/enforcement.html",
        {
            "enforcement": enforcement,
            "offender": enforcement.offender,
            "attendance": attendance,
            "session": attendance.session,
            "recorded_by": attendance.recorded_by,
            "urgency": _urgency(enforcement.due_by, timezone.localdate())
            if enforcement.is_pending
            else "",
            "form": form,
            "correction_form": correction_form if can_correct else None,
            "corrections": list(enforcement.corrections.select_related("by", "old_decided_by")),
            "amendments": list(attendance.amendments.select_related("by")),
            "warning_given": enforcement.decision == EnforcementDecisionType.WARNING_GIVEN,
        },
        status=status,
    )


# --- His programme ----------------------------------------------------------------------------


@require_safe
def offender_programme(request, pk: int):
    offender = get_offender_for_user(request.user, pk)
    consulted(offender)
    today = timezone.localdate()
    placements = list(
        Placement.objects.filter(referral__offender=offender)
        .select_related("group", "group__programme", "group__version", "referral")
        .order_by("-allocated_at", "-pk")
    )
    current = next((p for p in placements if p.ended_on is None), None)
    enforcements = list(
        offender.enforcements.select_related(
            "attendance__session", "attendance__placement", "decided_by"
        ).order_by("-failure_on", "-pk")
    )
    context = {
        "offender": offender,
        "section": "programme",
        "placement": current,
        "earlier": [p for p in placements if p.ended_on is not None],
        "enforcements": enforcements,
        # A court bundle for each attempt with a breach or recall decision.
        "court_bundles": sorted(
            {
                e.attendance.placement.referral_id
                for e in enforcements
                if e.decision in COURT_DECISIONS
            }
        ),
        "risk_reviews": offender.risk_reviews.select_related("recorded_by"),
        "appointments": offender.appointments.all(),
        "is_his_offender_manager": offender.offender_manager_id == request.user.pk,
    }
    waiting = None
    if current is None:
        # Waiting for a place: when he is expected to start (his OM and office PM only).
        waiting = offender.referrals.waiting().select_related("programme").first()
        context["forecast"] = forecast_for_referral(waiting, user=request.user, today=today)
    # His schedule: his one-to-ones and his group's sessions, in date order; the referral
    # they are scheduled for is the one with a place, or the one waiting, or his last place's.
    one_to_ones = list(
        one_to_ones_visible_to(request.user)
        .live()
        .filter(referral__offender=offender)
        .select_related("referral__offender")
    )
    scheduling_for = (
        current.referral if current else waiting or (placements[0].referral if placements else None)
    )
    if scheduling_for is not None:
        scheduling_for.offender = offender  # the same man, already loaded
    context["can_schedule_one_to_one"] = (
        scheduling_for is not None
        and scheduling_for.is_open
        and can_schedule_one_to_one(request.user, scheduling_for)
    )
    context["scheduling_for"] = scheduling_for
    context["schedule"] = schedule_rows(
        one_to_ones=one_to_ones,
        sessions=list(current.sessions()) if current else [],
        name_him=False,
    )
    if current:
        group = current.group
        sessions = list(group.sessions.named().order_by("number"))
        attendances = list(
            current.attendances.select_related("session", f"session__{SESSION_NAME}")
        )
        catch_ups = list(current.catch_ups.select_related("session", f"session__{SESSION_NAME}"))
        context.update(
            {
                "group": group,
                "sessions_total": len(sessions),
                "next_session": next((s for s in sessions if s.date >= today), None),
                "attendances": attendances,
                "catch_ups_used": sum(1 for a in attendances if a.missed),
                "catch_ups_outstanding": [
                    c for c in catch_ups if not c.cancelled and not c.completed
                ],
                "projection": projected_finish(placement=current, today=today),
            }
        )
    return render(request, "programme/offender_programme.html", context)


@require_http_methods(["GET", "POST"])
def risk_review_create(request, pk: int):
    offender = _get_own_offender(request.user, pk)
    before, source = risk_before_review(offender)
    form = RiskReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        review = risk_review_record(
            offender=offender,
            oasys_on=form.cleaned_data["oasys_on"],
            risk_of_serious_harm=form.cleaned_data["risk_of_serious_harm"],
            what_changed=form.cleaned_data["what_changed"],
            by=request.user,
        )
        before = review.risk_before
        after = review.get_risk_of_serious_harm_display()
        change = f"{RiskLevel(before).label} → {after}" if before else after
        messages.success(request, f"Risk review recorded: risk of serious harm {change}")
        return redirect("programme:offender_programme", pk=offender.pk)
    return render(
        request,
        "programme/risk_review_form.html",
        {
            "form": form,
            "offender": offender,
            "risk_before": RiskLevel(before).label if before else "",
            "risk_source": source,
        },
    )


@require_http_methods(["GET", "POST"])
def appointment_create(request, pk: int):
    offender = _get_own_offender(request.user, pk)
    form = AppointmentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        appointment = form.save(commit=False)
        appointment.offender = offender
        appointment.recorded_by = request.user
        appointment.save()
        messages.success(request, f"Appointment on {appointment.on:%-d %B %Y} added")
        return redirect("programme:offender_programme", pk=offender.pk)
    return render(
        request,
        "programme/appointment_form.html",
        {"form": form, "offender": offender, "appointment": None},
    )


@require_http_methods(["GET", "POST"])
def appointment_edit(request, pk: int):
    appointment = get_appointment_for_offender_manager(request.user, pk)
    offender = appointment.offender
    form = AppointmentForm(request.POST if request.method == "POST" else None, instance=appointment)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Appointment on {appointment.on:%-d %B %Y} saved")
        return redirect("programme:offender_programme", pk=offender.pk)
    return render(
        request,
        "programme/appointment_form.html",
        {"form": form, "offender": offender, "appointment": appointment},
    )


# --- The facilitator's start page -------------------------------------------------------------


# The sessions he covers for groups he does not run, soonest first (each links its register).
COVERING_SHOWN = 20


@require_safe
def facilitator_home(request):
    if not request.user.is_facilitator:
        raise Http404("This page is for facilitators")
    today = timezone.localdate()
    groups = list(
        groups_visible_to(request.user)
        .select_related("programme")
        .annotate(
            members=Count("placements", filter=Q(placements__ended_on__isnull=True), distinct=True)
        )
        .order_by("start_date", "pk")
    )
    group_ids = [g.pk for g in groups]
    # The next session of each group: one row per group (PostgreSQL's DISTINCT ON).
    next_sessions = sorted(
        GroupSession.objects.filter(group_id__in=group_ids, date__gte=today)
        .named()
        .order_by("group_id", "date", "number")
        .distinct("group_id"),
        key=lambda s: (s.date, s.number, s.pk),
    )
    by_group = {s.group_id: s for s in next_sessions}
    for group in groups:
        group.next_session = by_group.get(group.pk)
    groups_by_id = {g.pk: g for g in groups}
    for session in next_sessions:
        session.group = groups_by_id[session.group_id]
    # His groups' registers, and those of the sessions he leads or covers for another group.
    registers_due = list(
        registers_open_to(request.user)
        .filter(date__lte=today, register_completed_at__isnull=True)
        .select_related("group__programme")
        .named()
        .order_by("date", "group_id", "number")
    )
    covering = list(
        sessions_staffed_by(request.user)
        .exclude(group_id__in=group_ids)
        .filter(date__gte=today)
        .select_related("group__programme")
        .named()
        .order_by("date", "number", "pk")[:COVERING_SHOWN]
    )
    catch_ups = list(
        catch_ups_to_run()
        .filter(
            cases_open_to(request.user, "placement__referral__offender"),
            placement__group_id__in=group_ids,
        )
        .select_related("session", f"session__{SESSION_NAME}", "placement__referral__offender")
        .order_by("session__date", "pk")
    )
    for catch_up in catch_ups:
        catch_up.placement.group = groups_by_id[catch_up.placement.group_id]
    consulted(*groups, *catch_ups, action="list", result_count=len(groups) + len(catch_ups))
    # The counts of the work after the programme come with the header's count (one query).
    due = today_service.counts_for(request.user, today)
    request.today_total = sum(due.values())
    return render(
        request,
        "programme/facilitator_home.html",
        {
            "reports_due": due["reports"],
            "handovers_due": due["handovers"],
            "groups": groups,
            "next_sessions": next_sessions,
            "registers_due": registers_due,
            "covering": covering,
            "catch_ups": catch_ups,
            "today": today,
        },
    )


@require_POST
def enforcement_correct(request, pk: int):
    """Correct a decision already taken; the old one is kept and shown."""
    enforcement = get_enforcement_for_user(request.user, pk)
    if not can_decide_enforcement(request.user, enforcement):
        raise Http404("Only his offender manager corrects his enforcement decisions")
    form = EnforcementCorrectionForm(request.POST, enforcement=enforcement)
    if form.is_valid():
        try:
            _, notes = enforcement_correct_service(
                enforcement=enforcement,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except (ProgrammeError, ReferralError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The decision was corrected; the earlier one is kept")
            for note in notes:
                messages.warning(request, note)
            return redirect(enforcement)
    return _enforcement_page(request, enforcement, correction_form=form)


@require_http_methods(["GET", "POST"])
def referral_move(request, pk: int):
    """Change a referral's status by hand. It lives here, not in referrals, because closing
    a placed referral also ends his place in the group."""
    referral = get_referral_for_user(request.user, pk)
    if not can_manage_referral(request.user, referral):
        raise Http404("You cannot change this referral")
    form = ReferralMoveForm(request.POST if request.method == "POST" else None, referral=referral)
    if request.method == "POST" and form.is_valid():
        try:
            referral_move_service(
                referral=referral,
                to_status=form.cleaned_data["to_status"],
                by=request.user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except (ReferralError, ProgrammeError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"The referral is now “{referral.get_status_display()}”")
            return redirect(referral)
    return render(
        request,
        "referrals/referral_move.html",
        {"form": form, "referral": referral, "offender": referral.offender},
    )
