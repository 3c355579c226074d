"""Sign-in rules that every request of a signed-in user passes through: an absolute session
limit, and no caching of any page that may show personal data."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils.cache import patch_cache_control

SESSION_SIGNED_IN_AT = "signed_in_at"
SESSION_EXPIRED_MESSAGE = "You have been signed in for 10 hours: sign in again to carry on"
USERNAME_MAX_LENGTH = 150


def username_for_lockout(request, credentials) -> str:
    """The username django-axes counts failures against, cut to a username's length."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(username)[:USERNAME_MAX_LENGTH]


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
