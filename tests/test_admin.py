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
