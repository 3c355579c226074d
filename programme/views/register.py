"""The session register, catch-ups and a member's page: the facilitators' week."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from isotp.consultation import consulted
from programme.access import (
    get_catch_up_for_facilitator,
    get_placement_for_user,
    get_placement_to_send_feedback,
    get_session_for_register,
    members_open_to,
    runs_group,
)
from programme.forms import PRESENT_OUTCOMES, CatchUpForm, FeedbackForm, RegisterEntryForm
from programme.models import (
    ATTENDED_OUTCOMES,
    SESSION_NAME,
    AttendanceAmendment,
    AttendanceOutcome,
    ProgrammeError,
)
from programme.services.register import (
    RegisterEntry,
    RegisterRefused,
    catch_up_outstanding,
    catch_up_record,
    feedback_send,
    outstanding_catch_ups,
    projected_finish,
    register_problems,
    register_save,
)
from programme.services.scheduling import members_at
from programme.services.staffing import attach_staffing
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
        marked = False
        if mark_all and data is not None and not attendance and not earlier:
            marked = f"{prefix}-outcome" not in data
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
                # Marked attended by "Mark all attended": his follow-up questions stay folded.
                "marked": marked,
            }
        )
    return rows


MARKED_ALL_ATTENDED = (
    "Everyone without an outcome is marked “Attended and complied”. Nothing is saved yet: "
    "check the register, then save it."
)


@require_http_methods(["GET", "POST"])
def register(request, pk: int):
    """The register, in the state the session is in: not yet recordable (when it can be),
    men still to record (a form for them, a summary of those recorded), complete (a summary
    with a "Change" link per man), or one man's record being changed."""
    session = get_session_for_register(request.user, pk)
    attach_staffing([session])
    post = request.POST if request.method == "POST" else None
    if not session.can_be_recorded(timezone.localdate()):
        if post is not None:
            messages.error(request, session.not_yet_recordable)
        rows = _register_rows(request.user, session)
        return render(request, "programme/register.html", _context(session, rows, future=True))
    if post is not None and "mark_all" in post:
        # Fills in, never replaces: what was typed is kept, and nothing is saved yet.
        rows = _register_rows(request.user, session, post, mark_all=True)
        messages.info(request, MARKED_ALL_ATTENDED)
        return render(request, "programme/register.html", _context(session, rows))
    rows = _register_rows(request.user, session, post)
    change = _row_to_change(rows, (post or request.GET).get("change"))
    chosen = []
    if post is not None:
        chosen = _rows_to_save(rows, post, change=change, complete="complete" in post)
        valid = [row for row in chosen if row["form"].is_valid()]
        if len(valid) < len(chosen):
            # Refused for what the form checks: the register's own rules are reported with
            # it, so one save names every problem.
            problems = register_problems(session=session, entries=[_entry(r) for r in valid])
            for row in valid:
                row["error"] = problems.get(row["placement"].pk, "")
        else:
            try:
                result = register_save(
                    session=session, entries=[_entry(row) for row in chosen], by=request.user
                )
            except RegisterRefused as refusal:
                for row in rows:
                    row["error"] = refusal.errors.get(row["placement"].pk, "")
            except (ProgrammeError, ReferralError) as error:
                messages.error(request, str(error))
            else:
                _report(request, session, result, len(chosen))
                return redirect("programme:register", pk=session.pk)
    return render(
        request, "programme/register.html", _context(session, rows, chosen, change=change)
    )


def _row_to_change(rows, value):
    """The recorded man whose record is being changed (?change=<his place>), if any."""
    for row in rows:
        if row["attendance"] and str(row["placement"].pk) == str(value):
            return row
    return None


def _rows_to_save(rows, post, *, change, complete: bool) -> list:
    """The men this save records. Changing one man's record saves his alone. Otherwise each
    man not yet recorded who was given anything, and a recorded man whose outcome was sent;
    a man left blank stays to be recorded later, unless the register is being completed."""
    if change:
        return [change]
    chosen = []
    for row in rows:
        form = row["form"]
        if row["attendance"]:
            if form.add_prefix("outcome") in post:
                chosen.append(row)
        elif form.has_changed():
            chosen.append(row)
        elif complete:
            chosen.append(row)  # and refused: "Choose what happened"
    return chosen


def _context(session, rows, chosen=(), *, change=None, future=False) -> dict:
    """Only the men being saved are checked: a man left blank is not an error."""
    chosen_ids = {id(row) for row in chosen}
    for row in rows:
        form = row["form"]
        if form.is_bound and id(row) not in chosen_ids:
            # Not being saved (left blank, or recorded and not sent): shown, never checked.
            row["form"] = RegisterEntryForm(prefix=form.prefix, initial=form.initial)
        row["radios"] = _radios(row["form"])
    errors = [row for row in rows if row["error"] or row["form"].errors]
    to_record = [row for row in rows if not row["attendance"]]
    if errors and not change:
        # A recorded man in error (a correction sent from an older page) is shown as a form.
        to_record = [row for row in rows if not row["attendance"] or row in errors]
    return {
        "session": session,
        "rows": rows,
        "errors": errors,
        "future": future,
        "change": change,
        "to_record": to_record,
        "recorded": [row for row in rows if row["attendance"] and row not in to_record],
        "error_links": [link for row in errors for link in _error_links(row)],
    }


def _radios(form) -> list[dict]:
    """The outcome radios, each with what is asked under it: minutes late and homework under
    those at which he was there (the answers shown under the chosen one, or under "Attended
    and complied" while none is chosen)."""
    chosen = form["outcome"].value()
    radios = []
    for radio in form["outcome"]:
        value = radio.data["value"]
        choice = {"radio": radio, "value": value, "present": value in PRESENT_OUTCOMES}
        if choice["present"]:
            shown = value == chosen or (not chosen and value == AttendanceOutcome.ATTENDED)
            late = form.add_prefix(RegisterEntryForm.detail_name("minutes_late", value))
            homework = form.add_prefix(RegisterEntryForm.detail_name("homework", value))
            choice.update(
                late_name=late,
                late_id=f"id_{late}",
                homework_name=homework,
                homework_id=f"id_{homework}",
                late=form["minutes_late"].value() if shown else "",
                homework=form["homework"].value() if shown else "",
                late_errors=form["minutes_late"].errors if shown else [],
            )
        radios.append(choice)
    return radios


def _error_links(row) -> list[tuple[str, str]]:
    """The error summary's links: each to the first field of its error."""
    form = row["form"]
    name = row["placement"].referral.offender.full_name
    first_radio = f"#{form['outcome'].auto_id}_0"
    links = []
    if row["error"]:
        target = f"#{form['change_reason'].auto_id}" if row["attendance"] else first_radio
        links.append((target, f"{name}: {row['error']}"))
    outcome = form["outcome"].value()
    for field in form:
        for error in field.errors:
            if field.name == "outcome":
                target = first_radio
            elif field.name == "minutes_late":
                late = RegisterEntryForm.detail_name("minutes_late", outcome or "attended")
                target = f"#id_{form.add_prefix(late)}"
            else:
                target = f"#{field.auto_id}"
            links.append((target, f"{name}: {error}"))
    return links


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
        # The state of his record the page showed; a save without it counts as from a page
        # that showed him not yet recorded.
        seen=row["form"].data.get(row["form"].add_prefix("seen"), ""),
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
    sessions = list(placement.sessions().named())
    attendances = {a.session_id: a for a in placement.attendances.all()}
    amendments: dict[int, list] = {}
    for amendment in AttendanceAmendment.objects.filter(
        attendance__placement=placement
    ).select_related("by", "attendance"):
        amendments.setdefault(amendment.attendance.session_id, []).append(amendment)
    for attendance in attendances.values():
        attendance.amendment_list = amendments.get(attendance.session_id, [])
    catch_ups = list(
        placement.catch_ups.select_related("session", f"session__{SESSION_NAME}", "facilitator")
    )
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
    placement = get_placement_to_send_feedback(request.user, pk)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        feedback_send(placement=placement, message=form.cleaned_data["message"], by=request.user)
        messages.success(request, "Feedback sent to his offender manager")
        return redirect(placement)
    return render(
        request, "programme/feedback_form.html", {"placement": placement, "form": form}, status=200
    )
