"""The offender's information letter, as a PDF (standard or large print) and as plain text,
and a group's reminder letters for the coming week, likewise. Their sentences are built in
programme.documents.letters and programme.documents.session_reminders.
"""

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from isotp.consultation import consulted
from isotp.pdf import render_pdf
from programme.access import get_group_for_user, members_open_to
from programme.documents.letters import letter_context
from programme.documents.session_reminders import coming_week, group_reminders
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
        render_to_string("programme/documents/information_letter.txt", context),
        content_type="text/plain; charset=utf-8",
    )
    response["Content-Disposition"] = content_disposition_header(
        True, f"information-letter-{offender.crn}.txt"
    )
    response["Cache-Control"] = "no-store"
    return response


# --- Reminder letters for a group's coming week ----------------------------------------------


def _group_reminders(request, pk: int):
    """The group (if the user may see it), the reminders of the members they may see, the
    week's sessions and how many members were left out as restricted cases."""
    group = get_group_for_user(request.user, pk)
    placements, restricted = members_open_to(
        request.user,
        group.placements.select_related(
            "referral__offender__offender_manager", "first_session", "last_session"
        ).order_by("referral__offender__last_name", "referral__offender__first_name", "pk"),
    )
    reminders, sessions = group_reminders(
        group=group, placements=placements, today=timezone.localdate()
    )
    if reminders:
        consulted(group, *[r.placement for r in reminders], action="print")
    return group, reminders, sessions, len(restricted)


@require_safe
def group_reminders_pdf(request, pk: int):
    group, reminders, sessions, restricted = _group_reminders(request, pk)
    if not reminders:
        messages.info(request, NO_SESSIONS_MESSAGE)
        return redirect(group)
    start, end = coming_week(timezone.localdate())
    return render_pdf(
        "reports/group_reminders.html",
        {
            "group": group,
            "reminders": reminders,
            "restricted": restricted,
            "start": start,
            "end": end,
            "report_subject_name": f"Reminders for the {group.programme} group, {group.venue}",
            "report_subject_label": "Week of",
            "report_subject_crn": f"{start:%-d %B %Y}",
            "report_date": timezone.localdate(),
        },
        filename=f"reminders-group-{group.pk}-{start:%Y-%m-%d}.pdf",
    )


@require_safe
def group_reminders_text(request, pk: int):
    group, reminders, sessions, restricted = _group_reminders(request, pk)
    if not reminders:
        messages.info(request, NO_SESSIONS_MESSAGE)
        return redirect(group)
    start, _end = coming_week(timezone.localdate())
    response = HttpResponse(
        render_to_string(
            "programme/documents/group_reminders.txt",
            {"reminders": reminders, "report_date": timezone.localdate()},
        ),
        content_type="text/plain; charset=utf-8",
    )
    response["Content-Disposition"] = content_disposition_header(
        True, f"reminders-group-{group.pk}-{start:%Y-%m-%d}.txt"
    )
    response["Cache-Control"] = "no-store"
    return response


NO_SESSIONS_MESSAGE = "The group has no session in the coming week: there are no reminders to print"
