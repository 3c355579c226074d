"""Pages of the second factor (set up, enter a code, recovery codes) and of changing one's own
password. The rules are in isotp/two_factor.py; the events in isotp/security_events.py."""

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from isotp import two_factor
from isotp.forms import GovForm, GovPlainForm
from isotp.security_events import security_event

PASSWORD_CHANGED = "Your password has been changed. You have been signed out everywhere else."
RECOVERY_CODE_USED = (
    "You signed in with a recovery code. You have {left} left: make new ones if you are "
    "running out."
)
# The second-factor pages show no navigation: nothing else opens until the code is given.
_NO_NAVIGATION = {"nav_items": [], "hide_account_links": True}


class CodeForm(GovPlainForm):
    code = forms.CharField(
        label="Security code",
        max_length=40,
        required=False,
        help_text=(
            "The 6-digit code your authenticator app shows. If you do not have your phone, "
            "enter one of your recovery codes instead."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )


class SetupCodeForm(GovPlainForm):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=20,
        required=False,
        help_text="The 6-digit code the app shows once you have added this account.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )


PASSWORD_MAX_LENGTH = 256


class PasswordForm(GovForm, PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("old_password", "new_password1", "new_password2"):
            field = self.fields[name]
            field.widget.attrs.pop("autofocus", None)
            # Bounded like every field (isotp/limits.py): hashing a megabyte is work for nothing.
            field.max_length = PASSWORD_MAX_LENGTH
        self._setup_helper()

    def clean_new_password1(self):
        new = self.cleaned_data.get("new_password1")
        if new and self.user.check_password(new):
            raise ValidationError(SAME_PASSWORD_MESSAGE, code="password_unchanged")
        return new


SAME_PASSWORD_MESSAGE = "Your new password must be different from your current password"


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def _verified(request, device) -> None:
    """Marks the session verified by this device, under a new session key."""
    otp_login(request, device)
    request.session.cycle_key()


@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    """After the password: the code from the authenticator app, or a recovery code."""
    if request.user.is_verified():
        return redirect(_next_url(request))
    if two_factor.authenticator_for(request.user) is None:
        return redirect(reverse("two_factor_setup") + "?" + request.GET.urlencode())
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = two_factor.second_factor_check(user=request.user, code=form.cleaned_data["code"])
        if check.device is not None:
            _verified(request, check.device)
            if check.recovery_code_used:
                security_event(
                    "recovery_code_used",
                    request=request,
                    remaining=check.remaining_recovery_codes,
                )
                messages.warning(
                    request, RECOVERY_CODE_USED.format(left=check.remaining_recovery_codes)
                )
            security_event(
                "second_factor_verified",
                request=request,
                factor="recovery_code" if check.recovery_code_used else "totp",
            )
            return redirect(_next_url(request))
        form.add_error("code", check.error)
        security_event("second_factor_failed", request=request, outcome="failure")
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": _next_url(request), **_NO_NAVIGATION},
    )


@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """First sign-in (or after an admin reset): add the account to an authenticator app,
    confirm it with a code, then see the recovery codes once."""
    if two_factor.authenticator_for(request.user) is not None:
        return redirect(reverse("two_factor_verify") + "?" + request.GET.urlencode())
    device = two_factor.authenticator_start(request.user)
    form = SetupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        error = two_factor.authenticator_confirm(
            user=request.user, device=device, code=form.cleaned_data["code"]
        )
        if error is None:
            device.refresh_from_db()
            _verified(request, device)
            codes = two_factor.recovery_codes_make(user=request.user)
            security_event("second_factor_set_up", request=request, factor="totp")
            security_event("recovery_codes_made", request=request, count=len(codes))
            return render(
                request,
                "registration/recovery_codes_new.html",
                {"codes": codes, "next": _next_url(request), "first_time": True},
            )
        form.add_error("code", error)
        security_event("second_factor_failed", request=request, outcome="failure", setup=True)
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "next": _next_url(request),
            "qr_code": two_factor.qr_code_svg(device),
            "secret": two_factor.secret_for_typing(device),
            **_NO_NAVIGATION,
        },
    )


@require_http_methods(["GET", "POST"])
def recovery_codes(request):
    """How many recovery codes are left; making new ones replaces them all."""
    if request.method == "POST":
        codes = two_factor.recovery_codes_make(user=request.user)
        security_event("recovery_codes_made", request=request, count=len(codes))
        return render(
            request,
            "registration/recovery_codes_new.html",
            {"codes": codes, "next": reverse("home"), "first_time": False},
        )
    return render(
        request,
        "registration/recovery_codes.html",
        {
            "left": two_factor.recovery_codes_left(request.user),
            "has_authenticator": two_factor.authenticator_for(request.user) is not None,
        },
    )


@require_http_methods(["GET", "POST"])
def password_change(request):
    """Change one's own password: every other session of this user ends (their session hash no
    longer matches); this one carries on."""
    form = PasswordForm(request.user, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            user = form.save()
            update_session_auth_hash(request, user)
            security_event("password_changed", request=request, user=user)
            messages.success(request, PASSWORD_CHANGED)
            return redirect("home")
        security_event("password_change_failed", request=request, outcome="failure")
    return render(request, "registration/password_change.html", {"form": form})
