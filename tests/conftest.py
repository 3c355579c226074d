"""Named characters every test can use.

Alice is an accredited offender manager; Uma an unaccredited one; Otto another offender
manager in the same office; Fern a facilitator; Pat the programme manager of the office;
Hilary a programme manager of another office; Ada an admin; Audrey an auditor (information
assurance: reads the consultation log, changes nothing); Sam a senior manager (the figures of
every office of the probation area, no case record).
"""

import json
import logging
from datetime import date

import pytest
from django.conf import settings
from django.db import connection

from isotp.database_roles import reconnect_as
from isotp.log_format import JsonLinesFormatter
from tests.clock import start_travelling, travel_date
from tests.factories import make_character, make_office


def pytest_configure(config):
    # TEST_TODAY=YYYY-MM-DD runs the suite as if that were today (tests/clock.py); in each
    # xdist worker too, which configures pytest afresh.
    start_travelling()


def pytest_report_header(config):
    day = travel_date()
    return f"today: {day or date.today()} ({'TEST_TODAY' if day else 'the real date'})"


# --- The database roles (docs/security.md) ------------------------------------------------
# The owner role creates, migrates and drops the test databases, as it does the real one;
# every test then connects as the app role, as the web process does, so a grant the app
# lacks fails a real test. (`flush`, which transactional tests end with, connects as the
# owner itself: isotp/management/commands/flush.py.)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings):
    """Connect as the owner while the test database is made; returns the app's credentials."""
    return reconnect_as(connection, settings.DATABASE_OWNER)


@pytest.fixture(scope="session")
def django_db_setup(
    request, django_test_environment, django_db_modify_db_settings, django_db_blocker
):
    """Each worker's test database is a copy of a migrated template (tests/databases.py), made
    and dropped as the owner; the tests then connect as the app. Their commits do not wait for
    the disk (synchronous_commit off, for the test connections alone: a test database is
    thrown away, and the server's other databases keep their setting)."""
    from tests import databases

    with django_db_blocker.unblock():
        name = databases.create_from_template(verbosity=request.config.option.verbose)
        owner = reconnect_as(connection, django_db_modify_db_settings)
        options = settings.DATABASES[connection.alias].setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()
        connection.settings_dict["OPTIONS"] = options
    yield
    with django_db_blocker.unblock():
        app = reconnect_as(connection, owner)
        databases.drop(name, app_credentials=app)


@pytest.fixture(scope="session", autouse=True)
def fast_password_hasher():
    """Tests hash with MD5: production's PBKDF2 (a million iterations) costs 0.36 s a user here,
    and the suite makes thousands. tests/test_login_and_security.py checks that production
    still uses the strong hasher."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture
def reference_data(transactional_db):
    """Transactional tests empty every table afterwards, seeded reference data included."""
    from programme.reference_data import ensure_all_reference_data

    ensure_all_reference_data()


@pytest.fixture
def office(db):
    return make_office("Riverside PDU")


@pytest.fixture
def other_office(db):
    return make_office("Hillside PDU")


@pytest.fixture
def alice(office):
    return make_character("alice")


@pytest.fixture
def uma(office):
    return make_character("uma")


@pytest.fixture
def otto(office):
    return make_character("otto")


@pytest.fixture
def fern(office):
    return make_character("fern")


@pytest.fixture
def pat(office):
    return make_character("pat")


@pytest.fixture
def hilary(other_office):
    return make_character("hilary")


@pytest.fixture
def ada(office):
    return make_character("ada")


@pytest.fixture
def login(client):
    """Sign a character in, password and second factor: login(alice) returns the test client.

    The second factor is on for everyone, as in production: the character is given a
    confirmed authenticator and the session is marked verified by it (tests/factories.py,
    sign_in_verified)."""
    from tests.factories import sign_in_verified

    def _login(staff):
        return sign_in_verified(client, staff)

    return _login


@pytest.fixture
def group(pat, fern):
    """An i-SOTP 21+ group run by Fern, formed by Pat, 35 Monday sessions from 2 Feb 2026."""
    from tests.factories import make_group

    return make_group(pat, [fern])


@pytest.fixture
def placement(group, alice, pat):
    """Alice's man, Adam Placedperson, with a place in the group."""
    from tests.factories import make_offender, make_placement

    offender = make_offender(alice, first_name="Adam", last_name="Placedperson")
    return make_placement(group, offender, alice, by=pat)


@pytest.fixture
def audrey(office):
    """Audrey is an auditor (information assurance): she answers subject access requests."""
    return make_character("audrey")


@pytest.fixture
def sam(office):
    """Sam is a senior manager: management information for every office of Riverside's
    probation area (Northshire), and no case record."""
    return make_character("sam")


@pytest.fixture
def events(caplog):
    """The security events logged during the test, as the JSON lines the log shows."""
    caplog.set_level(logging.INFO, logger="isotp.security")
    formatter = JsonLinesFormatter()

    def _events(name=None):
        logged = [
            json.loads(formatter.format(record))
            for record in caplog.records
            if record.name == "isotp.security"
        ]
        return [event for event in logged if name is None or event["event"] == name]

    return _events


@pytest.fixture
def a_meeting_day(db):
    """For a test that needs a session today: on a bank holiday no group meets (the rules
    skip them and refuse a session moved onto one), so the clock moves on to the next day
    that is no bank holiday, at the same time, for this test alone (tests/clock.py)."""
    import time_machine
    from django.utils import timezone

    from tests.factories import next_meeting_day

    now = timezone.localtime()
    meets = next_meeting_day(range(7), on_or_after=now.date())
    if meets == now.date():
        yield now.date()
        return
    with time_machine.travel(now + (meets - now.date()), tick=True):
        yield meets
