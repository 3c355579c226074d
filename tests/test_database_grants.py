"""Tamper-proof by the database: the app's role may add to the access log and the history,
never change, delete or empty them, nor switch their triggers off (docs/security.md).

Every test in the suite connects as the app role (tests/conftest.py); these say what that role
is refused, and that the refusal is the database's, not the app's."""

import pgtrigger
import psycopg2.errors
import pytest
from django.apps import apps
from django.conf import settings
from django.db import InternalError, ProgrammingError, connection, transaction
from pghistory.models import Event, Events

from isotp.database_roles import APPEND, connected_as_owner, privileges_by_table
from isotp.models import AccessLog
from programme.models import AttendanceAmendment, EnforcementCorrection
from referrals.models import Offender, ReferralStatusChange
from tests.factories import make_offender, record

APPEND_ONLY_TABLES = [
    "isotp_accesslog",
    "referrals_offenderevent",  # one pghistory event table; all of them are checked below
    "referrals_referralstatuschange",
    "programme_attendanceamendment",
    "programme_enforcementcorrection",
]


def query(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def refused(sql: str, params=()) -> str:
    """Run the statement as the app role; return the database's refusal."""
    with pytest.raises(ProgrammingError) as refusal, transaction.atomic():
        query(sql, params)
    assert isinstance(refusal.value.__cause__, psycopg2.errors.InsufficientPrivilege)
    return str(refusal.value)


@pytest.fixture
def logged(alice):
    """Alice has opened her man's record: one row in the access log, his history has events."""
    offender = make_offender(alice, first_name="Lionel", last_name="Logged")
    return AccessLog.record(staff=alice, obj=offender, path=f"/offenders/{offender.pk}/")


# --- Who the app is ----------------------------------------------------------------------------


def test_the_tests_connect_as_the_app_role_not_the_owner(db):
    ((user,),) = query("SELECT current_user")
    assert user == settings.DATABASE_APP_ROLE
    assert user != settings.DATABASE_OWNER["USER"], (
        "DATABASE_URL and DATABASE_OWNER_URL name one role: set them to the two roles "
        "(docs/deployment.md)"
    )


def test_the_app_role_is_no_superuser_and_may_not_create_databases_or_roles(db):
    ((superuser, createdb, createrole, bypassrls, replication),) = query(
        "SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls, rolreplication"
        " FROM pg_roles WHERE rolname = current_user"
    )
    assert not (superuser or createdb or createrole or bypassrls or replication)


def test_the_app_role_owns_nothing(db):
    assert (
        query(
            "SELECT relname FROM pg_class WHERE relowner = current_user::regrole"
            " AND relnamespace = 'public'::regnamespace"
        )
        == []
    )
    assert (
        query(
            "SELECT proname FROM pg_proc WHERE proowner = current_user::regrole"
            " AND pronamespace = 'public'::regnamespace"
        )
        == []
    )
    assert query("SELECT datname FROM pg_database WHERE datdba = current_user::regrole") == []
    assert query("SELECT nspname FROM pg_namespace WHERE nspowner = current_user::regrole") == []


# --- Which tables are append-only --------------------------------------------------------------


def test_the_append_only_tables_are_worked_out_from_the_models():
    privileges = privileges_by_table()
    for model in [AccessLog, ReferralStatusChange, AttendanceAmendment, EnforcementCorrection]:
        assert privileges[model._meta.db_table] == APPEND, model
    events = [m for m in apps.get_models() if issubclass(m, Event)]
    assert len(events) > 20
    assert all(privileges[m._meta.db_table] == APPEND for m in events)
    # A lock with a condition (a submitted report, a decision taken) is not append-only.
    assert privileges["programme_endofprogrammereport"] != APPEND
    assert privileges["programme_enforcement"] != APPEND
    assert privileges[Offender._meta.db_table] != APPEND


def test_every_table_grants_the_app_role_what_its_model_says_and_never_truncate(db):
    tables = dict(
        query(
            "SELECT relname, ARRAY["
            "  has_table_privilege(current_user, oid, 'SELECT'),"
            "  has_table_privilege(current_user, oid, 'INSERT'),"
            "  has_table_privilege(current_user, oid, 'UPDATE'),"
            "  has_table_privilege(current_user, oid, 'DELETE'),"
            "  has_table_privilege(current_user, oid, 'TRUNCATE'),"
            "  has_table_privilege(current_user, oid, 'REFERENCES'),"
            "  has_table_privilege(current_user, oid, 'TRIGGER')]"
            " FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
        )
    )
    privileges = privileges_by_table()
    assert set(privileges) <= set(tables)
    for table, (select, insert, update, delete, truncate, references, trigger) in tables.items():
        assert select, table
        assert not (truncate or references or trigger), table
        if privileges.get(table) == APPEND:
            assert insert and not update and not delete, table
        elif table not in privileges:  # django_migrations: written by migrate, as the owner
            assert not (insert or update or delete), table
    assert set(APPEND_ONLY_TABLES) <= {t for t, p in privileges.items() if p == APPEND}


# --- Tampering is refused ----------------------------------------------------------------------


@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_the_app_role_cannot_empty_change_or_delete_an_append_only_table(logged, table):
    assert f"permission denied for table {table}" in refused(f"TRUNCATE {table}")
    assert f"permission denied for table {table}" in refused(f"TRUNCATE {table} CASCADE")
    assert f"permission denied for table {table}" in refused(f"UPDATE {table} SET id = id")
    assert f"permission denied for table {table}" in refused(f"DELETE FROM {table}")


def test_every_history_table_refuses_the_app_role_truncate_update_and_delete(logged):
    for model in [m for m in apps.get_models() if issubclass(m, Event)]:
        table = model._meta.db_table
        assert "permission denied" in refused(f"TRUNCATE {table}"), table
        assert "permission denied" in refused(f"UPDATE {table} SET pgh_label = 'x'"), table
        assert "permission denied" in refused(f"DELETE FROM {table}"), table


def test_the_access_log_is_left_as_it_was(logged):
    refused("DELETE FROM isotp_accesslog")
    refused("TRUNCATE isotp_accesslog")
    assert AccessLog.objects.get(pk=logged.pk).path == logged.path


def test_the_app_role_cannot_step_around_the_trigger_with_pgtrigger_ignore(logged):
    with (
        pgtrigger.ignore("isotp.AccessLog:access_log_append_only"),
        pytest.raises(ProgrammingError, match="permission denied for table isotp_accesslog"),
        transaction.atomic(),
    ):
        AccessLog.objects.filter(pk=logged.pk).update(path="/elsewhere/")


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE isotp_accesslog DISABLE TRIGGER ALL",
        "ALTER TABLE isotp_accesslog DISABLE TRIGGER USER",
        "ALTER TABLE referrals_offenderevent DISABLE TRIGGER ALL",
        "ALTER TABLE referrals_offender DISABLE TRIGGER ALL",  # would stop its history
        "DROP TABLE isotp_accesslog",
        "ALTER TABLE isotp_accesslog OWNER TO CURRENT_USER",
    ],
)
def test_the_app_role_cannot_switch_off_or_drop_the_triggers(db, statement):
    assert "must be owner of table" in refused(statement)


def test_the_app_role_cannot_drop_a_trigger(db):
    ((trigger,),) = query(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'isotp_accesslog'::regclass"
        " AND NOT tgisinternal"
    )
    assert "must be owner of relation" in refused(f"DROP TRIGGER {trigger} ON isotp_accesslog")


def test_the_app_role_cannot_replay_as_a_replica_to_skip_triggers(db):
    assert 'permission denied to set parameter "session_replication_role"' in refused(
        "SET session_replication_role = replica"
    )


def test_the_app_role_cannot_create_or_replace_anything_in_the_schema(db):
    assert "permission denied for schema public" in refused("CREATE TABLE shadow (id int)")
    # pgtrigger's triggers ask this function whether to skip; replacing it would skip them all.
    assert "permission denied for schema public" in refused(
        "CREATE OR REPLACE FUNCTION public._pgtrigger_should_ignore(trigger_name NAME)"
        " RETURNS BOOLEAN AS $$ BEGIN RETURN TRUE; END; $$ LANGUAGE plpgsql"
    )


def test_pgtrigger_ignore_cannot_skip_the_history(alice):
    """Any role may set pgtrigger.ignore; the history triggers do not listen to it. (The
    conditional locks still do: enforcement_decide steps around one, tested with it.)"""
    offender = make_offender(alice, first_name="Quentin")
    events = Events.objects.tracks(offender)
    assert events.count() == 1
    with pgtrigger.ignore("referrals.Offender:update_update", "referrals.Offender:insert_insert"):
        Offender.objects.filter(pk=offender.pk).update(first_name="Quietly")
        make_offender(alice, first_name="Unseen")
    assert events.count() == 2
    assert events.order_by("pgh_id").last().pgh_diff["first_name"] == ["Quentin", "Quietly"]
    unseen = Offender.objects.get(first_name="Unseen")
    assert Events.objects.tracks(unseen).count() == 1


def test_the_app_role_cannot_rewrite_or_delete_who_made_a_change(logged):
    assert "permission denied for table pghistory_context" in refused(
        "DELETE FROM pghistory_context"
    )
    assert "permission denied" in refused("TRUNCATE pghistory_context")


# --- What the app does still works -------------------------------------------------------------


def test_the_app_role_adds_to_the_access_log(alice):
    offender = make_offender(alice)
    AccessLog.record(staff=alice, obj=offender, path="/x/")
    query(
        "INSERT INTO isotp_accesslog (staff_id, record_type, record_id, records, offender_ids,"
        " action, view, path, query, reason, at) VALUES (%s, 'referrals.offender', %s,"
        " '{}', ARRAY[%s]::bigint[], 'view', '', '/y/', '', '', now())",
        [alice.pk, str(offender.pk), offender.pk],
    )
    assert AccessLog.objects.filter(record_id=str(offender.pk)).count() == 2


def test_a_change_made_in_a_request_writes_its_history_as_the_app_role(login, alice):
    from tests.test_offender_forms import valid_form_data

    offender = make_offender(alice)
    response = login(alice).post(
        f"/offenders/{offender.pk}/edit/", valid_form_data(crn=offender.crn, last_name="Changed")
    )
    assert response.status_code == 302
    last = Events.objects.tracks(offender).order_by("pgh_created_at", "pgh_id").last()
    assert last.pgh_diff["last_name"][1] == "Changed"
    assert last.pgh_context["user"] == alice.pk


def test_an_amendment_is_added_as_the_app_role(group, placement, fern):
    session = group.sessions.get(number=1)
    record(session, placement, "unacceptable_absence", fern)
    record(session, placement, "attended", fern, change_reason="He was there after all")
    assert AttendanceAmendment.objects.get().reason == "He was there after all"


# --- The owner is held by the trigger ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_trigger_refuses_even_the_owner(alice):
    log = AccessLog.record(staff=alice, obj=alice, path="/x/")
    with connected_as_owner():
        ((user,),) = query("SELECT current_user")
        assert user == settings.DATABASE_OWNER["USER"]
        with pytest.raises(InternalError, match="pgtrigger: Cannot update or delete rows"):
            AccessLog.objects.filter(pk=log.pk).update(path="/tampered/")
    assert AccessLog.objects.get(pk=log.pk).path == "/x/"
