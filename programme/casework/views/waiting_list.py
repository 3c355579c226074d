"""The waiting list, and allocating from it.

The list itself is built in referrals (`referrals/waiting_list.py`: the sections, the bands,
the counts); the page lives here, in programme, because a programme manager allocates from
it: each section's ready men can be ticked and given places in a group forming in the office,
and groups are programme's records, which referrals may not import (docs/today.md).
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from isotp.consultation import consulted
from programme.access import (
    can_allocate_from_waiting_list,
    ensure_can_allocate_from_waiting_list,
    get_group_to_allocate_to,
)
from programme.casework.today import section_for
from programme.reporting.forecast import attach_forecasts
from programme.services.scheduling import allocated_message, placements_allocate
from referrals.access import get_referrals_for_user, referrals_visible_to
from referrals.forms import WaitingListFilterForm
from referrals.models import ReferralStatus
from referrals.waiting_list import waiting_list_sections

CHOOSE_SOMEONE = "Choose someone from the waiting list to allocate"
CHOOSE_A_GROUP = "Choose a group to give the men ticked a place in"


@require_safe
def waiting_list(request):
    return _render_waiting_list(request)


def _render_waiting_list(request, *, posted=None, ticked=(), errors=()):
    """The list; after an allocation with refusals or a form error, those listed at the top
    (each linked to his row or to the box to fill in), and the boxes ticked still ticked.
    `posted` is the section the form was sent from, `(programme pk, band, group pk)`."""
    filters = WaitingListFilterForm(request.GET, user=request.user)
    chosen = filters.chosen
    today = timezone.localdate()
    sections = waiting_list_sections(
        referrals=referrals_visible_to(request.user),
        programmes=filters.fields["programme"].queryset,
        today=today,
        programme=chosen.get("programme"),
        band=chosen.get("band") or None,
        office=chosen.get("office"),
        page_number=request.GET.get("page"),
    )
    allocates = can_allocate_from_waiting_list(request.user)
    if allocates:
        # The groups forming in the office with places left: the today page's "Groups
        # forming" (one rule for both), in one query for every section.
        forming = list(
            section_for(request.user, "forming", today)
            .records.filter(places_left__gt=0)
            .select_related("programme")
        )
        for section in sections:
            section.groups = [g for g in forming if g.programme_id == section.programme.pk]
            section.ready_shown = any(
                r.status == ReferralStatus.AWAITING_ALLOCATION for r in section.entries
            )
            section.can_allocate = section.ready_shown and bool(section.groups)
            is_posted = bool(posted) and posted[:2] == (section.programme.pk, section.band)
            section.posted_group = posted[2] if is_posted else None
            texts = [text for text, _ in errors] if is_posted else []
            section.group_error = CHOOSE_A_GROUP if CHOOSE_A_GROUP in texts else ""
            section.ticks_error = CHOOSE_SOMEONE if CHOOSE_SOMEONE in texts else ""
    shown = [referral for section in sections for referral in section.entries]
    # Each man's expected start (docs/forecasting.md), for the whole page in a fixed number
    # of queries.
    attach_forecasts(shown, today=today)
    consulted(
        *shown,
        action="list",
        query=request.GET.urlencode(),
        result_count=sum(section.total for section in sections),
    )
    return render(
        request,
        "programme/casework/waiting_list.html",
        {
            "filters": filters,
            "sections": sections,
            "empty_sections": [section for section in sections if not section.total],
            "today": today,
            "allocates": allocates,
            "ticked": {str(pk) for pk in ticked},
            "errors": errors,
            "forecast": True,
        },
    )


@require_POST
def waiting_list_allocate(request):
    """Allocate the men ticked in a section of the waiting list to the group chosen: each
    through the allocation service, so every rule is checked for each man; those allowed get
    their place, those refused are listed by name with the reason, still ticked."""
    ensure_can_allocate_from_waiting_list(request.user)
    ids = request.POST.getlist("referral")
    group_id = request.POST.get("group", "")
    programme_id, _, band = request.POST.get("section", "").partition("-")
    posted = (
        int(programme_id) if programme_id.isdigit() else None,
        band,
        int(group_id) if group_id.isdigit() else None,
    )
    if not all(each.isdigit() for each in ids):
        ids = []
    errors = []
    if not ids:
        errors.append((CHOOSE_SOMEONE, f"#ready-{programme_id}-{band}"))
    if not group_id:
        errors.append((CHOOSE_A_GROUP, f"#group-{programme_id}-{band}"))
    elif not group_id.isdigit():
        raise Http404("No such group")
    if errors:
        return _render_waiting_list(request, posted=posted, ticked=ids, errors=errors)
    group = get_group_to_allocate_to(request.user, int(group_id))
    referrals = get_referrals_for_user(request.user, ids)
    allocated, refused = placements_allocate(group=group, referrals=referrals, by=request.user)
    where = f"the {group.programme} {group.get_age_band_display()} group at {group.venue}"
    if message := allocated_message(allocated, where):
        messages.success(request, message)
    if not refused:
        query = request.GET.urlencode()
        return redirect(reverse("programme:waiting_list") + (f"?{query}" if query else ""))
    # Shown here, not after a redirect: the refused men stay ticked to try again or untick.
    return _render_waiting_list(
        request,
        posted=posted,
        ticked=[referral.pk for referral, _ in refused],
        errors=[
            (
                f"{referral.offender.full_name} was not allocated. {reason}",
                f"#allocate-{referral.pk}",
            )
            for referral, reason in refused
        ],
    )
