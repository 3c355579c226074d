"""Running the programme: groups and their sessions, places, registers, catch-ups,
enforcement, and what the offender manager must act on."""

import functools
from datetime import date, timedelta

import holidays
import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Length
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone

from isotp.limits import (
    ANY_DATE,
    CASEWORK_DATE,
    NOTE_MAX,
    NOTICE_MAX,
    RECOMMENDATIONS_JSON_MAX,
    REPORT_SECTION_MAX,
    TARGET_PROGRESS_MAX,
    text_bound,
)
from isotp.models import Office
from referrals.models import (
    AgeBand,
    InterviewOutcome,
    Offender,
    OrderType,
    Programme,
    Referral,
    RiskLevel,
)

# The years around today whose bank holidays are known: records go back years (attendance is
# evidence), and a group formed now, moved and restarted, runs into the years ahead.
BANK_HOLIDAY_YEARS_BACK = 10
BANK_HOLIDAY_YEARS_AHEAD = 5


@functools.lru_cache(maxsize=2)
def england_and_wales_bank_holidays(this_year: int) -> frozenset[date]:
    """England and Wales's bank holidays (the special ones too, such as a coronation) from
    the `holidays` package, for the years around `this_year`: no hand-kept list to run out."""
    years = range(this_year - BANK_HOLIDAY_YEARS_BACK, this_year + BANK_HOLIDAY_YEARS_AHEAD + 1)
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=years))


class BankHolidayKind(models.TextChoices):
    CLOSED = "closed", "Closed: no sessions and not a working day (a local closure)"
    OPEN = "open", "Open: a bank holiday the service works as usual"


class BankHolidayQuerySet(models.QuerySet):
    def days_off(self) -> set[date]:
        """The days no group meets and that are not working days: England and Wales's bank
        holidays, with the admin's local changes on top (a closure added, a bank holiday
        the service works taken away)."""
        days = set(england_and_wales_bank_holidays(timezone.localdate().year))
        for day, kind in self.values_list("date", "kind"):
            if kind == BankHolidayKind.CLOSED:
                days.add(day)
            else:
                days.discard(day)
        return days


@pghistory.track()
class BankHoliday(models.Model):
    """An admin's local change to the bank holidays (`BankHoliday.objects.days_off()`): a day the
    service is closed although it is no bank holiday, or a bank holiday it works."""

    date = models.DateField(unique=True, validators=[ANY_DATE])
    name = models.CharField(max_length=100, help_text="For example, “Office closed: flood”.")
    kind = models.CharField(
        max_length=10, choices=BankHolidayKind.choices, default=BankHolidayKind.CLOSED
    )

    objects = BankHolidayQuerySet.as_manager()

    class Meta:
        ordering = ["date"]
        verbose_name = "change to the bank holidays"
        verbose_name_plural = "changes to the bank holidays"

    def __str__(self) -> str:
        return f"{self.name} ({self.date:%-d %B %Y})"


def add_working_days(start: date, days: int, holidays: set[date]) -> date:
    """The date `days` working days after `start`, skipping weekends and bank holidays."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            remaining -= 1
    return current


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


def meeting_days_label(weekdays, *, plural: bool = True) -> str:
    """[0, 3] → "Mondays and Thursdays" ("Monday and Thursday" with plural=False)."""
    names = [Weekday(day).label + ("s" if plural else "") for day in sorted(weekdays)]
    if len(names) < 2:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


class ProgrammeError(Exception):
    """A refused programme action; the message is shown to the user as it is."""


# --- Programme templates: versions, modules and named sessions -----------------------------

VERSION_IN_USE = (
    "{version} is used by a group, so it cannot change: its sessions stay as the groups that "
    "run it started them. Use “Copy as a new version” and edit the copy"
)


class ProgrammeVersionQuerySet(models.QuerySet):
    def in_use(self):
        """Versions run by at least one group: never changed again."""
        return self.filter(Exists(Group.objects.filter(version=OuterRef("pk"))))


# A version a group runs is locked: its fields, modules and sessions. The trigger functions
# ask whether any group uses the version (a trigger's WHEN clause cannot look at another
# table). A copy (version N+1) is made for changes instead.
_VERSION_USED = "EXISTS (SELECT 1 FROM programme_group WHERE version_id = {})"


def _refuse_if_version_used(what: str) -> str:
    """The body of a BEFORE INSERT/UPDATE/DELETE row trigger on a table with version_id."""
    message = (
        f"RAISE EXCEPTION 'pgtrigger: Cannot change the {what} of a programme version a group "
        "uses (table %)', TG_TABLE_NAME;"
    )
    return (
        f"IF TG_OP <> 'INSERT' AND {_VERSION_USED.format('OLD.version_id')} THEN {message} "
        "END IF; "
        f"IF TG_OP <> 'DELETE' AND {_VERSION_USED.format('NEW.version_id')} THEN {message} "
        "END IF; "
        "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW;"
    )


@pghistory.track()
class ProgrammeVersion(models.Model):
    """A version of a programme's template: its modules and named sessions, in order. A group
    runs the version it was formed with; a version a group uses is never changed (a copy,
    the next version, is edited instead)."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField("Version")
    notes = models.TextField(
        blank=True,
        max_length=NOTE_MAX,
        help_text="Where the sessions come from and what changed from the last version.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for the versions the app was installed with.",
    )

    objects = ProgrammeVersionQuerySet.as_manager()

    class Meta:
        ordering = ["programme", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "number"], name="programme_version_number_unique"
            ),
            models.CheckConstraint(condition=Q(number__gt=0), name="programme_version_positive"),
            text_bound("programmeversion", "notes", NOTE_MAX),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="programme_version_in_use_locked",
                when=pgtrigger.Before,
                operation=pgtrigger.Update | pgtrigger.Delete,
                func=(
                    f"IF {_VERSION_USED.format('OLD.id')} THEN RAISE EXCEPTION 'pgtrigger: "
                    "Cannot change a programme version a group uses (table %)', TG_TABLE_NAME;"
                    " END IF; IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW;"
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme} version {self.number}"

    def is_in_use(self) -> bool:
        return self.pk is not None and Group.objects.filter(version_id=self.pk).exists()

    def refuse_if_in_use(self) -> None:
        """The server's guard: a version a group runs is never changed (the database refuses
        it too)."""
        if self.is_in_use():
            raise ProgrammeError(VERSION_IN_USE.format(version=self))

    def problems(self, sessions=None) -> list[str]:
        """Why this version cannot be used to form a group ([] when it can): its sessions
        must be numbered 1 to the programme's number of sessions, each in a module, the
        modules in order. Pass the sessions (with their modules) to save the query."""
        if sessions is None:
            sessions = list(self.sessions.select_related("module").order_by("number"))
        wanted = self.programme.sessions
        numbers = [session.number for session in sessions]
        problems = []
        if numbers != list(range(1, wanted + 1)):
            missing = sorted(set(range(1, wanted + 1)) - set(numbers))
            extra = sorted(set(numbers) - set(range(1, wanted + 1)))
            problem = f"it has {len(numbers)} sessions, not the {wanted} {self.programme} has"
            if missing:
                problem += f" (missing: {_numbers(missing)})"
            if extra:
                problem += f" (beyond the programme: {_numbers(extra)})"
            problems.append(problem)
        unplaced = [session.number for session in sessions if session.module_id is None]
        if unplaced:
            problems.append(f"sessions without a module: {_numbers(unplaced)}")
        placed = [session.module.number for session in sessions if session.module_id]
        if placed != sorted(placed):
            problems.append("its modules are not in order: a later session is in an earlier module")
        return problems

    def is_usable(self) -> bool:
        return not self.problems()


def _numbers(numbers: list[int]) -> str:
    shown = ", ".join(str(number) for number in numbers[:10])
    return shown + (" and more" if len(numbers) > 10 else "")


def _refuse_change_of_used_version(part) -> None:
    """A module's or session's guard before saving: a version a group runs is never changed
    (neither the version it is in, nor the one it is moved from). Not hidden logic: the admin
    and any code are refused with a message a person can read, before the database's trigger
    would refuse with its own."""
    part.version.refuse_if_in_use()
    if part.pk:
        type(part).objects.get(pk=part.pk).version.refuse_if_in_use()


@pghistory.track()
class ProgrammeModule(models.Model):
    version = models.ForeignKey(ProgrammeVersion, on_delete=models.PROTECT, related_name="modules")
    number = models.PositiveSmallIntegerField("Module")
    title = models.CharField(max_length=200)

    class Meta:
        ordering = ["version", "number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="module_number_unique"),
            models.CheckConstraint(condition=Q(number__gt=0), name="module_number_positive"),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="module_of_version_in_use_locked",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                func=_refuse_if_version_used("modules"),
            )
        ]

    def __str__(self) -> str:
        return f"Module {self.number}: {self.title}"

    def save(self, *args, **kwargs):
        _refuse_change_of_used_version(self)
        super().save(*args, **kwargs)


@pghistory.track()
class ProgrammeSession(models.Model):
    """A named session of a version: its number in the whole programme (1 to N), its module."""

    version = models.ForeignKey(ProgrammeVersion, on_delete=models.PROTECT, related_name="sessions")
    number = models.PositiveSmallIntegerField("Session")
    module = models.ForeignKey(
        ProgrammeModule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        help_text="A version can form groups only once every session is in a module.",
    )
    title = models.CharField(max_length=200)
    aim = models.CharField(max_length=300, blank=True, help_text="In a sentence (optional).")

    class Meta:
        ordering = ["version", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "number"], name="programme_session_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(number__gt=0), name="programme_session_number_positive"
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="session_of_version_in_use_locked",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                func=_refuse_if_version_used("sessions"),
            ),
            # Its module must be one of its own version's.
            pgtrigger.Trigger(
                name="session_module_of_same_version",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                func=(
                    "IF NEW.module_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                    "programme_programmemodule WHERE id = NEW.module_id AND version_id = "
                    "NEW.version_id) THEN RAISE EXCEPTION 'pgtrigger: A session''s module must "
                    "be of its own version (table %)', TG_TABLE_NAME; END IF; RETURN NEW;"
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        _refuse_change_of_used_version(self)
        super().save(*args, **kwargs)

    @property
    def name(self) -> str:
        """The session's name, "Session 12 — Module 3: Title" (load its module with
        select_related)."""
        if self.module_id is None:
            return f"Session {self.number}: {self.title}"
        return f"Session {self.number} — Module {self.module.number}: {self.title}"


def _history_may_predate(to: str) -> models.ForeignKey:
    """pghistory's event model keeps a copy of each field; a field added to a tracked model
    with rows already is empty in the events written before it, so its copy must allow NULL
    (the events are append-only: they are not filled in afterwards)."""
    return models.ForeignKey(
        to,
        null=True,
        db_constraint=False,
        on_delete=models.DO_NOTHING,
        related_name="+",
        related_query_name="+",
    )


@pghistory.track(attrs={"version": _history_may_predate("programme.ProgrammeVersion")})
class Group(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="groups")
    version = models.ForeignKey(
        ProgrammeVersion,
        on_delete=models.PROTECT,
        related_name="groups",
        help_text="The programme's version the group runs: the one it was formed with.",
    )
    age_band = models.CharField(max_length=10, choices=AgeBand.choices)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="groups")
    venue = models.CharField(max_length=200)
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="groups_facilitated"
    )
    treatment_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="groups_managed",
    )
    lead_facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="groups_led",
        help_text="The group's usual lead: each session's lead unless a programme manager "
        "changes it for that session.",
    )
    start_date = models.DateField(validators=[CASEWORK_DATE])
    weekdays = ArrayField(
        models.PositiveSmallIntegerField(choices=Weekday.choices),
        help_text="The days of the week it meets, Monday first (0 is Monday, 6 Sunday).",
    )
    start_time = models.TimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "pk"]
        triggers = [
            # A group runs the version it was formed with, a version of its own programme.
            pgtrigger.Trigger(
                name="group_version_of_its_programme",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                func=(
                    "IF TG_OP = 'UPDATE' AND NEW.version_id <> OLD.version_id THEN RAISE "
                    "EXCEPTION 'pgtrigger: A group runs the programme version it was formed "
                    "with (table %)', TG_TABLE_NAME; END IF; "
                    "IF NOT EXISTS (SELECT 1 FROM programme_programmeversion WHERE id = "
                    "NEW.version_id AND programme_id = NEW.programme_id) THEN RAISE EXCEPTION "
                    "'pgtrigger: A group''s version must be of its programme (table %)', "
                    "TG_TABLE_NAME; END IF; RETURN NEW;"
                ),
            )
        ]
        constraints = [
            # One or more days of the week, each a real day, each once, Monday first: the
            # schedule takes them in this order (a pair out of order or repeated is FALSE; a
            # pair past the end of the array is NULL, which a check lets through).
            models.CheckConstraint(
                condition=Q(weekdays__len__gte=1)
                & Q(weekdays__contained_by=Weekday.values)
                & Q(
                    RawSQL(  # nosec B611: constant SQL written here, no input in it
                        " AND ".join(f"weekdays[{i}] < weekdays[{i + 1}]" for i in range(1, 7)),
                        [],
                        output_field=models.BooleanField(),
                    )
                ),
                name="group_weekdays_valid_and_distinct",
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.get_age_band_display()} group, {self.venue}, from {self.start_date:%-d %B %Y}"

    def get_absolute_url(self) -> str:
        return reverse("programme:group", args=[self.pk])

    @property
    def capacity(self) -> int:
        return self.programme.max_group_size

    @property
    def meeting_days(self) -> str:
        """The days it meets, as a schedule says them: "Mondays and Thursdays"."""
        return meeting_days_label(self.weekdays)


# What to select_related from a GroupSession to show its name without a query a row.
SESSION_NAME = "programme_session__module"


class SessionQuerySet(models.QuerySet):
    def in_order(self):
        return self.order_by("number")

    def named(self):
        """With what names each session ("Session 12 — Module 3: …"), in the same query."""
        return self.select_related(SESSION_NAME)


@pghistory.track(attrs={"programme_session": _history_may_predate("programme.ProgrammeSession")})
class GroupSession(models.Model):
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="sessions")
    number = models.PositiveSmallIntegerField()
    programme_session = models.ForeignKey(
        ProgrammeSession,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="What the session is: the session of this number in the group's version.",
    )
    date = models.DateField(validators=[CASEWORK_DATE])
    register_completed_at = models.DateTimeField(null=True, blank=True)
    register_completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["group", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "number"], name="session_number_unique_in_group"
            )
        ]
        triggers = [
            # What a session is comes from the group's version, by its number.
            pgtrigger.Trigger(
                name="session_named_from_group_version",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                func=(
                    "IF NOT EXISTS (SELECT 1 FROM programme_programmesession s JOIN "
                    "programme_group g ON g.version_id = s.version_id WHERE s.id = "
                    "NEW.programme_session_id AND g.id = NEW.group_id AND s.number = NEW.number)"
                    " THEN RAISE EXCEPTION 'pgtrigger: A group session is the session of its "
                    "number in its group''s version (table %)', TG_TABLE_NAME; END IF; "
                    "RETURN NEW;"
                ),
            )
        ]

    def __str__(self) -> str:
        return f"Session {self.number} on {self.date:%-d %B %Y}"

    def get_absolute_url(self) -> str:
        return reverse("programme:register", args=[self.pk])

    @property
    def name(self) -> str:
        """The session's name, "Session 12 — Module 3: Title", from the group's version.
        Load it with `select_related(SESSION_NAME)` (`.named()`) when showing many."""
        return self.programme_session.name

    @property
    def recordable_from(self) -> date:
        """The first day its register can be recorded: the day it is held."""
        return self.date

    def can_be_recorded(self, today: date) -> bool:
        return today >= self.recordable_from

    @property
    def not_yet_recordable(self) -> str:
        return (
            f"Session {self.number} is on {self.date:%-d %B %Y}: its register can be "
            "recorded once it has been held"
        )


class SessionRole(models.TextChoices):
    LEAD = "lead", "Lead"
    COVER = "cover", "Cover"


class SessionStaffingChange(models.Model):
    """A programme manager changed who runs a run of a group's sessions: who, when, why.
    What changed is in the rows it ended and added (`SessionFacilitator`). Kept as written:
    the database refuses to change or delete one."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="staffing_changes")
    first_number = models.PositiveSmallIntegerField()
    last_number = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_number__lte=F("last_number")),
                name="session_staffing_change_run_in_order",
            )
        ]
        triggers = [
            pgtrigger.Protect(
                name="session_staffing_change_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self) -> str:
        return f"Staffing of sessions {self.first_number} to {self.last_number} of {self.group}"


class SessionFacilitatorQuerySet(models.QuerySet):
    def current(self):
        """Who runs the session now (rows a later change ended are its history)."""
        return self.filter(ended_by_change__isnull=True)


@pghistory.track()
class SessionFacilitator(models.Model):
    """A facilitator running one group session: its lead, or a cover facilitator (the others
    running it beside the lead). Made from the group's facilitators when the group is formed;
    a change by a programme manager ends rows (never deletes them) and adds new ones."""

    session = models.ForeignKey(GroupSession, on_delete=models.PROTECT, related_name="staffing")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sessions_staffed"
    )
    role = models.CharField(max_length=10, choices=SessionRole.choices)
    added_by_change = models.ForeignKey(
        SessionStaffingChange,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="added",
        help_text="Empty for the staffing made when the group was formed.",
    )
    ended_by_change = models.ForeignKey(
        SessionStaffingChange,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ended",
    )

    objects = SessionFacilitatorQuerySet.as_manager()

    class Meta:
        ordering = ["session__number", "role", "staff__last_name", "staff__first_name", "pk"]
        indexes = [
            models.Index(
                fields=["staff", "session"],
                name="sessionfacilitator_current",
                condition=Q(ended_by_change=None),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=SessionRole.values), name="session_facilitator_role_known"
            ),
            models.UniqueConstraint(
                fields=["session"],
                condition=Q(role=SessionRole.LEAD, ended_by_change=None),
                name="session_at_most_one_lead",
            ),
            # Nobody is both lead and cover of a session, nor cover twice.
            models.UniqueConstraint(
                fields=["session", "staff"],
                condition=Q(ended_by_change=None),
                name="session_facilitator_once",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="session_facilitator_never_deleted", operation=pgtrigger.Delete),
            # Only ending a current row is allowed: what was recorded stays as it was.
            pgtrigger.Protect(
                name="session_facilitator_only_ended",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__ended_by_change_id__isnull=False)
                | pgtrigger.Q(old__session_id__df=pgtrigger.F("new__session_id"))
                | pgtrigger.Q(old__staff_id__df=pgtrigger.F("new__staff_id"))
                | pgtrigger.Q(old__role__df=pgtrigger.F("new__role"))
                | pgtrigger.Q(old__added_by_change_id__df=pgtrigger.F("new__added_by_change_id")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.staff} at {self.session}"


# Closing a referral by hand (withdrawn, deselected, recalled) gives up his place too.
PLACE_GIVEN_UP_STATUSES = ["withdrawn", "deselected", "recall"]


class PlacementQuerySet(models.QuerySet):
    def active(self):
        """Places still running: counted against the group's size."""
        return self.filter(ended_on__isnull=True)

    def members_at(self, session: "GroupSession"):
        """The places that run through this session: from his first session to his last
        (or on, while the place is open). A place that ended before its first session has
        no last session and runs through none."""
        return self.filter(
            group_id=session.group_id,
            first_session__number__lte=session.number,
        ).filter(
            Q(ended_on__isnull=True, last_session__isnull=True)
            | Q(last_session__number__gte=session.number)
        )


@pghistory.track()
class Placement(models.Model):
    """A referral's place in a group: one attempt at the programme."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="placements")
    referral = models.OneToOneField(Referral, on_delete=models.PROTECT, related_name="placement")
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    allocated_at = models.DateTimeField(auto_now_add=True)
    allocated_on = models.DateField(help_text="The day the place was given.", validators=[ANY_DATE])
    first_session = models.ForeignKey(
        GroupSession,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="His first session: he is on the registers from this one.",
    )
    last_session = models.ForeignKey(
        GroupSession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="His last session, once the place has ended; empty if it ended before any.",
    )
    ended_on = models.DateField(null=True, blank=True, validators=[ANY_DATE])
    end_reason = models.CharField(max_length=200, blank=True)

    objects = PlacementQuerySet.as_manager()

    class Meta:
        ordering = ["referral__offender__last_name", "pk"]

    def __str__(self) -> str:
        return f"{self.referral.offender} in {self.group}"

    def get_absolute_url(self) -> str:
        return reverse("programme:placement", args=[self.pk])

    @property
    def offender(self) -> Offender:
        return self.referral.offender

    def is_member_at(self, session: "GroupSession") -> bool:
        """Whether his place runs through this session (load first and last session with
        select_related when asking for many)."""
        if session.number < self.first_session.number:
            return False
        if self.ended_on is None:
            return True
        return self.last_session_id is not None and session.number <= self.last_session.number

    def missed_attendances(self):
        """The sessions his record shows as missed: what the catch-up limit counts."""
        return self.attendances.exclude(outcome__in=ATTENDED_OUTCOMES)

    def sessions(self):
        """The group's sessions inside his membership, in order."""
        sessions = self.group.sessions.filter(number__gte=self.first_session.number)
        if self.ended_on:
            last = self.last_session.number if self.last_session_id else 0
            sessions = sessions.filter(number__lte=last)
        return sessions.order_by("number")


class AttendanceOutcome(models.TextChoices):
    ATTENDED = "attended", "Attended and complied"
    FAILED_TO_COMPLY = "failed_to_comply", "Attended, failed to comply"
    SENT_HOME = "sent_home", "Sent home (behaviour)"
    ACCEPTABLE_ABSENCE = "acceptable_absence", "Acceptable absence"
    UNACCEPTABLE_ABSENCE = "unacceptable_absence", "Unacceptable absence"


# He was there for the session's work: no catch-up needed.
ATTENDED_OUTCOMES = {AttendanceOutcome.ATTENDED, AttendanceOutcome.FAILED_TO_COMPLY}
# Each of these needs an enforcement decision from the offender manager.
ENFORCEABLE_OUTCOMES = {
    AttendanceOutcome.FAILED_TO_COMPLY,
    AttendanceOutcome.SENT_HOME,
    AttendanceOutcome.UNACCEPTABLE_ABSENCE,
}


class AbsenceReason(models.TextChoices):
    MEDICAL = "medical", "Medical"
    RELIGIOUS = "religious", "Religious"
    HOLIDAY = "holiday", "Holiday agreed"
    EMPLOYMENT = "employment", "Employment"
    FAMILY = "family", "Family or childcare"
    COURT = "court", "Court or legal"
    STOOD_DOWN = "stood_down", "Session stood down"
    OTHER = "other", "Other (professional judgement)"


@pghistory.track()
class Attendance(models.Model):
    session = models.ForeignKey(GroupSession, on_delete=models.PROTECT, related_name="attendances")
    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="attendances")
    outcome = models.CharField(max_length=30, choices=AttendanceOutcome.choices)
    absence_reason = models.CharField(max_length=20, choices=AbsenceReason.choices, blank=True)
    minutes_late = models.PositiveSmallIntegerField(default=0)
    homework_done = models.BooleanField(null=True, blank=True)
    note = models.TextField(blank=True, max_length=NOTE_MAX)
    risk_relevant = models.BooleanField(
        "Risk-relevant: share with the offender manager", default=False
    )
    change_reason = models.CharField(
        max_length=300, blank=True, help_text="Why a recorded outcome was changed."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "placement"], name="attendance_one_per_member_per_session"
            ),
            # The register is evidence: an outcome outside the vocabulary is refused by the
            # database too, whoever writes it (a wrong code would count as a miss).
            models.CheckConstraint(
                condition=Q(outcome__in=AttendanceOutcome.values),
                name="attendance_outcome_known",
            ),
            models.CheckConstraint(
                condition=Q(outcome=AttendanceOutcome.ACCEPTABLE_ABSENCE) | Q(absence_reason=""),
                name="attendance_reason_only_for_acceptable_absence",
            ),
            models.CheckConstraint(
                condition=~Q(outcome=AttendanceOutcome.ACCEPTABLE_ABSENCE) | ~Q(absence_reason=""),
                name="attendance_acceptable_absence_has_reason",
            ),
            text_bound("attendance", "note", NOTE_MAX),
        ]

    def __str__(self) -> str:
        return f"{self.placement.offender}: {self.get_outcome_display()} at {self.session}"

    @property
    def missed(self) -> bool:
        return self.outcome not in ATTENDED_OUTCOMES

    @property
    def version(self) -> str:
        """Which state of the record a register page showed: the time of its last save (every
        save moves it). A save sent from a page that showed another state is refused."""
        return self.recorded_at.isoformat()


class AttendanceAmendment(models.Model):
    """A recorded outcome, note or risk flag changed after the fact: was, now, who, when and
    why. Kept for court as it was written: the database refuses to change or delete one."""

    attendance = models.ForeignKey(Attendance, on_delete=models.PROTECT, related_name="amendments")
    old_outcome = models.CharField(max_length=30, choices=AttendanceOutcome.choices)
    old_absence_reason = models.CharField(max_length=20, choices=AbsenceReason.choices, blank=True)
    new_outcome = models.CharField(max_length=30, choices=AttendanceOutcome.choices)
    new_absence_reason = models.CharField(max_length=20, choices=AbsenceReason.choices, blank=True)
    # The note and the risk flag as they were and became (amendments before these were kept
    # changed the outcome alone: both sides empty there).
    old_note = models.TextField(blank=True, default="", max_length=NOTE_MAX)
    new_note = models.TextField(blank=True, default="", max_length=NOTE_MAX)
    old_risk_relevant = models.BooleanField(null=True, blank=True)
    new_risk_relevant = models.BooleanField(null=True, blank=True)
    reason = models.CharField(max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            text_bound("attendanceamendment", "old_note", NOTE_MAX),
            text_bound("attendanceamendment", "new_note", NOTE_MAX),
        ]
        triggers = [
            pgtrigger.Protect(
                name="attendance_amendment_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self) -> str:
        return self.describe()

    @staticmethod
    def outcome_label(outcome: str, absence_reason: str) -> str:
        label = AttendanceOutcome(outcome).label
        if absence_reason:
            label += f" ({AbsenceReason(absence_reason).label.lower()})"
        return label

    @property
    def was(self) -> str:
        return self.outcome_label(self.old_outcome, self.old_absence_reason)

    @property
    def now(self) -> str:
        return self.outcome_label(self.new_outcome, self.new_absence_reason)

    @property
    def outcome_changed(self) -> bool:
        return (self.old_outcome, self.old_absence_reason) != (
            self.new_outcome,
            self.new_absence_reason,
        )

    def changes(self) -> list[str]:
        """What changed, in words: the outcome (was, now), the note, the risk flag."""
        changes = []
        if self.outcome_changed:
            changes.append(f"was {self.was}, now {self.now}")
        if self.old_note != self.new_note:
            changes.append("note changed" if self.old_note else "note added")
        if self.old_risk_relevant is not None and self.old_risk_relevant != self.new_risk_relevant:
            changes.append(
                "marked risk-relevant" if self.new_risk_relevant else "no longer risk-relevant"
            )
        return changes or [f"was {self.was}, now {self.now}"]

    def describe(self) -> str:
        """Amended: what changed — who, when, why."""
        at = timezone.localtime(self.at)
        return (
            f"Amended: {'; '.join(self.changes())} — {self.by}, "
            f"{at:%-d %B %Y} at {at:%H:%M} — {self.reason}"
        )


class CatchUpQuerySet(models.QuerySet):
    def outstanding(self):
        """Still to be held: neither held nor called off."""
        return self.filter(completed=False, cancelled=False)


@pghistory.track()
class CatchUp(models.Model):
    """An individual catch-up of one missed group session."""

    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="catch_ups")
    session = models.ForeignKey(GroupSession, on_delete=models.PROTECT, related_name="catch_ups")
    held_on = models.DateField(null=True, blank=True, validators=[CASEWORK_DATE])
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed = models.BooleanField(default=False)
    cancelled = models.BooleanField(
        default=False, help_text="Not needed after all: the absence was corrected to attended."
    )
    note = models.TextField(blank=True, max_length=NOTE_MAX)

    objects = CatchUpQuerySet.as_manager()

    class Meta:
        ordering = ["session__number"]
        # The outstanding ones (the actions page, the facilitator's page): a few among many.
        indexes = [
            models.Index(
                fields=["placement"],
                name="catchup_outstanding",
                condition=Q(completed=False, cancelled=False),
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["placement", "session"], name="catch_up_one_per_missed_session"
            ),
            models.CheckConstraint(
                condition=Q(completed=False)
                | (Q(held_on__isnull=False) & Q(facilitator__isnull=False)),
                name="catch_up_completed_has_date_and_facilitator",
            ),
            text_bound("catchup", "note", NOTE_MAX),
        ]

    def __str__(self) -> str:
        return f"Catch-up of session {self.session.number} for {self.placement.offender}"

    def get_absolute_url(self) -> str:
        return reverse("programme:catch_up", args=[self.pk])


class EnforcementAction(models.TextChoices):
    WARNING = "warning", "Formal warning"
    BREACH = "breach", "Breach: return to court"
    RECALL = "recall", "Recall request"


class EnforcementDecisionType(models.TextChoices):
    WARNING_GIVEN = "warning_given", "Formal warning given"
    BREACH_INITIATED = "breach_initiated", "Breach initiated"
    RECALL_REQUESTED = "recall_requested", "Recall requested"
    FOUND_ACCEPTABLE = "found_acceptable", "Absence found acceptable on review"
    NOT_NEEDED = "not_needed", "Not needed: the outcome was corrected"


# Decisions a person took: they stand until a person reviews them (a correction never
# undoes one). "Not needed" is the app's own: a correction back to a failure reopens it.
HUMAN_DECISIONS = [
    EnforcementDecisionType.WARNING_GIVEN,
    EnforcementDecisionType.BREACH_INITIATED,
    EnforcementDecisionType.RECALL_REQUESTED,
    EnforcementDecisionType.FOUND_ACCEPTABLE,
]

# The decisions that take a case to court (breach) or to the parole board (recall): each
# gives his attempt a court bundle.
COURT_DECISIONS = [
    EnforcementDecisionType.BREACH_INITIATED,
    EnforcementDecisionType.RECALL_REQUESTED,
]

# A decision due within this many days (and not overdue) is "due soon".
DUE_SOON_DAYS = 3


class EnforcementQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(decision="")


@pghistory.track()
class Enforcement(models.Model):
    """A failure (unacceptable absence, failure to comply) awaiting or given a decision."""

    attendance = models.OneToOneField(
        Attendance, on_delete=models.PROTECT, related_name="enforcement"
    )
    offender = models.ForeignKey(Offender, on_delete=models.PROTECT, related_name="enforcements")
    failure_on = models.DateField(validators=[ANY_DATE])
    due_by = models.DateField(validators=[ANY_DATE])
    proposed_action = models.CharField(max_length=10, choices=EnforcementAction.choices)
    proposal_reason = models.CharField(max_length=300)
    decision = models.CharField(max_length=20, choices=EnforcementDecisionType.choices, blank=True)
    decision_reason = models.TextField(blank=True, max_length=NOTE_MAX)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_on = models.DateField(null=True, blank=True, validators=[ANY_DATE])

    objects = EnforcementQuerySet.as_manager()

    class Meta:
        ordering = ["due_by", "pk"]
        indexes = [
            models.Index(
                fields=["offender", "due_by"], name="enforcement_pending", condition=Q(decision="")
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="")
                | (Q(decided_by__isnull=False) & Q(decided_on__isnull=False)),
                name="enforcement_decision_has_who_and_when",
            ),
            text_bound("enforcement", "decision_reason", NOTE_MAX),
        ]
        # A decision a person took stands as it was recorded (docs/decisions.md: locked
        # means locked); "not needed" is the app's own and can be reopened by a correction.
        triggers = [
            pgtrigger.Protect(
                name="enforcement_human_decision_locked",
                operation=pgtrigger.Update | pgtrigger.Delete,
                condition=pgtrigger.Condition(
                    "OLD.decision IN ("
                    + ", ".join(f"'{decision.value}'" for decision in HUMAN_DECISIONS)
                    + ")"
                ),
            )
        ]

    def __str__(self) -> str:
        return f"Enforcement for {self.offender} ({self.failure_on})"

    def get_absolute_url(self) -> str:
        return reverse("programme:enforcement", args=[self.pk])

    @property
    def is_pending(self) -> bool:
        return not self.decision

    def urgency_on(self, today: date) -> str:
        """How soon the decision is due: "overdue", "today", "soon" or ""."""
        if self.due_by < today:
            return "overdue"
        if self.due_by == today:
            return "today"
        if self.due_by <= today + timedelta(days=DUE_SOON_DAYS):
            return "soon"
        return ""


def propose_enforcement(
    *,
    order_type: str,
    warnings_in_window: int,
    warnings_allowed: int,
    window_months: int,
) -> tuple[str, str]:
    """The action the policy gives, and why (Criminal Justice Act 2003, Sch. 8 para 5)."""
    if order_type == OrderType.LICENCE:
        return EnforcementAction.RECALL, "On licence: the action is a recall request"
    if warnings_in_window >= warnings_allowed:
        return (
            EnforcementAction.BREACH,
            f"A formal warning was already given in the previous {window_months} months: "
            "the case goes back to court",
        )
    return (
        EnforcementAction.WARNING,
        f"No formal warning in the previous {window_months} months: give a formal warning",
    )


class EnforcementCorrection(models.Model):
    """A decision a person took, corrected by a person: was, now, who, when and why. Kept as
    written: the database refuses to change or delete one."""

    enforcement = models.ForeignKey(
        Enforcement, on_delete=models.PROTECT, related_name="corrections"
    )
    old_decision = models.CharField(max_length=20, choices=EnforcementDecisionType.choices)
    old_reason = models.TextField(blank=True, max_length=NOTE_MAX)
    old_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    old_decided_on = models.DateField(validators=[ANY_DATE])
    new_decision = models.CharField(max_length=20, choices=EnforcementDecisionType.choices)
    reason = models.TextField(max_length=NOTE_MAX)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            text_bound("enforcementcorrection", "old_reason", NOTE_MAX),
            text_bound("enforcementcorrection", "reason", NOTE_MAX),
        ]
        triggers = [
            pgtrigger.Protect(
                name="enforcement_correction_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        """Decision corrected: was X, now Y — who, when — why."""
        at = timezone.localtime(self.at)
        return (
            f"Decision corrected: was {self.get_old_decision_display().lower()} "
            f"({self.old_decided_by}, {self.old_decided_on:%-d %B %Y}), now "
            f"{self.get_new_decision_display().lower()} — {self.by}, "
            f"{at:%-d %B %Y} at {at:%H:%M} — {self.reason}"
        )


class NoticeKind(models.TextChoices):
    RISK_NOTE = "risk_note", "Risk-relevant note"
    FEEDBACK = "feedback", "Feedback from facilitators"
    RESTART = "restart", "Restart required"
    COMPLETION = "completion", "Programme sessions completed"
    REPORT = "report", "End-of-programme report submitted"
    CORRECTION = "correction", "A correction needs your decision"


class NoticeQuerySet(models.QuerySet):
    def unacknowledged(self):
        return self.filter(acknowledged_at__isnull=True)


@pghistory.track()
class Notice(models.Model):
    """Something the offender manager is told and must acknowledge, saying what they did."""

    offender = models.ForeignKey(Offender, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    message = models.TextField(max_length=NOTICE_MAX)
    attendance = models.ForeignKey(
        Attendance, on_delete=models.PROTECT, null=True, blank=True, related_name="notices"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action_taken = models.TextField(blank=True, max_length=NOTE_MAX)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["offender", "created_at"],
                name="notice_unacknowledged",
                condition=Q(acknowledged_at__isnull=True),
            )
        ]
        constraints = [
            text_bound("notice", "message", NOTICE_MAX),
            text_bound("notice", "action_taken", NOTE_MAX),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.offender}"


@pghistory.track()
class RiskReview(models.Model):
    """An OASys review during supervision: the risk history, before and after."""

    offender = models.ForeignKey(Offender, on_delete=models.PROTECT, related_name="risk_reviews")
    oasys_on = models.DateField("OASys updated on", validators=[CASEWORK_DATE])
    risk_before = models.CharField(max_length=10, choices=RiskLevel.choices, blank=True)
    risk_of_serious_harm = models.CharField(max_length=10, choices=RiskLevel.choices)
    what_changed = models.TextField(max_length=NOTE_MAX)
    post_programme = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-oasys_on", "-pk"]
        constraints = [text_bound("riskreview", "what_changed", NOTE_MAX)]

    def __str__(self) -> str:
        return f"Risk review of {self.offender} on {self.oasys_on}"


class NonAssociationKind(models.TextChoices):
    CO_DEFENDANT = "co_defendant", "Co-defendant"
    ASSOCIATE = "associate", "Known associate"
    VICTIM_RELATIVE = "victim_relative", "Relative of a victim"
    OTHER = "other", "Other"


class NonAssociationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True)

    def involving(self, offender_ids):
        """Those naming any of these men, on either side (a non-association is mutual)."""
        return self.filter(Q(offender_id__in=offender_ids) | Q(other_id__in=offender_ids))


@pghistory.track()
class NonAssociation(models.Model):
    """Two men who must not be in the same group: co-defendants, known associates, a man and
    a relative of his victim. Recorded by an offender manager with the reason, which only
    offender managers read: allocation, and a programme manager, learn only that there is a
    conflict. Never deleted: ended with a reason."""

    offender = models.ForeignKey(
        Offender, on_delete=models.PROTECT, related_name="non_associations"
    )
    other = models.ForeignKey(Offender, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=NonAssociationKind.choices)
    reason = models.TextField(max_length=NOTE_MAX)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ended_reason = models.CharField(max_length=300, blank=True)

    objects = NonAssociationQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        indexes = [
            models.Index(fields=["other"], name="nonassociation_other", condition=Q(ended_at=None))
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(offender=F("other")), name="non_association_not_with_himself"
            ),
            models.UniqueConstraint(
                fields=["offender", "other"],
                condition=Q(ended_at=None),
                name="non_association_once_while_active",
            ),
            models.CheckConstraint(
                condition=Q(ended_at=None) | (Q(ended_by__isnull=False) & ~Q(ended_reason="")),
                name="non_association_ended_with_who_and_why",
            ),
            text_bound("nonassociation", "reason", NOTE_MAX),
        ]

    def __str__(self) -> str:
        return f"Non-association of {self.offender} with {self.other}"


@pghistory.track()
class NonAssociationOverride(models.Model):
    """A programme manager placed a man in a group despite a non-association, with a reason."""

    placement = models.ForeignKey(
        Placement, on_delete=models.PROTECT, related_name="non_association_overrides"
    )
    non_association = models.ForeignKey(
        NonAssociation, on_delete=models.PROTECT, related_name="overrides"
    )
    reason = models.TextField(max_length=NOTE_MAX)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [text_bound("nonassociationoverride", "reason", NOTE_MAX)]
        triggers = [
            pgtrigger.Protect(
                name="non_association_override_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self) -> str:
        return f"Override of {self.non_association} for {self.placement}"


@pghistory.track()
class Appointment(models.Model):
    """An additional appointment the offender manager makes to see him."""

    offender = models.ForeignKey(Offender, on_delete=models.PROTECT, related_name="appointments")
    on = models.DateField("Date", validators=[CASEWORK_DATE])
    purpose = models.CharField(max_length=300)
    attended = models.BooleanField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-on", "-pk"]

    def __str__(self) -> str:
        return f"Appointment with {self.offender} on {self.on}: {self.purpose}"


# --- One-to-ones: the pre-group one-to-one and the post-programme review -------------------


class OneToOneKind(models.TextChoices):
    PRE_GROUP = "pre_group", "Pre-group one-to-one"
    REVIEW = "review", "Post-programme review"


class OneToOneQuerySet(models.QuerySet):
    def pending(self):
        """Scheduled, not yet recorded, not cancelled."""
        return self.filter(recorded_at__isnull=True, cancelled_at__isnull=True)

    def live(self):
        """Not cancelled: what a schedule shows."""
        return self.filter(cancelled_at__isnull=True)


@pghistory.track()
class OneToOneSession(models.Model):
    """A scheduled one-to-one with the facilitators: the pre-group one-to-one (the assessment
    interview, before session 1) or the post-programme review (after the group's last
    session). Scheduled by his offender manager or a programme manager; recorded once by a
    facilitator named on it, and then never changed (the database refuses)."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="one_to_ones")
    kind = models.CharField(max_length=20, choices=OneToOneKind.choices)
    date = models.DateField(validators=[CASEWORK_DATE])
    start_time = models.TimeField()
    place = models.CharField(max_length=200)
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="one_to_ones_facilitated"
    )
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    scheduled_at = models.DateTimeField(auto_now_add=True)
    attended = models.BooleanField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=InterviewOutcome.choices, blank=True)
    notes = models.TextField(blank=True, max_length=NOTE_MAX)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)

    objects = OneToOneQuerySet.as_manager()

    class Meta:
        ordering = ["date", "start_time", "pk"]
        indexes = [models.Index(fields=["referral", "date"], name="one_to_one_referral_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=OneToOneKind.values), name="one_to_one_kind_known"
            ),
            # Recorded: who, when and whether he came, all three or none.
            models.CheckConstraint(
                condition=Q(recorded_at__isnull=True, recorded_by__isnull=True, attended=None)
                | Q(recorded_at__isnull=False, recorded_by__isnull=False, attended__isnull=False),
                name="one_to_one_recorded_whole",
            ),
            # An outcome only for a pre-group one-to-one he attended, and then always one.
            models.CheckConstraint(
                condition=Q(outcome="")
                | Q(
                    kind=OneToOneKind.PRE_GROUP, attended=True, outcome__in=InterviewOutcome.values
                ),
                name="one_to_one_outcome_when_attended",
            ),
            models.CheckConstraint(
                condition=~Q(kind=OneToOneKind.PRE_GROUP, attended=True) | ~Q(outcome=""),
                name="one_to_one_attended_pre_group_has_outcome",
            ),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True, cancelled_by__isnull=True)
                | Q(
                    cancelled_at__isnull=False, cancelled_by__isnull=False, recorded_at__isnull=True
                ),
                name="one_to_one_cancelled_whole_and_not_recorded",
            ),
            text_bound("one_to_one", "notes", NOTE_MAX),
        ]
        triggers = [
            # Recorded or cancelled, it is kept as it was.
            pgtrigger.Protect(
                name="one_to_one_recorded_locked",
                operation=pgtrigger.Update | pgtrigger.Delete,
                condition=pgtrigger.Q(old__recorded_at__isnull=False)
                | pgtrigger.Q(old__cancelled_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.date:%-d %B %Y}"

    def get_absolute_url(self) -> str:
        return reverse("programme:one_to_one", args=[self.pk])

    @property
    def state(self) -> str:
        if self.cancelled_at:
            return "Cancelled"
        if self.recorded_at:
            return "Attended" if self.attended else "Did not attend"
        return "Scheduled"


# --- After the programme ------------------------------------------------------------------


@pghistory.track()
class TreatmentTarget(models.Model):
    """A treatment target of a programme; the end-of-programme report reports against each."""

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="treatment_targets"
    )
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["programme", "number"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="target_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


@pghistory.track()
class EndOfProgrammeReport(models.Model):
    """The facilitators' report. A submitted version is locked; a correction is a new version."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="end_reports")
    version = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    previous_version = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="correction"
    )
    attendance_summary = models.JSONField(default=dict)
    overall_progress = models.TextField(blank=True, max_length=REPORT_SECTION_MAX)
    risk_factors = models.TextField(blank=True, max_length=REPORT_SECTION_MAX)
    relapse_prevention_plan = models.TextField(blank=True, max_length=REPORT_SECTION_MAX)
    recommendations = models.JSONField(
        default=list, help_text="The numbered recommendations, in order, as written."
    )
    correction_reason = models.CharField(max_length=300, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["referral", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "version"], name="report_version_unique"),
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(status="draft"),
                name="report_one_draft_per_referral",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="report_submitted_has_date",
            ),
            text_bound("report", "overall_progress", REPORT_SECTION_MAX),
            text_bound("report", "risk_factors", REPORT_SECTION_MAX),
            text_bound("report", "relapse_prevention_plan", REPORT_SECTION_MAX),
            # The recommendations are stored as a JSON list of the lines written (at most
            # REPORT_SECTION_MAX characters in all); its JSON text adds quotes and escapes.
            models.CheckConstraint(
                condition=LessThanOrEqual(
                    Length(Cast("recommendations", models.TextField())), RECOMMENDATIONS_JSON_MAX
                ),
                name="report_recommendations_max_length",
            ),
        ]
        # A submitted version is kept as it was sent: a correction is a new version.
        triggers = [
            pgtrigger.Protect(
                name="report_submitted_locked",
                operation=pgtrigger.Update | pgtrigger.Delete,
                condition=pgtrigger.Q(old__status="submitted"),
            )
        ]

    def __str__(self) -> str:
        return f"End-of-programme report v{self.version} for {self.referral.offender}"

    def get_absolute_url(self) -> str:
        return reverse("programme:report", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        return self.status == ReportStatus.SUBMITTED


@pghistory.track()
class TargetProgress(models.Model):
    report = models.ForeignKey(
        EndOfProgrammeReport, on_delete=models.PROTECT, related_name="progress"
    )
    target = models.ForeignKey(TreatmentTarget, on_delete=models.PROTECT, related_name="+")
    progress = models.TextField(blank=True, max_length=TARGET_PROGRESS_MAX)

    class Meta:
        ordering = ["target__number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "target"], name="progress_one_per_target"),
            text_bound("targetprogress", "progress", TARGET_PROGRESS_MAX),
        ]
        # Part of the report: locked with it once it is submitted. (A trigger's WHEN clause
        # cannot look at another table, so the function does.)
        triggers = [
            pgtrigger.Trigger(
                name="progress_of_submitted_report_locked",
                when=pgtrigger.Before,
                operation=pgtrigger.Update | pgtrigger.Delete,
                func=(
                    "IF EXISTS (SELECT 1 FROM programme_endofprogrammereport"
                    " WHERE id = OLD.report_id AND status = 'submitted') THEN"
                    " RAISE EXCEPTION 'pgtrigger: Cannot update or delete the progress of a"
                    " submitted report (table %)', TG_TABLE_NAME;"
                    " END IF;"
                    " IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;"
                    " RETURN NEW;"
                ),
            )
        ]

    def __str__(self) -> str:
        return f"Progress against {self.target}"


class RecommendationStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    NOT_PURSUED = "not_pursued", "Not pursued"


# A recommendation's status as a GOV.UK tag colour (as referrals.models.STATUS_TAG_COLOURS).
RECOMMENDATION_TAG_COLOURS = {
    RecommendationStatus.NOT_STARTED: "grey",
    RecommendationStatus.IN_PROGRESS: "blue",
    RecommendationStatus.DONE: "green",
    RecommendationStatus.NOT_PURSUED: "grey",
}


class RecommendationQuerySet(models.QuerySet):
    def outstanding(self):
        return self.filter(
            status__in=[RecommendationStatus.NOT_STARTED, RecommendationStatus.IN_PROGRESS]
        )


@pghistory.track()
class Recommendation(models.Model):
    """A recommendation the offender manager works until it is done (or closed with a reason)."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="recommendations")
    number = models.PositiveSmallIntegerField()
    text = models.TextField(max_length=REPORT_SECTION_MAX)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True, validators=[CASEWORK_DATE])
    status = models.CharField(
        max_length=15,
        choices=RecommendationStatus.choices,
        default=RecommendationStatus.NOT_STARTED,
    )
    not_pursued_reason = models.TextField(blank=True, max_length=NOTE_MAX)

    objects = RecommendationQuerySet.as_manager()

    class Meta:
        ordering = ["referral", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "number"], name="recommendation_number_unique"
            ),
            models.CheckConstraint(
                condition=~Q(status="not_pursued") | ~Q(not_pursued_reason=""),
                name="recommendation_not_pursued_has_reason",
            ),
            text_bound("recommendation", "text", REPORT_SECTION_MAX),
            text_bound("recommendation", "not_pursued_reason", NOTE_MAX),
        ]

    def __str__(self) -> str:
        return f"Recommendation {self.number} for {self.referral.offender}"

    def get_absolute_url(self) -> str:
        return reverse("programme:recommendation", args=[self.pk])

    @property
    def status_tag_colour(self) -> str:
        return RECOMMENDATION_TAG_COLOURS.get(self.status, "grey")

    @property
    def is_closed(self) -> bool:
        return self.status in (RecommendationStatus.DONE, RecommendationStatus.NOT_PURSUED)


@pghistory.track()
class RecommendationNote(models.Model):
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.PROTECT, related_name="notes"
    )
    on = models.DateField(validators=[ANY_DATE])
    text = models.TextField(max_length=NOTE_MAX)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["on", "pk"]
        constraints = [text_bound("recommendationnote", "text", NOTE_MAX)]

    def __str__(self) -> str:
        return f"Note on recommendation {self.recommendation.number}, {self.on}"


class HandoverMeetingQuerySet(models.QuerySet):
    def held(self):
        """Meetings that count as the handover: all three people were there."""
        return self.filter(
            offender_attended=True, facilitator_attended=True, offender_manager_attended=True
        )


@pghistory.track()
class HandoverMeeting(models.Model):
    """The three-way handover: the offender, a facilitator and the offender manager."""

    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="handover_meetings"
    )
    held_on = models.DateField(validators=[CASEWORK_DATE])
    place = models.CharField(max_length=200)
    offender_attended = models.BooleanField("The offender attended")
    facilitator_attended = models.BooleanField("A facilitator attended")
    offender_manager_attended = models.BooleanField("The offender manager attended")
    notes = models.TextField(blank=True, max_length=NOTE_MAX)
    agreed_actions = models.TextField(blank=True, max_length=NOTE_MAX)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = HandoverMeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-pk"]
        constraints = [
            text_bound("handover", "notes", NOTE_MAX),
            text_bound("handover", "agreed_actions", NOTE_MAX),
        ]

    def __str__(self) -> str:
        return f"Handover meeting for {self.referral.offender} on {self.held_on}"

    @property
    def all_attended(self) -> bool:
        return (
            self.offender_attended and self.facilitator_attended and self.offender_manager_attended
        )

    @property
    def missing_people(self) -> list[str]:
        return [
            who
            for who, attended in (
                ("the offender", self.offender_attended),
                ("a facilitator", self.facilitator_attended),
                ("the offender manager", self.offender_manager_attended),
            )
            if not attended
        ]


@pghistory.track()
class Reassessment(models.Model):
    """The post-programme re-assessment of his risk: OASys and RM2000 again."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="reassessments")
    oasys_on = models.DateField("OASys completed on", validators=[CASEWORK_DATE])
    risk_of_serious_harm = models.CharField(
        "Risk of serious harm (OASys ROSH)", max_length=10, choices=RiskLevel.choices
    )
    rm2000_on = models.DateField("RM2000 completed on", validators=[CASEWORK_DATE])
    rm2000_category = models.CharField("RM2000 category", max_length=10, choices=RiskLevel.choices)
    what_changed = models.TextField(max_length=NOTE_MAX)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-oasys_on", "-pk"]
        constraints = [text_bound("reassessment", "what_changed", NOTE_MAX)]

    def __str__(self) -> str:
        return f"Post-programme re-assessment of {self.referral.offender} on {self.oasys_on}"


class BulkPrintStatus(models.TextChoices):
    WAITING = "waiting", "Waiting to start"
    RUNNING = "running", "Printing"
    DONE = "done", "Ready to download"
    FAILED = "failed", "Could not be printed"


class BulkPrint(models.Model):
    """Every member's attendance record of a group, printed in the background by the task
    queue's worker (programme.tasks) into one ZIP file, for the person who asked.

    Not tracked by pghistory: the ZIP is derived from tracked records, and who downloaded it
    is in the consultation log. The file is kept in the database, not on disk, so any app
    process can serve it; `manage.py purge_pdf_renderings` removes old ones.
    """

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="bulk_prints")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True, db_index=True)
    status = models.CharField(
        max_length=10, choices=BulkPrintStatus.choices, default=BulkPrintStatus.WAITING
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    archive = models.BinaryField(null=True, blank=True, editable=False)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=F("total")), name="bulk_print_done_le_total"
            )
        ]

    def __str__(self) -> str:
        return f"Attendance records of {self.group} for {self.requested_by}"

    # A print not finished after this long stopped (its worker was killed): it may be asked
    # for again, and its page says so. A group's records take seconds a man to render.
    STUCK_AFTER = timedelta(minutes=15)

    @property
    def is_finished(self) -> bool:
        return self.status in (BulkPrintStatus.DONE, BulkPrintStatus.FAILED)

    @property
    def is_stuck(self) -> bool:
        return not self.is_finished and self.requested_at < timezone.now() - self.STUCK_AFTER

    @property
    def percent(self) -> int:
        if self.status == BulkPrintStatus.DONE:
            return 100
        return (100 * self.done) // self.total if self.total else 0

    def filename(self) -> str:
        return f"attendance-records-group-{self.group_id}-{self.requested_at:%Y-%m-%d}.zip"
