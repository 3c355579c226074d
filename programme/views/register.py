"""The session register, catch-ups and a member's page: the facilitators' week."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from isotp.consultation import consulted
from isotp.models import Role
from programme.access import (
    get_catch_up_for_facilitator,
    get_placement_for_user,
    get_session_for_register,
    members_open_to,
    runs_group,
)
from programme.forms import CatchUpForm, FeedbackForm, RegisterEntryForm
from programme.models import (
    ATTENDED_OUTCOMES,
    AttendanceAmendment,
    AttendanceOutcome,
    ProgrammeError,
)
from programme.services import (
    RegisterEntry,
    RegisterRefused,
    catch_up_outstanding,
    catch_up_record,
    feedback_send,
    members_at,
    outstanding_catch_ups,
    projected_finish,
    register_save,
)
from referrals.models import ReferralError


def _register_rows(user, session, data=None, mark_all=False):
    """One row per member at this session. With mark_all, every member not yet recorded and
    left without an outcome in `data` is marked attended; whatever was typed is kept."""
    members, restricted = members_open_to(
        user,
        members_at(session)
        .select_related("referral__offender")
        .order_by("referral__offender__last_name"),
    )
    session.restricted_members = len(restricted)
    consulted(*members)
    if mark_all and data is not None:
        data = data.copy()
    existing = {a.placement_id: a for a in session.attendances.all()}
    amendments: dict[int, list] = {}
    for amendment in AttendanceAmendment.objects.filter(attendance__session=session).select_related(
        "by", "attendance"
    ):
        amendments.setdefault(amendment.attendance.placement_id, []).append(amendment)
    outstanding = outstanding_catch_ups(members)
    rows = []
    for placement in members:
        attendance = existing.get(placement.pk)
        earlier = [n for n in outstanding.get(placement.pk, []) if n < session.number]
        initial = {}
        if attendance:
            initial = {
                "outcome": attendance.outcome,
                "absence_reason": attendance.absence_reason,
                "minutes_late": attendance.minutes_late or None,
                "homework": {True: "yes", False: "no"}.get(attendance.homework_done, ""),
                "note": attendance.note,
                "risk_relevant": attendance.risk_relevant,
            }
        prefix = f"m{placement.pk}"
        if mark_all and data is not None and not attendance and not earlier:
            data.setdefault(f"{prefix}-outcome", AttendanceOutcome.ATTENDED)
        form = RegisterEntryForm(data, prefix=prefix, initial=initial)
        if mark_all and data is not None:
            # Shown to be checked and saved: nothing is validated (or saved) yet.
            form = RegisterEntryForm(
                prefix=prefix, initial={name: form[name].value() for name in form.fields}
            )
        rows.append(
            {
                "placement": placement,
                "form": form,
                "attendance": attendance,
                "amendments": amendments.get(placement.pk, []),
                "blocked": catch_up_outstanding(earlier) if earlier else "",
                "error": "",
            }
        )
    return rows


MARKED_ALL_ATTENDED = (
    "Everyone without an outcome is marked “Attended and complied”. Nothing is saved yet: "
    "check the register, then save it."
)


@require_http_methods(["GET", "POST"])
def register(request, pk: int):
    session = get_session_for_register(request.user, pk)
    mark_all = request.method == "POST" and "mark_all" in request.POST
    if mark_all:
        # Fills in, never replaces: what was typed is kept, and nothing is saved yet.
        rows = _register_rows(request.user, session, request.POST, mark_all=True)
        messages.info(request, MARKED_ALL_ATTENDED)
        return render(request, "programme/register.html", {"session": session, "rows": rows})
    rows = _register_rows(request.user, session, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        # A member left blank is not recorded yet; the register stays open for him.
        filled = [row for row in rows if row["form"].has_changed() or row["attendance"]]
        if all(row["form"].is_valid() for row in filled):
            try:
                result = register_save(
                    session=session, entries=[_entry(row) for row in filled], by=request.user
                )
            except RegisterRefused as refusal:
                for row in rows:
                    row["error"] = refusal.errors.get(row["placement"].pk, "")
            except (ProgrammeError, ReferralError) as error:
                messages.error(request, str(error))
            else:
                _report(request, session, result, len(filled))
                return redirect("programme:register", pk=session.pk)
    errors = [row for row in rows if row["error"] or (row["form"].is_bound and row["form"].errors)]
    return render(
        request, "programme/register.html", {"session": session, "rows": rows, "errors": errors}
    )


def _entry(row) -> RegisterEntry:
    data = row["form"].cleaned_data
    return RegisterEntry(
        placement=row["placement"],
        outcome=data["outcome"],
        absence_reason=data.get("absence_reason") or "",
        minutes_late=data.get("minutes_late") or 0,
        homework_done=row["form"].homework_done,
        note=data.get("note", ""),
        risk_relevant=data.get("risk_relevant", False),
        change_reason=data.get("change_reason", ""),
    )


def _report(request, session, result, count: int) -> None:
    messages.success(request, f"Register for session {session.number} saved ({count} recorded)")
    for placement in result.restarted:
        messages.warning(
            request,
            f"{placement.referral.offender.full_name} has missed more sessions than catch-ups "
            "allow: this attempt has ended, he must restart the programme and is back on the "
            "waiting list. His offender manager has been told.",
        )
    for notice in result.notices:
        messages.warning(request, notice)
    for placement in result.completed:
        messages.success(
            request, f"{placement.referral.offender.full_name} has completed the programme"
        )


@require_http_methods(["GET", "POST"])
def catch_up(request, pk: int):
    catch_up = get_catch_up_for_facilitator(request.user, pk)
    form = CatchUpForm(
        request.POST if request.method == "POST" else None,
        initial={
            "held_on": catch_up.held_on or timezone.localdate(),
            "completed": True,
            "note": catch_up.note,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            recorded = catch_up_record(
                catch_up=catch_up,
                held_on=form.cleaned_data["held_on"],
                facilitator=request.user,
                completed=form.cleaned_data["completed"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except (ProgrammeError, ReferralError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Catch-up of session {catch_up.session.number} recorded")
            for notice in recorded.review.notices:
                messages.warning(request, notice)
            return redirect(catch_up.placement)
    return render(request, "programme/catch_up.html", {"catch_up": catch_up, "form": form})


@require_http_methods(["GET"])
def placement_detail(request, pk: int):
    placement = get_placement_for_user(request.user, pk)
    consulted(placement)
    sessions = list(placement.sessions())
    attendances = {a.session_id: a for a in placement.attendances.all()}
    amendments: dict[int, list] = {}
    for amendment in AttendanceAmendment.objects.filter(
        attendance__placement=placement
    ).select_related("by", "attendance"):
        amendments.setdefault(amendment.attendance.session_id, []).append(amendment)
    for attendance in attendances.values():
        attendance.amendment_list = amendments.get(attendance.session_id, [])
    catch_ups = list(placement.catch_ups.select_related("session", "facilitator"))
    used = sum(1 for a in attendances.values() if a.missed)
    return render(
        request,
        "programme/placement_detail.html",
        {
            "placement": placement,
            "offender": placement.referral.offender,
            "rows": [(s, attendances.get(s.pk)) for s in sessions],
            "catch_ups": catch_ups,
            "catch_ups_used": used,
            "attended": sum(1 for a in attendances.values() if a.outcome in ATTENDED_OUTCOMES),
            "projection": projected_finish(placement=placement, today=timezone.localdate()),
            "runs_group": runs_group(request.user, placement.group),
            "feedback_form": FeedbackForm(),
        },
    )


@require_POST
def placement_feedback(request, pk: int):
    placement = get_placement_for_user(request.user, pk)
    if request.user.role != Role.FACILITATOR or not runs_group(request.user, placement.group):
        raise Http404("Only the group's facilitators send feedback")
    form = FeedbackForm(request.POST)
    if form.is_valid():
        feedback_send(placement=placement, message=form.cleaned_data["message"], by=request.user)
        messages.success(request, "Feedback sent to his offender manager")
        return redirect(placement)
    return render(
        request, "programme/feedback_form.html", {"placement": placement, "form": form}, status=200
    )
