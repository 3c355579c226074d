"""The offender's information letter, as a PDF (standard or large print) and as plain text.
Its sentences are built in programme.services.letters.
"""

from django.http import HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from isotp.consultation import consulted
from isotp.pdf import render_pdf
from programme.services.letters import letter_context
from referrals.access import get_offender_for_user

# ?print=large or ?print=standard overrides the format chosen from his needs.
PRINT_CHOICES = {"large": True, "standard": False}


@require_safe
def information_letter_pdf(request, pk: int):
    offender = get_offender_for_user(request.user, pk)
    choice = request.GET.get("print")
    if choice is not None and choice not in PRINT_CHOICES:
        return HttpResponseBadRequest(
            "Choose print=large or print=standard, or leave print out to use his recorded needs.",
            content_type="text/plain; charset=utf-8",
        )
    consulted(offender, action="print")
    large_print = offender.needs_large_print if choice is None else PRINT_CHOICES[choice]
    context = letter_context(offender, today=timezone.localdate())
    context["large_print"] = large_print
    suffix = "-large-print" if large_print else ""
    return render_pdf(
        "reports/information_letter.html",
        context,
        filename=f"information-letter-{offender.crn}{suffix}.pdf",
    )


@require_safe
def information_letter_text(request, pk: int):
    offender = get_offender_for_user(request.user, pk)
    consulted(offender, action="print")
    context = letter_context(offender, today=timezone.localdate())
    response = HttpResponse(
        render_to_string("programme/information_letter.txt", context),
        content_type="text/plain; charset=utf-8",
    )
    response["Content-Disposition"] = content_disposition_header(
        True, f"information-letter-{offender.crn}.txt"
    )
    response["Cache-Control"] = "no-store"
    return response
