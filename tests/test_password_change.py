"""Changing one's own password (issue 9, item 6): from the header, old password and the new one
twice, Django's validators; every other session of the person ends, this one carries on."""

from django.test import Client
from django.urls import reverse

from isotp.sign_in import PASSWORD_CHANGED
from tests.factories import PASSWORD, sign_in_verified

NEW_PASSWORD = "a-much-longer-new-passphrase-2026"


def change(client, old=PASSWORD, new=NEW_PASSWORD, again=None):
    return client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": new, "new_password2": again or new},
    )


def test_every_signed_in_page_links_to_changing_the_password(login, alice):
    page = login(alice).get(reverse("programme:caseload")).content.decode()
    assert f'href="{reverse("password_change")}">Change password</a>' in page


def test_changing_the_password_ends_every_other_session_and_keeps_this_one(alice):
    here, elsewhere = sign_in_verified(Client(), alice), sign_in_verified(Client(), alice)
    assert elsewhere.get(reverse("programme:caseload")).status_code == 200
    response = change(here)
    assert response["Location"] == reverse("home")
    assert PASSWORD_CHANGED in here.get(reverse("programme:caseload")).content.decode()
    response = elsewhere.get(reverse("programme:caseload"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    fresh = Client()
    assert fresh.post(reverse("login"), {"username": alice.username, "password": PASSWORD})
    assert "_auth_user_id" not in fresh.session


def test_a_wrong_old_password_is_refused(login, alice):
    page = change(login(alice), old="not-my-password").content.decode()
    assert "Your old password was entered incorrectly" in page
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_the_new_password_must_meet_the_rules(login, alice):
    client = login(alice)
    assert "at least 12 characters" in change(client, new="Short1!pass").content.decode()
    assert "too common" in change(client, new="password1234").content.decode()
    assert "didn’t match" in change(client, again="something-else-entirely").content.decode()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_changing_the_password_needs_the_second_factor_first(alice):
    client = Client()
    client.force_login(alice)
    assert change(client).status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_the_new_password_is_not_the_current_one_and_does_not_hold_the_username(login, alice):
    client = login(alice)
    same = change(client, new=PASSWORD).content.decode()
    assert "Your new password must be different from your current password" in same
    named = change(client, new=f"My-{alice.username.upper()}-passphrase").content.decode()
    assert "Your password must not contain your username" in named
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
    # A good one still goes through.
    assert change(client).status_code == 302
