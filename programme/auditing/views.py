"""A subject access request (Data Protection Act 2018, Part 3, s.45): an auditor (information
assurance) produces everything the app holds about one man, as a PDF and a JSON file in one
ZIP download. Nobody else may: for them the page does not exist (404)."""

import io
import json
import zipfile

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods

from isotp.consultation import consulted
from isotp.pdf import PdfTimeout, pdf_bytes, report_header
from isotp.security_events import security_event
from programme.auditing.forms import SubjectAccessForm
from programme.auditing.subject_access import (
    FIELDS,
    NOT_ABOUT_HIM,
    Withhold,
    subject_access_build,
    zip_name,
)
from referrals.access import get_offender_for_subject_access

PDF_TOO_SLOW = (
    "The download took too long to produce and was stopped, so nothing was sent. The service "
    "may be busy: try again in a few minutes"
)


@require_http_methods(["GET", "POST"])
def subject_access(request, pk: int):
    offender = get_offender_for_subject_access(request.user, pk)
    form = SubjectAccessForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        reference = form.cleaned_data["reference"]
        # The consultation log's row is written when the download is sent, with the reference.
        consulted(offender, action="subject_access", reason=reference)
        security_event("subject_access_request", request=request, offender_id=offender.pk)
        result = subject_access_build(
            offender=offender,
            reference=reference,
            received_on=form.cleaned_data["received_on"],
            by=request.user,
        )
        try:
            return _download(result)
        except PdfTimeout:
            # Nothing was sent: the form stays as typed, for another try when it is quieter.
            form.add_error(None, PDF_TOO_SLOW)
            status = 503
    else:
        consulted(offender)
        if offender.restricted:
            # Auditors reach restricted cases to answer for them (referrals.access.
            # cases_open_to_auditing): each opening is a security event of its own.
            security_event(
                "restricted_case_opened_for_subject_access",
                request=request,
                offender_id=offender.pk,
            )
        status = 200
    return render(
        request,
        "programme/auditing/subject_access.html",
        {
            "offender": offender,
            "form": form,
            "withheld_rules": withheld_rules(),
            "not_about_him": [
                (str(model._meta.verbose_name_plural).capitalize(), why)
                for model, why in NOT_ABOUT_HIM.items()
            ],
        },
        status=status,
    )


def withheld_rules() -> list[tuple[str, str, str, str]]:
    """(record, field, when, exemption) of every rule of the table."""
    return [
        (
            str(model._meta.verbose_name).capitalize(),
            str(model._meta.get_field(name).verbose_name).capitalize(),
            rule.condition,
            rule.exemption,
        )
        for model, fields in FIELDS.items()
        for name, rule in fields.items()
        if isinstance(rule, Withhold)
    ]


def _download(result) -> HttpResponse:
    offender = result.offender
    pdf = pdf_bytes(
        "reports/subject_access.html",
        {"sar": result, "offender": offender, **report_header(offender, result.produced_on)},
    )
    data = json.dumps(result.as_data(), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"subject-access-{offender.crn}.pdf", pdf)
        archive.writestr(f"subject-access-{offender.crn}.json", data.encode())
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(
        True, zip_name(offender, result.produced_on)
    )
    response["Cache-Control"] = "no-store"
    return response
