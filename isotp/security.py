"""Sign-in rules that every request of a signed-in user passes through: an absolute session
limit, no caching of any page that may show personal data, and a second factor; and the one
rule for the client's address."""

import ipaddress
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django_otp import user_has_device

from isotp.models import Role

SESSION_SIGNED_IN_AT = "signed_in_at"
SESSION_RENEWED_AT = "renewed_at"
# A session's idle timer is renewed (its row written) at most this often.
SESSION_RENEWAL_SECONDS = 60
SESSION_EXPIRED_MESSAGE = "You have been signed in for 10 hours: sign in again to carry on"
USERNAME_MAX_LENGTH = 150


def username_for_lockout(request, credentials) -> str:
    """The username django-axes counts failures against, cut to a username's length."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(username)[:USERNAME_MAX_LENGTH]


def _valid_address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request) -> str | None:
    """The address of the person making the request: the connection's own, unless the app is
    configured to sit behind proxies (TRUSTED_PROXY_COUNT) and the connection comes from one
    (TRUSTED_PROXY_ADDRESSES, when set). Then it is the address the outermost trusted proxy
    saw: with N proxies, the Nth entry of X-Forwarded-For counted from the right, as anything
    further left was written by the client and may be made up. django-axes and the security
    event log both use this."""
    remote = _valid_address(request.META.get("REMOTE_ADDR", "") or "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    if settings.TRUSTED_PROXY_ADDRESSES and remote not in settings.TRUSTED_PROXY_ADDRESSES:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < count:
        # Not through every proxy we were told about: believe only the connection.
        return remote
    return _valid_address(forwarded[-count]) or remote


def second_factor_required(user) -> bool:
    """Admins, auditors and anyone who can reach the Django admin always need a second factor;
    everyone else too while OTP_REQUIRED_FOR_ALL_STAFF is on (the default). Someone who has
    set one up is asked for it either way."""
    if (
        user.is_superuser
        or user.is_staff
        or user.role
        in (
            Role.ADMIN,
            Role.AUDITOR,
            Role.SENIOR_MANAGER,
        )
    ):
        return True
    return settings.OTP_REQUIRED_FOR_ALL_STAFF or user_has_device(user, confirmed=True)


def _open_before_second_factor() -> tuple[str, ...]:
    return (
        reverse("two_factor_verify"),
        reverse("two_factor_setup"),
        reverse("logout"),
        reverse("login"),
        reverse("health"),
        "/robots.txt",
        settings.STATIC_URL,
    )


class SessionRenewalMiddleware:
    """Keeps an active session alive without writing its row on every request: the session's
    expiry (SESSION_COOKIE_AGE after it was last saved) is pushed on at most once a minute,
    by stamping the time of renewal in it, which makes Django's SessionMiddleware save it.
    So a session ends 29 to 30 minutes after its last request, never later; an expired or
    unknown session is not brought back (nothing is stamped in an empty session)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if session.session_key is not None:
            renewed_at = session.get(SESSION_RENEWED_AT)  # loads it (one query, shared)
            now = int(time.time())
            if not session.is_empty() and (
                renewed_at is None or not 0 <= now - renewed_at < SESSION_RENEWAL_SECONDS
            ):
                session[SESSION_RENEWED_AT] = now
        return self.get_response(request)


class SignedInSessionMiddleware:
    """Ends a session that has lasted longer than SESSION_ABSOLUTE_SECONDS since sign-in,
    however active; and sends `Cache-Control: no-store` with every response to a signed-in
    user, so no browser or proxy keeps a copy of a case record."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            signed_in_at = request.session.setdefault(SESSION_SIGNED_IN_AT, now)
            if now - signed_in_at > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                messages.info(request, SESSION_EXPIRED_MESSAGE)
                return redirect(settings.LOGIN_URL)
        response = self.get_response(request)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response


class SecondFactorRequiredMiddleware:
    """Until a signed-in user who needs a second factor has given it, every page but the
    second-factor pages, sign-out and the health check sends them there: to enter a code if
    they have an authenticator set up, otherwise to set one up. The Django admin is covered
    the same way (and its site checks verification too: isotp/urls.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and second_factor_required(user)
            and not request.path.startswith(_open_before_second_factor())
        ):
            page = "two_factor_verify" if user_has_device(user) else "two_factor_setup"
            query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
            return redirect(reverse(page) + (f"?{query}" if query else ""))
        return self.get_response(request)


class UsernameNotInPasswordValidator:
    """A password must not contain the username (Django's similarity check lets through
    "alice.accredited2026!"): AUTH_PASSWORD_VALIDATORS, so it holds wherever a password is
    set, the admin included."""

    message = "Your password must not contain your username"

    def validate(self, password: str, user=None) -> None:
        from django.core.exceptions import ValidationError

        username = (getattr(user, "username", "") or "").casefold()
        if username and username in password.casefold():
            raise ValidationError(self.message, code="password_contains_username")

    def get_help_text(self) -> str:
        return "Your password must not contain your username."
