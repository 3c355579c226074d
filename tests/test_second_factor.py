"""The second factor (issue 9, item 6): an authenticator app's code after the password, with
one-time recovery codes. Required for admins and auditors always, and for all staff while
OTP_REQUIRED_FOR_ALL_STAFF is on (the default, and so in these tests)."""

import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from isotp import two_factor
from isotp.sign_in import RECOVERY_CODE_USED
from tests.factories import (
    Role,
    make_authenticator,
    make_staff,
    sign_in_verified,
    totp_code,
)

CASELOAD = "/offenders/"


def password_only(user) -> Client:
    """A client past the password, not yet past the second factor."""
    client = Client()
    client.force_login(user)
    return client


def enter_code(client, code, next_url=CASELOAD):
    return client.post(reverse("two_factor_verify"), {"code": code, "next": next_url})


def test_after_the_password_someone_with_an_app_is_asked_for_the_code(alice):
    device = make_authenticator(alice)
    client = password_only(alice)
    response = client.get(CASELOAD)
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor_verify") + "?next=%2Foffenders%2F"
    page = client.get(response["Location"]).content.decode()
    assert "Enter your security code" in page
    assert "Caseload" not in page  # no navigation until the code is given
    response = enter_code(client, totp_code(device))
    assert response.status_code == 302 and response["Location"] == CASELOAD
    assert client.get(CASELOAD).status_code == 200


def test_first_sign_in_sets_up_the_app_and_shows_ten_recovery_codes_once(alice):
    client = password_only(alice)
    response = client.get(CASELOAD, follow=True)
    assert response.request["PATH_INFO"] == reverse("two_factor_setup")
    page = response.content.decode()
    assert "<svg" in page and "QR code to scan" in page
    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    assert two_factor.secret_for_typing(device) in page
    # Reloading shows the same key: the person may be half-way through scanning it.
    assert (
        two_factor.secret_for_typing(device)
        in client.get(reverse("two_factor_setup")).content.decode()
    )

    response = client.post(
        reverse("two_factor_setup"), {"code": totp_code(device), "next": CASELOAD}
    )
    page = response.content.decode()
    assert "Your authenticator app is set up" in page
    codes = re.findall(r"<code>([a-z2-7-]+)</code>", page)
    assert len(codes) == 10 and len(set(codes)) == 10
    # Kept only as hashes.
    stored = set(StaticToken.objects.filter(device__user=alice).values_list("token", flat=True))
    assert not stored & {code.replace("-", "") for code in codes}
    assert client.get(CASELOAD).status_code == 200
    # The set-up page is not offered again: the app is there now.
    assert client.get(reverse("two_factor_setup"))["Location"].startswith(
        reverse("two_factor_verify")
    )


def test_a_wrong_set_up_code_is_refused_with_a_clear_message(alice):
    client = password_only(alice)
    client.get(reverse("two_factor_setup"))
    response = client.post(reverse("two_factor_setup"), {"code": "000000"})
    assert two_factor.SETUP_CODE_WRONG in response.content.decode()
    assert not TOTPDevice.objects.filter(user=alice, confirmed=True).exists()
    assert client.get(CASELOAD).status_code == 302


def test_a_wrong_code_is_refused_with_a_clear_message(alice):
    device = make_authenticator(alice)
    client = password_only(alice)
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"
    response = enter_code(client, wrong)
    assert response.status_code == 200
    assert two_factor.CODE_WRONG in response.content.decode()
    assert "There is a problem" in response.content.decode()
    assert client.get(CASELOAD).status_code == 302
    response = enter_code(client, "")
    assert two_factor.CODE_MISSING in response.content.decode()


def test_a_code_already_used_is_refused(alice):
    device = make_authenticator(alice)
    code = totp_code(device)
    first, second = password_only(alice), password_only(alice)
    assert enter_code(first, code).status_code == 302
    response = enter_code(second, code)
    assert two_factor.CODE_WRONG in response.content.decode()
    assert second.get(CASELOAD).status_code == 302


def test_wrong_codes_make_the_next_wait_even_with_the_right_code(alice):
    device = make_authenticator(alice)
    client = password_only(alice)
    enter_code(client, "000000" if totp_code(device) != "000000" else "111111")
    response = enter_code(client, totp_code(device))
    assert "Too many wrong codes: wait" in response.content.decode()
    assert client.get(CASELOAD).status_code == 302
    # The wait is the device's, not the session's: a fresh sign-in waits too.
    assert (
        "Too many wrong codes"
        in enter_code(password_only(alice), totp_code(device)).content.decode()
    )
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=5)
    )
    assert enter_code(client, totp_code(device)).status_code == 302
    assert client.get(CASELOAD).status_code == 200


def test_a_recovery_code_works_once(alice):
    make_authenticator(alice)
    codes = two_factor.recovery_codes_make(user=alice)
    client = password_only(alice)
    response = enter_code(client, codes[3].upper().replace("-", " "))
    assert response.status_code == 302
    page = client.get(CASELOAD).content.decode()
    assert RECOVERY_CODE_USED.format(left=9) in page
    again = password_only(alice)
    assert two_factor.CODE_WRONG in enter_code(again, codes[3]).content.decode()
    assert again.get(CASELOAD).status_code == 302


def test_making_new_recovery_codes_ends_the_old_ones(login, alice):
    old = two_factor.recovery_codes_make(user=alice)
    client = login(alice)
    assert (
        "You have <strong>10</strong> recovery codes left"
        in client.get(reverse("recovery_codes")).content.decode()
    )
    page = client.post(reverse("recovery_codes")).content.decode()
    new = re.findall(r"<code>([a-z2-7-]+)</code>", page)
    assert len(new) == 10 and not set(new) & set(old)
    assert enter_code(password_only(alice), new[0]).status_code == 302
    assert two_factor.CODE_WRONG in enter_code(password_only(alice), old[0]).content.decode()


def test_an_admin_without_a_device_cannot_reach_the_admin(ada):
    client = password_only(ada)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_setup"))


@override_settings(OTP_REQUIRED_FOR_ALL_STAFF=False)
def test_with_the_setting_off_admins_and_auditors_still_need_it_others_do_not(ada, alice, office):
    auditor = make_staff("audrey.auditor", Role.AUDITOR, office)
    assert password_only(alice).get(CASELOAD).status_code == 200
    for user in (ada, auditor):
        response = password_only(user).get("/")
        assert response["Location"].startswith(reverse("two_factor_setup")), user
    # Someone who has set an app up is asked for it all the same.
    make_authenticator(alice)
    assert password_only(alice).get(CASELOAD)["Location"].startswith(reverse("two_factor_verify"))


def test_the_admin_site_itself_refuses_an_unverified_user(ada, rf):
    request = rf.get(reverse("admin:index"))
    request.user = ada
    ada.is_verified = lambda: False
    assert not admin.site.has_permission(request)
    ada.is_verified = lambda: True
    assert admin.site.has_permission(request)


def test_the_admins_own_sign_in_page_leads_to_the_apps(client, db):
    response = client.get(reverse("admin:login") + "?next=/staff-admin/")
    assert response["Location"] == reverse("login") + "?next=%2Fstaff-admin%2F"


def test_only_the_second_factor_pages_sign_out_and_health_open_before_the_code(alice):
    make_authenticator(alice)
    client = password_only(alice)
    assert client.get(reverse("health")).status_code == 200
    assert client.get(reverse("two_factor_verify")).status_code == 200
    for url in (CASELOAD, reverse("password_change"), reverse("recovery_codes"), "/"):
        assert client.get(url)["Location"].startswith(reverse("two_factor_verify")), url
    assert client.post(reverse("recovery_codes"))["Location"].startswith(
        reverse("two_factor_verify")
    )
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session


def test_after_the_code_only_a_safe_next_page_is_followed(alice):
    device = make_authenticator(alice)
    response = enter_code(password_only(alice), totp_code(device), "https://evil.example/")
    assert response["Location"] == reverse("home")


def test_an_admin_resets_a_colleagues_second_factor(login, ada, alice):
    colleague = sign_in_verified(Client(), alice)
    two_factor.recovery_codes_make(user=alice)
    response = login(ada).post(
        reverse("admin:isotp_staff_changelist"),
        {"action": "reset_second_factor", "_selected_action": [alice.pk]},
        follow=True,
    )
    assert "Second factor reset for 1 staff" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert not StaticToken.objects.filter(device__user=alice).exists()
    # Her session verified with the old app is no longer verified.
    assert colleague.get(CASELOAD)["Location"].startswith(reverse("two_factor_setup"))


@pytest.mark.parametrize("name", ["TOTPDevice", "StaticDevice"])
def test_second_factor_keys_are_not_shown_in_the_admin(name):
    assert name not in {model.__name__ for model in admin.site._registry}


def test_demo_accounts_sign_in_with_the_printed_demo_code(db):
    from io import StringIO

    from django.core.management import call_command

    from isotp.management.commands.demo_code import demo_code, demo_secret

    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert demo_secret() in out.getvalue() and "make demo-code" in out.getvalue()
    client = Client()
    client.post(reverse("login"), {"username": "admin", "password": "demo-password-2026"})
    code, _left = demo_code()
    assert enter_code(client, code, reverse("admin:index"))["Location"] == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200
    printed = StringIO()
    call_command("demo_code", stdout=printed)
    assert printed.getvalue().split()[0] in {code, demo_code()[0]}
