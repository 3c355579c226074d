"""The second factor: an authenticator app (TOTP, django-otp) and one-time recovery codes.

Recovery codes are kept as hashes (of 80 random bits each), so a copy of the database does not
give anyone a way in; a code works once. Wrong codes are throttled per device by django-otp:
each failure doubles the wait before the next code is even checked (1, 2, 4, ... seconds).
"""

import hashlib
import re
from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime
from os import urandom

import segno
from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.models import VerifyNotAllowed
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from isotp.models import Staff

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"

CODE_MISSING = "Enter the 6-digit code from your authenticator app, or a recovery code"
CODE_WRONG = (
    "The code is not right: enter the code your authenticator app shows now "
    "(each code works once), or a recovery code you have not used"
)
SETUP_CODE_MISSING = "Enter the 6-digit code your authenticator app shows"
SETUP_CODE_WRONG = (
    "The code is not right: check the app shows i-SOTP case management and enter the code "
    "it shows now"
)
CODE_THROTTLED = "Too many wrong codes: wait {seconds} seconds, then enter the code shown then"

_TOTP_CODE = re.compile(r"^\d{6}$")


def normalise_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _recovery_code_stored(code: str) -> str:
    """What the database keeps of a recovery code: 16 characters of its SHA-256."""
    digest = hashlib.sha256(normalise_code(code).encode()).digest()
    return b32encode(digest).decode().lower()[:16]


def _new_recovery_code() -> str:
    raw = b32encode(urandom(10)).decode().lower()  # 80 bits, 16 characters
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def authenticator_for(user: Staff) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def authenticator_start(user: Staff) -> TOTPDevice:
    """The authenticator being set up: the same one until it is confirmed, so that reloading
    the page does not change the QR code under the person scanning it."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def secret_for_typing(device: TOTPDevice) -> str:
    """The key as an authenticator app asks for it to be typed: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice) -> str:
    """The otpauth URI as a QR code, an inline SVG made on the server (no request elsewhere)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=4, light="#ffffff", title="QR code to scan with your authenticator app"
    )


@dataclass
class Check:
    device: TOTPDevice | StaticDevice | None
    error: str | None = None
    recovery_code_used: bool = False
    remaining_recovery_codes: int | None = None


def _wait_message(device) -> str | None:
    allowed, data = device.verify_is_allowed()
    if allowed:
        return None
    locked_until: datetime | None = (data or {}).get("locked_until")
    if (data or {}).get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS and locked_until:
        seconds = max(1, int((locked_until - timezone.now()).total_seconds() + 0.999))
        return CODE_THROTTLED.format(seconds=seconds)
    return CODE_WRONG


@transaction.atomic
def second_factor_check(*, user: Staff, code: str) -> Check:
    """Checks a code from the authenticator, or else a recovery code, against the user's own
    devices (locked for the check, so two tries at once are counted in turn)."""
    code = normalise_code(code)
    if not code:
        return Check(None, CODE_MISSING)
    if _TOTP_CODE.match(code):
        device = (
            TOTPDevice.objects.devices_for_user(user, confirmed=True).select_for_update().first()
        )
        if device is None:
            return Check(None, CODE_WRONG)
        wait = _wait_message(device)
        if wait:
            return Check(None, wait)
        if device.verify_token(code):
            return Check(device)
        return Check(None, CODE_WRONG)
    device = StaticDevice.objects.devices_for_user(user, confirmed=True).select_for_update().first()
    if device is None:
        return Check(None, CODE_WRONG)
    wait = _wait_message(device)
    if wait:
        return Check(None, wait)
    if device.verify_token(_recovery_code_stored(code)):
        return Check(
            device, recovery_code_used=True, remaining_recovery_codes=device.token_set.count()
        )
    return Check(None, CODE_WRONG)


@transaction.atomic
def authenticator_confirm(*, user: Staff, device: TOTPDevice, code: str) -> str | None:
    """Confirms the authenticator being set up with a code it shows; returns an error or None."""
    code = normalise_code(code)
    if not code:
        return SETUP_CODE_MISSING
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user, confirmed=False)
    wait = _wait_message(device)
    if wait:
        return wait
    if not _TOTP_CODE.match(code) or not device.verify_token(code):
        return SETUP_CODE_WRONG
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    return None


@transaction.atomic
def recovery_codes_make(*, user: Staff) -> list[str]:
    """New recovery codes, replacing any left: returned to be shown once, kept only as hashes."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=_recovery_code_stored(code)) for code in codes
    )
    return codes


def recovery_codes_left(user: Staff) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def second_factor_reset(*, user: Staff) -> int:
    """Removes every second-factor device of the user (an admin's action, for a lost phone):
    their next sign-in sets up a new one, and a session verified with the old one is no longer
    verified. Returns how many devices were removed."""
    removed = 0
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()
        removed += 1
    return removed
