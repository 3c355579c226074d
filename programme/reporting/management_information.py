"""Management information: how the programme is doing, in figures, for a programme manager's
office or a senior manager's probation area (docs/management-information.md defines each
figure; docs/decisions.md, "Senior managers", says who sees what).

Every figure is an aggregate worked out by PostgreSQL: one grouped query (or a few) over the
records of the offices in scope, never the records themselves. What a figure counts is said
once, here, in the query that counts it; the page and its CSV downloads print the same
formatted cells (`Table`), so they cannot disagree.

Dates: a period is whole days, first and last included. Events with a time (a status move, a
report's submission) count on their day in the service's time zone (Europe/London). A man's
age band is worked out on the day the figure counts him, by his programme's rule (under its
upper age is the 17–21 band), as the waiting list does.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connections, models, router
from django.db.models import (
    Aggregate,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Greatest, TruncDate, TruncMonth
from django.utils import timezone

from isotp.models import Office, Role, Staff
from programme.access import can_see_management_information
from programme.models import (
    HUMAN_DECISIONS,
    CatchUp,
    EndOfProgrammeReport,
    Enforcement,
    EnforcementDecisionType,
    GroupSession,
    HandoverMeeting,
    Placement,
    Recommendation,
    ReportStatus,
)
from referrals.models import (
    WAITING_STATUSES,
    AgeBand,
    Programme,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
)

# The moves that end or interrupt an attempt, in the order the page lists them.
ATTRITION_STATUSES = [
    ReferralStatus.RESTART_REQUIRED,
    ReferralStatus.BREACH,
    ReferralStatus.RECALL,
    ReferralStatus.WITHDRAWN,
    ReferralStatus.DESELECTED,
]

# How many months the period may go back, and how long it may be.
MONTHS_OFFERED = 60
DEFAULT_MONTHS = 12


# --- Who sees which offices --------------------------------------------------------------------


def offices_in_scope(user: Staff) -> QuerySet[Office]:
    """A programme manager's own office; a senior manager's every office of the probation area
    of their own office; nobody else's any."""
    offices = Office.objects.select_related("area")
    if not can_see_management_information(user):
        return offices.none()
    if user.role == Role.SENIOR_MANAGER:
        return offices.filter(area__offices=user.office_id)
    return offices.filter(pk=user.office_id)


# --- Periods and months -----------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(first_day: date, last_day: date) -> list[date]:
    months, month = [], month_start(first_day)
    while month <= last_day:
        months.append(month)
        month = add_months(month, 1)
    return months


def default_period(today: date) -> tuple[date, date]:
    """The twelve months to the end of this one."""
    return add_months(month_start(today), 1 - DEFAULT_MONTHS), month_end(today)


@dataclass(frozen=True)
class Scope:
    """What the figures are about: offices (already limited to the user's), a period, and
    optionally one programme and one age band."""

    office_ids: tuple[int, ...]
    first_day: date
    last_day: date
    today: date
    programme_id: int | None = None
    band: str | None = None

    @property
    def months(self) -> list[date]:
        return months_between(self.first_day, self.last_day)

    def start_of(self, day: date) -> datetime:
        """The first moment of a day in the service's time zone."""
        return timezone.make_aware(datetime.combine(day, time.min))

    @property
    def moments(self) -> dict:
        """`at` within the period, as an index can answer it."""
        return {
            "at__gte": self.start_of(self.first_day),
            "at__lt": self.start_of(self.last_day + timedelta(days=1)),
        }


# --- Query pieces --------------------------------------------------------------------------


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile: the value below which the fraction of values lie,
    interpolated between the two nearest (the median is 0.5)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("A percentile is a fraction between 0 and 1")
        super().__init__(expression, fraction=float(fraction), **extra)


def days_between(later, earlier) -> Func:
    """Whole days from one date to another (PostgreSQL's date minus date)."""
    return Func(
        later,
        earlier,
        template="(%(expressions)s)",
        arg_joiner=" - ",
        output_field=IntegerField(),
    )


def band_condition(band: str | None, *, offender: str, programme: str, on) -> Q:
    """His age band on the day `on` (an expression), as the waiting list works it out: the
    17–21 band if he was born after the day his programme's upper age in years before it."""
    if not band:
        return Q()
    upper_age_ago = Cast(
        ExpressionWrapper(
            Cast(on, models.DateField())
            - Func(
                F(f"{programme}young_band_upper_age"),
                template="make_interval(years => %(expressions)s)",
                output_field=models.DurationField(),
            ),
            output_field=models.DateTimeField(),
        ),
        models.DateField(),
    )
    young = Q(**{f"{offender}date_of_birth__gt": upper_age_ago})
    return young if band == AgeBand.YOUNG else ~young


def _in_scope(scope: Scope, *, referral: str, on, offender: str | None = None) -> Q:
    """Offices, programme and band for records reached from a referral through `referral`
    (and from the offender through `offender`, where the record names him directly: the
    referral is then joined only for a programme or band chosen)."""
    offender = f"{referral}offender__" if offender is None else offender
    condition = Q(**{f"{offender}office_id__in": scope.office_ids})
    if scope.programme_id:
        condition &= Q(**{f"{referral}programme_id": scope.programme_id})
    return condition & band_condition(
        scope.band, offender=offender, programme=f"{referral}programme__", on=on
    )


def _by_month(rows, key: str = "month") -> dict[date, dict]:
    """Grouped rows by the first day of their month (a datetime from TruncMonth made a date)."""
    found = {}
    for row in rows:
        month = row[key]
        if isinstance(month, datetime):
            month = timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
        found[month] = row
    return found


# --- The figures ---------------------------------------------------------------------------


@dataclass
class Distribution:
    count: int = 0
    median: float | None = None
    p90: float | None = None


def _distribution(rows: QuerySet, days) -> Distribution:
    figures = rows.aggregate(
        count=Count("pk"),
        median=PercentileCont(days, 0.5),
        p90=PercentileCont(days, 0.9),
    )
    return Distribution(figures["count"], figures["median"], figures["p90"])


def referrals_received(scope: Scope) -> dict[date, int]:
    """New referrals to the waiting list by the month of their referral date. A restart's new
    referral is not a new referral (it is counted under attrition as a restart)."""
    rows = (
        Referral.objects.filter(
            _in_scope(scope, referral="", on=F("referred_on")),
            previous_attempt__isnull=True,
            referred_on__gte=scope.first_day,
            referred_on__lte=scope.last_day,
        )
        .annotate(month=TruncMonth("referred_on"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {month: row["n"] for month, row in _by_month(rows).items()}


def waiting_now(scope: Scope) -> Distribution:
    """Referrals waiting today (awaiting assessment, suitable but not ready, ready for
    allocation), and how long they have waited since their (original) referral date, in days."""
    rows = Referral.objects.filter(
        _in_scope(scope, referral="", on=Value(scope.today)), status__in=WAITING_STATUSES
    )
    return _distribution(rows, days_between(Value(scope.today), F("waiting_since")))


def _starts(scope: Scope) -> QuerySet[Placement]:
    """Places whose first session was held in the period (on or before today), except a place
    given up before its first session (ended with no last session)."""
    last = min(scope.last_day, scope.today)
    return Placement.objects.filter(
        _in_scope(scope, referral="referral__", on=F("first_session__date")),
        first_session__date__gte=scope.first_day,
        first_session__date__lte=last,
    ).exclude(ended_on__isnull=False, last_session__isnull=True)


def _wait_to_start():
    return days_between(F("first_session__date"), F("referral__waiting_since"))


def starts(scope: Scope) -> tuple[Distribution, dict[date, dict]]:
    """Starts, and the days from referral (the original date) to the first session: over the
    period, and month by month (count and median)."""
    rows = _starts(scope)
    overall = _distribution(rows, _wait_to_start())
    monthly = (
        rows.annotate(month=TruncMonth("first_session__date"))
        .values("month")
        .annotate(n=Count("pk"), median=PercentileCont(_wait_to_start(), 0.5))
        .order_by()
    )
    return overall, _by_month(monthly)


def _moves(scope: Scope, statuses) -> QuerySet[ReferralStatusChange]:
    return ReferralStatusChange.objects.filter(
        _in_scope(scope, referral="referral__", on=TruncDate("at")),
        to_status__in=statuses,
        **scope.moments,
    )


@dataclass
class Completions:
    count: int = 0
    catch_ups: int = 0
    ended_without_completing: int = 0
    monthly: dict = field(default_factory=dict)
    monthly_ended: dict = field(default_factory=dict)

    @property
    def catch_ups_per_completer(self) -> float | None:
        return self.catch_ups / self.count if self.count else None


def completions(scope: Scope) -> Completions:
    """Completions: referrals moved to post-programme (every session and catch-up done) in the
    period, with the catch-ups each completer held; and the attempts that ended without
    completing (a place that ended after his first session)."""
    catch_ups = (
        CatchUp.objects.filter(
            placement__referral=OuterRef("referral"), completed=True, cancelled=False
        )
        .order_by()
        .values("placement__referral")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        _moves(scope, [ReferralStatus.POST_PROGRAMME])
        .annotate(
            month=TruncMonth("at"),
            catch_ups=Coalesce(Subquery(catch_ups, output_field=IntegerField()), 0),
        )
        .values("month")
        .annotate(n=Count("pk"), used=Sum("catch_ups"))
        .order_by()
    )
    monthly = _by_month(rows)
    ended = (
        Placement.objects.filter(
            _in_scope(scope, referral="referral__", on=F("ended_on")),
            ended_on__gte=scope.first_day,
            ended_on__lte=scope.last_day,
            last_session__isnull=False,
        )
        .annotate(month=TruncMonth("ended_on"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    monthly_ended = _by_month(ended)
    return Completions(
        count=sum(row["n"] for row in monthly.values()),
        catch_ups=sum(row["used"] or 0 for row in monthly.values()),
        ended_without_completing=sum(row["n"] for row in monthly_ended.values()),
        monthly=monthly,
        monthly_ended=monthly_ended,
    )


def attrition(scope: Scope) -> dict[tuple[date, str], int]:
    """Moves to restart required, breach, recall, withdrawn and deselected in the period, by
    month and status. Each move counts once: a breach later withdrawn counts under both."""
    rows = (
        _moves(scope, ATTRITION_STATUSES)
        .annotate(month=TruncMonth("at"))
        .values("month", "to_status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _by_month_and(rows, "to_status")


def _by_month_and(rows, other: str) -> dict[tuple[date, str], int]:
    found = {}
    for row in rows:
        month = row["month"]
        if isinstance(month, datetime):
            month = timezone.localtime(month).date()
        found[(month, row[other])] = row["n"]
    return found


@dataclass
class EnforcementFigures:
    by_month: dict = field(default_factory=dict)  # (month, decision) -> (made, in time)
    overdue_now: int = 0

    def made(self, month=None, decision=None) -> int:
        return sum(
            made
            for (m, d), (made, _in_time) in self.by_month.items()
            if (month is None or m == month) and (decision is None or d == decision)
        )

    def in_time(self, month=None, decision=None) -> int:
        return sum(
            in_time
            for (m, d), (_made, in_time) in self.by_month.items()
            if (month is None or m == month) and (decision is None or d == decision)
        )


def enforcement(scope: Scope) -> EnforcementFigures:
    """Decisions a person took (not the app's "not needed") on a day of the period, by month
    and outcome, and how many were taken by their deadline (the programme's working days
    after the failure: `due_by`); and the failures still waiting for a decision past their
    deadline today."""
    referral = "attendance__placement__referral__"
    rows = (
        Enforcement.objects.filter(
            _in_scope(scope, referral=referral, offender="offender__", on=F("decided_on")),
            decision__in=HUMAN_DECISIONS,
            decided_on__gte=scope.first_day,
            decided_on__lte=scope.last_day,
        )
        .annotate(month=TruncMonth("decided_on"))
        .values("month", "decision")
        .annotate(n=Count("pk"), in_time=Count("pk", filter=Q(decided_on__lte=F("due_by"))))
        .order_by()
    )
    figures = EnforcementFigures()
    for row in rows:
        figures.by_month[(row["month"], row["decision"])] = (row["n"], row["in_time"])
    figures.overdue_now = Enforcement.objects.filter(
        _in_scope(scope, referral=referral, offender="offender__", on=Value(scope.today)),
        decision="",
        due_by__lt=scope.today,
    ).count()
    return figures


def _last_session_day():
    """His last session: the later of his group's last session within his place (to its last
    session, or to the group's end while the place is open) and his last catch-up held."""
    placement = "referral__placement__"
    group_last = (
        GroupSession.objects.filter(
            group=OuterRef(f"{placement}group"),
            number__gte=OuterRef(f"{placement}first_session__number"),
            number__lte=Coalesce(OuterRef(f"{placement}last_session__number"), Value(32767)),
        )
        .order_by()
        .values("group")
        .annotate(last=Max("date"))
        .values("last")
    )
    catch_up_last = (
        CatchUp.objects.filter(placement=OuterRef(f"{placement}pk"), completed=True)
        .order_by()
        .values("placement")
        .annotate(last=Max("held_on"))
        .values("last")
    )
    return Greatest(
        Subquery(group_last, output_field=models.DateField()),
        Subquery(catch_up_last, output_field=models.DateField()),
    )


def reports(scope: Scope) -> tuple[Distribution, dict[date, dict]]:
    """End-of-programme reports submitted for the first time in the period (a correction is a
    new version, not a new report), and the days from his last session to the submission."""
    rows = EndOfProgrammeReport.objects.filter(
        _in_scope(scope, referral="referral__", on=TruncDate("submitted_at")),
        version=1,
        status=ReportStatus.SUBMITTED,
        submitted_at__gte=scope.start_of(scope.first_day),
        submitted_at__lt=scope.start_of(scope.last_day + timedelta(days=1)),
    ).annotate(last_session_on=_last_session_day(), submitted_on=TruncDate("submitted_at"))
    days = days_between(F("submitted_on"), F("last_session_on"))
    overall = _distribution(rows, days)
    monthly = (
        rows.annotate(month=TruncMonth("submitted_at"))
        .values("month")
        .annotate(n=Count("pk"), median=PercentileCont(days, 0.5))
        .order_by()
    )
    return overall, _by_month(monthly)


def handovers(scope: Scope) -> dict[date, dict]:
    """Three-way handovers: each referral's first handover meeting held in the period, and
    whether it was held within the programme's days after his first end-of-programme report
    was submitted (one held before the report is in time)."""
    earlier = HandoverMeeting.objects.filter(referral=OuterRef("referral")).filter(
        Q(held_on__lt=OuterRef("held_on")) | Q(held_on=OuterRef("held_on"), pk__lt=OuterRef("pk"))
    )
    reported = (
        EndOfProgrammeReport.objects.filter(
            referral=OuterRef("referral"), version=1, status=ReportStatus.SUBMITTED
        )
        .annotate(on=TruncDate("submitted_at"))
        .values("on")[:1]
    )
    rows = (
        HandoverMeeting.objects.filter(
            _in_scope(scope, referral="referral__", on=F("held_on")),
            held_on__gte=scope.first_day,
            held_on__lte=scope.last_day,
        )
        .exclude(Exists(earlier))
        .annotate(
            reported_on=Subquery(reported, output_field=models.DateField()),
            due_days=F("referral__programme__handover_due_days"),
            month=TruncMonth("held_on"),
        )
        .values("month")
        .annotate(
            n=Count("pk"),
            in_time=Count(
                "pk",
                filter=Q(reported_on__isnull=True)
                | Q(
                    held_on__lte=Func(
                        F("reported_on"),
                        F("due_days"),
                        template="(%(expressions)s)",
                        arg_joiner=" + ",
                        output_field=models.DateField(),
                    )
                ),
            ),
        )
        .order_by()
    )
    return _by_month(rows)


@dataclass
class Outstanding:
    count: int = 0
    overdue: int = 0


def recommendations_outstanding(scope: Scope) -> Outstanding:
    """Recommendations of end-of-programme reports not yet done or closed today (not started
    or in progress), and how many of those are past the date they were due."""
    figures = (
        Recommendation.objects.outstanding()
        .filter(_in_scope(scope, referral="referral__", on=Value(scope.today)))
        .aggregate(count=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=scope.today)))
    )
    return Outstanding(figures["count"], figures["overdue"])


# Counted from the status history: his status at the end of each day is that of the last move
# made by then. The men young enough on the first day are found first (few), then each of them
# is looked at on each day. The parameters are lists, dates and numbers bound by the driver.
_YOUNG_WAITING_SQL = """
WITH young AS (
    SELECT r.id, r.programme_id, r.referred_on, o.office_id, o.date_of_birth,
           p.young_band_upper_age
    FROM referrals_referral r
    JOIN referrals_offender o ON o.id = r.offender_id
    JOIN referrals_programme p ON p.id = r.programme_id
    WHERE o.office_id = ANY(%(offices)s)
      AND (%(programme)s::bigint IS NULL OR r.programme_id = %(programme)s::bigint)
      AND r.referred_on <= %(last)s
      AND o.date_of_birth > (%(first)s - make_interval(years => p.young_band_upper_age))::date
)
SELECT m.day, y.programme_id, y.office_id, count(*)
FROM young y
JOIN unnest(%(days)s::date[]) AS m(day)
  ON y.referred_on <= m.day
 AND y.date_of_birth > (m.day - make_interval(years => y.young_band_upper_age))::date
JOIN LATERAL (
    SELECT c.to_status FROM referrals_referralstatuschange c
    WHERE c.referral_id = y.id AND c.at < ((m.day + 1)::timestamp AT TIME ZONE %(zone)s)
    ORDER BY c.at DESC, c.id DESC LIMIT 1
) s ON true
WHERE s.to_status = ANY(%(waiting)s)
GROUP BY 1, 2, 3
"""


@dataclass
class Viability:
    day: date
    waiting: int = 0
    # (office, programme) pairs with enough 17–21 referrals waiting to form a group.
    viable: int = 0
    pairs: int = 0


def young_viability(scope: Scope) -> list[Viability]:
    """For each month, at its end (or today, for this month): how many 17–21 referrals were
    waiting, and in how many office-and-programme pairs they reached the programme's number
    needed to form a 17–21 group. Not shown with the 21+ band chosen."""
    days = [min(month_end(m), scope.last_day, scope.today) for m in scope.months]
    days = list(dict.fromkeys(d for d in days if d >= scope.first_day))
    programmes = Programme.objects.all()
    if scope.programme_id:
        programmes = programmes.filter(pk=scope.programme_id)
    thresholds = dict(programmes.values_list("pk", "young_group_threshold"))
    found = {day: Viability(day, pairs=len(scope.office_ids) * len(thresholds)) for day in days}
    if scope.band == AgeBand.ADULT or not days:
        return list(found.values())
    database = router.db_for_read(Referral)
    with connections[database].cursor() as cursor:
        cursor.execute(
            _YOUNG_WAITING_SQL,
            {
                "days": days,
                "first": days[0],
                "last": days[-1],
                "zone": settings.TIME_ZONE,
                "offices": list(scope.office_ids),
                "programme": scope.programme_id,
                "waiting": [str(s) for s in WAITING_STATUSES],
            },
        )
        for day, programme_id, _office_id, count in cursor.fetchall():
            figure = found[day]
            figure.waiting += count
            if count >= thresholds.get(programme_id, count + 1):
                figure.viable += 1
    return list(found.values())


# --- Tables: what the page shows and the CSV downloads hold -----------------------------------


def number(value) -> str:
    return "" if value is None else f"{value:,}"


def one_decimal(value) -> str:
    return "–" if value is None else f"{value:,.1f}"


def percent(part: int, whole: int) -> str:
    return "–" if not whole else f"{100 * part / whole:.1f}%"


def month_label(month: date) -> str:
    return f"{month:%B %Y}"


@dataclass
class Table:
    """One table of figures: the page prints its cells, its CSV holds the same cells."""

    key: str
    title: str
    description: str
    header: list[str]
    rows: list[list[str]]
    # The columns drawn in its chart (indexes into the header), and the chart's y axis unit.
    chart_columns: list[int] = field(default_factory=list)
    unit: str = ""

    def column(self, index: int) -> list[float | None]:
        """A column's cells as numbers, for the chart ("–" and blanks are gaps)."""
        values = []
        for row in self.rows:
            text = row[index].replace(",", "").rstrip("%")
            try:
                values.append(float(text))
            except ValueError:
                values.append(None)
        return values


@dataclass
class ManagementInformation:
    scope: Scope
    summary: Table | None
    trends: list[Table]

    def table(self, key: str) -> Table | None:
        return next((t for t in [self.summary, *self.trends] if t and t.key == key), None)


# The figures each trend table is made from (the summary needs them all): a CSV download of
# one table runs only its own queries.
NEEDS = {
    "referrals-and-starts": {"received", "starts"},
    "wait-to-start": {"starts"},
    "completions": {"completions"},
    "attrition": {"attrition"},
    "enforcement": {"enforcement"},
    "reports-and-handovers": {"reports", "handovers"},
    "young-viability": {"viability"},
}
TABLE_KEYS = ["summary", *NEEDS]


def management_information(scope: Scope, only: str | None = None) -> ManagementInformation:
    """Every figure for the scope, as tables: a summary over the period and monthly trends;
    or, with `only`, that one table (for its CSV download), the same cells made by the same
    code from the same queries, without running the others'."""
    months = scope.months
    needed = NEEDS.get(only) if only else None

    def wanted(name: str) -> bool:
        return needed is None or name in needed

    received = referrals_received(scope) if wanted("received") else {}
    waiting = waiting_now(scope) if wanted("waiting") else Distribution()
    started, started_monthly = starts(scope) if wanted("starts") else (Distribution(), {})
    done = completions(scope) if wanted("completions") else Completions()
    left = attrition(scope) if wanted("attrition") else {}
    decisions = enforcement(scope) if wanted("enforcement") else EnforcementFigures()
    reported, reported_monthly = reports(scope) if wanted("reports") else (Distribution(), {})
    handed_over = handovers(scope) if wanted("handovers") else {}
    outstanding = recommendations_outstanding(scope) if wanted("outstanding") else Outstanding()
    viability = young_viability(scope) if wanted("viability") else []

    handovers_held = sum(row["n"] for row in handed_over.values())
    handovers_in_time = sum(row["in_time"] for row in handed_over.values())
    made = decisions.made()
    summary_rows = [
        ["Referrals received", number(sum(received.values()))],
        ["Waiting today", number(waiting.count)],
        ["Days waited so far by those waiting today: median", one_decimal(waiting.median)],
        ["Days waited so far by those waiting today: 90th percentile", one_decimal(waiting.p90)],
        ["Starts", number(started.count)],
        ["Days from referral to start: median", one_decimal(started.median)],
        ["Days from referral to start: 90th percentile", one_decimal(started.p90)],
        ["Completions", number(done.count)],
        ["Attempts ended without completing", number(done.ended_without_completing)],
        [
            "Completion rate",
            percent(done.count, done.count + done.ended_without_completing),
        ],
        ["Catch-ups used per completer", one_decimal(done.catch_ups_per_completer)],
        *[
            [f"Attrition: {ReferralStatus(status).label.lower()}", number(_total(left, status))]
            for status in ATTRITION_STATUSES
        ],
        ["Enforcement decisions made", number(made)],
        [
            "Enforcement decisions made within the deadline",
            percent(decisions.in_time(), made),
        ],
        *[
            [
                f"Enforcement outcome: {EnforcementDecisionType(decision).label.lower()}",
                number(decisions.made(decision=decision)),
            ]
            for decision in HUMAN_DECISIONS
        ],
        ["Enforcement decisions overdue today", number(decisions.overdue_now)],
        ["End-of-programme reports submitted", number(reported.count)],
        ["Days from last session to report: median", one_decimal(reported.median)],
        ["Days from last session to report: 90th percentile", one_decimal(reported.p90)],
        ["Handovers held", number(handovers_held)],
        ["Handovers held within their due time", percent(handovers_in_time, handovers_held)],
        ["Recommendations outstanding today", number(outstanding.count)],
        ["Recommendations outstanding and past their due date", number(outstanding.overdue)],
    ]
    summary = Table(
        key="summary",
        title="Summary",
        description="Each figure over the whole period chosen; “today” figures are as of today.",
        header=["Figure", "Value"],
        rows=summary_rows,
    )

    def row_of(mapping, month, name, default=0):
        return (mapping.get(month) or {}).get(name, default)

    trends = [
        Table(
            key="referrals-and-starts",
            title="Referrals received and starts",
            description="New referrals to the waiting list and men starting a group, by month.",
            header=["Month", "Referrals received", "Starts"],
            rows=[
                [
                    month_label(m),
                    number(received.get(m, 0)),
                    number(row_of(started_monthly, m, "n")),
                ]
                for m in months
            ],
            chart_columns=[1, 2],
            unit="men",
        ),
        Table(
            key="wait-to-start",
            title="Days from referral to start",
            description="The median number of days from referral to the first session of "
            "the men who started each month.",
            header=["Month", "Starts", "Median days from referral to start"],
            rows=[
                [
                    month_label(m),
                    number(row_of(started_monthly, m, "n")),
                    one_decimal(row_of(started_monthly, m, "median", None)),
                ]
                for m in months
            ],
            chart_columns=[2],
            unit="days",
        ),
        Table(
            key="completions",
            title="Completions and completion rate",
            description="Men completing every session and catch-up, attempts that ended "
            "without completing, and completions as a share of both, by month.",
            header=[
                "Month",
                "Completions",
                "Ended without completing",
                "Completion rate",
                "Catch-ups per completer",
            ],
            rows=[
                [
                    month_label(m),
                    number(row_of(done.monthly, m, "n")),
                    number(row_of(done.monthly_ended, m, "n")),
                    percent(
                        row_of(done.monthly, m, "n"),
                        row_of(done.monthly, m, "n") + row_of(done.monthly_ended, m, "n"),
                    ),
                    one_decimal(
                        row_of(done.monthly, m, "used") / row_of(done.monthly, m, "n")
                        if row_of(done.monthly, m, "n")
                        else None
                    ),
                ]
                for m in months
            ],
            chart_columns=[3],
            unit="%",
        ),
        Table(
            key="attrition",
            title="Attrition by reason",
            description="Moves to restart required, breach, recall, withdrawn and deselected, "
            "by month.",
            header=["Month", *[ReferralStatus(s).label for s in ATTRITION_STATUSES]],
            rows=[
                [month_label(m), *[number(left.get((m, s), 0)) for s in ATTRITION_STATUSES]]
                for m in months
            ],
            chart_columns=list(range(1, len(ATTRITION_STATUSES) + 1)),
            unit="men",
        ),
        Table(
            key="enforcement",
            title="Enforcement decisions",
            description="Decisions made each month, the share made within the deadline, and "
            "their outcomes.",
            header=[
                "Month",
                "Decisions made",
                "Made within the deadline",
                *[EnforcementDecisionType(d).label for d in HUMAN_DECISIONS],
            ],
            rows=[
                [
                    month_label(m),
                    number(decisions.made(month=m)),
                    percent(decisions.in_time(month=m), decisions.made(month=m)),
                    *[number(decisions.made(month=m, decision=d)) for d in HUMAN_DECISIONS],
                ]
                for m in months
            ],
            chart_columns=[2],
            unit="%",
        ),
        Table(
            key="reports-and-handovers",
            title="End-of-programme reports and handovers",
            description="Reports submitted each month and the median days after the last "
            "session; handovers held and the share within their due time.",
            header=[
                "Month",
                "Reports submitted",
                "Median days from last session to report",
                "Handovers held",
                "Handovers within their due time",
            ],
            rows=[
                [
                    month_label(m),
                    number(row_of(reported_monthly, m, "n")),
                    one_decimal(row_of(reported_monthly, m, "median", None)),
                    number(row_of(handed_over, m, "n")),
                    percent(row_of(handed_over, m, "in_time"), row_of(handed_over, m, "n")),
                ]
                for m in months
            ],
            chart_columns=[1, 3],
            unit="reports and handovers",
        ),
    ]
    if scope.band != AgeBand.ADULT:
        trends.append(
            Table(
                key="young-viability",
                title="17–21 referrals waiting",
                description="At the end of each month (today, for this month): 17–21 "
                "referrals waiting, and the offices and programmes where enough waited to form "
                "a 17–21 group.",
                header=[
                    "Month",
                    "On",
                    "17–21 referrals waiting",
                    "Offices and programmes with enough to form a group",
                ],
                rows=[
                    [
                        month_label(v.day),
                        f"{v.day:%-d %B %Y}",
                        number(v.waiting),
                        f"{v.viable} of {v.pairs}",
                    ]
                    for v in viability
                ],
                chart_columns=[2],
                unit="men",
            )
        )
    if only:
        # Only the table asked for: the others were made without their figures.
        kept = [t for t in [summary, *trends] if t.key == only]
        return ManagementInformation(
            scope=scope, summary=summary if only == "summary" else None, trends=kept
        )
    return ManagementInformation(scope=scope, summary=summary, trends=trends)


def _total(by_month_status: dict, status: str) -> int:
    return sum(n for (_month, s), n in by_month_status.items() if s == status)
