"""A facilitator's work: his start page (his groups, their next sessions, the registers and
catch-ups due, the sessions he covers) and the whole lists of the reports to write and the
handovers to attend after the programme."""

from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from isotp.consultation import consulted
from programme.access import ensure_facilitator, groups_visible_to
from programme.casework.today import count_all, section_for, sections_for
from programme.models import SESSION_NAME, EndOfProgrammeReport, GroupSession, ReportStatus
from programme.services.staffing import sessions_staffed_by

# The sessions he covers for groups he does not run, soonest first (each links its register).
COVERING_SHOWN = 20


@require_safe
def facilitator_home(request):
    ensure_facilitator(request.user)
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
    # The registers and catch-ups due are the today page's sections, whole: one rule for both.
    sections = {section.key: section.records for section in sections_for(request.user, today)}
    registers_due = list(sections["registers"].named())
    covering = list(
        sessions_staffed_by(request.user)
        .exclude(group_id__in=group_ids)
        .filter(date__gte=today)
        .select_related("group__programme")
        .named()
        .order_by("date", "number", "pk")[:COVERING_SHOWN]
    )
    catch_ups = list(sections["catch-ups"].select_related(f"session__{SESSION_NAME}"))
    for catch_up in catch_ups:
        catch_up.placement.group = groups_by_id[catch_up.placement.group_id]
    consulted(*groups, *catch_ups, action="list", result_count=len(groups) + len(catch_ups))
    # The counts of the work after the programme come with the header's count (one query).
    due = count_all(sections)
    request.today_total = sum(due.values())
    return render(
        request,
        "programme/casework/facilitator_home.html",
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


# A facilitator running several groups a year has a few men a month to report on.
AFTER_PROGRAMME_PAGE_SIZE = 25


@require_safe
def reports_to_write(request):
    """The whole of the today page's "End-of-programme reports to write", a page at a time."""
    return _after_programme_list(request, "reports")


@require_safe
def handovers_to_attend(request):
    """The whole of the today page's "Handovers to attend", a page at a time."""
    return _after_programme_list(request, "handovers")


def _after_programme_list(request, key: str):
    ensure_facilitator(request.user)
    today = timezone.localdate()
    # The today page's section itself: one rule for the page and the list.
    section = section_for(request.user, key, today)
    records = section.records.annotate(
        has_draft=Exists(
            EndOfProgrammeReport.objects.filter(referral=OuterRef("pk"), status=ReportStatus.DRAFT)
        )
    )
    page = Paginator(records, AFTER_PROGRAMME_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for referral in rows:
        referral.due_since = (
            timezone.localdate(referral.completed_at)
            if referral.completed_at
            else referral.last_session_on
        )
        referral.days_due = (today - referral.due_since).days if referral.due_since else None
    consulted(*rows, action="list", result_count=page.paginator.count)
    return render(
        request,
        "programme/casework/after_programme_list.html",
        {"page": page, "rows": rows, "section": section, "key": key, "today": today},
    )
