"""The header's "Today (N)": what the today page counts, kept in the session for a minute.

Counting every section of the today page took about 40 % of each signed-in request (most of it
building the query), so it is not counted on every page. The count is kept in the person's
session with the time and date it was counted, and counted again when:
- a minute has passed, or the day has changed;
- the person has sent a change (any request that is not GET, HEAD or OPTIONS): what they did
  themselves shows at once in the header;
- they open the today page or My groups, which count the same sections anyway and store theirs.
So other people's changes reach the header within a minute; the today page is always exact.
The session rather than a cache: it is read on every request already (no extra query), it is
one person's and ends with their sign-in, and every app process sees the same one.
"""

import time

from django.utils import timezone

from programme.casework.today import total_due

SESSION_KEY = "today_count"
FRESH_FOR_SECONDS = 60
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def header_count(request) -> int:
    """The count for the header: the page's own if it counted one, else the session's while
    fresh, else counted now and kept."""
    now = int(time.time())
    day = timezone.localdate().isoformat()
    kept = request.session.get(SESSION_KEY)
    fresh = bool(kept) and kept[2] == day and 0 <= now - kept[1] < FRESH_FOR_SECONDS
    counted_here = getattr(request, "today_total", None)
    if counted_here is not None:
        if not (fresh and kept[0] == counted_here):  # the session is saved only on a change
            request.session[SESSION_KEY] = [counted_here, now, day]
        return counted_here
    if fresh:
        return kept[0]
    count = total_due(request.user)
    request.session[SESSION_KEY] = [count, now, day]
    return count


class ForgetCountAfterChangeMiddleware:
    """After a request that may change something, the header counts again (the person sees
    the effect of their own action at once)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in _SAFE_METHODS:
            session = getattr(request, "session", None)
            if session is not None and SESSION_KEY in session:
                del session[SESSION_KEY]
        return response
