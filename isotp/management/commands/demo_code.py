"""Prints the code an authenticator app set up with the demo key shows now.

The demo accounts (`manage.py seed_demo`) share one published TOTP key, so that whoever runs
`make run` can sign in without setting up an app first. This command only computes a code from
that public key: it opens no account that is not a demo account.
"""

import time
from base64 import b32encode
from binascii import unhexlify

from django.core.management.base import BaseCommand
from django_otp.oath import TOTP

# 20 bytes, hex-encoded as django-otp keeps TOTP keys. Public: for demo accounts only.
DEMO_TOTP_KEY = b"isotp-demo-totp-key!".hex()


def demo_secret() -> str:
    """The demo key as an authenticator app asks for it (base32)."""
    return b32encode(unhexlify(DEMO_TOTP_KEY)).decode()


def demo_code(at: float | None = None) -> tuple[str, int]:
    """The demo code now, and how many seconds it has left."""
    totp = TOTP(unhexlify(DEMO_TOTP_KEY))
    totp.time = time.time() if at is None else at
    left = 30 - int(totp.time) % 30
    return f"{totp.token():06d}", left


class Command(BaseCommand):
    help = "Print the current second-factor code of the demo accounts."

    def handle(self, *args, **options):
        code, left = demo_code()
        self.stdout.write(
            f"{code}  (the demo accounts' code for the next {left} seconds; each code works "
            "once per account)"
        )
