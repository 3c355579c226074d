"""Programme templates: versions of a programme's modules and named sessions. A group runs the
version it was formed with; every page and print names the session from it; a version a group
uses is never changed (the server refuses, and so does the database)."""

import pytest
from django.db import IntegrityError, InternalError, connection, transaction
from django.urls import reverse

from programme.models import (
    VERSION_IN_USE,
    CatchUp,
    Group,
    ProgrammeError,
    ProgrammeModule,
    ProgrammeSession,
    ProgrammeVersion,
)
from programme.reference_data import TREATMENT_TARGETS
from programme.services.versions import (
    NO_USABLE_VERSION,
    newest_usable_version,
    version_copy,
)
from referrals.models import Programme
from tests.factories import make_group, make_offender, make_placement, record
from tests.pdf_text import pdf_text
from tests.test_group_and_register_pages import group_form_data


def isotp() -> Programme:
    return Programme.objects.get(code="isotp")


def version_one() -> ProgrammeVersion:
    return isotp().versions.get(number=1)


def version_two(ada, *, rename: dict[int, str] | None = None) -> ProgrammeVersion:
    """Version 2 of i-SOTP, copied from version 1 with some sessions renamed."""
    copy = version_copy(version=version_one(), by=ada)
    for number, title in (rename or {}).items():
        named = copy.sessions.get(number=number)
        named.title = title
        named.save()
    return copy


def text(response) -> str:
    assert response.status_code == 200
    return " ".join(pdf_text(response.content).split())


# --- Version 1, from the reference data -------------------------------------------------------


def test_version_one_of_isotp_names_its_35_sessions_in_the_six_treatment_targets(db):
    version = version_one()
    modules = list(version.modules.order_by("number").values_list("title", flat=True))
    assert modules == TREATMENT_TARGETS["isotp"]
    sessions = list(version.sessions.select_related("module").order_by("number"))
    assert [s.number for s in sessions] == list(range(1, 36))
    assert all(s.module is not None and s.title for s in sessions)
    assert sessions[0].name == (
        "Session 1 — Module 1: Welcome, group agreement and what the programme asks"
    )
    # Not in our source: the notes say so, as N-SOGP's figures do.
    assert "TO CONFIRM" in version.notes and "manual" in version.notes
    assert version.is_usable()


def test_nsogp_has_its_own_version_one(db):
    version = Programme.objects.get(code="nsogp").versions.get(number=1)
    assert version.sessions.count() == 35 and version.modules.count() == 6
    assert "PLACEHOLDER" in version.notes


# --- Forming a group ------------------------------------------------------------------------


def test_a_group_runs_the_newest_complete_version_and_names_its_sessions_from_it(pat, fern, ada):
    older = make_group(pat, [fern])
    version_two(ada, rename={12: "Harm done by viewing, explained again"})
    newer = make_group(pat, [fern], venue="Room 3")
    assert older.version.number == 1 and newer.version.number == 2
    assert newer.sessions.named().get(number=12).name == (
        "Session 12 — Module 2: Harm done by viewing, explained again"
    )
    # The older group keeps version 1's names.
    assert older.sessions.named().get(number=12).name == (
        "Session 12 — Module 2: Reviewing the second module"
    )


def test_an_incomplete_version_is_not_the_default_and_is_refused_when_chosen(login, pat, fern, ada):
    draft = version_two(ada)
    draft.sessions.filter(number=35).update(module=None)
    assert newest_usable_version(isotp()) == version_one()
    response = login(pat).post(
        reverse("programme:group_create"),
        group_form_data(fern, programme=isotp().pk, version=draft.pk),
    )
    assert response.status_code == 200
    assert (
        "i-SOTP version 2 cannot be used to form a group: sessions without a module: 35"
        in response.content.decode()
    )
    assert not Group.objects.exists()


def test_a_version_missing_sessions_says_which(ada):
    draft = version_two(ada)
    draft.sessions.filter(number__in=[34, 35]).delete()
    assert draft.problems() == ["it has 33 sessions, not the 35 i-SOTP has (missing: 34, 35)"]


def test_the_manager_chooses_the_version_on_the_form(login, pat, fern, ada):
    version_two(ada)
    client = login(pat)
    page = client.get(reverse("programme:group_create")).content.decode()
    assert "The newest complete version" in page and "i-SOTP version 1" in page
    response = client.post(
        reverse("programme:group_create"),
        group_form_data(fern, programme=isotp().pk, version=version_one().pk),
    )
    group = Group.objects.get()
    assert response.url == group.get_absolute_url()
    assert group.version == version_one()
    page = client.get(group.get_absolute_url()).content.decode()
    assert "i-SOTP version 1" in page


def test_a_version_of_another_programme_is_refused_on_the_form(login, pat, fern):
    nsogp = Programme.objects.get(code="nsogp").versions.get(number=1)
    response = login(pat).post(
        reverse("programme:group_create"),
        group_form_data(fern, programme=isotp().pk, version=nsogp.pk),
    )
    assert "N-SOGP version 1 is not a version of i-SOTP" in response.content.decode()
    assert not Group.objects.exists()


def test_without_a_complete_version_no_group_can_be_formed(login, pat, fern):
    Programme.objects.filter(code="isotp").update(sessions=36)
    response = login(pat).post(
        reverse("programme:group_create"), group_form_data(fern, programme=isotp().pk)
    )
    message = NO_USABLE_VERSION.format(programme="i-SOTP", sessions=36)
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Group.objects.exists()


# --- A version in use is never changed --------------------------------------------------------


def test_the_server_refuses_to_change_a_version_a_group_uses(pat, fern):
    make_group(pat, [fern])
    named = version_one().sessions.get(number=3)
    named.title = "Renamed under a running group"
    with pytest.raises(ProgrammeError) as refused:
        named.save()
    assert str(refused.value) == VERSION_IN_USE.format(version="i-SOTP version 1")
    with pytest.raises(ProgrammeError):
        ProgrammeModule(version=version_one(), number=7, title="Extra").save()


@pytest.mark.parametrize(
    "change",
    [
        lambda v: ProgrammeSession.objects.filter(version=v).update(title="Renamed"),
        lambda v: ProgrammeModule.objects.filter(version=v).update(title="Renamed"),
        lambda v: ProgrammeVersion.objects.filter(pk=v.pk).update(notes="Changed"),
        lambda v: ProgrammeSession.objects.bulk_create(
            [ProgrammeSession(version=v, number=36, title="One more")]
        ),
        # Raw: the ORM's delete is already refused (PROTECT) by the groups' sessions.
        lambda v: connection.cursor().execute(
            "DELETE FROM programme_programmemodule WHERE version_id = %s", [v.pk]
        ),
    ],
    ids=["rename a session", "rename a module", "edit the version", "add", "delete"],
)
def test_the_database_refuses_any_change_to_a_version_a_group_uses(pat, fern, change):
    make_group(pat, [fern])
    with pytest.raises(InternalError, match="programme version a group uses"):
        with transaction.atomic():
            change(version_one())


def test_a_version_no_group_uses_can_be_edited(ada):
    draft = version_two(ada)
    assert ProgrammeSession.objects.filter(version=draft, number=1).update(title="New") == 1


def test_a_group_keeps_the_version_it_was_formed_with(pat, fern, ada):
    group = make_group(pat, [fern])
    newer = version_two(ada)
    with pytest.raises(InternalError, match="formed with"):
        with transaction.atomic():
            Group.objects.filter(pk=group.pk).update(version=newer)


def test_a_group_session_is_the_named_session_of_its_own_version(pat, fern):
    group = make_group(pat, [fern])
    other = version_one().sessions.get(number=5)
    with pytest.raises((InternalError, IntegrityError), match="session of its number"):
        with transaction.atomic():
            group.sessions.filter(number=4).update(programme_session=other)


def test_a_copy_is_the_next_version_with_the_same_modules_and_sessions(pat, fern, ada):
    make_group(pat, [fern])
    copy = version_copy(version=version_one(), by=ada)
    assert copy.number == 2 and copy.created_by == ada
    assert [s.name for s in copy.sessions.select_related("module").order_by("number")] == [
        s.name for s in version_one().sessions.select_related("module").order_by("number")
    ]
    assert copy.sessions.filter(module__version=version_one()).count() == 0
    assert copy.notes.startswith("Copied from version 1.")


# --- The admin ------------------------------------------------------------------------------


def version_url(version) -> str:
    return reverse("admin:programme_programmeversion_change", args=[version.pk])


def admin_post_data(response) -> dict:
    """What the admin's change form would post back unchanged, inlines included."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value not in (None, False):
            data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for each in formset.forms:
            for name in each.fields:
                value = each[name].value()
                if value not in (None, False):
                    data[each.add_prefix(name)] = value
    return data


def test_the_admin_shows_a_version_in_use_read_only_and_refuses_a_post(login, ada, pat, fern):
    make_group(pat, [fern])
    client = login(ada)
    page = client.get(version_url(version_one())).content.decode()
    assert "Used by 1 group: read-only" in page
    assert 'name="sessions-0-title"' not in page and 'name="_save"' not in page
    response = client.post(
        version_url(version_one()), {"notes": "Changed", "sessions-0-title": "Renamed"}
    )
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "is used by a group, so it cannot change" in page
    assert version_one().notes.startswith("STARTING LIST")
    assert version_one().sessions.get(number=1).title.startswith("Welcome")


def test_the_admin_copies_a_version_in_use_and_edits_the_copy(login, ada, pat, fern):
    make_group(pat, [fern])
    client = login(ada)
    response = client.post(
        reverse("admin:programme_programmeversion_changelist"),
        {"action": "copy_as_new_version", "_selected_action": [version_one().pk]},
    )
    copy = isotp().versions.get(number=2)
    assert response.url == version_url(copy)
    form = client.get(version_url(copy))
    assert "Not used by any group yet" in form.content.decode()
    data = admin_post_data(form)
    title = next(
        key
        for key, value in data.items()
        if value == "Harm done by viewing, sharing and collecting"
    )
    data[title] = "Harm done by viewing, sharing and collecting images"
    saved = client.post(version_url(copy), data)
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    assert (
        copy.sessions.get(number=8).title == "Harm done by viewing, sharing and collecting images"
    )
    assert (
        version_one().sessions.get(number=8).title == "Harm done by viewing, sharing and collecting"
    )


def test_the_admin_list_says_which_versions_can_form_groups(login, ada, pat, fern):
    make_group(pat, [fern])
    draft = version_two(ada)
    draft.sessions.filter(number=35).update(module=None)
    page = login(ada).get(reverse("admin:programme_programmeversion_changelist"))
    content = page.content.decode()
    assert "No: sessions without a module: 35" in content
    assert content.count(">Yes<") >= 2  # i-SOTP and N-SOGP version 1


# --- Every place that shows a session names it ---------------------------------------------------


@pytest.fixture
def member(pat, fern, alice, ada):
    """Adam in a group running version 2 (session 2 renamed), who missed session 2."""
    version_two(ada, rename={2: "Why change now?"})
    group = make_group(pat, [fern])
    placement = make_placement(group, make_offender(alice, first_name="Adam"), alice, by=pat)
    record(group.sessions.get(number=1), placement, "attended", fern)
    record(
        group.sessions.get(number=2),
        placement,
        "acceptable_absence",
        fern,
        absence_reason="medical",
    )
    return placement


SESSION_TWO = "Session 2 — Module 1: Why change now?"


def test_the_group_page_and_the_register_name_the_sessions(login, fern, member):
    client = login(fern)
    page = client.get(member.group.get_absolute_url()).content.decode()
    assert SESSION_TWO in page and "i-SOTP version 2" in page
    register = client.get(
        reverse("programme:register", args=[member.group.sessions.get(number=2).pk])
    )
    assert SESSION_TWO in register.content.decode()


def test_the_catch_up_and_attendance_pages_name_the_session(login, fern, member):
    client = login(fern)
    catch_up = CatchUp.objects.get(placement=member)
    assert (
        SESSION_TWO
        in client.get(reverse("programme:catch_up", args=[catch_up.pk])).content.decode()
    )
    assert SESSION_TWO in client.get(member.get_absolute_url()).content.decode()


def test_his_programme_page_names_the_sessions(login, alice, member):
    page = login(alice).get(reverse("programme:offender_programme", args=[member.offender.pk]))
    content = page.content.decode()
    assert SESSION_TWO in content  # his attendance, and the catch-up still to do
    assert "i-SOTP version 2" in content


def test_the_attendance_record_and_the_group_register_name_the_sessions(login, alice, pat, member):
    record_pdf = text(
        login(alice).get(reverse("programme:attendance_record_pdf", args=[member.pk]))
    )
    assert SESSION_TWO in record_pdf
    register_pdf = text(
        login(pat).get(reverse("programme:group_register_pdf", args=[member.group.pk]))
    )
    assert SESSION_TWO in register_pdf and "i-SOTP version 2" in register_pdf


def test_the_end_of_programme_report_names_the_sessions_he_missed(member, fern):
    from programme.services.post_programme import attendance_summary

    summary = attendance_summary(member)
    assert summary["version"] == "i-SOTP version 2"
    assert summary["missed_sessions"] == [
        {"session": SESSION_TWO, "outcome": "Acceptable absence", "caught_up": False}
    ]


def test_a_shortened_programme_in_tests_gets_a_version_of_its_length(pat, fern):
    Programme.objects.filter(code="isotp").update(sessions=2)
    group = make_group(pat, [fern])
    assert group.sessions.count() == 2 and group.version.number == 2
    assert group.version.is_usable()


def test_my_groups_names_the_catch_ups_to_run(login, fern, member):
    page = login(fern).get(reverse("programme:facilitator_home")).content.decode()
    assert SESSION_TWO in page
