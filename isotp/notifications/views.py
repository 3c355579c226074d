from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from isotp.notifications.forms import PreferencesForm
from isotp.notifications.services import preferences_for, preferences_save

SAVED = "Your email notification settings are saved"


@require_http_methods(["GET", "POST"])
def preferences(request):
    """One's own choices: for each kind one's role may be told, at once, daily, or off."""
    choices = preferences_for(request.user)
    form = PreferencesForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        preferences_save(staff=request.user, choices=form.cleaned_data)
        messages.success(request, SAVED)
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "choices": choices, "email": request.user.email},
    )
