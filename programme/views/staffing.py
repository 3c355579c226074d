"""Who runs each group session (programme managers change it), and facilitator continuity."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from isotp.consultation import consulted
from isotp.models import Role, Staff
from programme.access import ensure_can_manage_groups, get_group_to_manage, groups_visible_to
from programme.forms import SessionStaffingForm
from programme.models import ProgrammeError
from programme.services.staffing import (
    CONTINUITY_MIN_HELD,
    CONTINUITY_THRESHOLD,
    attach_staffing,
    groups_continuity,
    session_staffing_change,
    staffing_history,
)

# An office's groups, newest first, a page at a time (as the list of groups).
CONTINUITY_PAGE_SIZE = 25


@require_http_methods(["GET", "POST"])
def session_staffing(request, pk: int):
    """A programme manager of the group's office changes the lead and cover facilitators of
    a session, or of a run of sessions (a facilitator's leave)."""
    group = get_group_to_manage(request.user, pk)
    sessions = list(group.sessions.order_by("number"))
    attach_staffing(sessions)
    offered = Staff.objects.filter(
        role=Role.FACILITATOR, office_id=group.office_id, is_active=True
    ).order_by("last_name", "first_name", "pk")
    initial = {}
    for name, key in (("first_number", "first"), ("last_number", "last")):
        if request.GET.get(key, "").isdigit():
            initial[name] = int(request.GET[key])
    chosen = next((s for s in sessions if s.number == initial.get("first_number")), None)
    if chosen and chosen.staffing_now.lead:
        initial["lead"] = chosen.staffing_now.lead.pk
        initial["cover"] = [staff.pk for staff in chosen.staffing_now.cover]
    form = SessionStaffingForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        numbers=[session.number for session in sessions],
        facilitators=list(offered),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            change = session_staffing_change(
                group=group,
                first_number=data["first_number"],
                last_number=data["last_number"],
                lead=data["lead"],
                cover=list(data["cover"]),
                reason=data["reason"],
                by=request.user,
            )
        except ProgrammeError as error:
            form.add_error(None, str(error))
        else:
            run = (
                f"session {change.first_number}"
                if change.first_number == change.last_number
                else f"sessions {change.first_number} to {change.last_number}"
            )
            messages.success(request, f"Facilitators changed for {run}")
            return redirect("programme:session_staffing", pk=group.pk)
    return render(
        request,
        "programme/session_staffing.html",
        {
            "group": group,
            "form": form,
            "sessions": sessions,
            "history": staffing_history(group),
        },
    )


@require_safe
def office_continuity(request):
    """Facilitator continuity of each group of the programme manager's office, flagged where
    the usual lead led too few of the sessions held. A fixed number of queries a page."""
    ensure_can_manage_groups(request.user)
    groups = (
        groups_visible_to(request.user)
        .select_related("programme", "lead_facilitator")
        .prefetch_related("facilitators")
        .order_by("-start_date", "pk")
    )
    page = Paginator(groups, CONTINUITY_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    continuity = groups_continuity(
        rows,
        teams={group.pk: list(group.facilitators.all()) for group in rows},
        today=timezone.localdate(),
    )
    consulted(*rows, action="list", result_count=page.paginator.count)
    return render(
        request,
        "programme/office_continuity.html",
        {
            "page": page,
            "rows": [(group, continuity[group.pk]) for group in rows],
            "threshold": round(CONTINUITY_THRESHOLD * 100),
            "min_held": CONTINUITY_MIN_HELD,
        },
    )
