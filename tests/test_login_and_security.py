import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from isotp.security import SESSION_RENEWAL_SECONDS, SESSION_RENEWED_AT
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
    response = login(alice).get(reverse("programme:caseload"))
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "'nonce-" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_page_script_carries_the_csp_nonce(login, alice):
    response = login(alice).get(reverse("programme:caseload"))
    nonce = response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in response.content.decode()


def test_sessions_end_after_thirty_idle_minutes():
    assert settings.SESSION_COOKIE_AGE == 30 * 60


def _session_row(client):
    from django.contrib.sessions.models import Session

    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def _as_if_last_renewed(client, seconds_ago: int) -> None:
    """Put the stored session in the state it would be in had it last been renewed (and so
    saved, with the idle limit from then) that many seconds ago."""
    from django.contrib.sessions.models import Session

    session = client.session
    session[SESSION_RENEWED_AT] = int(time.time()) - seconds_ago
    session.save()
    expires = (
        timezone.now()
        - timedelta(seconds=seconds_ago)
        + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    )
    Session.objects.filter(session_key=session.session_key).update(expire_date=expires)


def _session_writes(queries) -> list[str]:
    return [q["sql"] for q in queries if "django_session" in q["sql"] and "SELECT" not in q["sql"]]


def test_a_request_within_a_minute_of_the_last_renewal_does_not_write_the_session(login, alice):
    client = login(alice)
    client.get(reverse("programme:caseload"))
    _as_if_last_renewed(client, seconds_ago=SESSION_RENEWAL_SECONDS - 5)
    expires = _session_row(client).expire_date
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("programme:caseload"))
    assert response.status_code == 200
    assert _session_writes(queries) == []
    assert _session_row(client).expire_date == expires


def test_a_request_a_minute_after_the_last_renewal_renews_the_session(login, alice):
    client = login(alice)
    client.get(reverse("programme:caseload"))
    _as_if_last_renewed(client, seconds_ago=SESSION_RENEWAL_SECONDS + 1)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("programme:caseload"))
    assert response.status_code == 200
    assert len(_session_writes(queries)) == 1
    # Thirty idle minutes from now again.
    left = _session_row(client).expire_date - timezone.now()
    assert timedelta(minutes=29, seconds=55) < left <= timedelta(minutes=30)


def test_the_idle_timeout_still_ends_a_session(login, alice):
    client = login(alice)
    client.get(reverse("programme:caseload"))
    _as_if_last_renewed(client, seconds_ago=settings.SESSION_COOKIE_AGE + 1)
    response = client.get(reverse("programme:caseload"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_a_session_never_outlives_thirty_minutes_after_its_last_request(login, alice):
    """Requests within the minute after a renewal do not renew it: the session then ends
    thirty minutes after that renewal, which is within thirty minutes of the last request."""
    client = login(alice)
    client.get(reverse("programme:caseload"))
    _as_if_last_renewed(client, seconds_ago=30)
    client.get(reverse("programme:caseload"))  # the last request: no renewal
    left = _session_row(client).expire_date - timezone.now()
    assert timedelta(minutes=29) < left <= timedelta(minutes=30)


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


def test_production_hashes_passwords_with_the_strong_hasher():
    """The suite swaps in a fast hasher (tests/conftest.py); the settings production runs must
    keep Django's PBKDF2 with its full iteration count first."""
    import importlib

    from django.conf import global_settings
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    production = importlib.import_module("isotp.settings")
    hashers = getattr(production, "PASSWORD_HASHERS", global_settings.PASSWORD_HASHERS)
    assert hashers[0] == "django.contrib.auth.hashers.PBKDF2PasswordHasher"
    assert PBKDF2PasswordHasher.iterations >= 1_000_000
