"""Every action that changes something, tried as every role, against docs/roles.md.

The matrix is read from the doc's table, so the doc and what the server does cannot drift.
Every URL pattern that accepts a POST must have a row (or be listed there as not a case
action). Each action is POSTed (with no data: a form with errors is enough to show the user
got through) as each role's insider and as outsiders of the same role (another caseload,
another office, another group; accredited or not), each request in a savepoint rolled back so
that all of them see the same cases. Allowed: a page or a redirect, never 403 or 404.
Refused: 403 or 404, and nothing written: no change-history event, no access-log row.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from pghistory.models import Event

from isotp.models import AccessLog, Staff
from programme.models import CatchUp, Enforcement, Notice, TreatmentTarget
from programme.services.enforcement import enforcement_decide
from programme.services.post_programme import (
    report_correct,
    report_save,
    report_start,
    report_submit,
)
from programme.services.register import catch_up_record, feedback_send
from programme.services.staffing import session_staffing_change
from tests.factories import (
    Role,
    make_assessment,
    make_group,
    make_offence,
    make_offender,
    make_placement,
    make_referral,
    make_staff,
    record,
    sign_in_verified,
)

ROLES_DOC = Path(settings.BASE_DIR) / "docs" / "roles.md"
ROLE_COLUMNS = {
    "Offender manager": Role.OFFENDER_MANAGER,
    "Programme manager": Role.PROGRAMME_MANAGER,
    "Facilitator": Role.FACILITATOR,
    "Admin": Role.ADMIN,
    "Auditor": Role.AUDITOR,
    "Senior manager": Role.SENIOR_MANAGER,
}


# --- The doc ------------------------------------------------------------------------------------


def _table_after(heading: str) -> list[list[str]]:
    """The rows (cells stripped) of the first table after a heading of docs/roles.md."""
    lines = ROLES_DOC.read_text().splitlines()
    start = lines.index(heading)
    rows = []
    for line in lines[start + 1 :]:
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif rows:
            break
    return [row for row in rows if not set("".join(row)) <= set("- ")]


def _url_name(cell: str) -> str:
    found = re.fullmatch(r"`([\w:]+)`", cell)
    assert found, f"a URL name in backticks, not {cell!r}"
    return found.group(1)


def read_matrix() -> dict[str, dict[str, str]]:
    """{URL name: {role: cell}} from the matrix table."""
    header, *rows = _table_after("## The matrix")
    assert header[:2] == ["action", "URL name"]
    roles = [ROLE_COLUMNS[title] for title in header[2:]]
    assert sorted(roles) == sorted(Role.values), "one column for every role"
    matrix = {}
    for row in rows:
        name = _url_name(row[1])
        assert name not in matrix, f"{name} has two rows"
        matrix[name] = dict(zip(roles, row[2:], strict=True))
    return matrix


def not_case_actions() -> set[str]:
    _header, *rows = _table_after("## Not case actions")
    return {_url_name(row[0]) for row in rows}


# --- Who is trying ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Character:
    """A member of staff and how they stand to the cases below."""

    label: str
    user: str  # the fixture
    role: str
    accredited: bool = False
    owns: bool = False  # the cases are on their caseload
    in_office: bool = False  # the cases and groups are of their office
    runs: bool = False  # they facilitate the groups
    covers: bool = False  # they cover a session of a group they do not run (its register)


CHARACTERS = [
    Character("alice", "alice", Role.OFFENDER_MANAGER, accredited=True, owns=True, in_office=True),
    Character("alice, not accredited", "alice", Role.OFFENDER_MANAGER, owns=True, in_office=True),
    Character("otto (another caseload)", "otto", Role.OFFENDER_MANAGER, True, in_office=True),
    Character("pat", "pat", Role.PROGRAMME_MANAGER, in_office=True),
    Character("pat, accredited", "pat", Role.PROGRAMME_MANAGER, accredited=True, in_office=True),
    Character("hilary (another office)", "hilary", Role.PROGRAMME_MANAGER, accredited=True),
    Character("fern", "fern", Role.FACILITATOR, in_office=True, runs=True),
    Character("tess (treatment manager)", "tess", Role.FACILITATOR, in_office=True, runs=True),
    Character("frank (another group)", "frank", Role.FACILITATOR, in_office=True),
    Character("carl (covers a session)", "carl", Role.FACILITATOR, in_office=True, covers=True),
    Character("ada", "ada", Role.ADMIN, in_office=True),
    Character("audrey", "audrey", Role.AUDITOR, in_office=True),
    Character("sam (senior manager of the area)", "sam", Role.SENIOR_MANAGER, in_office=True),
]


def may(cell: str, who: Character) -> bool:
    """What a cell of the matrix says this character may do."""
    tests = {
        "yes": True,
        "no": False,
        "own caseload": who.owns,
        "own office": who.in_office,
        "groups they run": who.runs,
        "the session they cover": who.covers,
        # The cases name the facilitators who run the groups (Fern, Tess) on the one-to-one.
        "named on it": who.runs,
        "accredited": who.accredited,
    }
    allowed = False
    for alternative in cell.split(", or "):
        conditions = [part.strip() for part in alternative.split(",")]
        unknown = [c for c in conditions if c not in tests]
        assert not unknown, f"docs/roles.md: {unknown} is not one of {sorted(tests)}"
        allowed = allowed or all(tests[c] for c in conditions)
    return allowed


# --- The cases ----------------------------------------------------------------------------------


@pytest.fixture
def frank(office):
    """A facilitator of Riverside who runs another group."""
    return make_staff("frank.othergroup", Role.FACILITATOR, office)


@pytest.fixture
def carl(office):
    """A facilitator of Riverside who covers one session of Fern's running group."""
    return make_staff("carl.cover", Role.FACILITATOR, office)


@pytest.fixture
def tess(office):
    """A facilitator of Riverside who is the treatment manager of Fern's groups."""
    return make_staff("tess.treatment", Role.FACILITATOR, office)


@pytest.fixture
def cases(alice, otto, pat, hilary, fern, frank, tess, carl, ada, audrey, sam):
    """Alice's men in every phase, in groups of Pat's office that Fern runs; Frank runs a
    group of the same office they have no place in."""
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    Staff.objects.filter(pk=hilary.pk).update(accredited_on=date(2024, 1, 1))

    adam = make_offender(alice, first_name="Adam", last_name="Matrixman")
    offence = make_offence(adam)
    incomplete = make_assessment(
        make_offender(alice, last_name="Incompleteman"), alice, rm2000_category=""
    )
    assessed = make_assessment(make_offender(alice, last_name="Assessedman"), alice)
    waiting = make_referral(make_offender(alice, last_name="Waitingman"), alice)

    future = make_group(
        pat,
        [fern],
        treatment_manager=tess,
        start_date=today + timedelta(days=14),
        weekday=today.weekday(),
    )
    make_group(pat, [frank], start_date=today + timedelta(days=21), weekday=today.weekday())

    # A running group: Warnedman missed the first session (caught up, warned), Missingman the
    # second (his catch-up and enforcement decision are to do); feedback sent about Warnedman.
    running = make_group(
        pat,
        [fern],
        treatment_manager=tess,
        start_date=today - timedelta(weeks=3),
        weekday=today.weekday(),
    )
    warned = make_placement(running, make_offender(alice, last_name="Warnedman"), alice, by=pat)
    missing = make_placement(running, make_offender(alice, last_name="Missingman"), alice, by=pat)
    first, second = running.sessions.order_by("number")[:2]
    record(first, warned, "unacceptable_absence", fern)
    record(first, missing, "attended", fern)
    catch_up_record(
        catch_up=warned.catch_ups.get(session=first),
        held_on=first.date + timedelta(days=1),
        facilitator=fern,
        completed=True,
        note="Done",
        by=fern,
    )
    decided = enforcement_decide(
        enforcement=Enforcement.objects.get(attendance__placement=warned),
        decision="warning_given",
        reason="",
        by=alice,
    )
    record(second, missing, "unacceptable_absence", fern)
    session_staffing_change(
        group=running,
        first_number=2,
        last_number=2,
        lead=fern,
        cover=[carl],
        reason="Carl covered for a trainee",
        by=pat,
    )
    feedback_send(placement=warned, message="Quiet in group", by=fern)
    from programme.models import Appointment

    appointment = Appointment.objects.create(
        offender=adam, on=today, purpose="Catch up on work", recorded_by=alice
    )
    from programme.services.non_associations import non_association_record

    kept_apart = non_association_record(
        offender=adam, other=warned.offender, kind="co_defendant", reason="Same case", by=alice
    )

    # A finished group: his report submitted (version 1) and being corrected (version 2).
    finished = make_group(
        pat, [fern], treatment_manager=tess, start_date=monday - timedelta(weeks=40), weekday=0
    )
    done = make_placement(finished, make_offender(alice, last_name="Finishedman"), alice, by=pat)
    for session in finished.sessions.order_by("number"):
        record(session, done, "attended", fern)
    referral = done.referral
    submitted = report_start(referral=referral, by=fern)
    report_save(
        report=submitted,
        overall_progress="Engaged throughout",
        risk_factors="Isolation",
        relapse_prevention_plan="Filtering software",
        progress={
            t.pk: "Progress" for t in TreatmentTarget.objects.filter(programme=finished.programme)
        },
        recommendations=["Attend a Circles of Support group"],
        by=fern,
    )
    report_submit(report=submitted, by=fern)
    draft = report_correct(report=submitted, reason="A date was wrong", by=fern)

    from datetime import time

    from programme.services.one_to_ones import one_to_one_schedule

    one_to_one = one_to_one_schedule(
        referral=waiting,
        kind="pre_group",
        on=today,
        start_time=time(10, 0),
        place="Riverside probation office",
        facilitators=[fern, tess],
        by=alice,
    )

    return {
        "programme:one_to_one_new": {"pk": waiting.pk},
        "programme:one_to_one_record": {"pk": one_to_one.pk},
        "programme:one_to_one_cancel": {"pk": one_to_one.pk},
        "referrals:offender_edit": {"pk": adam.pk},
        "referrals:offence_create": {"pk": adam.pk},
        "referrals:offence_edit": {"pk": adam.pk, "offence_pk": offence.pk},
        "referrals:assessment_create": {"pk": adam.pk},
        "referrals:assessment_edit": {"pk": incomplete.pk},
        "referrals:referral_create": {"pk": assessed.pk},
        "referrals:referral_checklist": {"pk": waiting.pk},
        "programme:referral_move": {"pk": waiting.pk},
        "programme:group_allocate": {"pk": future.pk},
        "programme:bulk_print_start": {"pk": running.pk},
        "programme:session_move": {"pk": future.sessions.order_by("number").last().pk},
        "programme:session_staffing": {"pk": running.pk},
        "programme:register": {"pk": second.pk},
        "programme:catch_up": {"pk": CatchUp.objects.get(placement=missing).pk},
        "programme:placement_feedback": {"pk": missing.pk},
        "programme:notice_acknowledge": {"pk": Notice.objects.get(offender=warned.offender).pk},
        "programme:enforcement": {"pk": Enforcement.objects.get(attendance__placement=missing).pk},
        "programme:enforcement_correct": {"pk": decided.pk},
        "programme:risk_review_create": {"pk": adam.pk},
        "programme:appointment_create": {"pk": adam.pk},
        "programme:appointment_edit": {"pk": appointment.pk},
        "programme:non_associations": {"pk": adam.pk},
        "programme:non_association_stop": {"pk": kept_apart.pk},
        "programme:report_edit": {"pk": referral.pk},
        "programme:report_submit": {"pk": draft.pk},
        "programme:report_correct": {"pk": submitted.pk},
        "programme:handover_create": {"pk": referral.pk},
        "programme:reassessment_create": {"pk": referral.pk},
        "programme:recommendation": {"pk": referral.recommendations.first().pk},
        "programme:referral_close": {"pk": referral.pk},
        "programme:subject_access": {"pk": adam.pk},
    }


# --- Requests -----------------------------------------------------------------------------------


class _RolledBack(Exception):
    pass


@cache
def _count_sql() -> str:
    """One query: how many change-history events (every domain model is tracked) and
    access-log rows there are."""
    tables = [m._meta.db_table for m in apps.get_models() if issubclass(m, Event)]
    tables.append(AccessLog._meta.db_table)
    return "select " + " + ".join(f'(select count(*) from "{t}")' for t in tables)


def _written() -> int:
    with connection.cursor() as cursor:
        cursor.execute(_count_sql())
        return cursor.fetchone()[0]


def post(client: Client, url: str, user: Staff, accredited: bool | None = None):
    """POST with no data in a savepoint that is rolled back: (response, rows written)."""
    outcome = None
    try:
        with transaction.atomic():
            if accredited is not None:
                Staff.objects.filter(pk=user.pk).update(
                    accredited_on=date(2024, 1, 1) if accredited else None
                )
            before = _written()
            response = client.post(url, {})
            outcome = (response, _written() - before)
            raise _RolledBack
    except _RolledBack:
        pass
    return outcome


def url_patterns(resolver=None, prefix="", namespace=""):
    """(name, route, converters) of every URL pattern but the Django admin's."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith(settings.ADMIN_PATH):
                continue  # admins' changes are recorded by the history triggers
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern, route, inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else ""
            yield name, route, sorted(pattern.pattern.converters)


def accepts_post(client: Client, user: Staff, name: str, route: str, converters) -> bool:
    """Asked of the server: a POST that is not refused as the wrong method. A record that
    does not exist is named, so that no view can act (and the savepoint undoes anything)."""
    if not name:
        url = "/" + route
    else:
        url = reverse(name, kwargs={c: 999_999_999 for c in converters})
    response, _ = post(client, url, user)
    return response.status_code != 405


# --- The tests ----------------------------------------------------------------------------------


def test_every_url_that_accepts_a_post_has_a_row_in_the_matrix(alice):
    client = sign_in_verified(Client(), alice)
    exempt = not_case_actions()
    posting = {
        name or route
        for name, route, converters in url_patterns()
        if name not in exempt and accepts_post(client, alice, name, route, converters)
    }
    matrix = read_matrix()
    assert sorted(posting - set(matrix)) == [], "add a row to docs/roles.md for each"
    assert sorted(set(matrix) - posting) == [], "rows of docs/roles.md for no POST URL"


def test_every_action_is_allowed_and_refused_as_docs_roles_md_says(request, cases):
    matrix = read_matrix()
    sign_in = resolve_url(settings.LOGIN_URL)
    wrong = []
    for who in CHARACTERS:
        user = request.getfixturevalue(who.user)
        client = sign_in_verified(Client(raise_request_exception=False), user)
        for name, cells in matrix.items():
            kwargs = cases.get(name, {})
            response, written = post(client, reverse(name, kwargs=kwargs), user, who.accredited)
            allowed = may(cells[who.role], who)
            status = response.status_code
            if allowed and status not in (200, 302):
                wrong.append(f"{who.label}: {name} should be allowed, got {status}")
            elif allowed and status == 302 and response["Location"].startswith(sign_in):
                wrong.append(f"{who.label}: {name} sent to sign in")
            elif not allowed and status not in (403, 404):
                wrong.append(f"{who.label}: {name} should be refused, got {status}")
            elif not allowed and written:
                wrong.append(f"{who.label}: {name} was refused but wrote {written} rows")
    assert not wrong, "\n".join(wrong)


def test_an_auditor_starts_at_the_audit_pages_or_else_the_caseload(login, audrey):
    from django.urls import NoReverseMatch

    try:
        expected = reverse("audit:home")
    except NoReverseMatch:
        expected = reverse("programme:caseload")
    response = login(audrey).get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == expected


def test_a_facilitator_does_not_move_the_sessions_of_a_group_they_run(login, group, fern, pat):
    session = group.sessions.order_by("number").last()
    new_date = session.date + timedelta(days=1)
    data = {"new_date_0": new_date.day, "new_date_1": new_date.month, "new_date_2": new_date.year}
    url = reverse("programme:session_move", args=[session.pk])
    assert login(fern).post(url, data).status_code == 404
    assert group.sessions.get(pk=session.pk).date == session.date
    assert login(pat).post(url, data).status_code == 302
    assert group.sessions.get(pk=session.pk).date == new_date
