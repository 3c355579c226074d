import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[1]


def test_signing_in_with_the_right_password_asks_for_the_second_factor(client, alice):
    response = client.post(reverse("login"), {"username": alice.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(response.url, follow=True).request["PATH_INFO"] == "/sign-in/set-up/"


def test_a_wrong_password_gets_a_clear_message(client, alice):
    response = client.post(reverse("login"), {"username": alice.username, "password": "nope"})
    assert "Enter a correct username and password" in response.content.decode()


def test_repeated_failed_sign_ins_lock_the_account(client, alice):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": alice.username, "password": "wrong"})
    response = client.post(reverse("login"), {"username": alice.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "Your account is locked" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_forms_need_a_csrf_token(alice):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": alice.username, "password": PASSWORD})
    assert response.status_code == 403


def test_pages_carry_security_headers(login, alice):
    response = login(alice).get(reverse("referrals:caseload"))
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "'nonce-" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_page_script_carries_the_csp_nonce(login, alice):
    response = login(alice).get(reverse("referrals:caseload"))
    nonce = response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in response.content.decode()


def test_sessions_end_after_thirty_idle_minutes():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_admin_is_not_at_the_well_known_path_and_only_for_staff(login, alice, ada):
    assert login(alice).get("/admin/").status_code == 404
    admin_url = reverse("admin:index")
    assert admin_url != "/admin/"
    assert login(alice).get(admin_url).status_code == 302  # to the admin's own sign-in
    assert login(ada).get(admin_url).status_code == 200


@pytest.mark.parametrize(
    "model", ["referrals/offender", "referrals/offence", "isotp/staff", "isotp/accesslog"]
)
def test_admin_lists_every_model(login, ada, model, alice):
    assert login(ada).get(reverse("admin:index") + model + "/").status_code == 200


def test_errors_show_a_plain_page_without_a_traceback(login, alice):
    response = login(alice).get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "Traceback" not in response.content.decode()


def _run_manage(args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = _run_manage(
        ["check", "--deploy", "--fail-level", "WARNING"],
        {
            "DJANGO_DEBUG": "false",
            "SECRET_KEY": "p" * 30 + "-long-random-production-secret-value-0123456789",
            "ALLOWED_HOSTS": "isotp.example.org",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = _run_manage(["check"], {"DJANGO_DEBUG": "false"})
    assert result.returncode != 0
    assert "Set the environment variable SECRET_KEY" in result.stderr


def test_a_bad_boolean_setting_stops_start_up_loudly():
    result = _run_manage(["check"], {"DJANGO_DEBUG": "perhaps"})
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be true or false" in result.stderr
