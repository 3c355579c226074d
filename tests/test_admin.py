"""The Django admin: every model registered, listed and opened; nothing deleted by users."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import record

DOMAIN_APPS = {"isotp", "referrals", "programme"}


def registered_models():
    return [m for m in admin.site._registry if m._meta.app_label in DOMAIN_APPS]


def test_every_domain_model_is_registered():
    from django.apps import apps

    domain = {
        m
        for m in apps.get_models()
        if m._meta.app_label in DOMAIN_APPS and not m.__name__.endswith("Event")
    }
    assert domain - set(registered_models()) == set()


def test_every_admin_list_and_record_opens(login, ada, group, placement, fern):
    record(
        group.sessions.get(number=1),
        placement,
        "unacceptable_absence",
        fern,
        risk_relevant=True,
        note="Shared",
    )
    client = login(ada)
    for model in registered_models():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        first = model.objects.first()
        if first is not None:
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk])
            assert client.get(change).status_code == 200, change


@pytest.mark.parametrize("model", ["referrals.Offender", "programme.Attendance", "isotp.Staff"])
def test_admins_cannot_hard_delete_case_records(login, ada, model):
    from django.apps import apps

    model_admin = admin.site._registry[apps.get_model(model)]
    request = type("Request", (), {"user": ada})()
    assert model_admin.has_delete_permission(request) is False


def test_programme_numbers_are_editable_in_the_admin(login, ada):
    from referrals.models import Programme

    isotp = Programme.objects.get(code="isotp")
    url = reverse("admin:referrals_programme_change", args=[isotp.pk])
    page = login(ada).get(url).content.decode()
    assert 'name="catch_up_limit"' in page and 'name="young_group_threshold"' in page


def test_a_long_admin_list_counts_its_rows_once_and_needs_no_sort_by_session(
    ada, login, placement, fern
):
    """The attendance list at national size: one COUNT (not a second one of the whole table),
    and newest first by key rather than sorted by session number."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for session in placement.group.sessions.order_by("number")[:3]:
        record(session, placement, "attended", fern)
    client = login(ada)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:programme_attendance_changelist"))
    assert response.status_code == 200
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1
    listed = [r.session.number for r in response.context["cl"].result_list]
    assert listed == [3, 2, 1]


def _add_men(group, alice, pat, fern, count: int) -> None:
    """Men placed in the group, each with an offence, a referral (assessment, checklist,
    status moves) and a missed first session shared as risk-relevant (an enforcement, a
    notice), so that most case records' admin lists grow with them."""
    from tests.factories import make_offence, make_offender, make_placement

    session = group.sessions.get(number=1)
    for _ in range(count):
        offender = make_offender(alice)
        make_offence(offender)
        placement = make_placement(group, offender, alice, by=pat)
        record(session, placement, "unacceptable_absence", fern, risk_relevant=True, note="Seen")


def _changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def _statements(queries) -> int:
    """The statements a page ran, leaving out the session's renewal (at most once a minute,
    whatever the page)."""
    return len(
        [
            q
            for q in queries
            if "django_session" not in q["sql"]
            and not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
        ]
    )


def test_every_admin_list_runs_the_same_queries_for_two_and_for_five_men(
    login, ada, group, alice, pat, fern
):
    """No admin list makes a query per row (a __str__ reaching a relation that is not
    selected with the rows): each list's query count is the same with two men as with five."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(ada)
    client.get(reverse("admin:index"))
    counts, rows = {}, {}
    for size, more in ((2, 2), (5, 3)):
        _add_men(group, alice, pat, fern, more)
        for model in registered_models():
            with CaptureQueriesContext(connection) as queries:
                response = client.get(_changelist(model))
            assert response.status_code == 200, model
            counts[size, model] = _statements(queries)
            rows[size, model] = len(response.context["cl"].result_list)
    grew = {model.__name__ for model in registered_models() if rows[5, model] > rows[2, model]}
    assert {
        "Offender",
        "Offence",
        "Assessment",
        "Referral",
        "ReferralStatusChange",
        "PreProgrammeChecklist",
        "Placement",
        "Attendance",
        "Enforcement",
        "Notice",
    } <= grew
    assert {m.__name__: counts[5, m] for m in registered_models()} == {
        m.__name__: counts[2, m] for m in registered_models()
    }


@pytest.mark.parametrize("size", [2, 5])
def test_the_offender_and_attendance_lists_run_the_same_queries_whatever_their_length(
    login, ada, group, alice, pat, fern, size, django_assert_num_queries
):
    from referrals.models import Offender

    _add_men(group, alice, pat, fern, size)
    client = login(ada)
    client.get(reverse("admin:index"))
    # Session, user, her second-factor device; the office filter's offices; the table's
    # estimated size, then (a short table) its COUNT(*); the page of offenders with their
    # offender managers and offices; the consultation log's row.
    with django_assert_num_queries(8):
        response = client.get(_changelist(Offender))
    assert len(response.context["cl"].result_list) == size
    from programme.models import Attendance

    # The same without the office filter: its filters are fixed choices.
    with django_assert_num_queries(7):
        response = client.get(_changelist(Attendance))
    assert len(response.context["cl"].result_list) == size


def test_offenders_are_listed_in_name_order_and_found_by_exact_crn_or_part_of_a_name(
    login, ada, alice
):
    from referrals.models import Offender
    from tests.factories import make_offender

    make_offender(alice, first_name="Zed", last_name="abbott", crn="A100001")
    make_offender(alice, first_name="Amos", last_name="Abbott", crn="A100002")
    make_offender(
        alice, first_name="Carl", last_name="Byrne", crn="B100003", pnc_number="2012/0052494Q"
    )
    client = login(ada)
    listed = client.get(_changelist(Offender)).context["cl"].result_list
    assert [o.crn for o in listed] == ["A100002", "A100001", "B100003"]

    def found(q):
        return [
            o.crn for o in client.get(_changelist(Offender), {"q": q}).context["cl"].result_list
        ]

    assert found("a100001") == ["A100001"]
    assert found("A1000") == []  # a CRN is matched whole, not as a part
    assert found("2012/0052494q") == ["B100003"]
    assert found("yrn") == ["B100003"]
    assert found("abbo") == ["A100002", "A100001"]


@pytest.mark.django_db(transaction=True)
def test_a_long_unfiltered_list_shows_the_statistics_estimate_and_a_search_counts_exactly(
    login, ada, alice, monkeypatch
):
    """A long table is not counted row by row for its unfiltered list: the page says "about"
    the number PostgreSQL's statistics hold; a search (or a filter) is counted exactly, and
    a short table always is."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from isotp.database_roles import connected_as_owner
    from referrals.models import Offender
    from tests.factories import make_offender

    for number in range(12):
        make_offender(alice, last_name=f"Countedman{number}")
    with connected_as_owner(), connection.cursor() as cursor:
        cursor.execute("ANALYZE referrals_offender")  # as autovacuum would
    monkeypatch.setattr("isotp.admin.ESTIMATE_COUNT_ABOVE", 10)  # "long" for this test
    client = login(ada)
    client.get(reverse("admin:index"))

    with CaptureQueriesContext(connection) as queries:
        page = client.get(_changelist(Offender)).content.decode()
    assert not [q for q in queries if "COUNT(" in q["sql"].upper()]
    assert "about 12 offenders" in page

    with CaptureQueriesContext(connection) as queries:
        page = client.get(_changelist(Offender), {"q": "countedman1"}).content.decode()
    assert len([q for q in queries if "COUNT(" in q["sql"].upper()]) == 1
    assert "3 results" in page  # Countedman1, 10 and 11

    page = client.get(_changelist(Offender), {"gender__exact": "male"}).content.decode()
    assert "12 offenders" in page and "about" not in page

    monkeypatch.setattr("isotp.admin.ESTIMATE_COUNT_ABOVE", 1000)
    page = client.get(_changelist(Offender)).content.decode()
    assert "12 offenders" in page and "about 12" not in page
