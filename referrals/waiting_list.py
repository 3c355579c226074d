"""The waiting list: waiting referrals by programme and age band, longest waiting first.

At national size an office has thousands waiting, so the page never lists them all: each
section shows its counts and the longest waiting, and one section can be opened on its own,
a page at a time. The band and the checklist's state are worked out in SQL, so the page runs
the same few queries whatever the list's length.
"""

from dataclasses import dataclass, field
from datetime import date

from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils.module_loading import import_string

from referrals.models import AgeBand, Programme, Referral, ReferralStatus

# Each man's expected start (issue 13). Working it out takes the groups, their places and the
# facilitators, which are the programme app's, and referrals never imports programme: so the
# programme app names its forecast when the apps are loaded (`ProgrammeConfig.ready` calls
# `provide_forecast` with a dotted path, imported on first use). It gives each referral of the
# list a `forecast` attribute, for the whole list in a fixed number of queries. Without it the
# list has no forecast column.
_forecast_path: str | None = None


def provide_forecast(dotted_path: str) -> None:
    """Name what gives the waiting list's rows their forecast: `function(referrals, today=)`."""
    global _forecast_path
    _forecast_path = dotted_path


def with_forecast(referrals: list[Referral], *, today: date) -> bool:
    """Each referral given `forecast` (its expected start), if a forecast is provided; says
    whether one was."""
    if _forecast_path is None:
        return False
    import_string(_forecast_path)(referrals, today=today)
    return True


# How many of the longest waiting each section shows on the whole list.
SECTION_PREVIEW = 10
# How many a page of one section shows.
SECTION_PAGE_SIZE = 50


@dataclass
class WaitingSection:
    programme: Programme
    band: str
    total: int = 0
    ready_count: int = 0
    entries: list[Referral] = field(default_factory=list)
    page: Page | None = None

    @property
    def band_label(self) -> str:
        return AgeBand(self.band).label

    @property
    def is_young_band(self) -> bool:
        return self.band == AgeBand.YOUNG

    @property
    def threshold(self) -> int:
        return self.programme.young_group_threshold

    @property
    def can_form_group(self) -> bool:
        """A 17–21 group runs only when enough referrals wait (the programme's threshold)."""
        if not self.is_young_band:
            return self.total > 0
        return self.total >= self.threshold

    @property
    def shows_all(self) -> bool:
        return self.page is None and len(self.entries) == self.total


def waiting_referrals(referrals: QuerySet[Referral], *, today: date) -> QuerySet[Referral]:
    """The waiting referrals with their band, and only the columns the list shows (not, for
    instance, the offender manager's whole row). The checklist's state is added to the rows
    shown (`with_checklist_state`), not worked out for everyone waiting."""
    if referrals.query.distinct:
        # A facilitator's referrals come through several joins: count each man once.
        referrals = Referral.objects.filter(pk__in=referrals.values("pk"))
    return (
        referrals.waiting()
        .with_age_band(today)
        .annotate(
            waited=ExpressionWrapper(
                Value(today, output_field=DateField()) - F("waiting_since"),
                output_field=DurationField(),
            )
        )
        .select_related("offender", "offender__office")
        .only(
            "status",
            "waiting_since",
            "programme_id",
            "offender__first_name",
            "offender__last_name",
            "offender__crn",
            "offender__restricted",
            "offender__office__name",
        )
    )


def waiting_list_sections(
    *,
    referrals: QuerySet[Referral],
    programmes: QuerySet[Programme],
    today: date,
    programme: Programme | None = None,
    band: str | None = None,
    office=None,
    page_number: str | int | None = None,
) -> list[WaitingSection]:
    """The sections of the list (every programme and band, or the ones chosen).

    With one programme and one band chosen, that section is shown a page at a time;
    otherwise each section shows its longest waiting. Two or three queries whatever the size.
    """
    waiting = waiting_referrals(referrals, today=today)
    if programme is not None:
        waiting = waiting.filter(programme=programme)
    if band:
        waiting = waiting.filter(age_band=band)
    if office is not None:
        waiting = waiting.filter(offender__office=office)

    sections = {
        (p.pk, b): WaitingSection(p, b)
        for p in programmes
        if programme is None or p == programme
        for b in AgeBand.values
        if not band or b == band
    }
    longest_waiting_first = ("waiting_since", "pk")
    if programme is not None and band:
        section = sections.get((programme.pk, band))
        if section is not None:
            counts = waiting.order_by().aggregate(
                total=Count("pk"),
                ready=Count("pk", filter=Q(status=ReferralStatus.AWAITING_ALLOCATION)),
            )
            section.total, section.ready_count = counts["total"], counts["ready"]
            paginator = Paginator(
                waiting.order_by(*longest_waiting_first),
                SECTION_PAGE_SIZE,
                allow_empty_first_page=True,
            )
            paginator.count = section.total  # known already: no second COUNT(*)
            section.page = paginator.get_page(page_number)
            section.entries = list(section.page.object_list)
            with_checklist_state(section.entries)
        return list(sections.values())

    # One query for the longest waiting of every section and each section's counts: the
    # counts ride on the rows as window aggregates over the whole section.
    section = [F("programme_id"), F("age_band")]
    longest = waiting.annotate(
        place=Window(
            RowNumber(),
            partition_by=section,
            order_by=[F(name).asc() for name in longest_waiting_first],
        ),
        section_total=Window(Count("pk"), partition_by=section),
        section_ready=Window(
            Count("pk", filter=Q(status=ReferralStatus.AWAITING_ALLOCATION)),
            partition_by=section,
        ),
    ).filter(place__lte=SECTION_PREVIEW)
    for referral in longest.order_by(*longest_waiting_first):
        shown = sections.get((referral.programme_id, referral.age_band))
        if shown is not None:
            shown.total, shown.ready_count = referral.section_total, referral.section_ready
            shown.entries.append(referral)
    with_checklist_state([r for shown in sections.values() for r in shown.entries])
    return list(sections.values())


def with_checklist_state(referrals: list[Referral]) -> None:
    """Each referral given `missing_count`, its checklist's missing items counted in SQL, in
    one query for the rows on the page."""
    counted = dict(
        Referral.objects.filter(pk__in=[r.pk for r in referrals])
        .with_missing_count()
        .values_list("pk", "missing_count")
    )
    for referral in referrals:
        referral.missing_count = counted[referral.pk]
