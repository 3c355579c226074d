"""What needs doing today, by role: the rules behind the today page and the navigation's count.

Each section is a QuerySet of the records due, most urgent first, shown a few at a time with
its count and a link to the page where the whole list is worked. All the counts of a role
come in one query (`count_all`), so the page and the navigation cost the same few queries
however much is due.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from isotp.models import Role, Staff
from programme.access import groups_visible_to, has_today_page, registers_open_to
from programme.models import (
    SESSION_NAME,
    CatchUp,
    EndOfProgrammeReport,
    Enforcement,
    Group,
    GroupSession,
    HandoverMeeting,
    Notice,
    OneToOneSession,
    Reassessment,
    Recommendation,
    ReportStatus,
)
from programme.services.post_programme import with_post_programme_dates
from programme.services.staffing import sessions_staffed_by
from referrals.access import cases_open_to, referrals_visible_to
from referrals.models import AgeBand, Referral, ReferralStatus

# How many of each section the today page shows; the rest are on the section's own page.
SHOWN = 5


@dataclass
class Section:
    key: str
    title: str
    records: QuerySet
    see_all: str = ""
    count: int = 0
    items: list = field(default_factory=list)


def count_all(querysets: dict[str, QuerySet]) -> dict[str, int]:
    """Every queryset's count in one query: SELECT (SELECT COUNT(*) FROM (...)), ..."""
    if not querysets:
        return {}
    parts, params = [], []
    for number, records in enumerate(querysets.values()):
        sql, part_params = records.order_by().values("pk").query.sql_with_params()
        # The SQL is Django's own compilation of the queryset, its values kept as parameters:
        # nothing typed by anyone is placed in the string.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted_{number})")  # nosec B608
        params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return dict(zip(querysets, row, strict=True))


def week_end(today: date) -> date:
    """The Sunday of this week."""
    return today + timedelta(days=6 - today.weekday())


def _handover_held():
    return HandoverMeeting.objects.held().filter(referral=OuterRef("pk"))


def _submitted_report():
    return EndOfProgrammeReport.objects.filter(
        referral=OuterRef("pk"), status=ReportStatus.SUBMITTED
    )


# --- What is due, whoever looks: the today pages and the caseload's "Due" use these -----------


def catch_ups_to_run() -> QuerySet[CatchUp]:
    """Catch-ups still to be held for men who still have their place."""
    return CatchUp.objects.outstanding().filter(placement__ended_on__isnull=True)


def reports_to_write() -> QuerySet[Referral]:
    """Men after the programme whose end-of-programme report is not yet submitted."""
    return Referral.objects.filter(status=ReferralStatus.POST_PROGRAMME).filter(
        ~Exists(_submitted_report())
    )


def handovers_to_hold() -> QuerySet[Referral]:
    """Men whose report is in and whose three-way handover has not been held."""
    return Referral.objects.filter(status=ReferralStatus.POST_PROGRAMME).filter(
        Exists(_submitted_report()), ~Exists(_handover_held())
    )


def after_programme_due() -> QuerySet[Referral]:
    """Men whose report is in and whose handover or re-assessment is still to do."""
    return (
        Referral.objects.filter(status=ReferralStatus.POST_PROGRAMME)
        .filter(Exists(_submitted_report()))
        .filter(
            ~Exists(_handover_held())
            | ~Exists(Reassessment.objects.filter(referral=OuterRef("pk")))
        )
    )


# --- The offender manager ---------------------------------------------------------------------


def offender_manager_sections(user: Staff, today: date) -> list[Section]:
    actions = reverse("programme:actions")
    own = {"offender__offender_manager": user}
    after = after_programme_due().filter(
        cases_open_to(user, "offender"), offender__offender_manager=user
    )
    return [
        Section(
            "decisions",
            "Enforcement decisions due",
            Enforcement.objects.pending()
            .filter(cases_open_to(user, "offender"), **own)
            .select_related("offender")
            .order_by("due_by", "failure_on", "pk"),
            actions + "#enforcement",
        ),
        Section(
            "notices",
            "Notices to acknowledge",
            Notice.objects.unacknowledged()
            .filter(cases_open_to(user, "offender"), **own)
            .select_related("offender")
            .order_by("created_at", "pk"),
            actions + "#notices",
        ),
        Section(
            "catch-ups",
            "Catch-ups outstanding",
            catch_ups_to_run()
            .filter(
                cases_open_to(user, "placement__referral__offender"),
                placement__referral__offender__offender_manager=user,
            )
            .select_related("session", f"session__{SESSION_NAME}", "placement__referral__offender")
            .order_by("session__date", "pk"),
            actions + "#catch-ups",
        ),
        Section(
            "checklists",
            "Pre-programme checklists incomplete",
            Referral.objects.filter(
                cases_open_to(user, "offender"),
                offender__offender_manager=user,
                status=ReferralStatus.SUITABLE_NOT_READY,
            )
            .select_related("offender")
            .order_by("waiting_since", "pk"),
            reverse("programme:caseload") + "?due=checklist",
        ),
        Section(
            "after-programme",
            "Handovers and re-assessments due",
            after.select_related("offender").order_by("pk"),
            actions + "#after-programme",
        ),
        Section(
            "recommendations",
            "Recommendations due",
            Recommendation.objects.outstanding()
            .filter(
                cases_open_to(user, "referral__offender"),
                referral__offender__offender_manager=user,
            )
            .select_related("referral__offender")
            .order_by("due_on", "pk"),
            actions + "#recommendations",
        ),
    ]


# --- The facilitator --------------------------------------------------------------------------


def facilitator_sections(user: Staff, today: date) -> list[Section]:
    my_groups = reverse("programme:facilitator_home")
    group_ids = groups_visible_to(user).values("pk")
    mine = referrals_visible_to(user).values("pk")
    return [
        Section(
            "sessions",
            "Sessions today and this week",
            # Those he leads or covers (not those he was replaced for), and his managed groups'.
            GroupSession.objects.filter(
                Q(pk__in=sessions_staffed_by(user).values("pk")) | Q(group__treatment_manager=user),
                date__gte=today,
                date__lte=week_end(today),
            )
            .select_related("group__programme", SESSION_NAME)
            .order_by("date", "group_id", "number"),
            my_groups,
        ),
        Section(
            "registers",
            "Registers not yet recorded",
            registers_open_to(user)
            .filter(date__lte=today, register_completed_at__isnull=True)
            .select_related("group__programme", SESSION_NAME)
            .order_by("date", "group_id", "number"),
            my_groups + "#registers-due",
        ),
        Section(
            "one-to-ones",
            "One-to-ones this week and to record",
            OneToOneSession.objects.pending()
            .filter(
                cases_open_to(user, "referral__offender"),
                facilitators=user,
                date__lte=week_end(today),
            )
            .select_related("referral__offender")
            .order_by("date", "start_time", "pk"),
        ),
        Section(
            "catch-ups",
            "Catch-ups to run",
            catch_ups_to_run()
            .filter(
                cases_open_to(user, "placement__referral__offender"),
                placement__group_id__in=group_ids,
            )
            .select_related("session", f"session__{SESSION_NAME}", "placement__referral__offender")
            .order_by("session__date", "pk"),
            my_groups + "#catch-ups",
        ),
        Section(
            "reports",
            "End-of-programme reports to write",
            with_post_programme_dates(
                reports_to_write()
                .filter(pk__in=mine)
                .select_related("offender", "programme", "placement__group__programme")
            ).order_by(F("completed_at").asc(nulls_first=True), "pk"),
            reverse("programme:reports_to_write"),
        ),
        Section(
            "handovers",
            "Handovers to attend",
            with_post_programme_dates(
                handovers_to_hold()
                .filter(pk__in=mine)
                .select_related("offender", "programme", "placement__group__programme")
            ).order_by("first_report_at", "pk"),
            reverse("programme:handovers_to_attend"),
        ),
    ]


def section_for(user: Staff, key: str, today: date | None = None) -> Section:
    """One section of the user's today page, for a page where it is worked whole: the same
    QuerySet, so the rule is written once (the user must have a today page)."""
    return next(s for s in sections_for(user, today) if s.key == key)


# --- The programme manager --------------------------------------------------------------------


def programme_manager_sections(user: Staff, today: date) -> list[Section]:
    office_groups = Group.objects.filter(office_id=user.office_id)
    ready = (
        referrals_visible_to(user)
        .filter(status=ReferralStatus.AWAITING_ALLOCATION, placement__isnull=True)
        .filter(offender__office_id=user.office_id)
        .with_age_band(today)
    )
    no_facilitator = ~Exists(
        Group.facilitators.through.objects.filter(group_id=OuterRef("group_id"))
    )
    return [
        Section(
            "ready",
            "Ready for allocation with no group",
            ready,
            reverse("programme:waiting_list"),
        ),
        Section(
            "forming",
            "Groups forming",
            office_groups.filter(start_date__gte=today)
            .select_related("programme")
            .annotate(
                members=Count("placements", filter=Q(placements__ended_on__isnull=True)),
                places_left=F("programme__max_group_size") - F("members"),
            )
            .order_by("start_date", "pk"),
            reverse("programme:group_list"),
        ),
        Section(
            "sessions",
            "Sessions this week needing attention",
            GroupSession.objects.filter(
                group__in=office_groups,
                date__gte=today - timedelta(days=today.weekday()),
                date__lte=week_end(today),
            )
            .filter(no_facilitator | Q(date__lte=today, register_completed_at__isnull=True))
            .annotate(no_facilitator=no_facilitator)
            .select_related("group__programme", SESSION_NAME)
            .order_by("date", "group_id", "number"),
            reverse("programme:group_list"),
        ),
        Section(
            "overdue-decisions",
            "Enforcement decisions overdue in the office",
            Enforcement.objects.pending()
            .filter(
                cases_open_to(user, "offender"),
                offender__office_id=user.office_id,
                due_by__lt=today,
            )
            .select_related("offender", "offender__offender_manager")
            .order_by("due_by", "failure_on", "pk"),
            reverse("programme:caseload") + "?due=decision",
        ),
    ]


def ready_by_programme_and_band(ready: QuerySet[Referral]) -> list[dict]:
    """The men ready with no group, counted by programme and band, with whether a 17–21
    group would be viable (the programme's threshold). One query."""
    rows = list(
        ready.order_by()
        .values(
            "programme_id",
            "programme__name",
            "programme__young_group_threshold",
            "age_band",
        )
        .annotate(count=Count("pk"))
        .order_by("programme__name", "age_band")
    )
    waiting_list = reverse("programme:waiting_list")
    for row in rows:
        row["band_label"] = AgeBand(row["age_band"]).label
        row["is_young"] = row["age_band"] == AgeBand.YOUNG
        row["threshold"] = row["programme__young_group_threshold"]
        row["viable"] = not row["is_young"] or row["count"] >= row["threshold"]
        row["url"] = f"{waiting_list}?programme={row['programme_id']}&band={row['age_band']}"
    return rows


# One for each role of `programme.access.ROLES_WITH_A_TODAY_PAGE`.
SECTIONS_BY_ROLE = {
    Role.OFFENDER_MANAGER: offender_manager_sections,
    Role.FACILITATOR: facilitator_sections,
    Role.PROGRAMME_MANAGER: programme_manager_sections,
}


def sections_for(user: Staff, today: date | None = None) -> list[Section]:
    if not has_today_page(user):
        return []
    return SECTIONS_BY_ROLE[user.role](user, today or timezone.localdate())


def counts_for(user: Staff, today: date | None = None) -> dict[str, int]:
    """Each section's count, in one query."""
    return count_all({s.key: s.records for s in sections_for(user, today)})


def total_due(user: Staff, today: date | None = None) -> int:
    """The navigation's count: everything on the today page, in one query."""
    return sum(counts_for(user, today).values())


def load(user: Staff, today: date) -> list[Section]:
    """The sections with their counts and first items: one query of counts, then one per
    section that has anything in it."""
    sections = sections_for(user, today)
    counts = count_all({s.key: s.records for s in sections})
    for section in sections:
        section.count = counts[section.key]
        if not section.count:
            continue
        if section.key == "ready":
            section.items = ready_by_programme_and_band(section.records)
        else:
            section.items = list(section.records[:SHOWN])
    return sections
