"""The security event log (issue 9, item 7): one JSON line per event through the
`isotp.security` logger, with who, from where, which path and the outcome, and never anything
about an offender."""

import json

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from isotp.admin import StaffAdmin
from isotp.models import Staff
from isotp.security_events import security_event
from tests.factories import (
    PASSWORD,
    Role,
    make_authenticator,
    make_offender,
    sign_in_verified,
    totp_code,
)


def test_the_log_goes_to_stdout_as_json_lines():
    logger = settings.LOGGING["loggers"]["isotp.security"]
    handler = settings.LOGGING["handlers"][logger["handlers"][0]]
    assert handler["stream"] == "ext://sys.stdout"
    assert settings.LOGGING["formatters"][handler["formatter"]]["()"].endswith("JsonLinesFormatter")


def test_each_event_says_when_what_who_from_where_and_how_it_ended(alice, events):
    client = Client(REMOTE_ADDR="192.0.2.7")
    client.post(reverse("login"), {"username": alice.username, "password": PASSWORD})
    [event] = events("sign_in")
    assert event["timestamp"].endswith("+00:00")
    assert event["username"] == alice.username and event["staff_id"] == alice.pk
    assert event["client_address"] == "192.0.2.7"
    assert event["path"] == reverse("login")
    assert event["outcome"] == "success"


def test_a_failed_sign_in_and_the_lockout_are_logged(alice, events):
    client = Client(REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="203.0.113.1")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": alice.username, "password": "wrong"})
    failures = events("sign_in_failed")
    assert len(failures) == settings.AXES_FAILURE_LIMIT
    assert {e["outcome"] for e in failures} == {"failure"}
    assert {e["username"] for e in failures} == {alice.username}
    assert {e["client_address"] for e in failures} == {"192.0.2.7"}  # no proxy configured
    [locked] = events("locked_out")
    assert locked["username"] == alice.username and locked["outcome"] == "failure"
    assert "wrong" not in json.dumps(events())  # never a password


def test_second_factor_events(alice, events):
    from isotp import two_factor

    device = make_authenticator(alice)
    codes = two_factor.recovery_codes_make(user=alice)
    client = Client()
    client.force_login(alice)
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"
    client.post(reverse("two_factor_verify"), {"code": wrong})
    client.post(reverse("two_factor_verify"), {"code": codes[0]})
    assert [e["event"] for e in events() if e["event"] != "sign_in"] == [
        "second_factor_failed",
        "recovery_code_used",
        "second_factor_verified",
    ]
    assert events("recovery_code_used")[0]["remaining"] == 9
    assert events("second_factor_verified")[0]["factor"] == "recovery_code"
    assert codes[0] not in json.dumps(events())
    other = Client()
    other.force_login(alice)
    device.refresh_from_db()
    device.throttle_reset()
    other.post(reverse("two_factor_verify"), {"code": totp_code(device)})
    assert events("second_factor_verified")[-1]["factor"] == "totp"


def test_setting_up_the_app_is_logged(uma, events):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(uma)
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=uma)
    client.post(reverse("two_factor_setup"), {"code": totp_code(device)})
    assert events("second_factor_set_up")[0]["username"] == uma.username
    assert events("recovery_codes_made")[0]["count"] == 10


def test_a_password_change_and_signing_out_are_logged(login, alice, events):
    client = login(alice)
    client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-passphrase-42",
            "new_password2": "another-long-passphrase-42",
        },
    )
    client.post(reverse("logout"))
    assert events("password_changed")[0]["staff_id"] == alice.pk
    assert events("sign_out")[0]["username"] == alice.username
    assert "another-long-passphrase" not in json.dumps(events())


def test_access_refused_is_logged_without_anything_about_the_offender(login, alice, otto, events):
    theirs = make_offender(otto, first_name="Quentin", last_name="Zebedeeson", crn="Q123456")
    response = login(alice).get(reverse("programme:offender", args=[theirs.pk]))
    assert response.status_code == 404
    [refused] = events("access_refused")
    assert refused["username"] == alice.username
    assert refused["path"] == reverse("programme:offender", args=[theirs.pk])
    assert refused["status"] == 404 and refused["outcome"] == "refused"
    logged = json.dumps(events())
    for detail in ("Quentin", "Zebedeeson", "Q123456"):
        assert detail not in logged


def test_a_403_for_a_signed_in_user_is_logged(login, alice, events):
    client = Client(enforce_csrf_checks=True)
    sign_in_verified(client, alice)
    assert client.post(reverse("password_change"), {}).status_code == 403
    assert events("access_refused")[0]["status"] == 403


def test_searches_are_not_logged_with_what_was_typed(login, alice, events):
    make_offender(alice, last_name="Searchableson")
    login(alice).get(reverse("programme:caseload"), {"q": "Searchableson"})
    login(alice).get("/offenders/999999/")
    assert "Searchableson" not in json.dumps(events())


def test_changes_to_what_a_member_of_staff_may_do_are_logged(ada, alice, rf, events):
    from django.contrib import admin

    request = rf.post("/staff-admin/isotp/staff/1/change/", REMOTE_ADDR="192.0.2.9")
    request.user = ada
    model_admin = StaffAdmin(Staff, admin.site)
    alice.role = Role.PROGRAMME_MANAGER
    alice.is_staff = True
    model_admin.save_model(request, alice, form=None, change=True)
    alice.first_name = "Alicia"  # not about access: not logged
    model_admin.save_model(request, alice, form=None, change=True)
    [event] = events("staff_access_changed")
    assert event["username"] == ada.username and event["target_staff_id"] == alice.pk
    assert event["changes"] == {
        "role": {"from": "offender_manager", "to": "programme_manager"},
        "is_staff": {"from": False, "to": True},
    }
    assert event["client_address"] == "192.0.2.9"


def test_the_admins_reset_of_a_second_factor_is_logged(login, ada, alice, events):
    make_authenticator(alice)
    login(ada).post(
        reverse("admin:isotp_staff_changelist"),
        {"action": "reset_second_factor", "_selected_action": [alice.pk]},
    )
    [event] = events("second_factor_reset")
    assert event["username"] == ada.username
    assert event["target_username"] == alice.username and event["devices_removed"] == 1


def test_other_code_reports_its_own_events(rf, alice, events):
    request = rf.get("/offenders/5/restriction/", REMOTE_ADDR="192.0.2.1")
    request.user = alice
    logged = security_event("restriction_changed", request=request, offender_id=5)
    assert events("restriction_changed") == [
        {"timestamp": events()[-1]["timestamp"], "level": "INFO", "logger": "isotp.security"}
        | logged
    ]
    assert logged["client_address"] == "192.0.2.1" and logged["username"] == alice.username
    without_request = security_event("audit_export", user=alice, outcome="success", rows=3)
    assert without_request["path"] is None and without_request["staff_id"] == alice.pk


def test_a_caller_cannot_overwrite_who_where_or_what(alice):
    with pytest.raises(TypeError, match="path"):
        security_event("audit_export", user=alice, path="/elsewhere/")
