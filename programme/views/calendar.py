"""A member of staff's calendar link (make, replace, stop) and the feed it opens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from isotp.security_events import security_event
from programme.services.calendar import (
    calendar_events,
    calendar_ics,
    calendar_link_create,
    calendar_link_revoke,
    feed_for_secret,
    working_link_of,
)

# The new link is shown once, on the page the POST redirects to, then forgotten.
_NEW_LINK_KEY = "calendar_new_link"


@require_http_methods(["GET", "POST"])
def calendar_settings(request):
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            try:
                calendar_link_revoke(staff=request.user)
            except ValueError as refusal:
                messages.error(request, str(refusal))
                return redirect("programme:calendar_settings")
            security_event("calendar_link_revoked", request=request)
            messages.success(request, "Your calendar link has been stopped. It no longer works.")
        else:
            secret = calendar_link_create(staff=request.user)
            security_event("calendar_link_created", request=request)
            request.session[_NEW_LINK_KEY] = request.build_absolute_uri(
                reverse("programme:calendar_feed", args=[secret])
            )
        return redirect("programme:calendar_settings")
    return render(
        request,
        "programme/calendar_settings.html",
        {
            "feed": working_link_of(request.user),
            "new_link": request.session.pop(_NEW_LINK_KEY, None),
        },
    )


@login_not_required
@require_safe
def calendar_feed(request, secret: str):
    feed = feed_for_secret(secret)
    if feed is None:
        # A guessed, revoked or deactivated link: someone is trying it, whoever they are.
        security_event("calendar_feed_refused", request=request, outcome="refused")
        raise Http404("No such calendar")
    events = calendar_events(staff=feed.staff, today=timezone.localdate())
    body = calendar_ics(
        events=events, absolute_url=request.build_absolute_uri, host=request.get_host()
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="isotp.ics"'
    response["Cache-Control"] = "private, no-cache"
    return response
