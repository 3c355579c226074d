"""Groups: forming them, their schedule, and allocating places from the waiting list."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from isotp.consultation import consulted
from isotp.limits import NOTE_MAX
from programme.access import (
    can_manage_groups,
    ensure_can_manage_groups,
    get_group_for_user,
    get_group_to_manage,
    get_session_to_move,
    groups_visible_to,
    members_open_to,
    runs_group,
)
from programme.forms import GroupForm, SessionMoveForm
from programme.models import BulkPrint, OneToOneSession, ProgrammeError
from programme.services.one_to_ones import schedule_rows
from programme.services.scheduling import (
    NON_ASSOCIATION,
    allocated_message,
    allocation_refusals,
    placements_allocate,
)
from programme.services.scheduling import group_create as create_group
from programme.services.scheduling import session_move as session_move_service
from programme.services.staffing import (
    CONTINUITY_MIN_HELD,
    CONTINUITY_THRESHOLD,
    attach_staffing,
    group_continuity,
)
from referrals.access import get_referrals_for_user, referrals_visible_to
from referrals.models import ReferralStatus

# An office forms dozens of groups a year; the list is newest first, a page at a time.
GROUP_PAGE_SIZE = 25


@require_safe
def group_list(request):
    groups = (
        groups_visible_to(request.user)
        .select_related("programme", "office")
        .prefetch_related("facilitators")
        .order_by("-start_date", "pk")
    )
    page = Paginator(groups, GROUP_PAGE_SIZE).get_page(request.GET.get("page"))
    consulted(*page.object_list, action="list", result_count=page.paginator.count)
    return render(
        request,
        "programme/group_list.html",
        {"page": page, "can_manage": can_manage_groups(request.user)},
    )


@require_http_methods(["GET", "POST"])
def group_create(request):
    ensure_can_manage_groups(request.user)
    form = GroupForm(request.POST if request.method == "POST" else None, office=request.user.office)
    if request.method == "POST" and form.is_valid():
        try:
            group = _create_group(form, request.user)
        except ProgrammeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, f"Group formed with {group.programme.sessions} sessions of {group.version}"
            )
            return redirect(group)
    return render(request, "programme/group_form.html", {"form": form})


def _create_group(form: GroupForm, user):
    data = form.cleaned_data
    return create_group(
        programme=data["programme"],
        age_band=data["age_band"],
        office=user.office,
        venue=data["venue"],
        facilitators=list(data["facilitators"]),
        treatment_manager=data["treatment_manager"],
        lead=data["lead_facilitator"],
        start_date=data["start_date"],
        weekdays=data["weekdays"],
        start_time=data["start_time"],
        by=user,
        version=data["version"],
    )


@require_safe
def group_detail(request, pk: int):
    group = get_group_for_user(request.user, pk)
    # After an allocation that placed some men and refused others (group_allocate): the
    # refused named with their reasons and still ticked, once.
    kept = request.session.pop(_REFUSED_KEY.format(pk=group.pk), None)
    if kept and can_manage_groups(request.user):
        by_pk = {
            r.pk: r for r in get_referrals_for_user(request.user, [p for p, _ in kept["refused"]])
        }
        refused = [(by_pk[pk], reason) for pk, reason in kept["refused"] if pk in by_pk]
        return _render_refused(request, group, refused, kept["override_reason"])
    return _render_group(request, group)


def _render_refused(request, group, refused, override_reason: str):
    """The group page naming the men refused (referral, why), their boxes still ticked."""
    return _render_group(
        request,
        group,
        ticked=[referral.pk for referral, _ in refused],
        refused=refused,
        override_reason=override_reason,
    )


_REFUSED_KEY = "allocation_refused:{pk}"


def _render_group(request, group, *, ticked=(), refused=(), override_reason=""):
    """The group page; after a bulk allocation with refusals, the refused men listed by name
    with the reason, and the boxes the user ticked still ticked."""
    placements, restricted = members_open_to(
        request.user,
        group.placements.select_related("referral", "referral__offender").order_by(
            "ended_on", "referral__offender__last_name"
        ),
    )
    candidates = []
    if can_manage_groups(request.user):
        # Everyone ready, each with the allocation rule's answer: a button only when it would
        # be accepted, otherwise the reason (the rule's batched form: a fixed number of queries).
        waiting = list(
            referrals_visible_to(request.user)
            .filter(programme=group.programme, status__in=[ReferralStatus.AWAITING_ALLOCATION])
            .select_related("offender", "programme")
            .order_by("waiting_since", "pk")
        )
        refusals = allocation_refusals(group=group, referrals=waiting, on=timezone.localdate())
        candidates = [
            (
                referral,
                group.programme.age_band(referral.offender.date_of_birth, group.start_date),
                refusals[referral.pk],
            )
            for referral in waiting
        ]
    active = [p for p in placements if p.ended_on is None]
    restricted_active = [p for p in restricted if p.ended_on is None]
    consulted(*placements, *(referral for referral, _, _ in candidates))
    today = timezone.localdate()
    sessions = list(group.sessions.named().order_by("number"))
    # Who runs each session (one query) and the group's facilitator continuity (one query).
    attach_staffing(sessions)
    team = list(group.facilitators.order_by("last_name", "first_name", "pk"))
    # Members' one-to-ones (those the user may see) with the sessions, in date order.
    one_to_ones = list(
        OneToOneSession.objects.live()
        .filter(referral_id__in=[p.referral_id for p in active])
        .select_related("referral__offender")
    )
    # Past, next and upcoming: the next session first, the long lists folded away.
    past = [session for session in sessions if session.date < today]
    coming = [session for session in sessions if session.date >= today]
    return render(
        request,
        "programme/group_detail.html",
        {
            "group": group,
            "sessions": sessions,
            "schedule": schedule_rows(one_to_ones=one_to_ones, sessions=sessions, name_him=True),
            "next_session": coming[0] if coming else None,
            "upcoming_sessions": coming[1:],
            "past_recorded": [session for session in past if session.register_completed_at],
            "past_not_recorded": [session for session in past if not session.register_completed_at],
            "members": active,
            "former_members": [p for p in placements if p.ended_on is not None],
            "places_left": group.capacity - len(active) - len(restricted_active),
            "restricted_members": len(restricted_active),
            "candidates": candidates,
            "can_allocate_any": any(
                not refusal or refusal == NON_ASSOCIATION for _, _, refusal in candidates
            ),
            # A man kept apart from a member can be allocated anyway, with a reason.
            "non_association_refusal": NON_ASSOCIATION,
            "has_conflicts": any(refusal == NON_ASSOCIATION for _, _, refusal in candidates),
            "override_reason": override_reason,
            "can_manage": can_manage_groups(request.user),
            "runs_group": runs_group(request.user, group),
            "team": team,
            "continuity": group_continuity(group, team=team, today=today),
            "threshold": round(CONTINUITY_THRESHOLD * 100),
            "min_held": CONTINUITY_MIN_HELD,
            # Every member's record in one download, for someone who may see every man.
            "can_bulk_print": bool(placements) and not restricted,
            # The user's latest bulk print of this group, to come back to.
            "bulk_print": BulkPrint.objects.filter(group=group, requested_by=request.user)
            .defer("archive")
            .first(),
            "today": today,
            "ticked": {str(pk) for pk in ticked},
            "refused": refused,
        },
    )


@require_POST
def group_allocate(request, pk: int):
    """Allocate the men ticked (one or several): each rule is checked for each man; those
    allowed get their place, those refused are listed by name with the reason."""
    group = get_group_to_manage(request.user, pk)
    ids = request.POST.getlist("referral")
    if not ids or not all(each.isdigit() for each in ids):
        messages.error(request, "Choose someone from the waiting list to allocate")
        return redirect(group)
    referrals = get_referrals_for_user(request.user, ids)
    override_reason = request.POST.get("override_reason", "").strip()[:NOTE_MAX]
    allocated, refused = placements_allocate(
        group=group, referrals=referrals, by=request.user, override_reason=override_reason
    )
    if message := allocated_message(allocated, "the group"):
        messages.success(request, message)
    if not refused:
        return redirect(group)
    refused = [
        (referral, f"{referral.offender.full_name} was not allocated. {reason}")
        for referral, reason in refused
    ]
    if allocated:
        # Some were placed: the browser leaves this address (a reload must not post again),
        # and the group page shows the refused men, still ticked, from the session.
        request.session[_REFUSED_KEY.format(pk=group.pk)] = {
            "refused": [(referral.pk, reason) for referral, reason in refused],
            "override_reason": override_reason,
        }
        return redirect(group)
    # Nothing changed: shown here, the refused men still ticked to try again or untick.
    group.refresh_from_db()
    return _render_refused(request, group, refused, override_reason)


@require_http_methods(["GET", "POST"])
def session_move(request, pk: int):
    session = get_session_to_move(request.user, pk)
    group = session.group
    form = SessionMoveForm(
        request.POST if request.method == "POST" else None, initial={"new_date": session.date}
    )
    if request.method == "POST" and form.is_valid():
        try:
            moved = session_move_service(
                session=session,
                new_date=form.cleaned_data["new_date"],
                move_later=form.cleaned_data["move_later"],
            )
        except ProgrammeError as error:
            form.add_error("new_date", str(error))
        else:
            messages.success(request, f"{len(moved)} session{'s' if len(moved) != 1 else ''} moved")
            return redirect(group)
    return render(
        request, "programme/session_move.html", {"form": form, "session": session, "group": group}
    )
