from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe


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
