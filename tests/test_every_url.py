"""No server error anywhere, and no record shown to someone who may not see it.

Every URL pattern of the app (the Django admin has its own tests) is visited for every object
of a data set with a man in every phase, as every named character and anonymously: GET, POST
with no data, and POST with the data of the page's own form as a browser would send it back
(current values kept, empty boxes filled in, the first choice of an unanswered question). Each
request runs in a savepoint that is rolled back, so every visit sees the same data set.

For each URL the model behind its `pk` is declared in `PK_MODELS`; whether the user may see
that record is asked of the app's access helpers. A record the user may not see must answer
404 (or 403, 405, or a redirect to sign in): never a page, a PDF or a successful action.
"""

from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from isotp import pdf
from isotp.models import AccessLog, Office
from programme.access import (
    enforcements_visible_to,
    groups_visible_to,
    one_to_ones_visible_to,
    placements_visible_to,
    registers_open_to,
)
from programme.models import (
    Appointment,
    BulkPrint,
    CatchUp,
    EndOfProgrammeReport,
    Enforcement,
    Group,
    GroupSession,
    HandoverMeeting,
    NonAssociation,
    Notice,
    OneToOneSession,
    Placement,
    Recommendation,
    TreatmentTarget,
)
from programme.services.enforcement import enforcement_decide
from programme.services.post_programme import (
    recommendation_update,
    referral_close,
    report_save,
    report_start,
    report_submit,
)
from programme.services.register import catch_up_record, feedback_send
from programme.services.scheduling import referral_move
from referrals.access import cases_open_to_auditing, offenders_visible_to, referrals_visible_to
from referrals.models import (
    Assessment,
    CaseAccess,
    ClosingReason,
    Offence,
    Offender,
    Referral,
)
from tests.factories import (
    CHARACTERS,
    make_assessment,
    make_character,
    make_group,
    make_handover,
    make_offence,
    make_offender,
    make_placement,
    make_ready_referral,
    make_reassessment,
    make_referral,
    make_running_group,
    make_staff,
    record,
    sign_in_verified,
)
from tests.factories import Role as StaffRole

# The model behind each URL's `pk` (and `offence_pk`): a new URL must say what it shows.
PK_MODELS = {
    "referrals:offender_edit": Offender,
    "referrals:offender_consultations": Offender,
    "referrals:offence_create": Offender,
    "referrals:offence_edit": Offender,
    "referrals:assessment_create": Offender,
    "referrals:assessment": Assessment,
    "referrals:assessment_edit": Assessment,
    "referrals:assessment_pdf": Assessment,
    "referrals:referral_create": Assessment,
    "referrals:referral": Referral,
    "referrals:referral_checklist": Referral,
    "referrals:referral_pack_pdf": Referral,
    "programme:group": Group,
    "programme:group_allocate": Group,
    "programme:group_register_pdf": Group,
    "programme:group_reminders_pdf": Group,
    "programme:group_reminders_text": Group,
    "programme:non_associations": Offender,
    "programme:non_association_stop": NonAssociation,
    "programme:bulk_print_start": Group,
    "programme:bulk_print": BulkPrint,
    "programme:bulk_print_download": BulkPrint,
    "programme:session_move": GroupSession,
    "programme:session_staffing": Group,
    "programme:register": GroupSession,
    "programme:catch_up": CatchUp,
    "programme:placement": Placement,
    "programme:placement_feedback": Placement,
    "programme:attendance_record_pdf": Placement,
    "programme:offender": Offender,
    "programme:offender_timeline": Offender,
    "programme:offender_personal_details": Offender,
    "programme:offender_history": Offender,
    "programme:case_outside": Offender,
    "programme:offender_programme": Offender,
    "programme:risk_review_create": Offender,
    "programme:appointment_create": Offender,
    "programme:information_letter_pdf": Offender,
    "programme:information_letter_text": Offender,
    "programme:notice_acknowledge": Notice,
    "programme:enforcement": Enforcement,
    "programme:enforcement_correct": Enforcement,
    "programme:warning_letter_pdf": Enforcement,
    "programme:court_bundle_pdf": Referral,
    "programme:referral_move": Referral,
    "programme:appointment_edit": Appointment,
    "programme:one_to_one_new": Referral,
    "programme:one_to_one": OneToOneSession,
    "programme:one_to_one_record": OneToOneSession,
    "programme:one_to_one_cancel": OneToOneSession,
    "programme:post_programme": Referral,
    "programme:report_edit": Referral,
    "programme:handover_create": Referral,
    "programme:reassessment_create": Referral,
    "programme:referral_close": Referral,
    "programme:report": EndOfProgrammeReport,
    "programme:report_submit": EndOfProgrammeReport,
    "programme:report_correct": EndOfProgrammeReport,
    "programme:report_pdf": EndOfProgrammeReport,
    "programme:handover_pdf": HandoverMeeting,
    "programme:recommendation": Recommendation,
    "programme:subject_access": Offender,
    "programme:office_capacity": Office,
}


def visible(user, model) -> "set[int]":
    """The pks of `model` the user may see, asked of the app's access helpers."""
    offenders = offenders_visible_to(user)
    if user.role == StaffRole.AUDITOR:
        # Auditors open no case pages, but answer subject access requests for every case they
        # are not excluded from, restricted ones included.
        offenders = Offender.objects.filter(cases_open_to_auditing(user))
    referrals = referrals_visible_to(user)
    querysets = {
        Offender: offenders,
        Offence: Offence.objects.filter(offender__in=offenders),
        Assessment: Assessment.objects.filter(offender__in=offenders),
        Referral: referrals,
        Group: groups_visible_to(user),
        # A bulk print is its requester's (get_bulk_print_for_user also asks for every man).
        BulkPrint: BulkPrint.objects.filter(requested_by=user, group__in=groups_visible_to(user)),
        # A cover facilitator opens the register of the session he covers too.
        GroupSession: GroupSession.objects.filter(group__in=groups_visible_to(user))
        | registers_open_to(user),
        Placement: placements_visible_to(user),
        CatchUp: CatchUp.objects.filter(placement__in=placements_visible_to(user)),
        Notice: Notice.objects.filter(offender__in=offenders),
        Enforcement: enforcements_visible_to(user),
        Appointment: Appointment.objects.filter(offender__in=offenders),
        OneToOneSession: one_to_ones_visible_to(user),
        # Read and ended only by his offender manager.
        NonAssociation: NonAssociation.objects.filter(
            offender__in=offenders, offender__offender_manager=user
        ),
        EndOfProgrammeReport: EndOfProgrammeReport.objects.filter(referral__in=referrals),
        HandoverMeeting: HandoverMeeting.objects.filter(referral__in=referrals),
        Recommendation: Recommendation.objects.filter(referral__in=referrals),
        # An office's capacity page is for its programme managers.
        Office: Office.objects.filter(pk=user.office_id)
        if user.role == StaffRole.PROGRAMME_MANAGER
        else Office.objects.none(),
    }
    return set(querysets[model].values_list("pk", flat=True))


# --- The URL patterns -------------------------------------------------------------------------


def url_patterns(resolver=None, prefix="", namespace=""):
    """(route, name, converters) of every pattern, following includes."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith(settings.ADMIN_PATH):
                continue  # the Django admin has its own tests
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}{pattern.namespace}:"
            yield from url_patterns(pattern, route, inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else None
            yield route, name, sorted(pattern.pattern.converters)


# --- A data set with a man in every phase -------------------------------------------------------


@pytest.fixture(scope="module")
def data_set(django_db_setup, django_db_blocker):
    """Made once for the module's tests in each worker, in a transaction rolled back at the end
    (each test's own transaction, and each visit's savepoint, nest inside it)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield make_data_set()
        transaction.set_rollback(True)


@pytest.fixture
def without_weasyprint(monkeypatch):
    """These tests read who may see a PDF, not what it says, and their visits roll back, so no
    rendering would ever be kept: the report's HTML is still rendered from the records, but
    WeasyPrint is not run on it (tests/test_pdf_*.py and each report's tests read real PDFs)."""
    monkeypatch.setattr(pdf, "html_to_pdf", lambda html, timeout: b"%PDF-1.7 not rendered")


@pytest.fixture
def header_counted_once(monkeypatch):
    """The header's count is kept in the session (programme/casework/header_count.py), but each
    visit here rolls back, the session's row with it, and most are POSTs, after which it counts
    again: so every page would count afresh, a third of this test's time. Each character's
    count is counted once, by the real function (tests/test_today.py checks its value); every
    page still renders the header with it."""
    from programme.casework import header_count

    counted: dict[int, int] = {}
    count = header_count.total_due

    def counted_once(user):
        if user.pk not in counted:
            counted[user.pk] = count(user)
        return counted[user.pk]

    monkeypatch.setattr(header_count, "total_due", counted_once)


def make_data_set():
    """Alice's men in every phase, Otto's man in the running group, and a case of another
    office; groups finished, running (a register due today) and yet to start."""
    characters = {name: make_character(name) for name in CHARACTERS}
    alice, otto, fern, pat, hilary = (
        characters[n] for n in ("alice", "otto", "fern", "pat", "hilary")
    )
    other_office = hilary.office
    today = timezone.localdate()

    # Before the programme: assessed only (incomplete, not eligible), waiting, ready.
    make_assessment(make_offender(alice, last_name="Incompleteassessed"), alice, rm2000_category="")
    make_assessment(
        make_offender(alice, last_name="Noteligible"), alice, internet_offence_confirmed=False
    )
    waiting = make_referral(make_offender(alice, last_name="Waitingman"), alice)
    # His pre-group one-to-one: one held and recorded, one cancelled, one to come.
    from datetime import time

    from programme.services.one_to_ones import (
        one_to_one_cancel,
        one_to_one_record,
        one_to_one_schedule,
    )

    def book(on, booked_on):
        return one_to_one_schedule(
            referral=waiting,
            kind="pre_group",
            on=on,
            start_time=time(10, 0),
            place="Riverside probation office",
            facilitators=[fern],
            by=alice,
            today=booked_on,
        )

    held = book(today - timedelta(days=2), today - timedelta(days=9))
    one_to_one_record(one_to_one=held, attended=False, outcome="", notes="", by=fern)
    one_to_one_cancel(one_to_one=book(today + timedelta(days=1), today), reason="Ill", by=alice)
    book(today + timedelta(days=5), today)
    make_ready_referral(make_offender(alice, last_name="Readyman"), alice)
    make_offence(Offender.objects.get(last_name="Readyman"))

    # A group yet to start: one man scheduled.
    future = make_group(pat, [fern], start_date=today + timedelta(days=14), weekday=today.weekday())
    make_placement(future, make_offender(alice, last_name="Scheduledman"), alice, by=pat)

    # A running group: five sessions held, the fifth's register still to do, the sixth today
    # (or on its next meeting day, when today is a bank holiday).
    running = make_running_group(pat, [fern], behind=5)
    missing = make_placement(running, make_offender(alice, last_name="Misserman"), alice, by=pat)
    warned = make_placement(running, make_offender(alice, last_name="Warnedman"), alice, by=pat)
    restarted = make_placement(running, make_offender(alice, last_name="Restarter"), alice, by=pat)
    withdrawn = make_placement(running, make_offender(alice, last_name="Withdrawer"), alice, by=pat)
    ottos = make_placement(running, make_offender(otto, last_name="Ottosman"), otto, by=pat)
    sessions = list(running.sessions.order_by("number"))
    for number, outcomes in {
        1: {missing: "attended", warned: "unacceptable_absence", ottos: "attended"},
        2: {missing: "unacceptable_absence", warned: "attended", ottos: "attended"},
        3: {missing: "acceptable_absence", warned: "failed_to_comply", ottos: "attended"},
        4: {missing: "acceptable_absence", warned: "attended", ottos: "attended"},
    }.items():
        session = sessions[number - 1]
        for placement, outcome in outcomes.items():
            record(
                session,
                placement,
                outcome,
                fern,
                absence_reason="medical" if outcome == "acceptable_absence" else "",
                note="Talked about his use of chat rooms" if number == 2 else "",
                risk_relevant=number == 2 and placement == warned,
            )
        if number == 1:
            catch_up_record(
                catch_up=warned.catch_ups.get(session=session),
                held_on=session.date + timedelta(days=1),
                facilitator=fern,
                completed=True,
                note="Done",
                by=fern,
            )
            enforcement_decide(
                enforcement=Enforcement.objects.get(attendance__placement=warned),
                decision="warning_given",
                reason="",
                by=alice,
            )
    record(sessions[0], withdrawn, "attended", fern)
    reason = ClosingReason.objects.filter(status="withdrawn").first()
    referral_move(referral=withdrawn.referral, to_status="withdrawn", by=alice, reason=reason)
    for session in sessions[:5]:  # five misses: he must start again
        record(session, restarted, "acceptable_absence", fern, absence_reason="medical")
    feedback_send(placement=warned, message="Quiet in group; engaged in pairs", by=fern)
    # Limited access: Warnedman's case is restricted to Alice; Pat is excluded from Ottosman's.
    warned_man = warned.referral.offender
    warned_man.restricted = True
    warned_man.save()
    CaseAccess.objects.create(offender=warned_man, staff=alice, kind="allowed", note="Test")
    CaseAccess.objects.create(
        offender=ottos.referral.offender, staff=pat, kind="excluded", note="Test"
    )
    Appointment.objects.create(
        offender=missing.referral.offender, on=today, purpose="Catch up on work", recorded_by=alice
    )
    NonAssociation.objects.create(
        offender=missing.referral.offender,
        other=warned.referral.offender,
        kind="co_defendant",
        reason="Same case",
        recorded_by=alice,
    )

    # A finished group: a report in draft, a report submitted, a case closed.
    finished = make_running_group(pat, [fern], behind=35, weekday=0)
    men = [
        make_placement(finished, make_offender(alice, last_name=name), alice, by=pat)
        for name in ("Draftreported", "Submittedreported", "Closedman")
    ]
    for session in finished.sessions.order_by("number"):
        for placement in men:
            record(session, placement, "attended", fern)
    targets = TreatmentTarget.objects.filter(programme=finished.programme)
    for placement in men:
        referral = Referral.objects.get(pk=placement.referral_id)
        report = report_start(referral=referral, by=fern)
        report_save(
            report=report,
            overall_progress="Engaged throughout",
            risk_factors="Isolation",
            relapse_prevention_plan="Filtering software",
            progress={t.pk: "Progress" for t in targets},
            recommendations=["Attend a Circles of Support group"],
            by=fern,
        )
        if placement is men[0]:
            continue
        report_submit(report=report, by=fern)
        if placement is men[1]:
            continue
        make_handover(referral, alice, held_on=today)
        make_reassessment(referral, alice, oasys_on=today, rm2000_on=today)
        for recommendation in referral.recommendations.all():
            recommendation_update(
                recommendation=recommendation,
                status="done",
                owner=alice,
                due_on=None,
                not_pursued_reason="",
                note="Done",
                by=alice,
            )
        referral_close(referral=referral, by=alice)
    make_handover(men[1].referral, alice, held_on=today, offender_attended=False)

    # Another office: its offender manager's man waits; its manager formed a group.
    olga = make_staff("olga.elsewhere", StaffRole.OFFENDER_MANAGER, other_office)
    olga.accredited_on = date(2024, 1, 1)
    olga.save()
    make_ready_referral(make_offender(olga, last_name="Elsewhereman"), olga)
    make_group(hilary, [make_staff("felix.elsewhere", StaffRole.FACILITATOR, other_office)])
    return {"users": characters | {"anonymous": None}, "today": today}


def sample_sessions():
    """Of each group: the first session, each recorded, part recorded or unrecorded one held
    last, today's, the next one and the last."""
    today = timezone.localdate()
    chosen = []
    for group in Group.objects.all():
        sessions = list(group.sessions.order_by("number"))
        held = [s for s in sessions if s.date <= today]
        picks = {sessions[0], sessions[-1]}
        picks |= set(held[-3:])
        picks |= set([s for s in sessions if s.date > today][:1])
        chosen += sorted(picks, key=lambda s: s.number)
    return chosen


def objects_of(model):
    if model is GroupSession:
        return sample_sessions()
    return list(model.objects.all())


def urls_to_visit():
    """(url, name, {model: pk}) for every pattern and object."""
    for route, name, converters in url_patterns():
        if not converters:
            yield reverse(name) if name else "/" + route, name, {}
            continue
        if converters == ["secret"]:
            # A secret link (a calendar feed): a guessed one must open nothing.
            yield reverse(name, kwargs={"secret": "a-guessed-secret"}), name, {}
            continue
        model = PK_MODELS[name]  # a KeyError here: declare the new URL's model above
        for obj in objects_of(model):
            if "offence_pk" in converters:
                for offence in Offence.objects.all():
                    # His own offence, and one of another man (which must be refused).
                    if offence.offender_id == obj.pk or obj.pk == Offender.objects.first().pk:
                        url = reverse(name, kwargs={"pk": obj.pk, "offence_pk": offence.pk})
                        yield url, name, {Offender: obj.pk, Offence: offence.pk}
                continue
            yield reverse(name, kwargs={"pk": obj.pk}), name, {model: obj.pk}


# --- A browser's form, sent back ----------------------------------------------------------------


class FormParser(HTMLParser):
    """The <form method="post">s of a page: their action and the fields a browser would
    send, current values kept, empty boxes filled in, the first answer of a question with
    none chosen."""

    def __init__(self, today: date):
        super().__init__()
        self.today = today
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self._form = None
        self._select = None
        self._textarea = None
        self._radios: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._form = (a.get("action") or "", [])
            self._radios = {}
            self._buttons = []
            return
        if self._form is None or "disabled" in a:
            return
        fields = self._form[1]
        name = a.get("name")
        if tag == "input" and a.get("type", "").lower() == "submit" and not name:
            self._buttons.append(None)
        elif tag == "input" and name:
            kind = a.get("type", "text").lower()
            value = a.get("value", "")
            if kind == "checkbox":
                if "checked" in a:
                    fields.append((name, value or "on"))
            elif kind == "radio":
                if "checked" in a:
                    self._radios[name] = value
                else:
                    self._radios.setdefault(name, None)
                    if self._radios[name] is None:
                        self._radios[name] = ("first", value)
            elif kind == "submit":
                self._buttons.append((name, value))
            elif kind in ("file", "image", "reset", "button"):
                pass
            else:
                fields.append((name, value or self._fill(name, kind, a)))
        elif tag == "button" and a.get("type", "submit") == "submit":
            self._buttons.append((name, a.get("value", "")) if name else None)
        elif tag == "select" and name:
            self._select = [name, None, None, "multiple" in a]
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select[2] is None:
                self._select[2] = value
            if "selected" in a:
                if self._select[3]:
                    fields.append((self._select[0], value))
                self._select[1] = value
        elif tag == "textarea" and name:
            self._textarea = [name, "", "required" in a]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if self._form is None:
            return
        fields = self._form[1]
        if tag == "select" and self._select is not None:
            name, selected, first, multiple = self._select
            if not multiple:
                fields.append((name, selected if selected is not None else first or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text, required = self._textarea
            text = text.strip("\n")
            fields.append((name, text or ("Written in a test" if required else "")))
            self._textarea = None
        elif tag == "form":
            for name, value in self._radios.items():
                fields.append((name, value[1] if isinstance(value, tuple) else value))
            # One submission per named button: the user may press any of them.
            action = self._form[0]
            for button in dict.fromkeys(self._buttons or [None]):
                self.forms.append((action, fields + ([button] if button else [])))
            self._form = None

    def _fill(self, name: str, kind: str, attrs: dict) -> str:
        """An empty date box gets today; another empty box a plain answer if it is required."""
        if name.endswith("_0"):
            return str(self.today.day)
        if name.endswith("_1"):
            return str(self.today.month)
        if name.endswith("_2"):
            return str(self.today.year)
        if kind == "hidden" or "required" not in attrs:
            return ""
        if kind == "number" or attrs.get("inputmode") == "numeric":
            return "1"
        return "Written in a test"


def as_post_data(fields):
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data


# --- The visit ----------------------------------------------------------------------------------


class _RolledBack(Exception):
    pass


def visit(client, method: str, url: str, data=None):
    """One request in a savepoint that is rolled back: the next one sees the same data.

    The response carries `consultations`: the access log rows the request wrote."""
    response = None
    try:
        with transaction.atomic():
            before = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            response = getattr(client, method)(url, data or {})
            response.consultations = list(AccessLog.objects.filter(pk__gt=before))
            raise _RolledBack
    except _RolledBack:
        pass
    return response


def refused_properly(response) -> bool:
    if response.status_code in (403, 404, 405):
        return True
    login = reverse(settings.LOGIN_URL)
    return response.status_code == 302 and response["Location"].startswith(login)


# Pages that show no case record: nothing to log (a new page is logged unless listed here).
SHOWS_NO_CASE_RECORD = {
    None: "robots.txt",
    "home": "a redirect",
    "health": "a status",
    "accessibility": "the accessibility statement",
    "privacy": "the privacy notice",
    "login": "the sign-in form",
    "logout": "signing out",
    "programme:group_create": "a form naming staff and programmes only",
    "programme:bulk_print": "a print's progress: the group's name and counts only",
    "referrals:offender_create": "a blank form, or what the user typed",
    "referrals:case_lookup": "a blank form; a refused look-up is logged as a search",
    "password_change": "one's own account",
    "recovery_codes": "one's own account",
    "notifications:preferences": "one's own account",
    "programme:calendar_settings": "one's own calendar link",
    "programme:office_capacity": "counts of an office's waiting list and groups, and its staff",
    "two_factor_verify": "signing in",
    "two_factor_setup": "signing in",
}


def problem(response, url, name, kwargs_models, user, allowed) -> str:
    """What is wrong with this response ("" if nothing)."""
    if response.status_code >= 500:
        exc = getattr(response, "exc_info", None)
        what = f"{exc[0].__name__}: {exc[1]}" if exc else "server error"
        return f"500 {what}"
    if response.status_code == 200 and user is not None and name not in SHOWS_NO_CASE_RECORD:
        logged = response.consultations
        if len(logged) != 1:
            return f"200 with {len(logged)} consultation log rows (one was due)"
        if logged[0].staff_id != user.pk or logged[0].view != name:
            return f"logged as {logged[0].staff} through {logged[0].view!r}"
    if response.status_code != 200 and getattr(response, "consultations", None):
        return f"{response.status_code} but logged a consultation"
    for model, pk in kwargs_models.items():
        if pk not in allowed(model) and not refused_properly(response):
            return f"{response.status_code} for a {model.__name__} he may not see"
    return ""


# One test a character, so that the workers share them; each worker's tests share one data
# set. Ada, the admin, also visits every page of the Django admin.
BATCHES = [
    ("alice",),
    ("pat",),
    ("uma",),
    ("otto",),
    ("fern",),
    ("hilary",),
    ("ada",),
    ("audrey", "anonymous"),
    ("sam",),
]


@pytest.mark.parametrize("characters", BATCHES, ids="+".join)
def test_no_url_gives_a_server_error_or_shows_a_record_to_someone_who_may_not_see_it(
    data_set, db, without_weasyprint, header_counted_once, characters
):
    today = data_set["today"]
    targets = list(urls_to_visit())
    # Signing out last, so that every other visit is signed in.
    targets.sort(key=lambda target: target[1] == "logout")
    offenders = []
    for user in (data_set["users"][character] for character in characters):
        client = Client(raise_request_exception=False)
        if user is not None:
            sign_in_verified(client, user)
        role = user.username if user else "anonymous"
        cache: dict = {}

        def allowed(model, user=user, cache=cache):
            if user is None:
                return set()
            if model not in cache:
                cache[model] = visible(user, model)
            return cache[model]

        forms: dict[str, list] = {}
        for url, name, kwargs_models in targets:
            for method, data in (("get", None), ("post", {})):
                response = visit(client, method, url, data)
                if method == "get" and response.status_code == 200:
                    if response.get("Content-Type", "").startswith("text/html"):
                        parser = FormParser(today)
                        parser.feed(response.content.decode())
                        for action, fields in parser.forms:
                            forms.setdefault(action or url, []).append(fields)
                found = problem(response, url, name, kwargs_models, user, allowed)
                if found:
                    offenders.append((role, method.upper(), url, found))
        if user is not None:
            sign_in_verified(client, user)  # signed out by the visit to /logout/
        for url, name, kwargs_models in targets:
            for fields in forms.get(url, []):
                response = visit(client, "post", url, as_post_data(fields))
                found = problem(response, url, name, kwargs_models, user, allowed)
                if found:
                    offenders.append((role, "POST form", url, found))
        if user is not None and user.is_superuser:
            sign_in_verified(client, user)  # the forms above include signing out
            offenders += [
                (role, "admin", problem) for problem in admin_pages_unlogged(client, user)
            ]
    assert not offenders, "\n".join(" ".join(map(str, o)) for o in offenders)


# --- The Django admin ---------------------------------------------------------------------------


def admin_pages_unlogged(client, user) -> list[str]:
    """Every registered model's list (searched, where it can be), its change page and its
    history must write one consultation row naming the records shown. (Run with the admin's
    batch below, so that it shares its data set.)"""
    from django.contrib import admin

    unlogged = []
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        base = f"admin:{opts.app_label}_{opts.model_name}"
        pages = [(reverse(f"{base}_changelist"), "admin_list", None)]
        if model_admin.search_fields:
            pages.append((reverse(f"{base}_changelist") + "?q=a", "admin_list", "q=a"))
        # A record the admin may see: limited-access cases are closed to admins too.
        as_admin = RequestFactory().get("/")
        as_admin.user = user
        obj = model_admin.get_queryset(as_admin).order_by("pk").first()
        if obj is not None:
            pages.append((reverse(f"{base}_change", args=[obj.pk]), "admin_view", None))
            pages.append((reverse(f"{base}_history", args=[obj.pk]), "admin_view", None))
        for url, action, query in pages:
            response = visit(client, "get", url)
            logged = response.consultations
            if response.status_code != 200:
                unlogged.append(f"{url}: {response.status_code}")
            elif len(logged) != 1 or logged[0].action != action:
                unlogged.append(f"{url}: {[(row.action, row.view) for row in logged]}")
            elif query and logged[0].query != query:
                unlogged.append(f"{url}: search {logged[0].query!r} logged, not {query!r}")
            elif obj is not None and action == "admin_view":
                if f"{opts.label}:{obj.pk}" not in logged[0].records:
                    unlogged.append(f"{url}: {logged[0].records} does not name the record")
    return unlogged
