"""A national-scale data set for measuring the app (`manage.py generate_data`).

Not demo data and never for production: a deterministic simulation, for a seed and a day,
of a national service (40 offices, 100,000 offenders, 40,000 referrals, 3,000 groups, about
0.9 M attendance rows at scale 1.0) whose outcomes follow the app's own rules:

- eligibility: every assessment's outcome and reasons come from `decide_eligibility`;
- the waiting list: referrals move as `referral_create`, the checklist and `move_to` move
  them, and groups take the longest-waiting ready referrals of their programme and age band
  before their first session (`allocation_refusals`' rules; a 17–21 group only when enough
  17–21 referrals wait);
- registers: a man is on the registers from his first session to his last; a missed session
  sets off a catch-up, and he cannot be recorded as attending a later session while one is
  outstanding; past the programme's catch-up limit the attempt ends in a restart (a new
  referral keeping his place in the queue); every session and catch-up done completes it;
- enforcement: each failure gets the policy's proposal (`propose_enforcement`, warnings in
  the window counted as the app counts them), a deadline in working days, and a decision;
  a breach, or a recall on licence, moves the referral as the app does;
- history: the rows pghistory's triggers would have written for each insert and each update
  (the triggers are switched off for the load and the rows written here, in bulk), and the
  status history (`ReferralStatusChange`) as `move_to` writes it.

Rows are built in Python and loaded with COPY in one transaction, as the owner role (only
the owner may switch triggers off and empty the history tables).
"""

import gc
import io
import json
import queue
import random
import re
import threading
import time
from bisect import insort
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection

from programme.models import (
    ATTENDED_OUTCOMES,
    ENFORCEABLE_OUTCOMES,
    AbsenceReason,
    AttendanceOutcome,
    EnforcementAction,
    EnforcementDecisionType,
    NoticeKind,
    ProgrammeSession,
    add_working_days,
    propose_enforcement,
)
from programme.reference_data import ensure_all_reference_data
from programme.services.register import RESTART_NOTE
from programme.services.scheduling import session_dates
from programme.services.versions import newest_usable_version
from referrals.eligibility import EligibilityFacts, add_months, decide_eligibility, whole_years
from referrals.services import READY_NOTE
from referrals.validators import pnc_check_letter

# Published on purpose: generated data only, never production.
PASSWORD = "generated-password-2026"  # nosec B105
BIG_OFFICE_PM = "pm.office01"
BIG_CASELOAD_OM = "om.office01.001"
HOT_FACILITATOR = "fac.office01.001"

# The sizes at scale 1.0 (issue 10).
OFFICES = 40
AREAS = 10
OFFENDERS = 100_000
GROUPS = 3_000
CASELOAD = 60  # offenders per offender manager
BIG_OFFICE_SHARE = 0.10
# The big office forms fewer groups for its cases, so about 5,000 of its referrals wait.
BIG_OFFICE_GROUP_SHARE = 0.04
BIG_CASELOAD = 300
BIG_CASELOAD_NOTICES = 500

FIRST_NAMES = (
    "Aaron Adam Aiden Alan Albert Alex Alfie Andrew Anthony Archie Arthur Barry Ben Billy "
    "Bradley Brian Callum Carl Charlie Chris Colin Connor Craig Daniel Darren David Dean "
    "Declan Dennis Derek Dominic Douglas Dylan Edward Elliot Eric Ethan Evan Frank Fraser "
    "Gareth Gary Gavin George Glen Gordon Graham Harry Harvey Henry Hugo Ian Isaac Jack "
    "Jacob Jake James Jamie Jason Jeffrey Joel John Jordan Joseph Joshua Keith Kevin Kieran "
    "Kyle Lee Leo Leon Lewis Liam Logan Louis Luke Malcolm Mark Martin Mason Matthew Max "
    "Michael Mohammed Nathan Neil Nicholas Noah Oliver Oscar Owen Patrick Paul Peter Philip "
    "Reece Richard Robert Ross Ryan Samuel Scott Sean Shane Simon Stephen Steven Stuart "
    "Terry Thomas Toby Tom Tony Trevor Tyler Victor Wayne William Zach"
).split()
# Invented surnames: two made-up halves, so no real person is named.
SURNAME_HEADS = (
    "Amber Ash Bar Black Bram Brook Bur Cale Cob Crag Dale Dun Elm Fen Fern Gill Glen Hale "
    "Hol Kirk Lark Lin Marl Mere Moss Nether Oak Pen Quarry Rook Rush Sal Stan Thorn Wal "
    "Whin Wick Wold Yar"
).split()
SURNAME_TAILS = (
    "acre berry borne brook by combe cote croft dell ford gate hay holt hurst ley low mere "
    "more stead stow thwaite ton well wick worth"
).split()
OFFENCES = [
    ("Making indecent photographs of children (internet)", True),
    ("Possession of indecent images of children (online)", True),
    ("Distributing indecent images of children (online)", True),
    ("Attempting to meet a child following online grooming", True),
    ("Sexual communication with a child (online)", True),
    ("Theft from a shop", False),
    ("Common assault", False),
]
LANGUAGES = ["Polish", "Romanian", "Urdu", "Punjabi", "Lithuanian", "Portuguese", "Arabic"]
LATENESS = (0, 0, 0, 0, 0, 0, 0, 0, 5, 10)
RISK_NOTE = "Spoke of contact with a child online: shared with the offender manager."
REPORT_SECTIONS = {
    "overall_progress": "Attended well and took part; understands the pattern of his offending.",
    "risk_factors": "Isolation, late-night internet use and low mood.",
    "relapse_prevention_plan": "Filtering software, an evening routine, and a named person "
    "he will tell when he feels low.",
}
TARGET_PROGRESS = "Some progress: he can name the steps and is practising them."
RECOMMENDATIONS = [
    "Check the monitoring software on his devices at each supervision appointment.",
    "Refer him to the local employment and training service.",
    "Review his relapse prevention plan with him every three months.",
    "Support his contact with the community mental health team.",
    "Agree safe use of social media and record it in his sentence plan.",
]
HANDOVER_PLACE = "Probation office, interview room 1"
ABSENCE_REASONS = [r.value for r in AbsenceReason if r != AbsenceReason.STOOD_DOWN]

Row = dict


# --- COPY text ------------------------------------------------------------------------------


_SPECIAL = re.compile(r"[\\\t\n\r]").search


def _escape(value: str) -> str:
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def _str(value: str) -> str:
    return _escape(value) if _SPECIAL(value) else value


def _missing(value):
    raise KeyError("a column with no default was not given")


_MISSING = object()
# How each Python type is written in COPY's text format; by exact type, for speed.
_FORMATS = {
    str: _str,
    int: str,
    bool: lambda value: "t" if value else "f",
    type(None): lambda value: r"\N",
    date: date.isoformat,
    list: lambda value: _str(json.dumps(value)),
    dict: lambda value: _str(json.dumps(value)),
    object: _missing,
}


def _text(value) -> str:
    """Any other type: a str or int subclass (a TextChoices or IntegerChoices member)."""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, str):
        return _str(str(value))
    if isinstance(value, int):
        return str(int(value))
    return _FORMATS[type(value)](value)


class Table:
    """The rows of one table, as COPY text, in the columns its model names."""

    def __init__(self, model, *, event: bool = False):
        self.model = model
        self.name = model._meta.db_table
        fields = [f for f in model._meta.concrete_fields if not (event and f.attname == "pgh_id")]
        self.columns = [f.column for f in fields]
        self.pairs = []
        for f in fields:
            if f.has_default() and not callable(f.default):
                default = f.default
            elif f.null:
                default = None
            elif f.get_internal_type() in ("CharField", "TextField", "SlugField"):
                default = ""
            else:
                default = _MISSING
            self.pairs.append((f.attname, default))
        self.lines: list[str] = []
        self.copied = 0

    def add(self, row: Row) -> None:
        get = row.get
        formats = _FORMATS
        self.lines.append(
            "\t".join(
                [
                    (formats.get(type(value)) or _text)(value)
                    for value in [get(name, default) for name, default in self.pairs]
                ]
            )
        )

    def __len__(self) -> int:
        return self.copied + len(self.lines)

    def take(self) -> str:
        """The rows so far as COPY's input; the table is then empty in memory."""
        data = "\n".join(self.lines) + "\n"
        self.copied += len(self.lines)
        self.lines = []
        return data


def ts(day: date, minutes: int = 600) -> str:
    """A moment on a day, `minutes` after midnight (UTC), as PostgreSQL reads it."""
    return f"{day.isoformat()} {minutes // 60 % 24:02d}:{minutes % 60:02d}:00+00"


# --- The simulation ---------------------------------------------------------------------------


@dataclass
class Referral:
    row: Row
    offender: Row
    office: int
    programme: str  # "isotp" or "nsogp"
    ready_on: date | None  # the checklist completes (None: never)
    leave_on: date | None  # withdrawn from the waiting list, unless placed first
    placed: bool = False
    closed: bool = False


@dataclass
class Man:
    """What follows him between attempts: his formal warnings and pending enforcements."""

    warnings: list[date] = field(default_factory=list)
    enforcements: list[tuple] = field(default_factory=list)  # (decide_on, row, placement ctx)


class Generator:
    def __init__(self, *, scale: float, seed: int, today: date, out=None):
        self.scale = scale
        self.seed = seed
        self.today = today
        self.rng = random.Random(seed)
        self.out = out
        self.tables: dict[str, Table] = {}
        self.events: dict[str, Table] = {}
        self.ids: dict[str, int] = {}
        from referrals.models import ClosingReason, Programme, StatusTransition

        self.programmes = {p.code: p for p in Programme.objects.all()}
        # Each group runs the newest complete version of its programme, its sessions named.
        self.versions = {
            code: newest_usable_version(programme) for code, programme in self.programmes.items()
        }
        self.named_sessions = {
            code: dict(version.sessions.values_list("number", "pk"))
            for code, version in self.versions.items()
            if version is not None
        }
        self.session_names = {
            session.pk: session.name
            for session in ProgrammeSession.objects.filter(
                version__in=[v for v in self.versions.values() if v is not None]
            ).select_related("module")
        }
        self.isotp_rules = self.programmes["isotp"].rules()
        self.nsogp_rules = self.programmes["nsogp"].rules()
        # In the model's order: the automatic moves take the first, as the services do
        # (`ClosingReason.objects.filter(status=...).first()`).
        self.reasons = {}
        self.court_revoked = None
        for reason in ClosingReason.objects.all():
            self.reasons.setdefault(reason.status, []).append(reason.pk)
            if reason.status == "withdrawn" and reason.text.startswith("Order revoked"):
                self.court_revoked = reason.pk
        self.transitions = set(StatusTransition.objects.values_list("from_status", "to_status"))
        from programme.models import BankHoliday, TreatmentTarget

        self.holidays = BankHoliday.objects.days_off()
        self.targets: dict[int, list[int]] = {}
        for target in TreatmentTarget.objects.order_by("number"):
            self.targets.setdefault(target.programme_id, []).append(target.pk)
        self.men: dict[int, Man] = {}
        self._all_rows: dict[str, list[Row]] = {}  # every row, by model label, in id order
        self.notices: list[Row] = []

    # --- rows and their history

    def table(self, label: str) -> Table:
        if label not in self.tables:
            model = apps.get_model(label)
            self.tables[label] = Table(model)
            event_model = _event_model(model)
            if event_model is not None:
                self.events[label] = Table(event_model, event=True)
        return self.tables[label]

    def next_id(self, label: str) -> int:
        self.ids[label] = self.ids.get(label, 0) + 1
        return self.ids[label]

    def new(self, label: str, at: str | None, /, **row) -> Row:
        """A new row (its id given here); with `at`, the insert event pghistory would write."""
        self.table(label)
        row.setdefault("id", self.next_id(label))
        row["_label"] = label
        self._rows(label).append(row)
        if at is not None and label in self.events:
            self.event(row, "insert", at)
        return row

    def _rows(self, label: str) -> list[Row]:
        return self._all_rows.setdefault(label, [])

    def event(self, row: Row, label: str, at: str) -> None:
        """The history row of this record's state now (an insert or an update)."""
        events = self.events.get(row["_label"])
        if events is not None:
            row["pgh_created_at"] = at
            row["pgh_label"] = label
            row["pgh_obj_id"] = row["id"]
            events.add(row)

    def update(self, row: Row, at: str, /, **changes) -> None:
        row.update(changes)
        self.event(row, "update", at)

    # --- status moves, as Referral.move_to writes them

    def move(self, referral: Row, to_status: str, *, by: int, at: str, reason=None, note=""):
        from_status = referral["status"]
        assert (from_status, to_status) in self.transitions, (from_status, to_status)
        self.new(
            "referrals.ReferralStatusChange",
            at,
            referral_id=referral["id"],
            from_status=from_status,
            to_status=to_status,
            by_id=by,
            at=at,
            reason_id=self.reasons[to_status][0] if reason is True else reason,
            note=note,
        )
        self.update(referral, at, status=to_status)

    def notice(
        self, offender: Row, kind: str, message: str, *, by, at: str, day: date, attendance=None
    ):
        row = self.new(
            "programme.Notice",
            at,
            offender_id=offender["id"],
            kind=kind,
            message=message,
            attendance_id=attendance,
            created_by_id=by,
            created_at=at,
            acknowledged_at=None,
            acknowledged_by_id=None,
            action_taken="",
        )
        row["_day"] = day
        row["_om"] = offender["offender_manager_id"]
        self.notices.append(row)
        return row

    def say(self, message: str) -> None:
        if self.out is not None:
            self.out(message)

    # --- the whole run

    def run(self) -> dict:
        started = time.monotonic()
        self.make_staff()
        self.start_writer()
        try:
            for office in self.offices:
                self.make_cases(office)
                self.run_groups(office)
                self.send_history()
            self.settle_all()
            self.acknowledge_notices()
            self.send_history()
        finally:
            self.stop_writer()
        self.say(f"Simulated (history copied alongside) in {time.monotonic() - started:.1f} s")
        return self.counts()

    def counts(self) -> dict[str, int]:
        counts = {self.tables[label].name: len(rows) for label, rows in self._all_rows.items()}
        history = sum(len(t) for t in self.events.values())
        return counts | {"history rows (pghistory events)": history}

    # --- offices and staff

    def make_staff(self) -> None:
        rng = self.rng
        n_offices = OFFICES if self.scale >= 1 else max(4, round(OFFICES * self.scale**0.5))
        n_areas = max(1, round(n_offices / OFFICES * AREAS))
        start = self.today - timedelta(days=3 * 365)
        at = ts(start, 480)
        self.hash = make_password(PASSWORD, salt=f"generated{self.seed}")
        areas = [
            self.new("isotp.ProbationArea", at, name=f"Area {n:02d} (generated)")
            for n in range(1, n_areas + 1)
        ]
        offenders = round(OFFENDERS * self.scale)
        groups = max(n_offices, round(GROUPS * self.scale))
        big = max(1, round(offenders * BIG_OFFICE_SHARE))
        big_groups = max(1, round(groups * BIG_OFFICE_GROUP_SHARE))
        self.offices = []
        for n in range(1, n_offices + 1):
            office = self.new(
                "isotp.Office",
                at,
                area_id=areas[(n - 1) % n_areas]["id"],
                name=f"Office {n:02d} PDU (generated)",
            )
            if n == 1:
                office["_offenders"], office["_groups"] = big, big_groups
            else:
                share = 1 / (n_offices - 1)
                office["_offenders"] = round((offenders - big) * share)
                office["_groups"] = max(1, round((groups - big_groups) * share))
            self.offices.append(office)
            code = f"office{n:02d}"
            office["_pm"] = self.staff(f"pm.{code}", "programme_manager", office, at)["id"]
            oms = max(2, round(office["_offenders"] / CASELOAD))
            office["_oms"] = [
                self.staff(
                    f"om.{code}.{k:03d}",
                    "offender_manager",
                    office,
                    at,
                    accredited=k == 1 or rng.random() < 0.6,
                )["id"]
                for k in range(1, oms + 1)
            ]
            office["_accredited"] = [
                s for s in office["_oms"] if self._all_rows["isotp.Staff"][s - 1]["accredited_on"]
            ]
            facs = max(2, round(office["_groups"] / 10))
            office["_facs"] = [
                self.staff(f"fac.{code}.{k:03d}", "facilitator", office, at)["id"]
                for k in range(1, facs + 1)
            ]
        self.admin = self.staff("admin.generated", "admin", self.offices[0], at)["id"]
        self.staff("auditor.generated", "auditor", self.offices[0], at)

    def staff(self, username: str, role: str, office: Row, at: str, accredited=False) -> Row:
        rng = self.rng
        row = self.new(
            "isotp.Staff",
            at,
            password=self.hash,
            last_login=None,
            is_superuser=role == "admin",
            username=username,
            first_name=rng.choice(FIRST_NAMES),
            last_name=rng.choice(SURNAME_HEADS) + rng.choice(SURNAME_TAILS),
            email=f"{username}@generated.invalid",
            is_staff=role == "admin",
            is_active=True,
            date_joined=at,
            role=role,
            office_id=office["id"],
            accredited_on=self.today - timedelta(days=rng.randint(400, 3000))
            if accredited
            else None,
        )
        self.new(
            "otp_totp.TOTPDevice",
            None,
            user_id=row["id"],
            name="Authenticator app",
            confirmed=True,
            key=f"{rng.getrandbits(160):040x}",
            step=30,
            t0=0,
            digits=6,
            tolerance=1,
            drift=0,
            last_t=-1,
            throttling_failure_count=0,
            created_at=at,
        )
        return row

    # --- offenders, assessments and referrals

    def make_cases(self, office: Row) -> None:
        rng = self.rng
        today = self.today
        oms = office["_oms"]
        big = office["id"] == 1
        office["_referrals"] = []
        # The big office's first offender manager has the biggest caseload of all: more
        # than any other offender manager's, and BIG_CASELOAD at full scale.
        first_caseload = 0
        if big:
            others = max(
                -(-o["_offenders"] // len(o["_oms"])) for o in self.offices[1:] or [office]
            )
            first_caseload = min(
                office["_offenders"] - (len(oms) - 1),
                max(round(BIG_CASELOAD * self.scale), others + 1),
            )
        for k in range(office["_offenders"]):
            index = self.ids.get("referrals.Offender", 0)
            if big:
                om = oms[0] if k < first_caseload else oms[1 + k % (len(oms) - 1)]
            else:
                om = oms[k % len(oms)]
            gender = "male" if rng.random() < 0.97 else rng.choice(["female", "other"])
            order_start = today - timedelta(days=rng.randint(10, 5 * 365))
            order_end = add_months(order_start, rng.randint(12, 72))
            age = rng.choice((16, 17, 18, 19, 20)) if rng.random() < 0.07 else rng.randint(21, 75)
            born = today - timedelta(days=age * 365 + rng.randint(0, 364))
            created = order_start - timedelta(days=rng.randint(0, 40))
            created_at = ts(created, rng.randint(480, 1020))
            year = str(rng.randint(2005, 2025))
            serial = str(rng.randint(1, 9_999_999))
            pnc = f"{year}/{serial.zfill(7)}{pnc_check_letter(year, serial)}"
            letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
            offender = self.new(
                "referrals.Offender",
                created_at,
                crn=f"{letters[index % 23]}{(index // 23 * 48271 + 13) % 1_000_000:06d}",
                pnc_number=pnc if rng.random() < 0.8 else "",
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(SURNAME_HEADS) + rng.choice(SURNAME_TAILS),
                date_of_birth=born,
                gender=gender,
                offender_manager_id=om,
                office_id=office["id"],
                order_type=rng.choices(
                    ["community_order", "suspended_sentence_order", "licence"], (5, 2, 3)
                )[0],
                order_start=order_start,
                order_end=order_end,
                interpreter_language=rng.choice(LANGUAGES) if rng.random() < 0.04 else "",
                needs_large_print=rng.random() < 0.03,
                needs_braille=rng.random() < 0.003,
                needs_easy_read=rng.random() < 0.05,
                restricted=False,
                created_at=created_at,
                updated_at=created_at,
            )
            internet = rng.random() < 0.93
            for n in range(1 if rng.random() < 0.8 else 2):
                description, sexual = (
                    rng.choice(OFFENCES[:5]) if internet and n == 0 else rng.choice(OFFENCES)
                )
                self.new(
                    "referrals.Offence",
                    created_at,
                    offender_id=offender["id"],
                    description=description,
                    internet_related_sexual=sexual,
                    offence_date=order_start - timedelta(days=rng.randint(200, 900)),
                    conviction_date=order_start - timedelta(days=rng.randint(0, 60)),
                    created_at=created_at,
                )
            if rng.random() < (0.97 if big else 0.9):
                self.assess(office, offender, internet, big)

    def assess(self, office: Row, offender: Row, internet: bool, big: bool) -> None:
        rng = self.rng
        today = self.today
        post = rng.random() < 0.6
        start = offender["order_start"]
        assessed_on = start + timedelta(days=rng.randint(1, 60) if post else -rng.randint(1, 30))
        assessed_on = min(assessed_on, today - timedelta(days=1))
        complete = rng.random() < 0.97
        rosh = rng.choices(["low", "medium", "high", "very_high"], (30, 45, 20, 5))[0]
        facts = EligibilityFacts(
            gender=offender["gender"],
            date_of_birth=offender["date_of_birth"],
            assessed_on=assessed_on,
            post_sentence=post,
            internet_sexual_offence=internet,
            oasys_completed_on=assessed_on - timedelta(days=rng.randint(0, 20)),
            risk_of_serious_harm=rosh,
            rm2000_completed_on=assessed_on - timedelta(days=rng.randint(0, 20))
            if complete
            else None,
            rm2000_category=rng.choice(["low", "medium", "high", "very_high"])
            if complete
            else None,
            deviance=("high" if rng.random() < 0.1 else "low") if post else None,
            order_start=start,
            order_end=offender["order_end"],
        )
        result = decide_eligibility(facts, isotp=self.isotp_rules, nsogp=self.nsogp_rules)
        code = {"eligible": "isotp", "refer_nsogp": "nsogp"}.get(result.outcome)
        om = offender["offender_manager_id"]
        assessor = om if om in office["_accredited"] else rng.choice(office["_accredited"])
        at = ts(assessed_on, rng.randint(540, 1000))
        assessment = self.new(
            "referrals.Assessment",
            at,
            offender_id=offender["id"],
            stage="post_sentence" if post else "pre_sentence",
            assessed_on=assessed_on,
            assessor_id=assessor,
            oasys_completed_on=facts.oasys_completed_on,
            risk_of_serious_harm=rosh,
            rm2000_completed_on=facts.rm2000_completed_on,
            rm2000_category=facts.rm2000_category or "",
            deviance=facts.deviance or "",
            internet_offence_confirmed=internet,
            notes="",
            outcome=result.outcome,
            reasons=result.reasons,
            outcome_programme_id=self.programmes[code].pk if code else None,
            created_at=at,
        )
        if code is None or rng.random() > (0.97 if big else 0.66):
            return
        referred_on = assessed_on + timedelta(days=rng.randint(0, 30))
        if referred_on >= today:
            return
        at = ts(referred_on, rng.randint(540, 1000))
        referral = self.new(
            "referrals.Referral",
            at,
            offender_id=offender["id"],
            programme_id=self.programmes[code].pk,
            assessment_id=assessment["id"],
            status="awaiting_assessment",
            referred_on=referred_on,
            waiting_since=referred_on,
            previous_attempt_id=None,
            referred_by_id=om,
            created_at=at,
        )
        checklist = self.new(
            "referrals.PreProgrammeChecklist", at, referral_id=referral["id"], updated_at=at
        )
        self.new(
            "referrals.ReferralStatusChange",
            at,
            referral_id=referral["id"],
            from_status="",
            to_status="awaiting_assessment",
            by_id=om,
            at=at,
            reason_id=None,
            note=f"Referred to the {self.programmes[code].name} waiting list",
        )
        roll = rng.random()
        ready_on = None
        leave_on = None
        if rng.random() < 0.06:
            leave_on = referred_on + timedelta(days=rng.randint(30, 500))
        # The documents arrive first; liaison, his confirmation and the interview later.
        documents_on = referred_on + timedelta(days=rng.randint(3, 30))
        if documents_on < today:
            self.fill_documents(checklist, documents_on)
        if roll < 0.04:  # judged suitable but not ready: a deliberate decision, left alone
            on = referred_on + timedelta(days=rng.randint(10, 40))
            if on < today:
                self.move(referral, "suitable_not_ready", by=om, at=ts(on, 660))
                if leave_on and leave_on <= on:
                    leave_on = on + timedelta(days=30)
        elif roll < 0.85:
            ready_on = documents_on + timedelta(days=rng.randint(7, 90))
            if ready_on >= today or (leave_on and leave_on <= ready_on):
                ready_on = None
            else:
                self.complete_checklist(checklist, ready_on)
                self.move(
                    referral, "awaiting_allocation", by=om, at=ts(ready_on, 700), note=READY_NOTE
                )
        office["_referrals"].append(
            Referral(referral, offender, office["id"], code, ready_on, leave_on)
        )
        referral["_checklist"] = checklist

    def fill_documents(self, checklist: Row, on: date) -> None:
        rng = self.rng
        changes = {}
        for prefix in ("psr", "additional_reports", "cps_pack", "previous_convictions"):
            if rng.random() < 0.1:
                changes[f"{prefix}_not_available"] = True
            else:
                changes[f"{prefix}_provided_on"] = on
        at = ts(on, 630)
        self.update(checklist, at, updated_at=at, **changes)

    def complete_checklist(self, checklist: Row, on: date) -> None:
        at = ts(on, 690)
        self.update(
            checklist,
            at,
            updated_at=at,
            liaison_on=on - timedelta(days=3),
            understands_requirements_on=on - timedelta(days=2),
            information_format="Standard print",
            interview_on=on,
            interview_attended=True,
            interview_outcome="suitable",
        )

    # --- groups, allocation and registers

    def run_groups(self, office: Row) -> None:
        rng = self.rng
        today = self.today
        n = office["_groups"]
        # Groups start from 190 weeks ago to 6 weeks ahead, spread evenly, each on its weekday.
        first = today - timedelta(weeks=190)
        span = 196 * 7
        pool = sorted(office["_referrals"], key=lambda r: (r.row["waiting_since"], r.row["id"]))
        for g in range(n):
            start = first + timedelta(days=int(span * (g + rng.random()) / n))
            weekday = rng.randint(0, 4)
            start = start + timedelta(days=(weekday - start.weekday()) % 7)
            allocate_on = start - timedelta(days=rng.randint(7, 21))
            self.make_group(office, pool, g, start, weekday, allocate_on)
            if g % 20 == 19:
                pool = [r for r in pool if not (r.placed or r.closed)]
        for referral in office["_referrals"]:
            self.leave_waiting_list(referral)

    def ready(self, referral: Referral, on: date) -> bool:
        return (
            not referral.placed
            and not referral.closed
            and referral.ready_on is not None
            and referral.ready_on <= on
            and (referral.leave_on is None or referral.leave_on > on)
        )

    def make_group(
        self, office, pool, g: int, start: date, weekday: int, allocate_on: date
    ) -> None:
        rng = self.rng
        today = self.today
        allocating = allocate_on < today
        ready = [r for r in pool if self.ready(r, allocate_on)] if allocating else []
        nsogp = sum(1 for r in ready if r.programme == "nsogp")
        code = "nsogp" if rng.random() * max(1, len(ready)) < nsogp else "isotp"
        programme = self.programmes[code]
        candidates = [r for r in ready if r.programme == code]
        young = [
            r
            for r in candidates
            if whole_years(r.offender["date_of_birth"], start) < programme.young_band_upper_age
        ]
        band = (
            "17_21"
            if len(young) >= programme.young_group_threshold and rng.random() < 0.5
            else "21_plus"
        )
        if band == "17_21":
            candidates = young
        else:
            young_ids = {id(r) for r in young}
            candidates = [r for r in candidates if id(r) not in young_ids]
        created_on = min(allocate_on - timedelta(days=7), today - timedelta(days=1))
        at = ts(created_on, 600)
        # Two facilitators a group, taken in turn: each runs groups at every stage.
        n_facs = len(office["_facs"])
        facs = list(dict.fromkeys([office["_facs"][g % n_facs], office["_facs"][(g + 1) % n_facs]]))
        group = self.new(
            "programme.Group",
            at,
            programme_id=programme.pk,
            version_id=self.versions[code].pk,
            age_band=band,
            office_id=office["id"],
            venue=f"Room {rng.randint(1, 6)}, {office['name']}",
            treatment_manager_id=office["_pm"],
            lead_facilitator_id=facs[0],
            start_date=start,
            # One meeting day (a smallint[] in COPY's text form).
            weekdays=f"{{{weekday}}}",
            start_time=rng.choice(["10:00:00", "14:00:00", "18:00:00"]),
            created_by_id=office["_pm"],
            created_at=at,
        )
        for fac in facs:
            self.new("programme.Group_facilitators", None, group_id=group["id"], staff_id=fac)
        dates = session_dates(
            first_on_or_after=start,
            weekdays=[weekday],
            count=programme.sessions,
            holidays=self.holidays,
        )
        sessions = [
            self.new(
                "programme.GroupSession",
                at,
                group_id=group["id"],
                number=number,
                programme_session_id=self.named_sessions[code][number],
                date=day,
                register_completed_at=None,
                register_completed_by_id=None,
            )
            for number, day in enumerate(dates, 1)
        ]
        # Each session run by the group's two: the first leads, the other covers.
        for session in sessions:
            for fac in facs:
                self.new(
                    "programme.SessionFacilitator",
                    at,
                    session_id=session["id"],
                    staff_id=fac,
                    role="lead" if fac == facs[0] else "cover",
                    added_by_change_id=None,
                    ended_by_change_id=None,
                )
        if not allocating:
            return
        size = min(programme.max_group_size, rng.randint(9, 10))
        members = []
        for referral in candidates[:size]:
            referral.placed = True
            alloc_at = ts(allocate_on, rng.randint(540, 960))
            placement = self.new(
                "programme.Placement",
                alloc_at,
                group_id=group["id"],
                referral_id=referral.row["id"],
                allocated_by_id=office["_pm"],
                allocated_at=alloc_at,
                allocated_on=allocate_on,
                first_session_id=sessions[0]["id"],
                last_session_id=None,
                ended_on=None,
                end_reason="",
            )
            group_label = (
                f"{programme.name} {dict(_BANDS)[band]} group, {group['venue']}, "
                f"from {start:%-d %B %Y}"
            )
            self.move(
                referral.row,
                "scheduled",
                by=office["_pm"],
                at=alloc_at,
                note=f"Allocated to {group_label}",
            )
            man = self.men.setdefault(referral.offender["id"], Man())
            members.append(Attempt(referral, placement, man, programme, rng.random()))
        self.run_registers(office, pool, sessions, members, facs)

    def run_registers(self, office, pool, sessions, members: list["Attempt"], facs) -> None:
        rng = self.rng
        today = self.today
        limit = self.programmes["isotp"].catch_up_limit
        for index, session in enumerate(sessions):
            day = session["date"]
            if day >= today:
                break
            record_minutes = rng.randint(780, 1140)
            at = ts(day, record_minutes)
            by = rng.choice(facs)
            for m in members:
                self.settle(m.man, before=day)
                m.catch_ups_done_by(self, day)
            active = [m for m in members if m.member_at(session)]
            if index == 0:
                for m in active:
                    if m.referral.row["status"] == "scheduled":
                        self.move(
                            m.referral.row,
                            "on_programme",
                            by=by,
                            at=at,
                            note=f"First session: Session 1 on {day:%-d %B %Y}",
                        )
            for m in active:
                outcome, reason = m.outcome(rng)
                attended = outcome in ATTENDED_OUTCOMES
                risk = attended and rng.random() < 0.01
                attendance = self.new(
                    "programme.Attendance",
                    at,
                    session_id=session["id"],
                    placement_id=m.placement["id"],
                    outcome=outcome,
                    absence_reason=reason,
                    minutes_late=rng.choice(LATENESS) if attended else 0,
                    homework_done=rng.random() < 0.85 if attended else None,
                    note=RISK_NOTE if risk else "",
                    risk_relevant=risk,
                    change_reason="",
                    recorded_by_id=by,
                    recorded_at=at,
                )
                if risk:
                    self.notice(
                        m.referral.offender,
                        NoticeKind.RISK_NOTE,
                        RISK_NOTE,
                        by=by,
                        at=at,
                        day=day,
                        attendance=attendance["id"],
                    )
                m.recorded.add(session["number"])
                m.outcomes[outcome] = m.outcomes.get(outcome, 0) + 1
                if reason:
                    label = str(AbsenceReason(reason).label)
                    m.absence_reasons[label] = m.absence_reasons.get(label, 0) + 1
                if outcome not in ATTENDED_OUTCOMES:
                    m.missed.append((session, outcome))
                    m.miss(self, session, at, by, rng)
                if outcome in ENFORCEABLE_OUTCOMES:
                    self.open_enforcement(m, attendance, day, at)
            self.update(
                session,
                ts(day, record_minutes + 1),
                register_completed_at=ts(day, record_minutes + 1),
                register_completed_by_id=by,
            )
            for m in active:
                self.review(m, session, sessions, at, by, limit, pool)
        # Catch-ups done after the last session complete the attempt then.
        for m in members:
            self.settle(m.man, before=today)
            m.catch_ups_done_by(self, today)
            if m.placement["ended_on"] is None:
                self.review(m, None, sessions, None, rng.choice(facs), limit, pool)

    def review(self, m: "Attempt", session, sessions, at, by, limit, pool) -> None:
        """placement_review: restart past the catch-up limit, or complete."""
        referral = m.referral.row
        # After the last register, the review that follows a catch-up or a status move.
        at = at or ts(self.today - timedelta(days=1), 900)
        if m.placement["ended_on"] is not None:
            return
        if len(m.misses) > limit:
            if referral["status"] in ("on_programme", "scheduled"):
                self.restart(m, m.misses[limit], at, by, pool)
            elif not m.told_over_limit:
                m.told_over_limit = True
                self.notice(
                    m.referral.offender,
                    NoticeKind.CORRECTION,
                    "He has missed more sessions than catch-ups allow, but his referral is "
                    f"“{referral['status'].replace('_', ' ')}”, so the app has not ended the "
                    "attempt: decide whether he must restart.",
                    by=by,
                    at=at or ts(self.today - timedelta(days=1), 900),
                    day=session["date"] if session else self.today - timedelta(days=1),
                )
            return
        if referral["status"] != "on_programme":
            return
        last = sessions[-1]
        if last["number"] not in m.recorded or m.outstanding:
            return
        # Never before the court let him continue: a man in breach completes nothing.
        done_on = max([last["date"], *m.catch_up_days, *filter(None, [m.resumed_on])])
        done_at = at if session is not None else ts(done_on, 1000)
        self.move(
            referral, "post_programme", by=by, at=done_at, note="Every session and catch-up done"
        )
        self.notice(
            m.referral.offender,
            NoticeKind.COMPLETION,
            f"He has completed all {len(sessions)} sessions of {m.programme.name}: "
            "arrange the three-way handover once the end-of-programme report is in.",
            by=by,
            at=done_at,
            day=done_on,
        )
        m.completed = True
        self.after_programme(m, done_on, facilitator=by)

    def after_programme(self, m: "Attempt", done_on: date, *, facilitator: int) -> None:
        """What follows completion, as far as the day allows: the report (report_submit, with
        its notice and recommendations), the handover (handover_record), the re-assessment
        (reassessment_record), the recommendations worked, and closing (referral_close)."""
        rng = self.rng
        today = self.today
        referral = m.referral.row
        om = m.referral.offender["offender_manager_id"]
        submit_on = done_on + timedelta(days=rng.randint(5, 45))
        started_on = done_on + timedelta(days=rng.randint(1, 4))
        if submit_on >= today:
            if started_on < today and rng.random() < 0.5:
                self.report(m, facilitator, started_on, submitted_on=None)
            return
        report = self.report(m, facilitator, started_on, submitted_on=submit_on)
        at = report["submitted_at"]
        due = submit_on + timedelta(days=m.programme.handover_due_days)
        self.notice(
            m.referral.offender,
            NoticeKind.REPORT,
            "The end-of-programme report (version 1) has been submitted. Arrange the three-way "
            f"handover meeting with him and a facilitator by {due:%-d %B %Y}.",
            by=facilitator,
            at=at,
            day=submit_on,
        )
        closed_on = [submit_on]
        for number, text in enumerate(report["recommendations"], 1):
            recommendation = self.new(
                "programme.Recommendation",
                at,
                referral_id=referral["id"],
                number=number,
                text=text,
                owner_id=om,
                due_on=submit_on + timedelta(days=90),
                status="not_started",
                not_pursued_reason="",
            )
            worked_on = submit_on + timedelta(days=rng.randint(7, 30))
            done = worked_on + timedelta(days=rng.randint(20, 200))
            if done < today:
                if rng.random() < 0.05:
                    reason = "He moved to another area: passed to his new offender manager"
                    self.update(
                        recommendation, ts(done), status="not_pursued", not_pursued_reason=reason
                    )
                else:
                    self.update(recommendation, ts(done), status="done")
                closed_on.append(done)
            else:
                closed_on.append(None)
                if worked_on < today:
                    self.update(recommendation, ts(worked_on), status="in_progress")
        held_on = submit_on + timedelta(days=rng.randint(7, 45))
        if held_on >= today:
            return
        if rng.random() < 0.08:  # he did not come: kept, but it does not count
            self.handover(referral, held_on, om, offender_attended=False)
            held_on += timedelta(days=rng.randint(7, 21))
            if held_on >= today:
                return
        self.handover(referral, held_on, om, offender_attended=True)
        reassessed_on = held_on + timedelta(days=rng.randint(0, 21))
        if reassessed_on >= today:
            return
        risk = rng.choice(["low", "low", "medium"])
        self.new(
            "programme.Reassessment",
            ts(reassessed_on),
            referral_id=referral["id"],
            oasys_on=reassessed_on,
            risk_of_serious_harm=risk,
            rm2000_on=reassessed_on,
            rm2000_category=risk,
            what_changed="Completed the programme; protective factors stronger",
            recorded_by_id=om,
            created_at=ts(reassessed_on),
        )
        if None in closed_on:
            return
        close_on = max([reassessed_on, *closed_on]) + timedelta(days=rng.randint(0, 14))
        if close_on < today:
            self.move(
                referral,
                "programme_complete",
                by=om,
                at=ts(close_on, 960),
                note="Report submitted, handover held, risk re-assessed, recommendations closed",
            )

    def report(self, m: "Attempt", author: int, started_on: date, *, submitted_on) -> Row:
        """Version 1 of his end-of-programme report, a draft or submitted, with progress
        against each of the programme's treatment targets."""
        at = ts(submitted_on, 900) if submitted_on else None
        report = self.new(
            "programme.EndOfProgrammeReport",
            at or ts(started_on),
            referral_id=m.referral.row["id"],
            version=1,
            status="submitted" if submitted_on else "draft",
            previous_version_id=None,
            attendance_summary=m.attendance_summary(self) if submitted_on else {},
            recommendations=self.rng.sample(RECOMMENDATIONS, self.rng.randint(1, 3)),
            correction_reason="",
            author_id=author,
            created_at=ts(started_on),
            submitted_at=at,
            submitted_by_id=author if submitted_on else None,
            **REPORT_SECTIONS,
        )
        for target in self.targets.get(m.programme.pk, []):
            self.new(
                "programme.TargetProgress",
                ts(started_on),
                report_id=report["id"],
                target_id=target,
                progress=TARGET_PROGRESS,
            )
        return report

    def handover(self, referral: Row, held_on: date, om: int, *, offender_attended: bool) -> None:
        self.new(
            "programme.HandoverMeeting",
            ts(held_on, 840),
            referral_id=referral["id"],
            held_on=held_on,
            place=HANDOVER_PLACE,
            offender_attended=offender_attended,
            facilitator_attended=True,
            offender_manager_attended=True,
            notes="" if offender_attended else "He did not come: another meeting is arranged",
            agreed_actions="Supervision to follow the relapse prevention plan"
            if offender_attended
            else "",
            recorded_by_id=om,
            created_at=ts(held_on, 840),
        )

    def restart(self, m: "Attempt", session, at, by, pool) -> None:
        """placement_restart: end the attempt, back on the waiting list with his place."""
        on = session["date"]
        referral = m.referral.row
        missed = len(m.misses)
        note = RESTART_NOTE.format(missed=missed, limit=m.programme.catch_up_limit)
        self.end_placement(
            m, on, session, at, "Restart required: more missed sessions than catch-ups allow"
        )
        self.move(referral, "restart_required", by=by, at=at, reason=True, note=note)
        m.referral.closed = True
        old = referral["_checklist"]
        restart = self.new(
            "referrals.Referral",
            at,
            offender_id=referral["offender_id"],
            programme_id=referral["programme_id"],
            assessment_id=referral["assessment_id"],
            status="awaiting_allocation",
            referred_on=on,
            waiting_since=referral["waiting_since"],
            previous_attempt_id=referral["id"],
            referred_by_id=by,
            created_at=at,
        )
        checklist = self.new(
            "referrals.PreProgrammeChecklist",
            at,
            **{k: v for k, v in old.items() if not k.startswith(("_", "pgh_")) and k != "id"}
            | {"referral_id": restart["id"], "updated_at": at},
        )
        restart["_checklist"] = checklist
        self.new(
            "referrals.ReferralStatusChange",
            at,
            referral_id=restart["id"],
            from_status="",
            to_status="awaiting_allocation",
            by_id=by,
            at=at,
            reason_id=None,
            note="Back on the waiting list to restart the programme",
        )
        self.notice(m.referral.offender, NoticeKind.RESTART, note, by=by, at=at, day=on)
        again = Referral(
            restart, m.referral.offender, m.referral.office, m.referral.programme, on, None
        )
        self.offices[m.referral.office - 1]["_referrals"].append(again)
        insort(pool, again, key=lambda r: (r.row["waiting_since"], r.row["id"]))

    def end_placement(self, m: "Attempt", on: date, last_session, at: str, reason: str) -> None:
        """placement_end: his last session is the last held by then, or the last he is
        recorded on if later."""
        recorded = max(m.recorded, default=0)
        if recorded > (last_session["number"] if last_session else 0):
            last_session = next(s for s in m.held if s["number"] == recorded)
        self.update(
            m.placement,
            at,
            last_session_id=last_session["id"] if last_session else None,
            ended_on=on,
            end_reason=reason,
        )
        m.last_number = last_session["number"] if last_session else 0

    def leave_waiting_list(self, referral: Referral) -> None:
        """Withdrawn from the waiting list on his day, if still waiting then."""
        row = referral.row
        if referral.placed or referral.closed or referral.leave_on is None:
            return
        if referral.leave_on >= self.today or row["status"] not in (
            "awaiting_assessment",
            "awaiting_allocation",
            "suitable_not_ready",
        ):
            return
        if row["referred_on"] > referral.leave_on:
            return
        self.move(
            row,
            "withdrawn",
            by=row["referred_by_id"],
            at=ts(referral.leave_on, 800),
            reason=self.rng.choice(self.reasons["withdrawn"]),
            note="Generated: left the waiting list",
        )
        referral.closed = True

    # --- enforcement

    def open_enforcement(self, m: "Attempt", attendance: Row, day: date, at: str) -> None:
        programme = m.programme
        man = m.man
        self.settle(man, before=day + timedelta(days=1))
        action, why = self.proposal(m, day)
        row = self.new(
            "programme.Enforcement",
            at,
            attendance_id=attendance["id"],
            offender_id=m.referral.offender["id"],
            failure_on=day,
            due_by=add_working_days(
                day, programme.enforcement_deadline_working_days, self.holidays
            ),
            proposed_action=action,
            proposal_reason=why,
            decision="",
            decision_reason="",
            decided_by_id=None,
            decided_on=None,
        )
        decide_on = add_working_days(
            day, self.rng.randint(1, programme.enforcement_deadline_working_days), self.holidays
        )
        man.enforcements.append((decide_on, row, m))
        man.enforcements.sort(key=lambda e: (e[0], e[1]["id"]))

    def proposal(self, m: "Attempt", failure_on: date) -> tuple[str, str]:
        programme = m.programme
        since = add_months(failure_on, -programme.warning_window_months)
        return propose_enforcement(
            order_type=m.referral.offender["order_type"],
            # As programme/services/enforcement.py counts: warnings given before the failure.
            warnings_in_window=sum(1 for w in m.man.warnings if since <= w < failure_on),
            warnings_allowed=programme.warnings_before_breach,
            window_months=programme.warning_window_months,
        )

    def settle(self, man: "Man", *, before: date) -> None:
        """Take the enforcement decisions due before a day, in order, with their effects."""
        while man.enforcements and man.enforcements[0][0] < before:
            decide_on, row, m = man.enforcements.pop(0)
            om = m.referral.offender["offender_manager_id"]
            at = ts(decide_on, 720)
            # Most warnings are given as proposed; a breach or a recall for one failure is
            # often found acceptable on review instead (a reason is then required).
            keep = {"warning": 0.9, "breach": 0.5, "recall": 0.3}[row["proposed_action"]]
            if self.rng.random() >= keep:
                decision = EnforcementDecisionType.FOUND_ACCEPTABLE
                reason = "Reviewed with him: evidence of a good reason was provided afterwards"
            else:
                decision = {
                    EnforcementAction.WARNING: EnforcementDecisionType.WARNING_GIVEN,
                    EnforcementAction.BREACH: EnforcementDecisionType.BREACH_INITIATED,
                    EnforcementAction.RECALL: EnforcementDecisionType.RECALL_REQUESTED,
                }[row["proposed_action"]]
                reason = ""
            self.update(
                row,
                at,
                decision=decision,
                decision_reason=reason,
                decided_by_id=om,
                decided_on=decide_on,
            )
            status = m.referral.row["status"]
            if decision == EnforcementDecisionType.WARNING_GIVEN:
                man.warnings.append(decide_on)
                for _, pending, other in man.enforcements:  # _refresh_pending_proposals
                    action, why = self.proposal(other, pending["failure_on"])
                    if (action, why) != (pending["proposed_action"], pending["proposal_reason"]):
                        self.update(pending, at, proposed_action=action, proposal_reason=why)
            elif decision == EnforcementDecisionType.BREACH_INITIATED and status in (
                "on_programme",
                "scheduled",
            ):
                self.move(m.referral.row, "breach", by=om, at=at, reason=True, note=reason)
                m.breach_until = decide_on + timedelta(days=self.rng.randint(14, 35))
                m.court_allows = self.rng.random() < 0.5
            elif decision == EnforcementDecisionType.RECALL_REQUESTED and status in (
                "on_programme",
                "scheduled",
            ):
                self.move(
                    m.referral.row, "recall", by=om, at=at, reason=True, note="Recall requested"
                )
                m.referral.closed = True
                self.end_placement(m, decide_on, m.last_held(decide_on), at, "Recall")

    def settle_all(self) -> None:
        for man in self.men.values():
            self.settle(man, before=self.today)

    # --- notices

    def acknowledge_notices(self) -> None:
        """Notices older than two weeks are acknowledged, except those of the offender manager
        with the biggest caseload, who has a backlog (topped up with facilitators' feedback)."""
        rng = self.rng
        today = self.today
        staff = self._all_rows["isotp.Staff"]
        hot = next(s["id"] for s in staff if s["username"] == BIG_CASELOAD_OM)
        for notice in self.notices:
            if notice["_om"] == hot or notice["_day"] >= today - timedelta(days=14):
                continue
            day = min(
                notice["_day"] + timedelta(days=rng.randint(1, 10)), today - timedelta(days=1)
            )
            at = ts(day, 840)
            self.update(
                notice,
                at,
                acknowledged_at=at,
                acknowledged_by_id=notice["_om"],
                action_taken="Discussed with him at supervision.",
            )
        open_notices = sum(1 for n in self.notices if n["_om"] == hot)
        target = max(5, round(BIG_CASELOAD_NOTICES * self.scale))
        offenders = [
            o for o in self._all_rows["referrals.Offender"] if o["offender_manager_id"] == hot
        ]
        facs = self.offices[0]["_facs"]
        for k in range(max(0, target - open_notices)):
            day = today - timedelta(days=1 + k % 60)
            self.notice(
                offenders[k % len(offenders)],
                NoticeKind.FEEDBACK,
                "He was quiet in group this week and did not do his homework; worth raising.",
                by=facs[k % len(facs)],
                at=ts(day, 900 + k % 60),
                day=day,
            )

    # --- the load

    # History rows are final once written: a second thread copies them, office by office,
    # on the same connection and transaction, while the next office is simulated (the main
    # thread does not touch the database meanwhile), so PostgreSQL and Python work at once.

    def start_writer(self) -> None:
        connection.ensure_connection()
        raw = connection.connection
        self.queue: queue.Queue = queue.Queue(maxsize=8)
        self.failure: BaseException | None = None

        def write() -> None:
            cursor = raw.cursor()
            while (item := self.queue.get()) is not None:
                if self.failure is None:
                    name, columns, data = item
                    try:
                        cursor.copy_expert(
                            f'COPY "{name}" ({columns}) FROM STDIN', io.StringIO(data)
                        )
                    except BaseException as error:  # re-raised by the main thread
                        self.failure = error

        self.writer = threading.Thread(target=write, daemon=True)
        self.writer.start()

    def send_history(self) -> None:
        for table in self.events.values():
            if table.lines:
                columns = ", ".join(f'"{c}"' for c in table.columns)
                self.queue.put((table.name, columns, table.take()))

    def stop_writer(self) -> None:
        self.queue.put(None)
        self.writer.join()
        if self.failure is not None:
            raise self.failure

    def load(self) -> None:
        """COPY every table, then the history, then move each id sequence past its rows."""
        with connection.cursor() as cursor:
            for label, rows in self._all_rows.items():
                table = self.tables[label]
                for row in rows:
                    table.add(row)
                self._copy(cursor, table)
            for table in self.events.values():
                self._copy(cursor, table)
            for table in [*self.tables.values(), *self.events.values()]:
                pk = table.model._meta.pk.column
                # Names from the models, not from input.
                highest = f'SELECT MAX("{pk}") FROM "{table.name}"'  # nosec B608
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE(({highest}), 0) + 1, false)",
                    [table.name, pk],
                )

    @staticmethod
    def _copy(cursor, table: Table) -> None:
        if not table.lines:
            return
        data = io.StringIO(table.take())
        columns = ", ".join(f'"{c}"' for c in table.columns)
        cursor.cursor.copy_expert(f'COPY "{table.name}" ({columns}) FROM STDIN', data)


_BANDS = [("17_21", "17–21"), ("21_plus", "21+")]


def _event_model(model):
    try:
        return apps.get_model(model._meta.app_label, f"{model.__name__}Event")
    except LookupError:
        return None


class Attempt:
    """One man's place in one group, as the registers go."""

    def __init__(self, referral: Referral, placement: Row, man: Man, programme, luck: float):
        self.referral = referral
        self.placement = placement
        self.man = man
        self.programme = programme
        self.recorded: set[int] = set()
        self.misses: list[Row] = []
        self.missed: list[tuple[Row, str]] = []  # (session, outcome), for the report
        self.outstanding: list[tuple[date, Row]] = []  # (done on, catch-up row)
        self.catch_up_days: list[date] = []
        self.last_number: int | None = None
        self.breach_until: date | None = None
        self.court_allows = True
        self.resumed_on: date | None = None  # the day the court let him continue
        self.told_over_limit = False
        self.completed = False
        self.held: list[Row] = []
        self.outcomes: dict[str, int] = {}
        self.absence_reasons: dict[str, int] = {}
        # Most men rarely miss; a few miss often.
        self.p_miss = 0.02 if luck < 0.7 else 0.07 if luck < 0.95 else 0.2

    def attendance_summary(self, gen: "Generator") -> dict:
        """post_programme.attendance_summary, from what the registers recorded of him."""
        return {
            "version": str(gen.versions[self.programme.code]),
            "missed_sessions": [
                {
                    "session": gen.session_names[session["programme_session_id"]],
                    "outcome": str(AttendanceOutcome(outcome).label),
                    # A report is written once every session and catch-up is done.
                    "caught_up": True,
                }
                for session, outcome in sorted(self.missed, key=lambda each: each[0]["number"])
            ],
            "sessions": len(self.recorded),
            "attended": self.outcomes.get(AttendanceOutcome.ATTENDED, 0),
            "failed_to_comply": self.outcomes.get(AttendanceOutcome.FAILED_TO_COMPLY, 0),
            "sent_home": self.outcomes.get(AttendanceOutcome.SENT_HOME, 0),
            "acceptable_absences": self.outcomes.get(AttendanceOutcome.ACCEPTABLE_ABSENCE, 0),
            "acceptable_absence_reasons": self.absence_reasons,
            "unacceptable_absences": self.outcomes.get(AttendanceOutcome.UNACCEPTABLE_ABSENCE, 0),
            "catch_ups_completed": len(self.misses),
            "catch_ups_needed": len(self.misses),
        }

    def member_at(self, session: Row) -> bool:
        """Placement.is_member_at: from his first session to his last (while open, on)."""
        if self.placement["ended_on"] is None:
            self.held.append(session)
            return True
        return self.last_number is not None and session["number"] <= self.last_number

    def last_held(self, on: date) -> Row | None:
        held = [s for s in self.held if s["date"] <= on]
        return held[-1] if held else None

    def outcome(self, rng) -> tuple[str, str]:
        # With a catch-up outstanding he cannot be recorded as attending (register_save).
        if self.outstanding:
            return AttendanceOutcome.ACCEPTABLE_ABSENCE, AbsenceReason.OTHER
        if rng.random() < self.p_miss:
            kind = rng.random()
            if kind < 0.75:
                return AttendanceOutcome.ACCEPTABLE_ABSENCE, rng.choice(ABSENCE_REASONS)
            if kind < 0.95:
                return AttendanceOutcome.UNACCEPTABLE_ABSENCE, ""
            return AttendanceOutcome.SENT_HOME, ""
        if rng.random() < 0.005:
            return AttendanceOutcome.FAILED_TO_COMPLY, ""
        return AttendanceOutcome.ATTENDED, ""

    def miss(self, gen: Generator, session: Row, at: str, by: int, rng) -> None:
        self.misses.append(session)
        catch_up = gen.new(
            "programme.CatchUp",
            at,
            placement_id=self.placement["id"],
            session_id=session["id"],
            held_on=None,
            facilitator_id=None,
            completed=False,
            cancelled=False,
            note="",
        )
        catch_up["_by"] = by
        # Usually made up within the week; sometimes only after the next session.
        days = rng.randint(1, 5) if rng.random() < 0.88 else rng.randint(8, 12)
        self.outstanding.append((session["date"] + timedelta(days=days), catch_up))

    def catch_ups_done_by(self, gen: Generator, day: date) -> None:
        """Record the catch-ups held before this day (and then the court's answer to a breach)."""
        still = []
        for done_on, catch_up in self.outstanding:
            if done_on < day and done_on < gen.today:
                at = ts(done_on, 600)
                gen.update(
                    catch_up, at, held_on=done_on, facilitator_id=catch_up["_by"], completed=True
                )
                self.catch_up_days.append(done_on)
            else:
                still.append((done_on, catch_up))
        self.outstanding = still
        if self.breach_until and self.breach_until < day and self.breach_until < gen.today:
            on, self.breach_until = self.breach_until, None
            row = self.referral.row
            if row["status"] != "breach":
                return
            om = self.referral.offender["offender_manager_id"]
            at = ts(on, 750)
            if self.court_allows:
                gen.move(
                    row, "on_programme", by=om, at=at, note="The court allowed him to continue"
                )
                self.resumed_on = on
            else:
                reason = gen.court_revoked or gen.reasons["withdrawn"][0]
                gen.move(
                    row, "withdrawn", by=om, at=at, reason=reason, note="Order revoked by the court"
                )
                self.referral.closed = True
                if self.placement["ended_on"] is None:
                    gen.end_placement(self, on, self.last_held(on), at, "Withdrawn")


# Kept: the data migrations' reference data (programmes and their numbers, the allowed status
# moves, closing reasons, bank holidays, treatment targets) and Django's own bookkeeping.
KEPT = {
    "referrals_programme",
    "referrals_programmeevent",
    "referrals_statustransition",
    "referrals_statustransitionevent",
    "referrals_closingreason",
    "referrals_closingreasonevent",
    "programme_bankholiday",
    "programme_bankholidayevent",
    "programme_treatmenttarget",
    "programme_treatmenttargetevent",
    "django_migrations",
    "django_content_type",
    "auth_permission",
}


def app_tables() -> list[str]:
    """Every table that holds cases, staff, their history or logs."""
    return [t for t in connection.introspection.table_names() if t not in KEPT]


def empty_app_tables() -> None:
    """Empty every table but the reference data, ids restarted (as the owner: TRUNCATE);
    version 1 of each programme's template is made again."""
    quoted = ", ".join(f'"{t}"' for t in app_tables())
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY")
    # The programmes' versions are reference data, but they name who made them (staff, who
    # are emptied): they go with the rest and version 1 of each comes back at once.
    ensure_all_reference_data()

    # Version 1's rows are checked against their foreign keys now, so that the load can
    # alter their tables (disable triggers) in the same transaction.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def suspend_keys_and_indexes(cursor, tables: list[str]) -> list[str]:
    """Drop the foreign keys and the indexes that back no constraint, for the load; returns
    the statements that put them back. Building an index once and checking a foreign key in
    one join is several times faster than doing both row by row while millions are copied;
    every key is checked all the same when it is added back, and every index rebuilt."""
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
        [tables],
    )
    keys = cursor.fetchall()
    cursor.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
        "WHERE indrelid = ANY(%s::regclass[]) AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
        [tables],
    )
    indexes = cursor.fetchall()
    for table, name, _definition in keys:
        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in indexes] + [
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
        for table, name, definition in keys
    ]


def generate(*, scale: float, seed: int, today: date, out=None) -> dict:
    """Empty the app's tables and load a new data set (as the owner, inside a transaction:
    the triggers are off only for the load). Returns the row counts."""
    say = out or (lambda message: None)
    empty_app_tables()
    ensure_all_reference_data()
    tables = app_tables()
    with connection.cursor() as cursor:
        # pghistory's triggers would write an insert event per row (the rows here carry
        # their whole history, updates included), and the append-only guards are not needed
        # on empty tables.
        for table in tables:
            cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
        restore = suspend_keys_and_indexes(cursor, tables)
    counts = _generate(scale=scale, seed=seed, today=today, out=out)
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for statement in restore:
            cursor.execute(statement)
        say(f"Indexes rebuilt and foreign keys checked in {time.monotonic() - started:.1f} s")
        for table in tables:
            cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
        started = time.monotonic()
        for table in tables:
            cursor.execute(f'ANALYZE "{table}"')
        say(f"Analysed in {time.monotonic() - started:.1f} s")
    return counts


def _generate(*, scale: float, seed: int, today: date, out=None) -> dict:
    generator = Generator(scale=scale, seed=seed, today=today, out=out)
    # Millions of small dicts and no cycles: the cyclic collector would only slow it down.
    gc.disable()
    try:
        counts = generator.run()
    finally:
        gc.enable()
    started = time.monotonic()
    generator.load()
    if out:
        out(f"Loaded in {time.monotonic() - started:.1f} s")
    return counts
