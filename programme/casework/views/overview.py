"""The offender's overview: his record, where he is in each of the four phases with the next
thing to do, his programme, and a dated timeline of his case.

It lives in the programme app because it shows every phase: this app may import the
referrals app, never the other way round.
"""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from isotp.consultation import consulted, reason_given
from isotp.history import history_for
from programme.access import can_schedule_one_to_one, one_to_ones_visible_to
from programme.casework.overview import IN_PROGRESS, next_action, phases_for
from programme.casework.timeline import timeline_for
from programme.models import COURT_DECISIONS, SESSION_NAME, Placement
from programme.reporting.forecast import forecast_for_referral
from programme.services.one_to_ones import schedule_rows
from programme.services.register import projected_finish
from referrals.access import get_offender_for_user, get_offender_outside_work

# The timeline's page size: a man on the programme has 35 sessions and more besides.
TIMELINE_PAGE_SIZE = 25


@require_safe
def offender_overview(request, pk: int):
    """Where he is: the four phases as a task list, and the next thing to do."""
    offender = get_offender_for_user(request.user, pk)
    today = timezone.localdate()
    assessments = list(offender.assessments.select_related("assessor", "outcome_programme"))
    referrals = list(
        offender.referrals.select_related("programme", "checklist").order_by("-created_at", "-pk")
    )
    phases = phases_for(
        offender=offender,
        assessments=assessments,
        referrals=referrals,
        user=request.user,
        today=today,
    )
    return render(
        request,
        "programme/casework/offender_overview.html",
        {
            "offender": offender,
            "section": "overview",
            "phases": phases,
            "next_action": next_action(phases),
            "current_phase": next((p for p in phases if p.task_status == IN_PROGRESS), None),
            "assessments": assessments,
            "open_referral": next((r for r in referrals if r.is_open), None),
            "closed_referrals": [r for r in referrals if not r.is_open],
            "can_assess": request.user.is_accredited_assessor,
        },
    )


@require_safe
def offender_timeline(request, pk: int):
    """What happened in his case, newest first, a page at a time."""
    offender = get_offender_for_user(request.user, pk)
    page = Paginator(timeline_for(offender), TIMELINE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "programme/casework/offender_timeline.html",
        {"offender": offender, "section": "timeline", "page": page},
    )


@require_safe
def offender_personal_details(request, pk: int):
    """His record: personal details, order, offences, and the format of what he is sent."""
    offender = get_offender_for_user(request.user, pk)
    return render(
        request,
        "programme/casework/offender_personal_details.html",
        {
            "offender": offender,
            "section": "personal-details",
            "age": offender.age_on(timezone.localdate()),
            "offences": offender.offences.all(),
        },
    )


@require_safe
def offender_history(request, pk: int):
    """Every change to his record and the records about him, as the history triggers kept it."""
    offender = get_offender_for_user(request.user, pk)
    return render(
        request,
        "programme/casework/offender_history.html",
        {"offender": offender, "section": "history", "history": history_for(offender)},
    )


@require_safe
def case_outside(request, pk: int):
    """A case outside the reader's own work, read-only, once they have given a reason."""
    reason = reason_given(request, pk)
    offender = get_offender_outside_work(request.user, pk, reason=reason)
    referrals = list(offender.referrals.select_related("programme").order_by("-created_at", "-pk"))
    placement = (
        Placement.objects.filter(referral__offender=offender)
        .select_related("group", "group__programme", "group__office")
        .order_by("-allocated_at", "-pk")
        .first()
    )
    return render(
        request,
        "programme/casework/case_outside.html",
        {
            "offender": offender,
            "age": offender.age_on(timezone.localdate()),
            "open_referral": next((r for r in referrals if r.is_open), None),
            "placement": placement,
            "timeline": timeline_for(offender),
            "reason": reason,
        },
    )


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
    return render(request, "programme/casework/offender_programme.html", context)
