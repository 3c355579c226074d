"""Bounds on what people type (isotp/limits.py): every text field has a maximum length, in the
forms (a message with the limit and how far over, the text kept) and in the database; every
date a person types is within a sane range (year 0999 is refused with a message)."""

import inspect
from datetime import date, timedelta

import pghistory.models
import pytest
from django import forms
from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone

import programme.auditing.forms
import programme.casework.forms
import programme.forms
import programme.reporting.forms
import referrals.forms
from isotp.limits import (
    CASEWORK_DATE,
    DATE_OF_BIRTH,
    NOTE_MAX,
    REPORT_SECTION_MAX,
    TARGET_PROGRESS_MAX,
    DateRangeValidator,
    years_from,
)
from programme.forms import ReportForm
from programme.models import TreatmentTarget
from referrals.models import Offender, Programme
from tests.factories import make_offender
from tests.test_offender_forms import valid_form_data

PROJECT_APPS = ["isotp", "referrals", "programme"]

# JSON fields the app writes itself, from choices and counts: nobody types into them.
APP_WRITTEN_JSON = {
    "referrals.Assessment.reasons",
    "programme.EndOfProgrammeReport.attendance_summary",
}


def project_models():
    """The project's models, without pghistory's event models: those copy the tracked row
    (bounded there) from a trigger, and nobody writes to them."""
    return [
        model
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models()
        if not issubclass(model, pghistory.models.Event)
    ]


def database_limit(model, name: str) -> int | None:
    """N in the CHECK constraint `char_length(name) <= N` (or of its JSON text), if any."""
    for constraint in model._meta.constraints:
        condition = getattr(constraint, "condition", None)
        if isinstance(condition, LessThanOrEqual) and isinstance(condition.lhs, Length):
            source = condition.lhs.get_source_expressions()[0]
            inner = getattr(source, "name", None) or source.get_source_expressions()[0].name
            if inner == name:
                return condition.rhs
    return None


def test_every_text_field_of_every_model_has_a_maximum_length_in_the_database():
    unbounded = []
    for model in project_models():
        for field in model._meta.get_fields():
            label = f"{model._meta.label}.{getattr(field, 'name', '')}"
            if isinstance(field, models.TextField):
                if field.max_length is None or database_limit(model, field.name) is None:
                    unbounded.append(label)
            elif isinstance(field, models.CharField):
                # varchar(max_length): the database bounds it.
                if field.max_length is None:
                    unbounded.append(label)
            elif isinstance(field, models.JSONField) and label not in APP_WRITTEN_JSON:
                if database_limit(model, field.name) is None:
                    unbounded.append(label)
    assert unbounded == []


def test_the_database_constraint_matches_the_field_limit():
    for model in project_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.TextField):
                limit = database_limit(model, field.name)
                assert limit == field.max_length, f"{model._meta.label}.{field.name}"


def test_every_date_field_of_every_model_has_a_sane_range():
    missing = [
        f"{model._meta.label}.{field.name}"
        for model in project_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.DateField)
        and not isinstance(field, models.DateTimeField)
        and not any(isinstance(v, DateRangeValidator) for v in field.validators)
    ]
    assert missing == []


def project_form_classes():
    modules = [
        referrals.forms,
        programme.forms,
        programme.casework.forms,
        programme.auditing.forms,
        programme.reporting.forms,
    ]
    return [
        cls
        for module in modules
        for _name, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__
    ]


def test_every_text_field_of_every_form_has_a_maximum_length():
    unbounded = [
        f"{cls.__name__}.{name}"
        for cls in project_form_classes()
        for name, field in cls.base_fields.items()
        if isinstance(field, forms.CharField)
        and not isinstance(field, forms.ChoiceField)
        and field.max_length is None
    ]
    assert project_form_classes() and unbounded == []


@pytest.mark.django_db
def test_the_database_refuses_a_note_over_its_limit(alice):
    offender = make_offender(alice, other_needs="x" * NOTE_MAX)
    offender.other_needs = "x" * (NOTE_MAX + 1)
    with pytest.raises(IntegrityError, match="offender_other_needs_max_length"):
        with transaction.atomic():
            offender.save()


def test_a_note_over_the_limit_says_the_limit_and_how_far_over_and_keeps_the_text(login, alice):
    text = "Needs the letter read to him. " + "y" * (NOTE_MAX - 30 + 120)
    response = login(alice).post(
        reverse("referrals:offender_create"), valid_form_data(other_needs=text)
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert (
        "Other format or communication needs must be 5,000 characters or fewer: you have "
        "entered 5,120 characters, 120 too many"
    ) in page
    assert text in page  # kept for the user to shorten
    assert 'maxlength="5000"' not in page  # the browser would cut a paste silently
    assert not Offender.objects.exists()


def test_a_note_at_the_limit_is_accepted(login, alice):
    response = login(alice).post(
        reverse("referrals:offender_create"), valid_form_data(other_needs="z" * NOTE_MAX)
    )
    assert response.status_code == 302
    assert len(Offender.objects.get().other_needs) == NOTE_MAX


@pytest.mark.django_db
def test_each_report_section_and_target_has_its_own_limit():
    targets = TreatmentTarget.objects.filter(programme__code="isotp")
    first = targets.first()
    form = ReportForm(
        data={
            "overall_progress": "a" * (REPORT_SECTION_MAX + 1),
            "risk_factors": "b" * REPORT_SECTION_MAX,
            "relapse_prevention_plan": "",
            "recommendations": "c" * (REPORT_SECTION_MAX + 2),
            f"target_{first.pk}": "d" * (TARGET_PROGRESS_MAX + 3),
        },
        targets=targets,
    )
    assert not form.is_valid()
    assert form.errors["overall_progress"] == [
        "Overall progress must be 10,000 characters or fewer: you have entered 10,001 "
        "characters, 1 too many"
    ]
    assert "risk_factors" not in form.errors
    assert "2 too many" in form.errors["recommendations"][0]
    assert form.errors[f"target_{first.pk}"][0].startswith(
        f"Progress against target 1: {first.name} must be 5,000 characters or fewer"
    )


@pytest.mark.django_db
def test_a_long_search_is_cut_not_refused(alice):
    make_offender(alice, last_name="Ashcombe")
    assert Offender.objects.search("Ashcombe " + "q " * 50_000).count() == 1


# --- Dates -----------------------------------------------------------------------------------


def dob(day, month, year):
    return {"date_of_birth_0": day, "date_of_birth_1": month, "date_of_birth_2": year}


def test_year_0999_is_refused_with_a_message_not_a_server_error(login, alice):
    response = login(alice).post(
        reverse("referrals:offender_create"), valid_form_data(**dob("1", "1", "0999"))
    )
    assert response.status_code == 200
    assert "Date of birth must be between" in response.content.decode()
    assert not Offender.objects.exists()


@pytest.mark.parametrize("years_old", [9, 111])
def test_a_date_of_birth_must_make_him_10_to_110_years_old(login, alice, years_old):
    born = years_from(timezone.localdate(), -years_old)
    response = login(alice).post(
        reverse("referrals:offender_create"),
        valid_form_data(**dob(str(born.day), str(born.month), str(born.year))),
    )
    page = response.content.decode()
    assert "Date of birth must be between" in page
    assert "he must be between 10 and 110 years old" in page


def test_an_order_end_in_2101_is_refused(login, alice):
    response = login(alice).post(
        reverse("referrals:offender_create"),
        valid_form_data(order_end_0="1", order_end_1="1", order_end_2="2101"),
    )
    assert "End date must be between 1 January 1900 and 31 December 2100" in (
        response.content.decode()
    )


def test_an_appointment_more_than_five_years_ahead_is_refused(login, alice):
    offender = make_offender(alice)
    far = years_from(timezone.localdate(), 5) + timedelta(days=1)
    response = login(alice).post(
        reverse("programme:appointment_create", args=[offender.pk]),
        {
            "on_0": str(far.day),
            "on_1": str(far.month),
            "on_2": str(far.year),
            "purpose": "Review",
            "attended": "unknown",
        },
    )
    assert response.status_code == 200
    assert "Date must be between" in response.content.decode()
    assert not offender.appointments.exists()


def test_the_ranges_are_worked_out_from_today():
    today = date(2026, 11, 25)
    assert DATE_OF_BIRTH.bounds(today) == (date(1916, 11, 25), date(2016, 11, 25))
    assert CASEWORK_DATE.bounds(today) == (date(2016, 11, 25), date(2031, 11, 25))
    assert DateRangeValidator().bounds(today) == (date(1900, 1, 1), date(2100, 12, 31))
    assert years_from(date(2024, 2, 29), 1) == date(2025, 2, 28)


def test_the_admin_refuses_year_0999_with_a_message(login, ada):
    isotp = Programme.objects.get(code="isotp")
    assert isotp  # the admin's date fields use the same validators as the forms
    response = login(ada).post(
        reverse("admin:programme_bankholiday_add"), {"date": "0999-12-25", "name": "Old"}
    )
    assert response.status_code == 200
    assert "must be between 1 January 1900 and 31 December 2100" in response.content.decode()
