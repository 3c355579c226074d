"""Who looked at which man: the consultation log read in the app.

Auditors (information assurance) search the whole log by person, by member of staff and by
date, and download it as CSV. An offender manager sees who has looked at each man on their
caseload. Reading the log is itself logged; looking at one man's entries, which is looking at
a record outside the auditor's own work, asks for a reason first, and the reason is kept in
every row the auditor's reading writes.
"""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from isotp.consultation import consulted, give_reason, reason_given
from isotp.csv_export import csv_response
from isotp.forms import GovDateField, GovPlainForm
from isotp.models import AccessLog, Staff
from isotp.security_events import security_event
from referrals.access import (
    cases_open_to_auditing,
    ensure_auditor,
    ensure_can_look_outside_work,
    get_offender_for_his_offender_manager,
    offenders_outside_work,
)
from referrals.models import Offender
from referrals.validators import normalise_crn

PAGE_SIZE = 50
# A download holds at most this many rows: narrow the search for more.
CSV_LIMIT = 100_000

ACTION_LABELS = {
    "view": "Viewed",
    "list": "Listed",
    "search": "Searched",
    "print": "Printed or downloaded",
    "admin_list": "Listed in the admin",
    "admin_view": "Opened in the admin",
    "subject_access": "Subject access request",
    "export": "Exported the consultation log",
    "statistics": "Viewed management information (figures only)",
    "statistics_download": "Downloaded management information (figures only)",
}


class LogFilterForm(GovPlainForm):
    method = "get"  # a search: no CSRF token in the address
    person = forms.CharField(
        label="Person (CRN)", required=False, max_length=20, help_text="For example, X123456."
    )
    staff = forms.CharField(label="Member of staff (username)", required=False, max_length=150)
    first_day = GovDateField(label="From", required=False)
    last_day = GovDateField(label="To", required=False)

    def __init__(self, *args, auditor: Staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.auditor = auditor

    def clean_person(self):
        crn = normalise_crn(self.cleaned_data["person"])
        if not crn:
            return None
        # A case the auditor is excluded from is as unknown as a CRN that is not here.
        offender = Offender.objects.filter(cases_open_to_auditing(self.auditor), crn=crn).first()
        if offender is None:
            raise ValidationError(f"No case you may see has the CRN {crn}")
        return offender

    def clean_staff(self):
        username = self.cleaned_data["staff"].strip()
        if not username:
            return None
        staff = Staff.objects.filter(username__iexact=username).first()
        if staff is None:
            raise ValidationError(f"No member of staff has the username {username}")
        return staff

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and first > last:
            self.add_error("last_day", "The end of the period must be on or after its start")
        return data


class ReasonForm(GovPlainForm):
    reason = forms.CharField(
        label="Why do you need to see this person's entries?",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, the reference of the complaint or investigation. It is kept "
        "in the log with every entry you read.",
        error_messages={"required": "Enter why you need to see this person's entries"},
    )


def _matching(data: dict):
    rows = AccessLog.objects.select_related("staff").between(
        data.get("first_day"), data.get("last_day")
    )
    if data.get("person"):
        rows = rows.about(data["person"].pk)
    if data.get("staff"):
        rows = rows.by(data["staff"])
    return rows


# How the audit pages name an offender whose case is closed to the reader, and what they show
# instead of what a row's search or reason may say about him.
RESTRICTED_LABEL = "Withheld (a case closed to you)"
WITHHELD = "Withheld: the entry names a case closed to you"


def _offender_labels(user: Staff, rows) -> dict[int, str]:
    """CRNs of the offenders in these rows; RESTRICTED_LABEL for a case closed to the user
    (the consultation log is read by auditors: `cases_open_to_auditing`)."""
    ids = {pk for row in rows for pk in row.offender_ids}
    open_ids = dict(
        Offender.objects.filter(cases_open_to_auditing(user), pk__in=ids).values_list("pk", "crn")
    )
    return {pk: open_ids.get(pk, RESTRICTED_LABEL) for pk in ids}


def _withhold_what_names_closed_cases(rows, labels: dict[int, str]) -> None:
    """A row about a case closed to the reader keeps who, when and what, but not its search
    text (in its address too) or reason, which may name the man (a name typed into a search
    that found him)."""
    for row in rows:
        if any(labels[pk] == RESTRICTED_LABEL for pk in row.offender_ids):
            row.query = WITHHELD if row.query else ""
            row.reason = WITHHELD if row.reason else ""
            row.path = row.path.split("?", 1)[0]


def _open_offender_ids(rows, labels: dict[int, str]) -> list[int]:
    """The offenders these rows name that the reader may see: what their reading consulted."""
    return [pk for row in rows for pk in row.offender_ids if labels[pk] != RESTRICTED_LABEL]


def _page(request, rows):
    """A page of newest-first rows without counting them all (the log is very long)."""
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    start = (number - 1) * PAGE_SIZE
    shown = list(rows[start : start + PAGE_SIZE + 1])
    return number, shown[:PAGE_SIZE], len(shown) > PAGE_SIZE


@require_http_methods(["GET", "POST"])
def consultation_log(request):
    """The auditor's search of the consultation log."""
    ensure_auditor(request.user)
    filters = LogFilterForm(request.GET or None, auditor=request.user)
    data = filters.cleaned_data if filters.is_valid() else {}
    person = data.get("person")
    reason = reason_given(request, person.pk) if person else ""
    if person and not reason:
        form = ReasonForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            give_reason(request, person.pk, form.cleaned_data["reason"])
            security_event(
                "audit_person_opened",
                request=request,
                offender_id=person.pk,
                restricted_case=person.restricted,
            )
            return redirect(request.get_full_path())
        return render(request, "audit/reason.html", {"form": form, "crn": person.crn})
    rows = _matching(data)
    if request.GET.get("format") == "csv":
        return _download(request, rows, reason)
    number, shown, more = _page(request, rows)
    labels = _offender_labels(request.user, shown)
    _withhold_what_names_closed_cases(shown, labels)
    for row in shown:
        row.offenders = [labels[pk] for pk in row.offender_ids]
        row.action_label = ACTION_LABELS.get(row.action, row.action)
    consulted(
        *([person] if person else []),
        offender_ids=_open_offender_ids(shown, labels),
        action="search",
        query=request.GET.urlencode(),
        result_count=len(shown),
        reason=reason,
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "audit/log.html",
        {
            "filters": filters,
            "rows": shown,
            "page_number": number,
            "has_next": more,
            "querystring": params.urlencode(),
            "person": person,
            "reason": reason,
        },
    )


def _download(request, rows, reason: str):
    rows = list(rows[:CSV_LIMIT])
    security_event("audit_export", request=request, rows=len(rows), about_one_person=bool(reason))
    labels = _offender_labels(request.user, rows)
    _withhold_what_names_closed_cases(rows, labels)
    consulted(
        offender_ids=_open_offender_ids(rows, labels),
        action="export",
        query=request.GET.urlencode(),
        result_count=len(rows),
        reason=reason,
    )
    header = [
        "When",
        "Username",
        "Name",
        "Role",
        "Action",
        "Page",
        "People (CRN)",
        "Search",
        "Results",
        "Reason",
    ]
    return csv_response(
        f"consultation-log-{date.today():%Y-%m-%d}.csv",
        header,
        (
            [
                row.at.isoformat(),
                row.staff.username,
                row.staff.get_full_name(),
                row.staff.get_role_display(),
                ACTION_LABELS.get(row.action, row.action),
                row.view or row.path,
                " ".join(labels[pk] for pk in row.offender_ids),
                row.query,
                row.result_count if row.result_count is not None else "",
                row.reason,
            ]
            for row in rows
        ),
    )


@require_safe
def offender_consultations(request, pk: int):
    """Who has looked at this man: for his offender manager."""
    offender = get_offender_for_his_offender_manager(request.user, pk)
    number, shown, more = _page(request, AccessLog.objects.select_related("staff").about(pk))
    for row in shown:
        row.action_label = ACTION_LABELS.get(row.action, row.action)
    consulted(offender, action="view", result_count=len(shown))
    return render(
        request,
        "audit/offender_consultations.html",
        {
            "offender": offender,
            "rows": shown,
            "page_number": number,
            "has_next": more,
            "querystring": "",
            "back_url": reverse("programme:offender", args=[offender.pk]),
        },
    )


# --- A case outside one's own work ---------------------------------------------------------------


class CaseLookupForm(GovPlainForm):
    crn = forms.CharField(label="CRN", max_length=20, help_text="For example, X123456.")
    reason = forms.CharField(
        label="Why do you need to see this case?",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, covering for a colleague on leave, or a transfer to your "
        "office. It is kept in the log with everything you read, and his offender manager "
        "can see that you looked.",
        error_messages={"required": "Enter why you need to see this case"},
    )

    def __init__(self, *args, user: Staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean()
        crn = normalise_crn(data.get("crn", ""))
        if crn and data.get("reason"):
            data["offender"] = offenders_outside_work(self.user).filter(crn=crn).first()
            if data["offender"] is None:
                # The same answer whether the CRN is unknown, of another area or closed.
                self.add_error(
                    "crn", f"No case you may see in your probation area has the CRN {crn}"
                )
        return data


@require_http_methods(["GET", "POST"])
def case_lookup(request):
    """Find a case outside one's own caseload or office, giving a reason first."""
    ensure_can_look_outside_work(request.user)
    form = CaseLookupForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            offender = form.cleaned_data["offender"]
            give_reason(request, offender.pk, form.cleaned_data["reason"])
            security_event("case_outside_work_opened", request=request, offender_id=offender.pk)
            return redirect("programme:case_outside", pk=offender.pk)
        consulted(
            action="search",
            query=f"crn={normalise_crn(request.POST.get('crn', ''))[:20]}",
            result_count=0,
            reason=request.POST.get("reason", "")[:500],
        )
    return render(request, "audit/case_lookup.html", {"form": form})
