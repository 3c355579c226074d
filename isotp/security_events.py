"""The security event log: one JSON object a line through the `isotp.security` logger.

Each event says when, what (`event`), who (staff username and id), from where (the client's
address, by isotp.security.client_address), on which path, and the outcome. It never carries
personal data about offenders: no names, CRNs or record contents, and no query strings (a
search is typed there). Other code reports what it owns through `security_event()`.
"""

import logging

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import Http404

from isotp.security import USERNAME_MAX_LENGTH, client_address

logger = logging.getLogger("isotp.security")

# The fields every event has, filled in here; anything else is passed by the caller.
_STANDARD = ("event", "staff_id", "client_address", "path", "method", "timestamp", "level")


def security_event(
    name: str, *, request=None, user=None, outcome: str = "success", **fields
) -> dict:
    """Log one security event and return what was logged.

    `user` defaults to the request's signed-in user; pass `username=` for someone not signed in
    (a failed sign-in). Extra keyword fields are logged as they are: pass identifiers and
    counts, never an offender's name, CRN or anything from a record.
    """
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        if candidate is not None and candidate.is_authenticated:
            user = candidate
    event = {
        "event": name,
        "outcome": outcome,
        "username": fields.pop("username", None),
        "staff_id": None,
        "client_address": None,
        "path": None,
        "method": None,
    }
    if user is not None:
        event["username"] = user.get_username()
        event["staff_id"] = user.pk
    if event["username"] is not None:
        event["username"] = str(event["username"])[:USERNAME_MAX_LENGTH]
    if request is not None:
        event["client_address"] = client_address(request)
        event["path"] = request.path
        event["method"] = request.method
    clashing = set(fields) & set(_STANDARD)
    if clashing:
        raise TypeError(f"security_event() sets {', '.join(sorted(clashing))} itself")
    event.update(fields)
    level = logging.INFO if outcome == "success" else logging.WARNING
    logger.log(level, name, extra={"security_event": event})
    return event


@receiver(user_logged_in, dispatch_uid="isotp_security_sign_in")
def _signed_in(sender, request, user, **kwargs):
    security_event("sign_in", request=request, user=user, factor="password")


@receiver(user_login_failed, dispatch_uid="isotp_security_sign_in_failed")
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    security_event(
        "sign_in_failed",
        request=request,
        outcome="failure",
        username=(credentials or {}).get("username", ""),
    )


@receiver(user_logged_out, dispatch_uid="isotp_security_sign_out")
def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        security_event("sign_out", request=request, user=user)


@receiver(user_locked_out, dispatch_uid="isotp_security_locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    security_event("locked_out", request=request, outcome="failure", username=username)


class RefusedAccessMiddleware:
    """Logs `access_refused` when a signed-in user is refused: a 404 or 403 raised by a view
    (the access helpers raise 404 for a record the user may not see) or a 403 response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            response.status_code == 403
            and not getattr(request, "_refusal_logged", False)
            and user is not None
            and user.is_authenticated
        ):
            security_event("access_refused", request=request, outcome="refused", status=403)
        return response

    def process_exception(self, request, exception):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if isinstance(exception, Http404 | PermissionDenied):
            status = 404 if isinstance(exception, Http404) else 403
            security_event("access_refused", request=request, outcome="refused", status=status)
            request._refusal_logged = True
        return None
