"""When each man waiting is expected to start, and whether he can finish in time (issue 13).

The method (docs/forecasting.md) is kept simple enough to explain to a man and to a court:

1. **His place in the queue**: among everyone waiting for the same programme and age band in
   his office (whoever may see them), longest waiting first (the waiting list's order). Places
   go to men ready for allocation, so he counts the ready men ahead of him; men not yet ready
   count ahead of nobody, and a man not yet ready is forecast as if he were ready today
   ("once ready"). Worked out for whole queues at once with window functions.
2. **Places already offered**: groups of that queue formed but not yet met, with places left,
   are filled in queue order. A man who fits in one starts when it starts.
3. **The rate of forming groups**: the groups the office started for that programme and band
   in the last `LOOK_BACK_MONTHS` months give the usual gap between two groups. The men beyond
   the places already offered fill new groups (of the size the queue's groups have taken, at
   most the programme's), one gap apart, the first one gap after the latest group (and not
   before a group could be formed). He is in new group `ceil(places beyond / size)`.
4. **The range**: one gap either side of the expected date for the first new group, times the
   square root of his group's number for later ones: each gap is only as regular as the
   office's history (the back-test chose the width).
5. **Facilitators**: an office with no facilitator can form no new group; then only the places
   already offered are forecast.

His predicted finish is the last session of a group starting on the latest date of his range
(35 weekly sessions, a bank holiday pushing a session a week on, as groups are scheduled),
and he is warned about when that falls after his order or licence ends, or leaves less than
the programme's handover period for the post-programme work: the same rule as the projection
of a man already placed (`register.projected_finish`).

Every function here works for a whole list of men in a fixed number of queries.
"""

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection
from django.db.models import Count, F, Max, Q, Window
from django.db.models.functions import RowNumber

from isotp.formatting import day
from isotp.models import Office, Role, Staff
from programme.models import BankHoliday, Group
from programme.services.scheduling import session_dates
from referrals.models import AgeBand, OrderType, Programme, Referral, ReferralStatus

# How far back the office's groups are counted to find its usual gap between groups.
LOOK_BACK_MONTHS = 12
# The range either side of the expected start, in gaps between groups (for the first new
# group; times the square root of the groups up to his for later ones).
RANGE_GAPS = 1.0
# A group not yet formed cannot start sooner than this: it must be formed and its places
# offered first (allocation is usually one to three weeks before the first session).
FORMING_LEAD_DAYS = 14
DAYS_PER_MONTH = 365.25 / 12
# The capacity page's assumptions (decisions, docs/forecasting.md): two facilitators run
# each group, and a facilitator runs at most this many groups at a time.
FACILITATORS_PER_GROUP = 2
GROUPS_PER_FACILITATOR = 3
# The capacity page looks this far ahead: the next two quarters.
CAPACITY_MONTHS = 6

NO_HISTORY = "No group formed here in the last {months} months, so there is no rate to go on"
NO_FACILITATORS = "The office has no facilitators to run a new group"


def months_before(on: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day where it has fewer days)."""
    month_index = on.year * 12 + on.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for last_day in (on.day, 30, 29, 28):
        try:
            return date(year, month, min(on.day, last_day))
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class FormingGroup:
    """A group of the queue formed but not yet met, and its places not yet given."""

    start: date
    places_left: int


@dataclass
class QueueSupply:
    """What one queue (an office, a programme, an age band) has to draw on."""

    programme: Programme
    # Groups of this queue that started in the look-back window (up to today).
    started: int = 0
    # The latest start of a group of this queue, met or forming.
    last_start: date | None = None
    forming: list[FormingGroup] = field(default_factory=list)
    facilitators: int = 0
    # The places given in the groups of this queue that started in the look-back window.
    filled: int = 0

    @property
    def group_size(self) -> float:
        """How many men a new group takes: as many as this queue's groups took on average in
        the look-back window, at most the programme's group size (that size with no history)."""
        size = self.programme.max_group_size
        if self.started and self.filled:
            return min(size, self.filled / self.started)
        return size

    @property
    def gap_days(self) -> float | None:
        """The usual days between two groups of this queue, from the look-back window."""
        if not self.started:
            return None
        return LOOK_BACK_MONTHS * DAYS_PER_MONTH / self.started

    @property
    def places_offered(self) -> int:
        return sum(g.places_left for g in self.forming)


@dataclass
class Forecast:
    """One man's expected start (a range), and what it means for his finish."""

    place: int
    queue_size: int
    # Ready for allocation: a man not yet ready is forecast as if he were ready today.
    ready: bool = True
    earliest: date | None = None
    expected: date | None = None
    latest: date | None = None
    # He fits in a group formed already; else how many new groups come before his.
    in_forming_group: bool = False
    new_groups_ahead: int = 0
    finish: date | None = None
    unknown_reason: str = ""
    warning: str = ""
    # "order_end" when the finish falls after his order ends; "no_room" when it leaves too
    # little time for the post-programme work; "" otherwise.
    warning_kind: str = ""

    @property
    def known(self) -> bool:
        return self.earliest is not None

    @property
    def unknown_short(self) -> str:
        """Why there is no forecast, in a few words for a list."""
        if self.unknown_reason == NO_FACILITATORS:
            return "no facilitators"
        return f"no group in the last {LOOK_BACK_MONTHS} months"

    @property
    def warning_tag(self) -> str:
        return {"order_end": "Order ends first", "no_room": "Little time after"}.get(
            self.warning_kind, ""
        )

    @property
    def warning_tag_colour(self) -> str:
        return "red" if self.warning_kind == "order_end" else "orange"


def predict_start(
    *, place: int, queue_size: int, supply: QueueSupply, today: date, ready: bool = True
) -> Forecast:
    """Where the man `place`-th in his queue is expected to start (no database work)."""
    forecast = Forecast(place=place, queue_size=queue_size, ready=ready)
    gap = supply.gap_days
    beyond = place
    for group in sorted(supply.forming, key=lambda g: g.start):
        if beyond <= group.places_left:
            forecast.in_forming_group = True
            forecast.earliest = forecast.expected = group.start
            # If the men ahead of him take the place (or he is not ready), the next group.
            following = [g.start for g in supply.forming if g.start > group.start]
            if following:
                forecast.latest = min(following)
            elif gap and supply.facilitators:
                forecast.latest = group.start + timedelta(days=round(gap))
            else:
                forecast.latest = group.start
            return forecast
        beyond -= group.places_left
    if gap is None:
        forecast.unknown_reason = NO_HISTORY.format(months=LOOK_BACK_MONTHS)
        return forecast
    if not supply.facilitators:
        forecast.unknown_reason = NO_FACILITATORS
        return forecast
    soonest = today + timedelta(days=FORMING_LEAD_DAYS)
    first_new = soonest
    if supply.last_start is not None:
        first_new = max(supply.last_start + timedelta(days=round(gap)), soonest)
    number = math.ceil(beyond / supply.group_size)
    forecast.new_groups_ahead = number - 1
    expected = first_new + timedelta(days=round((number - 1) * gap))
    spread = timedelta(days=round(gap * RANGE_GAPS * math.sqrt(number)))
    forecast.expected = expected
    forecast.earliest = max(expected - spread, soonest)
    forecast.latest = expected + spread
    return forecast


def finish_of_group_starting(
    start: date, programme: Programme, holidays: set[date] | frozenset[date]
) -> date:
    """The last session of a weekly group whose first session is on `start`."""
    return session_dates(
        first_on_or_after=start,
        weekdays=[start.weekday()],
        count=programme.sessions,
        holidays=set(holidays),
    )[-1]


def judge_finish(
    forecast: Forecast,
    *,
    programme: Programme,
    order_end: date,
    order_type: str,
    holidays: set[date] | frozenset[date],
) -> None:
    """His finish if he starts as late as the range says, and the warning it calls for (the
    projection's rule: after his order ends, or less than the handover period before it)."""
    if not forecast.known:
        return
    finish = finish_of_group_starting(forecast.latest, programme, holidays)
    forecast.finish = finish
    order = OrderType(order_type).label.lower() if order_type else "order"
    room = programme.handover_due_days
    if finish > order_end:
        forecast.warning_kind = "order_end"
        forecast.warning = (
            f"Starting as late as {forecast.latest:%-d %B %Y}, he would finish on "
            f"{finish:%-d %B %Y}, after his {order} ends on {order_end:%-d %B %Y}"
        )
    elif finish + timedelta(days=room) > order_end:
        forecast.warning_kind = "no_room"
        forecast.warning = (
            f"Starting as late as {forecast.latest:%-d %B %Y}, he would finish on "
            f"{finish:%-d %B %Y}, leaving less than {room} days before his {order} ends on "
            f"{order_end:%-d %B %Y} for the post-programme work (report, three-way handover, "
            "risk re-assessment)"
        )


# --- Loading what the prediction needs, for many men at once -----------------------------------


def queue_windows(status: str = "status") -> dict:
    """The window annotations that place each man in his queue (office, programme, band),
    in the waiting list's order (longest waiting first): `queue_position` among everyone,
    `ready_so_far` the men ready for allocation up to him (himself included), `queue_size`.
    `status` names the field holding his status (the back-test's status on its day)."""
    queue = [F("offender__office_id"), F("programme_id"), F("age_band")]
    order = [F("waiting_since").asc(), F("pk").asc()]
    return {
        "queue_position": Window(RowNumber(), partition_by=queue, order_by=order),
        "ready_so_far": Window(
            Count("pk", filter=Q(**{status: ReferralStatus.AWAITING_ALLOCATION})),
            partition_by=queue,
            order_by=order,
        ),
        "queue_size": Window(Count("pk"), partition_by=queue),
    }


def place_in_queue(*, status: str, position: int, ready_so_far: int) -> int:
    """His place: places go to men ready for allocation, longest waiting first, so he counts
    the ready men ahead of him. Men not yet ready are not counted ahead of anyone: a place
    cannot be given to them until they are (and a man not yet ready is placed as if he were,
    behind the ready men who have waited longer)."""
    if status == ReferralStatus.AWAITING_ALLOCATION:
        return ready_so_far
    return ready_so_far + 1


@dataclass(frozen=True)
class QueuePlace:
    referral_id: int
    office_id: int
    programme_id: int
    band: str
    place: int
    queue_size: int
    ready: bool
    order_end: date
    order_type: str


def queue_places(referrals: list[Referral], *, today: date) -> dict[int, QueuePlace]:
    """Each waiting referral's place in its queue (office, programme, band: `place_in_queue`),
    counted among everyone waiting in those queues. One query: window functions over the
    queues the referrals are in (by their offices and programmes, read from the referrals,
    with their offender loaded), then only their rows."""
    if not referrals:
        return {}
    ranked = (
        Referral.objects.waiting()
        .with_age_band(today)
        .filter(
            offender__office_id__in={r.offender.office_id for r in referrals},
            programme_id__in={r.programme_id for r in referrals},
        )
        .annotate(
            **queue_windows(),
            queue_referral=F("pk"),
            queue_status=F("status"),
            queue_office=F("offender__office_id"),
            queue_order_end=F("offender__order_end"),
            queue_order_type=F("offender__order_type"),
        )
        .order_by()
        .values_list(
            "queue_referral",
            "queue_office",
            "programme_id",
            "age_band",
            "queue_status",
            "queue_position",
            "ready_so_far",
            "queue_size",
            "queue_order_end",
            "queue_order_type",
        )
    )
    sql, params = ranked.query.sql_with_params()
    # The SQL is Django's own compilation of the queryset, its values kept as parameters, and
    # the ids are a parameter: nothing typed by anyone is placed in the string. The window is
    # worked out over whole queues before the rows asked for are picked.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM ({sql}) AS ranked WHERE ranked.queue_referral = ANY(%s)",  # nosec B608
            [*params, [r.pk for r in referrals]],
        )
        rows = cursor.fetchall()
    return {
        referral: QueuePlace(
            referral_id=referral,
            office_id=office,
            programme_id=programme,
            band=band,
            place=place_in_queue(status=status, position=position, ready_so_far=ready),
            queue_size=size,
            ready=status == ReferralStatus.AWAITING_ALLOCATION,
            order_end=order_end,
            order_type=order_type,
        )
        for referral, office, programme, band, status, position, ready, size, order_end, order_type in rows
    }


def queue_supplies(
    queues: set[tuple[int, int, str]],
    *,
    today: date,
    programmes: dict[int, Programme],
    as_recorded_then: bool = False,
) -> dict[tuple[int, int, str], QueueSupply]:
    """What each queue (office, programme, band) draws on: its groups started in the look-back
    window and those forming with places left, and the office's facilitators. Two queries.

    `as_recorded_then` (the back-test, benchmarks/forecast_backtest.py) counts only the groups
    formed by `today` and the places given by then and not yet ended, as the page would have
    seen them that day."""
    supplies = {
        key: QueueSupply(programme=programmes[key[1]]) for key in queues if key[1] in programmes
    }
    if not supplies:
        return {}
    offices = {office for office, _, _ in supplies}
    since = months_before(today, LOOK_BACK_MONTHS)
    groups = Group.objects.filter(
        office_id__in=offices,
        programme_id__in={p for _, p, _ in supplies},
        start_date__gte=since,
    )
    taken = Q(placements__ended_on__isnull=True)
    if as_recorded_then:
        groups = groups.filter(created_at__date__lte=today)
        taken = Q(placements__allocated_on__lte=today) & (
            Q(placements__ended_on__isnull=True) | Q(placements__ended_on__gt=today)
        )
    groups = groups.annotate(
        taken=Count("placements", filter=taken),
        filled=Count("placements", filter=Q(placements__allocated_on__lte=today)),
    ).values_list("office_id", "programme_id", "age_band", "start_date", "taken", "filled")
    for office_id, programme_id, band, start, taken, filled in groups:
        supply = supplies.get((office_id, programme_id, band))
        if supply is None:
            continue
        if supply.last_start is None or start > supply.last_start:
            supply.last_start = start
        if start <= today:
            supply.started += 1
            supply.filled += filled
        # A group takes new members until it has met: on its first day too.
        left = supply.programme.max_group_size - taken
        if start >= today and left > 0:
            supply.forming.append(FormingGroup(start=start, places_left=left))
    facilitators = dict(
        Staff.objects.filter(office_id__in=offices, role=Role.FACILITATOR, is_active=True)
        .values("office_id")
        .annotate(n=Count("pk"))
        .values_list("office_id", "n")
    )
    for (office_id, _, _), supply in supplies.items():
        supply.facilitators = facilitators.get(office_id, 0)
    return supplies


def bank_holidays_from(today: date) -> frozenset[date]:
    return frozenset(day for day in BankHoliday.objects.days_off() if day >= today)


def forecasts_for(referrals: list[Referral], *, today: date) -> dict[int, Forecast]:
    """The forecast of each waiting referral (by pk; others are left out), their offenders
    loaded. Five queries whatever the number: places, programmes, groups, facilitators,
    holidays."""
    places = queue_places(referrals, today=today)
    if not places:
        return {}
    programmes = Programme.objects.in_bulk({p.programme_id for p in places.values()})
    supplies = queue_supplies(
        {(p.office_id, p.programme_id, p.band) for p in places.values()},
        today=today,
        programmes=programmes,
    )
    holidays = bank_holidays_from(today)
    forecasts = {}
    for referral_id, place in places.items():
        supply = supplies[(place.office_id, place.programme_id, place.band)]
        forecast = predict_start(
            place=place.place,
            queue_size=place.queue_size,
            supply=supply,
            today=today,
            ready=place.ready,
        )
        judge_finish(
            forecast,
            programme=supply.programme,
            order_end=place.order_end,
            order_type=place.order_type,
            holidays=holidays,
        )
        forecasts[referral_id] = forecast
    return forecasts


def attach_forecasts(referrals: list[Referral], *, today: date) -> None:
    """Each referral given `forecast` (None if he is not waiting): for the waiting list."""
    forecasts = forecasts_for(referrals, today=today)
    for referral in referrals:
        referral.forecast = forecasts.get(referral.pk)


def expected_start_text(forecast: Forecast) -> str:
    """ "Between 2 March 2027 and 4 May 2027 (12th of 30 waiting)", or why it is not known."""
    where = f"{ordinal(forecast.place)} of {forecast.queue_size} waiting in his office"
    if not forecast.known:
        return f"Not known: {forecast.unknown_reason.lower()[:1]}{forecast.unknown_reason[1:]} ({where})"
    text = f"Between {day(forecast.earliest)} and {day(forecast.latest)}"
    if not forecast.ready:
        text += ", once he is ready for allocation"
    text += f" ({where})"
    if forecast.finish:
        text += f"; he would finish by {day(forecast.finish)}"
    return text


def ordinal(number: int) -> str:
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def forecast_for_referral(referral: Referral | None, *, user: Staff, today: date):
    """His forecast for his page, if he is waiting and the user may see it; else None."""
    if referral is None or not referral.is_waiting:
        return None
    if not may_see_forecast(user, referral.offender):
        return None
    return forecasts_for([referral], today=today).get(referral.pk)


def may_see_forecast(user: Staff, offender) -> bool:
    """His forecast is for his offender manager and his office's programme managers (not for
    someone reading his case from outside their work)."""
    if not user.is_authenticated:
        return False
    if user.role == Role.OFFENDER_MANAGER:
        return offender.offender_manager_id == user.pk
    return user.role == Role.PROGRAMME_MANAGER and offender.office_id == user.office_id


# --- The capacity page ----------------------------------------------------------------------


@dataclass
class QueueCapacity:
    """One programme and band of an office: what clearing its list takes."""

    programme: Programme
    band: str
    waiting: int
    supply: QueueSupply

    @property
    def band_label(self) -> str:
        return AgeBand(self.band).label

    @property
    def places_offered(self) -> int:
        return self.supply.places_offered

    @property
    def new_groups_needed(self) -> int:
        """New groups needed to give everyone waiting a place."""
        beyond = max(self.waiting - self.places_offered, 0)
        return math.ceil(beyond / self.programme.max_group_size)

    @property
    def groups_at_usual_rate(self) -> int:
        """The new groups the office would start in the next two quarters at its usual rate."""
        return self.supply.started * CAPACITY_MONTHS // LOOK_BACK_MONTHS

    @property
    def shortfall(self) -> int:
        return max(self.new_groups_needed - self.groups_at_usual_rate, 0)


@dataclass
class OfficeCapacity:
    office: Office
    today: date
    until: date
    queues: list[QueueCapacity]
    facilitators: int
    # Groups met or forming that will still run at the end of the two quarters.
    groups_running_then: int

    @property
    def groups_at_a_time(self) -> int:
        """How many groups the office's facilitators can run at once."""
        return self.facilitators * GROUPS_PER_FACILITATOR // FACILITATORS_PER_GROUP

    @property
    def new_groups_needed(self) -> int:
        return sum(q.new_groups_needed for q in self.queues)

    @property
    def room_for_new_groups(self) -> int:
        return max(self.groups_at_a_time - self.groups_running_then, 0)

    @property
    def facilitators_short(self) -> int:
        """Facilitators to add to run every group needed (0 if there are enough)."""
        groups = self.groups_running_then + self.new_groups_needed
        needed = math.ceil(groups * FACILITATORS_PER_GROUP / GROUPS_PER_FACILITATOR)
        return max(needed - self.facilitators, 0)


def office_capacity(*, office: Office, programmes: list[Programme], today: date) -> OfficeCapacity:
    """Groups needed in the next two quarters to clear the office's list, against the
    facilitators it has. Four queries whatever the size."""
    waiting = (
        Referral.objects.waiting()
        .filter(offender__office=office, programme__in=programmes)
        .with_age_band(today)
        .order_by()
        .values("programme_id", "age_band")
        .annotate(n=Count("pk"))
        .values_list("programme_id", "age_band", "n")
    )
    counts = {(p, b): n for p, b, n in waiting}
    by_pk = {p.pk: p for p in programmes}
    supplies = queue_supplies(
        {(office.pk, p.pk, band) for p in programmes for band in AgeBand.values},
        today=today,
        programmes=by_pk,
    )
    queues = [
        QueueCapacity(
            programme=p,
            band=band,
            waiting=counts.get((p.pk, band), 0),
            supply=supplies[(office.pk, p.pk, band)],
        )
        for p in programmes
        for band in AgeBand.values
    ]
    until = today + timedelta(days=round(CAPACITY_MONTHS * DAYS_PER_MONTH))
    running_then = (
        Group.objects.filter(office=office)
        .annotate(last=Max("sessions__date"))
        .filter(last__gt=until)
        .count()
    )
    facilitators = next(iter(supplies.values())).facilitators if supplies else 0
    return OfficeCapacity(
        office=office,
        today=today,
        until=until,
        queues=queues,
        facilitators=facilitators,
        groups_running_then=running_then,
    )


def facilitator_loads(office: Office, *, today: date):
    """The office's facilitators by name, each annotated `running`: the groups they run that
    have sessions still to come (forming ones included). A queryset, for a page at a time."""
    current = (
        Group.objects.filter(office=office)
        .annotate(last=Max("sessions__date"))
        .filter(last__gte=today)
        .values("pk")
    )
    return (
        Staff.objects.filter(office=office, role=Role.FACILITATOR, is_active=True)
        .annotate(
            running=Count(
                "groups_facilitated",
                filter=Q(groups_facilitated__in=current),
                distinct=True,
            )
        )
        .order_by("last_name", "first_name", "pk")
    )


__all__ = [
    "FACILITATORS_PER_GROUP",
    "GROUPS_PER_FACILITATOR",
    "LOOK_BACK_MONTHS",
    "Forecast",
    "FormingGroup",
    "QueueSupply",
    "attach_forecasts",
    "expected_start_text",
    "facilitator_loads",
    "forecast_for_referral",
    "forecasts_for",
    "judge_finish",
    "may_see_forecast",
    "office_capacity",
    "predict_start",
    "queue_places",
]
