"""Each member of staff's private calendar feed (iCalendar, RFC 5545): their group sessions,
catch-ups, handover meetings, appointments and one-to-ones, for any calendar app to subscribe to.

A feed is reached by a secret link, not a sign-in (calendar apps cannot sign in), so it holds
nothing about any offender: no name, CRN or note, only what, when and where, and a link to the
app's page, which needs sign-in. The secret is shown once; only its SHA-256 digest is stored.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from isotp.models import CalendarFeed, Staff
from programme.models import (
    Appointment,
    CatchUp,
    Group,
    GroupSession,
    HandoverMeeting,
    OneToOneSession,
    SessionFacilitator,
    SessionRole,
)

# Calendar apps keep what they fetched; two months back and a year ahead covers the planning
# a facilitator or offender manager does, and keeps a busy person's feed small.
DAYS_BEFORE = 62
DAYS_AFTER = 400
# A working link's fetches are noted at most this often (calendar apps poll every few minutes).
FETCH_NOTED_EVERY = timedelta(hours=1)
PRODUCT_ID = "-//HM Prison and Probation Service//i-SOTP case management//EN"

ALREADY_REVOKED = "You have no working calendar link to stop"


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    summary: str
    start: date | datetime
    end: date | datetime
    path: str
    location: str = ""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def calendar_link_create(*, staff: Staff) -> str:
    """Make a new secret link for `staff`, revoking any working one; return its secret."""
    # Locking the person serialises two clicks at once; the constraint backs it up.
    Staff.objects.select_for_update().get(pk=staff.pk)
    CalendarFeed.objects.filter(staff=staff, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    secret = secrets.token_urlsafe(32)
    CalendarFeed.objects.create(staff=staff, secret_digest=_digest(secret))
    return secret


@transaction.atomic
def calendar_link_revoke(*, staff: Staff) -> None:
    revoked = CalendarFeed.objects.filter(staff=staff, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not revoked:
        raise ValueError(ALREADY_REVOKED)


def working_link_of(staff: Staff) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(staff=staff, revoked_at__isnull=True).first()


def feed_for_secret(secret: str) -> CalendarFeed | None:
    """The working feed this secret opens, if any (a revoked link or a deactivated person's
    opens nothing); notes the fetch."""
    feed = (
        CalendarFeed.objects.active()
        .select_related("staff")
        .filter(secret_digest=_digest(secret))
        .first()
    )
    if feed is None:
        return None
    now = timezone.now()
    if feed.last_fetched_at is None or now - feed.last_fetched_at > FETCH_NOTED_EVERY:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=now)
    return feed


def _session_events(staff: Staff, first: date, last: date) -> list[CalendarEvent]:
    """The sessions the person leads or covers (a facilitator replaced for a session no longer
    has it), and every session of the groups they are the treatment manager of."""
    staffed = SessionFacilitator.objects.current().filter(staff=staff)
    sessions = (
        GroupSession.objects.filter(
            Q(pk__in=staffed.values("session_id")) | Q(group__treatment_manager=staff),
            date__range=(first, last),
        )
        .select_related("group__programme")
        .order_by("date", "pk")
    )
    roles = dict(
        staffed.filter(session__date__range=(first, last)).values_list("session_id", "role")
    )
    events = []
    for session in sessions:
        group = session.group
        start = timezone.make_aware(datetime.combine(session.date, group.start_time))
        length = timedelta(hours=float(group.programme.hours_per_session))
        role = roles.get(session.pk)
        events.append(
            CalendarEvent(
                uid=f"session-{session.pk}",
                summary=f"{group.programme.name} group session {session.number}"
                + (f" ({SessionRole(role).label.lower()})" if role else ""),
                start=start,
                end=start + length,
                location=group.venue,
                path=reverse("programme:register", args=[session.pk]),
            )
        )
    return events


def _catch_up_events(staff: Staff, first: date, last: date) -> list[CalendarEvent]:
    catch_ups = (
        CatchUp.objects.filter(facilitator=staff, cancelled=False, held_on__range=(first, last))
        .select_related("session__group__programme")
        .order_by("held_on", "pk")
    )
    return [
        CalendarEvent(
            uid=f"catch-up-{catch_up.pk}",
            summary=(
                f"{catch_up.session.group.programme.name} catch-up "
                f"of session {catch_up.session.number}"
            ),
            start=catch_up.held_on,
            end=catch_up.held_on + timedelta(days=1),
            path=reverse("programme:catch_up", args=[catch_up.pk]),
        )
        for catch_up in catch_ups
    ]


def _handover_events(staff: Staff, first: date, last: date) -> list[CalendarEvent]:
    facilitated = Group.objects.filter(facilitators=staff).values("pk")
    meetings = HandoverMeeting.objects.filter(
        Q(referral__offender__offender_manager=staff)
        | Q(referral__placement__group__in=facilitated),
        held_on__range=(first, last),
    ).order_by("held_on", "pk")
    # Its place may be his home: it stays in the app.
    return [
        CalendarEvent(
            uid=f"handover-{meeting.pk}",
            summary="Handover meeting after the programme",
            start=meeting.held_on,
            end=meeting.held_on + timedelta(days=1),
            path=reverse("programme:post_programme", args=[meeting.referral_id]),
        )
        for meeting in meetings
    ]


def _appointment_events(staff: Staff, first: date, last: date) -> list[CalendarEvent]:
    # The purpose is free text about him: it stays in the app.
    appointments = Appointment.objects.filter(
        offender__offender_manager=staff, on__range=(first, last)
    ).order_by("on", "pk")
    return [
        CalendarEvent(
            uid=f"appointment-{appointment.pk}",
            summary="Appointment (details in the case record)",
            start=appointment.on,
            end=appointment.on + timedelta(days=1),
            path=reverse("programme:appointment_edit", args=[appointment.pk]),
        )
        for appointment in appointments
    ]


# A one-to-one's length is not recorded: an hour is what calendars are given.
ONE_TO_ONE_LENGTH = timedelta(hours=1)


def _one_to_one_events(staff: Staff, first: date, last: date) -> list[CalendarEvent]:
    """The one-to-ones the facilitator holds (not cancelled). Its place may be his home: it
    stays in the app, as does his name."""
    one_to_ones = (
        OneToOneSession.objects.live()
        .filter(facilitators=staff, date__range=(first, last))
        .order_by("date", "start_time", "pk")
    )
    events = []
    for one_to_one in one_to_ones:
        start = timezone.make_aware(datetime.combine(one_to_one.date, one_to_one.start_time))
        events.append(
            CalendarEvent(
                uid=f"one-to-one-{one_to_one.pk}",
                summary=one_to_one.get_kind_display(),
                start=start,
                end=start + ONE_TO_ONE_LENGTH,
                path=one_to_one.get_absolute_url(),
            )
        )
    return events


def calendar_events(*, staff: Staff, today: date) -> list[CalendarEvent]:
    """What `staff` has on, from two months ago to a year ahead (five queries)."""
    first, last = today - timedelta(days=DAYS_BEFORE), today + timedelta(days=DAYS_AFTER)
    return [
        *_session_events(staff, first, last),
        *_catch_up_events(staff, first, last),
        *_handover_events(staff, first, last),
        *_appointment_events(staff, first, last),
        *_one_to_one_events(staff, first, last),
    ]


def calendar_ics(*, events: list[CalendarEvent], absolute_url, host: str) -> bytes:
    """The events as an iCalendar document; `absolute_url(path)` makes each event's link."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "i-SOTP: my sessions and meetings")
    stamp = timezone.now()
    for item in events:
        event = Event()
        event.add("uid", f"{item.uid}@{host}")
        event.add("dtstamp", stamp)
        event.add("summary", item.summary)
        event.add("dtstart", item.start)
        event.add("dtend", item.end)
        if item.location:
            event.add("location", item.location)
        event.add("url", absolute_url(item.path))
        event.add("description", "Open it in i-SOTP case management (sign-in needed).")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
