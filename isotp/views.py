from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_safe

from isotp.models import Role
from programme.services.today import has_today_page


@require_safe
def home(request):
    """Send each role to the page their work starts from."""
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


@login_not_required
@require_safe
def health(request):
    with connection.cursor() as cursor:
        cursor.execute("select 1")
    return JsonResponse({"status": "ok"})


@login_not_required
@require_safe
def robots(request):
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain")


@login_not_required
@require_safe
def admin_login(request):
    """The Django admin's sign-in page: the app's sign-in, then the second factor, instead."""
    query = request.GET.urlencode()
    return redirect(reverse(settings.LOGIN_URL) + (f"?{query}" if query else ""))


@login_not_required
@require_safe
def accessibility_statement(request):
    return render(request, "isotp/accessibility.html")


@login_not_required
@require_safe
def privacy_notice(request):
    return render(request, "isotp/privacy.html")
