"""Named characters every test can use.

Alice is an accredited offender manager; Uma an unaccredited one; Otto another offender
manager in the same office; Fern a facilitator; Pat the programme manager of the office;
Hilary a programme manager of another office; Ada an admin.
"""

from datetime import date

import pytest

from tests.factories import Role, make_office, make_staff


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
