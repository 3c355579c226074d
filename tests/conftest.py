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
from tests.factories import Role, make_office, make_staff

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
def django_db_setup(django_db_setup, django_db_modify_db_settings, django_db_blocker):
    with django_db_blocker.unblock():
        owner = reconnect_as(connection, django_db_modify_db_settings)
    yield
    with django_db_blocker.unblock():
        reconnect_as(connection, owner)


@pytest.fixture
def reference_data(transactional_db):
    """Transactional tests empty every table afterwards, seeded reference data included."""
    from referrals.models import ClosingReason, Programme, StatusTransition
    from referrals.reference_data import ensure_reference_data

    ensure_reference_data(Programme, StatusTransition, ClosingReason)
    from programme.models import (
        BankHoliday,
        ProgrammeModule,
        ProgrammeSession,
        ProgrammeVersion,
        TreatmentTarget,
    )
    from programme.reference_data import (
        ensure_bank_holidays,
        ensure_programme_versions,
        ensure_treatment_targets,
    )

    ensure_bank_holidays(BankHoliday)
    ensure_treatment_targets(Programme, TreatmentTarget)
    ensure_programme_versions(Programme, ProgrammeVersion, ProgrammeModule, ProgrammeSession)


@pytest.fixture
def office(db):
    return make_office("Riverside PDU")


@pytest.fixture
def other_office(db):
    return make_office("Hillside PDU")


@pytest.fixture
def alice(office):
    return make_staff(
        "alice.accredited", Role.OFFENDER_MANAGER, office, accredited_on=date(2024, 3, 14)
    )


@pytest.fixture
def uma(office):
    return make_staff("uma.unaccredited", Role.OFFENDER_MANAGER, office)


@pytest.fixture
def otto(office):
    return make_staff("otto.other", Role.OFFENDER_MANAGER, office, accredited_on=date(2023, 1, 9))


@pytest.fixture
def fern(office):
    return make_staff("fern.facilitator", Role.FACILITATOR, office)


@pytest.fixture
def pat(office):
    return make_staff("pat.manager", Role.PROGRAMME_MANAGER, office)


@pytest.fixture
def hilary(other_office):
    return make_staff("hilary.elsewhere", Role.PROGRAMME_MANAGER, other_office)


@pytest.fixture
def ada(office):
    return make_staff("ada.admin", Role.ADMIN, office, is_staff=True, is_superuser=True)


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
    return make_staff("audrey.auditor", Role.AUDITOR, office)


@pytest.fixture
def sam(office):
    """Sam is a senior manager: management information for every office of Riverside's
    probation area (Northshire), and no case record."""
    return make_staff("sam.senior", Role.SENIOR_MANAGER, office)


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
