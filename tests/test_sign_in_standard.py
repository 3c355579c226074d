"""Sign-in to the standard for OFFICIAL-SENSITIVE data (issue 9, item 6 in part): lockout by
username only, any login name gets the normal message, 12-character passwords, an absolute
session limit, no caching of signed-in pages; and facilitators do not move sessions."""

import time

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from isotp.security import SESSION_EXPIRED_MESSAGE, SESSION_SIGNED_IN_AT
from tests.factories import PASSWORD


def test_failures_against_one_name_do_not_lock_out_others_at_the_same_address(alice, otto):
    attacker = Client(REMOTE_ADDR="10.0.0.7")
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        attacker.post(reverse("login"), {"username": alice.username, "password": "wrong"})
    colleague = Client(REMOTE_ADDR="10.0.0.7")
    response = colleague.post(reverse("login"), {"username": otto.username, "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in colleague.session


@pytest.mark.parametrize("length", [151, 256, 5000])
def test_a_login_name_of_any_length_gets_the_normal_message(client, db, length):
    response = client.post(reverse("login"), {"username": "x" * length, "password": "wrong"})
    assert response.status_code == 200
    assert "Enter a correct username and password" in response.content.decode()


def test_passwords_need_twelve_characters(alice):
    with pytest.raises(ValidationError, match="at least 12 characters"):
        validate_password("Zq7!mPw4#kL", user=alice)
    validate_password("Zq7!mPw4#kLx", user=alice)


def test_a_session_ends_ten_hours_after_sign_in_however_active(login, alice):
    client = login(alice)
    assert client.get(reverse("programme:caseload")).status_code == 200
    session = client.session
    session[SESSION_SIGNED_IN_AT] = int(time.time()) - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    response = client.get(reverse("programme:caseload"), follow=True)
    assert response.request["PATH_INFO"] == reverse("login")
    assert SESSION_EXPIRED_MESSAGE in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_session_within_ten_hours_carries_on(login, alice):
    client = login(alice)
    session = client.session
    session[SESSION_SIGNED_IN_AT] = int(time.time()) - settings.SESSION_ABSOLUTE_SECONDS + 60
    session.save()
    assert client.get(reverse("programme:caseload")).status_code == 200


def test_pages_for_a_signed_in_user_are_never_cached(login, alice):
    response = login(alice).get(reverse("programme:caseload"))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_facilitators_do_not_move_sessions(login, fern, pat, group):
    session = group.sessions.get(number=35)
    url = reverse("programme:session_move", args=[session.pk])
    assert login(fern).get(url).status_code == 404
    assert (
        login(fern)
        .post(url, {"new_date_0": "1", "new_date_1": "1", "new_date_2": "2027"})
        .status_code
        == 404
    )
    page = login(fern).get(group.get_absolute_url()).content.decode()
    assert url not in page
    assert login(pat).get(url).status_code == 200
