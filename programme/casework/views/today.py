"""Each role's start page: what needs doing today, most urgent first."""

from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from isotp.consultation import consulted
from isotp.models import Role
from programme.access import ensure_has_today_page, has_today_page
from programme.casework.today import load


@require_safe
def home(request):
    """Send each role to the page their work starts from (the root URLs name it `home`)."""
    if request.user.role == Role.ADMIN or (request.user.is_staff and not request.user.role):
        return redirect("admin:index")
    if has_today_page(request.user):
        return redirect(reverse("programme:today"))
    if request.user.role == Role.SENIOR_MANAGER:
        # Management information is all a senior manager sees (docs/decisions.md).
        return redirect(reverse("programme:management_information"))
    if request.user.role == Role.AUDITOR:
        # The consultation log's pages, once they are wired in; until then the (empty) caseload.
        try:
            return redirect(reverse("audit:home"))
        except NoReverseMatch:
            pass
    return redirect(reverse("programme:caseload"))


@require_safe
def today(request):
    ensure_has_today_page(request.user)
    day = timezone.localdate()
    sections = load(request.user, day)
    # The header's count is the page's total: counted once.
    request.today_total = sum(s.count for s in sections)
    consulted(
        *[item for s in sections if s.key != "ready" for item in s.items],
        action="list",
        result_count=sum(s.count for s in sections),
    )
    return render(
        request,
        "programme/casework/today.html",
        {
            "sections": sections,
            "total": request.today_total,
            "today": day,
            "role": request.user.role,
        },
    )
