"""Subject access requests (Data Protection Act 2018, Part 3, s.45): everything the app holds
about one man, as readable sections (for the PDF) and as plain data (for the JSON file).

What is shown and what is withheld is decided field by field in one table, `FIELDS`: every
field of every model of `referrals` and `programme` that holds his records is either shown or
withheld with the exemption claimed (a test fails when a model gains a field the table does not
name). The models that are not about him (the programme's set-up, his group) are listed in
`NOT_ABOUT_HIM`, with what is shown of them. A withheld value is never put in either file: the
"Withheld" section lists each one, with the exemption, as s.45(5) asks.

Staff are named as the records name them (name and role): they act in their official
capacity and he meets most of them. Other men (his group's other members) are never included.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from html.parser import HTMLParser

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from pghistory.models import Events

from isotp.models import AccessLog, Staff
from programme.documents.letters import letter_context, warning_letter_context
from programme.models import (
    ENFORCEABLE_OUTCOMES,
    Appointment,
    Attendance,
    AttendanceAmendment,
    BankHoliday,
    BulkPrint,
    CatchUp,
    EndOfProgrammeReport,
    Enforcement,
    EnforcementCorrection,
    EnforcementDecisionType,
    Group,
    GroupSession,
    HandoverMeeting,
    NonAssociation,
    NonAssociationOverride,
    Notice,
    NoticeKind,
    OneToOneSession,
    Placement,
    ProgrammeModule,
    ProgrammeSession,
    ProgrammeVersion,
    Reassessment,
    Recommendation,
    RecommendationNote,
    RiskReview,
    SessionFacilitator,
    SessionStaffingChange,
    TargetProgress,
    TreatmentTarget,
    Weekday,
)
from referrals.models import (
    Assessment,
    CaseAccess,
    ClosingReason,
    Offence,
    Offender,
    PreProgrammeChecklist,
    Programme,
    Referral,
    ReferralStatusChange,
    StatusTransition,
)

# --- What is shown and what is withheld ------------------------------------------------------

SHOWN = "shown"


@dataclass(frozen=True)
class Withhold:
    """A field withheld where the law allows it, and when (`applies` reads the record's row:
    its columns by attribute name, from the record itself or from a change-history event)."""

    exemption: str
    reason: str
    condition: str
    applies: Callable[[Mapping], bool]


# s.45(4)(b): to avoid prejudicing the prevention, detection, investigation or prosecution of
# criminal offences or the execution of criminal penalties; (e): to protect the rights and
# freedoms of others.
RISK_EXEMPTION = "Data Protection Act 2018, s.45(4)(b) and (e)"
RISK_REASON = (
    "Information about risk shared between staff to manage it: disclosing it would be likely "
    "to prejudice the prevention of crime and the protection of others."
)
RISK_NOTE = Withhold(
    exemption=RISK_EXEMPTION,
    reason=RISK_REASON,
    condition="when the note is marked risk-relevant",
    applies=lambda row: bool(row.get("risk_relevant")),
)
# An amendment's note, before or after: withheld when either side was marked risk-relevant.
RISK_NOTE_AMENDED = Withhold(
    exemption=RISK_EXEMPTION,
    reason=RISK_REASON,
    condition="when the note was marked risk-relevant before or after the change",
    applies=lambda row: bool(row.get("old_risk_relevant") or row.get("new_risk_relevant")),
)
RISK_NOTICE = Withhold(
    exemption=RISK_EXEMPTION,
    reason=RISK_REASON,
    condition="on the notice of a risk-relevant note",
    applies=lambda row: row.get("kind") == NoticeKind.RISK_NOTE,
)

# s.45(4)(e): who among staff is allowed on, or excluded from, a limited-access case, and why
# (for example a colleague who knows him), is about those staff members.
STAFF_ON_ACCESS_LIST = Withhold(
    exemption="Data Protection Act 2018, s.45(4)(e)",
    reason="Who among staff may or may not see the case, and why, is about those members "
    "of staff: disclosing it would not protect the rights and freedoms of others.",
    condition="on a limited-access case's list (the entry's kind and date are shown)",
    applies=lambda row: True,
)


# s.45(4)(b) and (e): a man he must be kept from (a co-defendant, an associate, a relative of
# his victim) is another person, and why they are kept apart is held to protect others.
KEPT_APART = Withhold(
    exemption=RISK_EXEMPTION,
    reason="Who he must be kept apart from in a group, and why, is about other people and is "
    "held to protect them: disclosing it would be likely to prejudice the prevention of crime "
    "and the protection of others.",
    condition="on a non-association (its kind and dates are shown)",
    applies=lambda row: True,
)


def shown(names: str) -> dict[str, object]:
    return dict.fromkeys(names.split(), SHOWN)


# Every field of every model that holds his records, shown or withheld. A new field must be
# added here (tests/test_subject_access.py fails otherwise), so none can be forgotten.
FIELDS: dict[type[models.Model], dict[str, object]] = {
    Offender: shown(
        "id crn pnc_number first_name last_name date_of_birth gender offender_manager office "
        "order_type order_start order_end interpreter_language needs_large_print "
        "needs_braille needs_easy_read other_needs restricted created_at updated_at"
    ),
    CaseAccess: {
        **shown("id offender kind"),
        "staff": STAFF_ON_ACCESS_LIST,
        "note": STAFF_ON_ACCESS_LIST,
        **shown("added_at"),
    },
    Offence: shown(
        "id offender description internet_related_sexual offence_date conviction_date created_at"
    ),
    Assessment: shown(
        "id offender stage assessed_on assessor oasys_completed_on risk_of_serious_harm "
        "rm2000_completed_on rm2000_category deviance internet_offence_confirmed notes outcome "
        "reasons outcome_programme created_at"
    ),
    Referral: shown(
        "id offender programme assessment status referred_on waiting_since previous_attempt "
        "referred_by created_at"
    ),
    ReferralStatusChange: shown("id referral from_status to_status by at reason note"),
    PreProgrammeChecklist: shown(
        "id referral psr_provided_on psr_not_available additional_reports_provided_on "
        "additional_reports_not_available cps_pack_provided_on cps_pack_not_available "
        "previous_convictions_provided_on previous_convictions_not_available liaison_on "
        "liaison_notes understands_requirements_on information_format interview_on "
        "interview_attended interview_outcome updated_at"
    ),
    Placement: shown(
        "id group referral allocated_by allocated_at allocated_on first_session last_session "
        "ended_on end_reason"
    ),
    Attendance: {
        **shown("id session placement outcome absence_reason minutes_late homework_done"),
        "note": RISK_NOTE,
        **shown("risk_relevant change_reason recorded_by recorded_at"),
    },
    AttendanceAmendment: {
        **shown("id attendance old_outcome old_absence_reason new_outcome new_absence_reason"),
        "old_note": RISK_NOTE_AMENDED,
        "new_note": RISK_NOTE_AMENDED,
        **shown("old_risk_relevant new_risk_relevant reason by at"),
    },
    CatchUp: shown("id placement session held_on facilitator completed cancelled note"),
    Enforcement: shown(
        "id attendance offender failure_on due_by proposed_action proposal_reason decision "
        "decision_reason decided_by decided_on"
    ),
    EnforcementCorrection: shown(
        "id enforcement old_decision old_reason old_decided_by old_decided_on new_decision "
        "reason by at"
    ),
    Notice: {
        **shown("id offender kind"),
        "message": RISK_NOTICE,
        **shown("attendance created_by created_at acknowledged_at acknowledged_by"),
        "action_taken": RISK_NOTICE,
    },
    RiskReview: shown(
        "id offender oasys_on risk_before risk_of_serious_harm what_changed post_programme "
        "recorded_by created_at"
    ),
    Appointment: shown("id offender on purpose attended recorded_by"),
    # The facilitators (a many-to-many) are listed by name with the record.
    OneToOneSession: shown(
        "id referral kind date start_time place facilitators scheduled_by scheduled_at attended "
        "outcome notes recorded_by recorded_at cancelled_by cancelled_at cancel_reason"
    ),
    NonAssociation: {
        **shown("id offender kind recorded_by recorded_at ended_at ended_by"),
        "other": KEPT_APART,
        "reason": KEPT_APART,
        "ended_reason": KEPT_APART,
    },
    NonAssociationOverride: {
        **shown("id placement non_association by at"),
        "reason": KEPT_APART,
    },
    EndOfProgrammeReport: shown(
        "id referral version status previous_version attendance_summary overall_progress "
        "risk_factors relapse_prevention_plan recommendations correction_reason author "
        "created_at submitted_at submitted_by"
    ),
    TargetProgress: shown("id report target progress"),
    Recommendation: shown("id referral number text owner due_on status not_pursued_reason"),
    RecommendationNote: shown("id recommendation on text by"),
    HandoverMeeting: shown(
        "id referral held_on place offender_attended facilitator_attended "
        "offender_manager_attended notes agreed_actions recorded_by created_at"
    ),
    Reassessment: shown(
        "id referral oasys_on risk_of_serious_harm rm2000_on rm2000_category what_changed "
        "recorded_by created_at"
    ),
}


# Models of the two apps that hold no record about him, and what of them is shown.
NOT_ABOUT_HIM: dict[type[models.Model], str] = {
    Programme: "the programme's set-up: its name is shown with his referrals",
    StatusTransition: "the allowed status moves: set-up, not about him",
    ClosingReason: "the list of closing reasons: the one given is shown with each move",
    BankHoliday: "the bank holidays: set-up, not about him",
    TreatmentTarget: "the programme's treatment targets: each is named with his progress",
    Group: "his group: its programme, band, venue, schedule and facilitators are shown with "
    "his place; the version of the programme it runs is set-up, not about him; its other "
    "members are other people's data and never shown",
    GroupSession: "his group's sessions: the number and date are shown with each attendance; "
    "the named session of the programme each one is, is set-up, not about him",
    ProgrammeVersion: "a version of the programme's named sessions: set-up, not about him",
    ProgrammeModule: "a module of a version of the programme: set-up, not about him",
    ProgrammeSession: "a named session of a version of the programme: set-up, not about him",
    BulkPrint: "a copy of his group's attendance records printed for a member of staff: his "
    "own record in it is the attendance shown here; the copy is deleted within days",
    SessionFacilitator: "who led and covered his group's sessions: staff rostering, not about "
    "him (the facilitators are named with his group)",
    SessionStaffingChange: "changes to who runs his group's sessions, and why: staff rostering "
    "(a facilitator's leave), not about him",
}


# --- The result --------------------------------------------------------------------------------


@dataclass
class Item:
    """One field of a record, readable (`display`) and as data (`value`)."""

    name: str
    label: str
    display: str
    value: object
    withheld: bool = False
    # A code from a list: the JSON gives its label too, as <name>_display.
    coded: bool = False
    # The app's own record numbers and links between his records: in the JSON only (the PDF
    # nests the records instead).
    internal: bool = False


@dataclass
class Record:
    kind: str
    pk: int
    title: str
    items: list[Item]
    children: list["Section"] = field(default_factory=list)

    def as_data(self) -> dict:
        data: dict = {"id": self.pk}
        withheld = []
        for item in self.items:
            if item.name == "id":
                continue
            data[item.name] = item.value
            if item.coded:
                data[f"{item.name}_display"] = item.display if item.value not in ("", None) else ""
            if item.withheld:
                withheld.append(item.name)
        if withheld:
            data["withheld_fields"] = withheld
        for child in self.children:
            data[child.key] = [record.as_data() for record in child.records]
        return data


@dataclass
class Section:
    key: str
    heading: str
    records: list[Record]
    empty: str = "None recorded."


@dataclass
class WithheldEntry:
    record: str
    record_type: str
    record_id: int
    field: str
    field_label: str
    exemption: str
    reason: str

    def as_data(self) -> dict:
        return {
            "record_type": self.record_type,
            "record_id": self.record_id,
            "record": self.record,
            "field": self.field,
            "field_label": self.field_label,
            "exemption": self.exemption,
            "reason": self.reason,
        }


@dataclass
class Letter:
    title: str
    dated: date | None
    about: str
    paragraphs: list[str]

    def as_data(self) -> dict:
        return {
            "title": self.title,
            "dated": self.dated.isoformat() if self.dated else None,
            "about": self.about,
            "text": self.paragraphs,
        }


@dataclass
class HistoryItem:
    event_id: int
    at: datetime
    record: str
    record_type: str
    record_id: int
    action: str
    by: str
    changes: list[dict]

    def as_data(self) -> dict:
        return {
            "at": self.at.isoformat(),
            "record_type": self.record_type,
            "record_id": self.record_id,
            "record": self.record,
            "action": self.action,
            "by": self.by,
            "changes": self.changes,
        }


@dataclass
class Consultation:
    at: datetime
    staff: str
    role: str
    action: str
    action_display: str
    record_type: str
    record_id: str
    path: str
    reason: str = ""

    def as_data(self) -> dict:
        return {
            "at": self.at.isoformat(),
            "staff": self.staff,
            "role": self.role,
            "action": self.action,
            "action_display": self.action_display,
            "record_type": self.record_type,
            "record_id": self.record_id,
            "path": self.path,
            "reason": self.reason,
        }


@dataclass
class SubjectAccess:
    offender: Offender
    reference: str
    received_on: date
    produced_on: date
    produced_by: Staff
    sections: list[Section]
    letters: list[Letter]
    history: list[HistoryItem]
    consultations: list[Consultation]
    withheld: list[WithheldEntry]

    def as_data(self) -> dict:
        """The JSON file: stable keys, ISO dates, codes with their labels."""
        return {
            "format": "isotp-subject-access/1",
            "request": {
                "reference": self.reference,
                "received_on": self.received_on.isoformat(),
                "produced_on": self.produced_on.isoformat(),
                "produced_by": staff_name(self.produced_by),
                "law": "Data Protection Act 2018, Part 3, s.45",
            },
            "subject": {
                "id": self.offender.pk,
                "crn": self.offender.crn,
                "name": self.offender.full_name,
            },
            **{section.key: [r.as_data() for r in section.records] for section in self.sections},
            "letters": [letter.as_data() for letter in self.letters],
            "change_history": [entry.as_data() for entry in self.history],
            "consultation_log": [entry.as_data() for entry in self.consultations],
            "withheld": [entry.as_data() for entry in self.withheld],
            "not_included": [
                f"{model._meta.verbose_name}: {why}" for model, why in NOT_ABOUT_HIM.items()
            ],
        }


# --- Building it -------------------------------------------------------------------------------


def subject_access_build(
    *, offender: Offender, reference: str, received_on: date, by: Staff, today: date | None = None
) -> SubjectAccess:
    """Everything the app holds about him, each withheld value listed instead of shown.

    A fixed number of queries, however long his record: one per kind of record, one per
    kind for the change history, and one for the consultation log.
    """
    today = today or timezone.localdate()
    offender = Offender.objects.select_related("offender_manager", "office").get(pk=offender.pk)
    builder = _Builder()

    access_list = list(offender.access_list.order_by("added_at", "pk"))
    offences = list(offender.offences.all())
    assessments = list(offender.assessments.select_related("assessor", "outcome_programme"))
    referrals = list(
        offender.referrals.select_related("programme", "referred_by").order_by("created_at", "pk")
    )
    moves = _by(
        ReferralStatusChange.objects.filter(referral__offender=offender).select_related(
            "by", "reason"
        ),
        "referral_id",
    )
    checklists = _by(
        PreProgrammeChecklist.objects.filter(referral__offender=offender), "referral_id"
    )
    placements = list(
        Placement.objects.filter(referral__offender=offender)
        .select_related(
            "group__programme",
            "group__office",
            "group__treatment_manager",
            "allocated_by",
            "first_session",
            "last_session",
        )
        .prefetch_related("group__facilitators")
        .order_by("allocated_at", "pk")
    )
    attendances = list(
        Attendance.objects.filter(placement__referral__offender=offender)
        .select_related("session", "recorded_by")
        .order_by("session__date", "session__number", "pk")
    )
    amendments = _by(
        AttendanceAmendment.objects.filter(
            attendance__placement__referral__offender=offender
        ).select_related("by"),
        "attendance_id",
    )
    catch_ups = list(
        CatchUp.objects.filter(placement__referral__offender=offender)
        .select_related("session", "facilitator")
        .order_by("session__number", "pk")
    )
    enforcements = list(
        offender.enforcements.select_related("decided_by__office", "attendance__session").order_by(
            "failure_on", "pk"
        )
    )
    corrections = _by(
        EnforcementCorrection.objects.filter(enforcement__offender=offender).select_related(
            "by", "old_decided_by"
        ),
        "enforcement_id",
    )
    notices = list(
        offender.notices.select_related("created_by", "acknowledged_by", "attendance__session")
    )
    risk_reviews = list(offender.risk_reviews.select_related("recorded_by"))
    appointments = list(offender.appointments.select_related("recorded_by"))
    one_to_ones = list(
        OneToOneSession.objects.filter(referral__offender=offender)
        .select_related("scheduled_by", "recorded_by", "cancelled_by")
        .prefetch_related("facilitators")
        .order_by("date", "pk")
    )
    kept_apart = list(offender.non_associations.select_related("recorded_by", "ended_by"))
    overrides = list(
        NonAssociationOverride.objects.filter(placement__referral__offender=offender)
        .select_related("by")
        .order_by("at", "pk")
    )
    reports = list(
        EndOfProgrammeReport.objects.filter(referral__offender=offender)
        .select_related("author", "submitted_by")
        .order_by("referral_id", "version")
    )
    progress = _by(
        TargetProgress.objects.filter(report__referral__offender=offender).select_related("target"),
        "report_id",
    )
    recommendations = list(
        Recommendation.objects.filter(referral__offender=offender).select_related("owner")
    )
    recommendation_notes = _by(
        RecommendationNote.objects.filter(
            recommendation__referral__offender=offender
        ).select_related("by"),
        "recommendation_id",
    )
    handovers = list(
        HandoverMeeting.objects.filter(referral__offender=offender).select_related("recorded_by")
    )
    reassessments = list(
        Reassessment.objects.filter(referral__offender=offender).select_related("recorded_by")
    )

    attendances_of = _by(attendances, "placement_id")
    catch_ups_of = _by(catch_ups, "placement_id")
    b = builder.record

    def referral(r: Referral) -> Record:
        status_history = [
            b(m, f"{long_datetime(m.at)}: to {m.get_to_status_display()}") for m in moves[r.pk]
        ]
        checklist = [b(c, "Pre-programme checklist") for c in checklists[r.pk]]
        return b(
            r,
            f"{r.programme} referral made on {long_date(r.referred_on)}",
            children=[
                Section("status_history", "Status history", status_history),
                Section("checklist", "Pre-programme checklist", checklist),
            ],
        )

    def attendance(a: Attendance) -> Record:
        changes = [b(m, f"Amended {long_datetime(m.at)}") for m in amendments[a.pk]]
        return b(
            a,
            f"Session {a.session.number}, {long_date(a.session.date)}",
            children=[Section("amendments", "Amendments", changes)],
        )

    def placement(p: Placement) -> Record:
        made_up = [b(c, f"Catch-up of session {c.session.number}") for c in catch_ups_of[p.pk]]
        return b(
            p,
            f"{p.group.programme} group at {p.group.venue}, from {long_date(p.group.start_date)}",
            extra=_group_items(p.group),
            children=[
                Section("attendances", "Attendance", [attendance(a) for a in attendances_of[p.pk]]),
                Section("catch_ups", "Catch-up sessions", made_up),
            ],
        )

    def enforcement(e: Enforcement) -> Record:
        corrected = [b(c, f"Corrected {long_datetime(c.at)}") for c in corrections[e.pk]]
        return b(
            e,
            f"Failure on {long_date(e.failure_on)} (session {e.attendance.session.number})",
            children=[Section("corrections", "Corrections of the decision", corrected)],
        )

    def report(r: EndOfProgrammeReport) -> Record:
        targets = [b(t, str(t.target)) for t in progress[r.pk]]
        return b(
            r,
            f"Version {r.version} ({r.get_status_display().lower()})",
            children=[Section("progress", "Progress against the treatment targets", targets)],
        )

    def recommendation(r: Recommendation) -> Record:
        notes = [b(n, long_date(n.on)) for n in recommendation_notes[r.pk]]
        return b(r, f"Recommendation {r.number}", children=[Section("notes", "Notes", notes)])

    sections = [
        Section("offender", "Your record", [b(offender, f"{offender.full_name} ({offender.crn})")]),
        Section("offences", "Offences", [b(o, o.description) for o in offences]),
        Section(
            "limited_access",
            "Limited access to your case",
            [b(a, f"{a.get_kind_display()}, {long_datetime(a.added_at)}") for a in access_list],
        ),
        Section(
            "assessments",
            "Eligibility assessments",
            [
                b(a, f"{a.get_stage_display()} assessment on {long_date(a.assessed_on)}")
                for a in assessments
            ],
        ),
        Section("referrals", "Referrals", [referral(r) for r in referrals]),
        Section(
            "placements",
            "Places in a group, attendance and catch-ups",
            [placement(p) for p in placements],
        ),
        Section("enforcement", "Enforcement decisions", [enforcement(e) for e in enforcements]),
        Section(
            "notices",
            "Notices to your offender manager",
            [b(n, f"{n.get_kind_display()}, {long_datetime(n.created_at)}") for n in notices],
        ),
        Section(
            "risk_reviews",
            "Risk reviews",
            [b(r, f"OASys updated on {long_date(r.oasys_on)}") for r in risk_reviews],
        ),
        Section(
            "one_to_ones",
            "One-to-ones with the facilitators",
            [b(o, f"{o.get_kind_display()}, {long_date(o.date)}") for o in one_to_ones],
        ),
        Section(
            "appointments",
            "Appointments",
            [b(a, f"{long_date(a.on)}: {a.purpose}") for a in appointments],
        ),
        Section(
            "non_associations",
            "People he must not be in a group with",
            [
                b(n, f"{n.get_kind_display()}, recorded {long_datetime(n.recorded_at)}")
                for n in kept_apart
            ]
            + [b(o, f"Placed despite a non-association, {long_datetime(o.at)}") for o in overrides],
        ),
        Section(
            "end_of_programme_reports", "End-of-programme reports", [report(r) for r in reports]
        ),
        Section("recommendations", "Recommendations", [recommendation(r) for r in recommendations]),
        Section(
            "handover_meetings",
            "Handover meetings",
            [b(h, f"Held on {long_date(h.held_on)}") for h in handovers],
        ),
        Section(
            "reassessments",
            "Re-assessments after the programme",
            [b(r, f"OASys completed on {long_date(r.oasys_on)}") for r in reassessments],
        ),
    ]

    sessions_of_groups = _by(
        GroupSession.objects.filter(group__in={p.group_id for p in placements}), "group_id"
    )
    letters = [information_letter(offender, today=today)]
    places = {p.pk: p for p in placements}
    for failure in enforcements:
        if (
            failure.decision == EnforcementDecisionType.WARNING_GIVEN
            and failure.attendance.outcome in ENFORCEABLE_OUTCOMES
        ):
            place = places[failure.attendance.placement_id]
            letters.append(
                warning_letter(
                    failure,
                    offender=offender,
                    placement=place,
                    sessions=sessions_of_groups[place.group_id],
                    catch_ups=catch_ups_of[place.pk],
                    amendments=amendments[failure.attendance_id],
                    recorded_sessions={a.session_id for a in attendances_of[place.pk]},
                    today=today,
                )
            )

    history = builder.history()
    consultations = [
        Consultation(
            at=row.at,
            staff=str(row.staff),
            role=row.staff.get_role_display(),
            action=row.action,
            action_display=CONSULTATION_ACTIONS.get(row.action, row.action),
            record_type=row.record_type,
            record_id=row.record_id,
            path=row.path,
            reason=row.reason,
        )
        for row in consultations_about(offender, builder.record_keys(), groups=placements)
    ]
    return SubjectAccess(
        offender=offender,
        reference=reference,
        received_on=received_on,
        produced_on=today,
        produced_by=by,
        sections=sections,
        letters=letters,
        history=history,
        consultations=consultations,
        withheld=builder.withheld,
    )


CONSULTATION_ACTIONS = {
    "view": "Viewed",
    "print": "Printed or downloaded",
    "subject_access": "Subject access request answered",
}


def consultations_about(
    offender: Offender, records: Mapping[str, set[str]], *, groups: Iterable[Placement] = ()
):
    """The consultation-log rows about him (one query), oldest first: the rows that list him
    among the offenders they showed (`AccessLog.objects.about`), and, for rows written before
    the log kept that, the rows naming one of his records and the registers of his groups
    printed while he had a place. The one place that says which rows are about him."""
    condition = Q(offender_ids__contains=[offender.pk])
    for record_type, ids in records.items():
        condition |= Q(record_type=record_type, record_id__in=sorted(ids))
    for placement in groups:
        condition |= Q(
            record_type=Group._meta.label,
            record_id=str(placement.group_id),
            at__gte=placement.allocated_at,
        )
    return AccessLog.objects.filter(condition).select_related("staff").order_by("at", "pk")


# --- Records, field by field ---------------------------------------------------------------------


class _Builder:
    """Turns records into Items by the FIELDS table, collecting what is withheld and the keys
    of every record shown (for the change history and the consultation log)."""

    def __init__(self) -> None:
        self.withheld: list[WithheldEntry] = []
        self.shown: dict[type[models.Model], dict[int, models.Model]] = defaultdict(dict)
        self.titles: dict[tuple[type[models.Model], int], str] = {}

    def record(
        self,
        obj: models.Model,
        title: str,
        *,
        children: list[Section] | None = None,
        extra: list[Item] | None = None,
    ) -> Record:
        model = type(obj)
        self.shown[model][obj.pk] = obj
        self.titles[(model, obj.pk)] = title
        row = _row(obj)
        items = []
        for name, rule in FIELDS[model].items():
            model_field = model._meta.get_field(name)
            label = field_label(model_field)
            if model_field.many_to_many:  # staff named on it, by name and role
                names = ", ".join(staff_name(s) for s in getattr(obj, name).all())
                items.append(Item(name, label, names, names))
                continue
            # A blank value withholds nothing: it is shown as blank, not listed.
            if isinstance(rule, Withhold) and rule.applies(row) and row[model_field.attname]:
                items.append(Item(name, label, "Withheld (see “Withheld”)", None, withheld=True))
                self._withhold(model, obj.pk, title, name, label, rule)
                continue
            display, value = field_value(obj, model_field)
            internal = name == "id" or (
                model_field.is_relation and model_field.related_model in FIELDS
            )
            items.append(
                Item(
                    name, label, display, value, coded=bool(model_field.choices), internal=internal
                )
            )
        items += extra or []
        return Record(model._meta.model_name, obj.pk, title, items, children or [])

    def _withhold(self, model, pk: int, title: str, name: str, label: str, rule: Withhold):
        key = (model._meta.label, pk, name)
        if any((w.record_type, w.record_id, w.field) == key for w in self.withheld):
            return
        self.withheld.append(
            WithheldEntry(
                record=f"{str(model._meta.verbose_name).capitalize()}: {title}",
                record_type=model._meta.label,
                record_id=pk,
                field=name,
                field_label=label,
                exemption=rule.exemption,
                reason=rule.reason,
            )
        )

    def record_keys(self) -> dict[str, set[str]]:
        return {
            model._meta.label: {str(pk) for pk in objs}
            for model, objs in self.shown.items()
            if objs
        }

    def history(self) -> list[HistoryItem]:
        """Every change-history event of every record shown: one query per kind of record,
        and one for the names of the staff who made them."""
        events = []
        for model, objs in self.shown.items():
            if objs and _is_tracked(model):
                events += [
                    (model, e)
                    for e in Events.objects.tracks(list(objs.values())).order_by(
                        "pgh_created_at", "pgh_id"
                    )
                ]
        staff_ids = set()
        for model, event in events:
            if (event.pgh_context or {}).get("user"):
                staff_ids.add(event.pgh_context["user"])
            for name in event.pgh_diff or {}:
                if _points_at_staff(model, name):
                    staff_ids.update(v for v in event.pgh_diff[name] if v)
        names = {s.pk: staff_name(s) for s in Staff.objects.filter(pk__in=staff_ids)}
        entries = []
        for model, event in events:
            obj = self.shown[model][int(event.pgh_obj_id)]
            title = self.titles[(model, obj.pk)]
            current, then = _row(obj), event.pgh_data or {}
            changes = []
            for name, (old, new) in sorted((event.pgh_diff or {}).items()):
                if name in HIDDEN_IN_HISTORY:
                    continue
                try:
                    model_field = model._meta.get_field(name)
                except FieldDoesNotExist:  # a column since removed: shown as it was stored
                    changes.append({"field": name, "label": name, "old": old, "new": new})
                    changes[-1] |= {"old_display": str(old), "new_display": str(new)}
                    continue
                rule = FIELDS[model].get(model_field.name, SHOWN)
                label = field_label(model_field)
                if isinstance(rule, Withhold) and (rule.applies(current) or rule.applies(then)):
                    self._withhold(model, obj.pk, title, model_field.name, label, rule)
                    changes.append({"field": model_field.name, "label": label, "withheld": True})
                    continue
                changes.append(
                    {
                        "field": model_field.name,
                        "label": label,
                        "old": old,
                        "new": new,
                        "old_display": _history_display(model_field, old, names),
                        "new_display": _history_display(model_field, new, names),
                    }
                )
            action = "Created" if event.pgh_label == "insert" else "Changed"
            if action == "Changed" and not changes:
                continue
            user = (event.pgh_context or {}).get("user")
            entries.append(
                HistoryItem(
                    event_id=event.pgh_id,
                    at=event.pgh_created_at,
                    record=f"{str(model._meta.verbose_name).capitalize()}: {title}",
                    record_type=model._meta.label,
                    record_id=obj.pk,
                    action=action,
                    by=names.get(user, "the app") if user else "the app",
                    changes=changes,
                )
            )
        entries.sort(key=lambda e: (e.at, e.record_type, e.record_id, e.event_id))
        return entries


# Columns that change on every save and say nothing to a reader (as isotp.history does).
HIDDEN_IN_HISTORY = {"id", "updated_at", "created_at", "recorded_at"}


def _is_tracked(model: type[models.Model]) -> bool:
    return any(
        getattr(m, "pgh_tracked_model", None) is model
        for m in model._meta.apps.get_models()
        if m._meta.app_label == model._meta.app_label
    )


def _points_at_staff(model: type[models.Model], attname: str) -> bool:
    try:
        model_field = model._meta.get_field(attname)
    except FieldDoesNotExist:
        return False
    return model_field.is_relation and model_field.related_model is Staff


def _row(obj: models.Model) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _by(rows: Iterable[models.Model], attribute: str) -> dict:
    grouped: dict = defaultdict(list)
    for row in rows:
        grouped[getattr(row, attribute)].append(row)
    return grouped


def _group_items(group: Group) -> list[Item]:
    facilitators = [staff_name(s) for s in group.facilitators.all()]
    manager = group.treatment_manager
    return [
        Item("group_programme", "Programme", group.programme.full_name, group.programme.code),
        Item("group_age_band", "Age band", group.get_age_band_display(), group.age_band),
        Item("group_venue", "Venue", group.venue, group.venue),
        Item(
            "group_schedule",
            "Meets",
            f"{group.meeting_days} at {group.start_time:%H:%M}, from {long_date(group.start_date)}",
            {
                "weekdays": [Weekday(day).label for day in group.weekdays],
                "start_time": group.start_time.isoformat(),
                "start_date": group.start_date.isoformat(),
            },
        ),
        Item(
            "group_facilitators",
            "Facilitators",
            ", ".join(facilitators) or "None recorded",
            facilitators,
        ),
        Item(
            "group_treatment_manager",
            "Treatment manager",
            staff_name(manager) if manager else "None recorded",
            staff_name(manager) if manager else None,
        ),
    ]


# --- Values, readable and as data ----------------------------------------------------------------


def staff_name(staff: Staff) -> str:
    """A member of staff as his records name them: their name and role."""
    return f"{staff} ({staff.get_role_display().lower()})" if staff.role else str(staff)


def field_label(model_field) -> str:
    if model_field.name == "id":
        return "Record number"
    label = str(model_field.verbose_name)
    return label[:1].upper() + label[1:]


def field_value(obj: models.Model, model_field) -> tuple[str, object]:
    """(readable, data) for one field: choices by their label, staff by name and role, dates
    as "5 October 2026" and ISO, records of his by their number."""
    if model_field.is_relation:
        related_id = getattr(obj, model_field.attname)
        if related_id is None:
            return "—", None
        related = model_field.related_model
        if related in FIELDS:  # one of his records: by its number (shown in its own section)
            return f"{related._meta.verbose_name.capitalize()} {related_id}", related_id
        target = getattr(obj, model_field.name)  # loaded with select_related
        if related is Staff:
            return staff_name(target), {"id": related_id, "name": staff_name(target)}
        if related is GroupSession:
            text = f"Session {target.number}, {long_date(target.date)}"
            return text, {"id": related_id, "number": target.number, "date": target.date}
        return str(target), {"id": related_id, "name": str(target)}
    value = getattr(obj, model_field.attname)
    return display(model_field, value), value


def display(model_field, value) -> str:
    if value is None or value == "":
        return "—" if not isinstance(model_field, models.BooleanField) else "Not recorded"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return long_datetime(value)
    if isinstance(value, date):
        return long_date(value)
    if isinstance(value, list):
        return "; ".join(str(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in value.items()) or "—"
    return str(value)


def _history_display(model_field, value, names: Mapping[int, str]) -> str:
    """A value as the change history stored it (JSON: dates as text, relations as ids)."""
    if value is None:
        return "—"
    if model_field.is_relation:
        if model_field.related_model is Staff:
            return names.get(value, f"Staff member {value}")
        return f"{model_field.related_model._meta.verbose_name.capitalize()} {value}"
    if isinstance(value, str) and isinstance(model_field, models.DateTimeField):
        try:
            return long_datetime(datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, str) and isinstance(model_field, models.DateField):
        try:
            return long_date(date.fromisoformat(value))
        except ValueError:
            return value
    return display(model_field, value)


def long_date(day: date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else "—"


def long_datetime(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return f"{long_date(local.date())} at {local:%H:%M}"


# --- Letters, worded as the letter PDFs word them -------------------------------------------------


def information_letter(offender: Offender, *, today: date) -> Letter:
    """The information letter as the app produces it today (its sentences are built once, in
    programme.documents.letters; the app keeps no copy of each one printed)."""
    letter = letter_context(offender, today=today)["letter"]
    paragraphs = [letter.title, letter.greeting, *letter.introduction]
    for section in letter.sections:
        paragraphs += [section.heading, *section.paragraphs]
    paragraphs += [*letter.closing, *letter.signature]
    paragraphs += [f"Note for staff: {note}" for note in letter.staff_notes]
    return Letter(
        title="Information letter",
        dated=today,
        about="What the programme asks of you, worded as the app words it today",
        paragraphs=paragraphs,
    )


def warning_letter(
    enforcement: Enforcement,
    *,
    offender: Offender,
    placement: Placement,
    sessions: list[GroupSession],
    catch_ups: list[CatchUp],
    amendments: list[AttendanceAmendment],
    recorded_sessions: set[int],
    today: date,
) -> Letter:
    """A formal warning letter, rendered from the warning letter PDF's own template with the
    context its view gives it (from records already loaded: no query)."""
    attendance = enforcement.attendance
    group = placement.group
    next_session = None
    if placement.ended_on is None:
        next_session = next(
            (
                s
                for s in sorted(sessions, key=lambda s: s.number)
                if s.date >= today and s.pk not in recorded_sessions
            ),
            None,
        )
    html = render_to_string(
        "reports/warning_letter.html",
        {
            **warning_letter_context(
                enforcement=enforcement,
                group=group,
                next_session=next_session,
                catch_up_outstanding=any(
                    c.session_id == attendance.session_id and not c.completed and not c.cancelled
                    for c in catch_ups
                ),
                amendments=amendments,
            ),
            "report_subject_name": offender.full_name,
            "report_subject_crn": offender.crn,
            "report_date": today,
        },
    )
    return Letter(
        title=f"Formal warning letter: failure on {long_date(enforcement.failure_on)}",
        dated=enforcement.decided_on,
        about=f"The formal warning given on {long_date(enforcement.decided_on)}",
        paragraphs=html_paragraphs(html),
    )


class _Paragraphs(HTMLParser):
    """The text of a letter's <main>, one entry per heading, paragraph or list item."""

    BLOCKS = {"h1", "h2", "h3", "p", "li"}

    def __init__(self) -> None:
        super().__init__()
        self.in_main = False
        self.depth = 0
        self.current: list[str] | None = None
        self.paragraphs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.in_main = True
        elif self.in_main and tag in self.BLOCKS:
            self._flush()
            self.current = []
        elif self.in_main and tag == "br" and self.current is not None:
            self.current.append(", ")

    def handle_endtag(self, tag):
        if tag == "main":
            self._flush()
            self.in_main = False
        elif self.in_main and tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data):
        if self.in_main and self.current is not None:
            self.current.append(data)

    def _flush(self):
        if self.current is not None:
            text = " ".join("".join(self.current).split())
            if text:
                self.paragraphs.append(text)
        self.current = None


def html_paragraphs(html: str) -> list[str]:
    parser = _Paragraphs()
    parser.feed(html)
    parser.close()
    return parser.paragraphs


def zip_name(offender: Offender, on: date) -> str:
    return f"subject-access-{offender.crn}-{on.isoformat()}.zip"


__all__ = [
    "FIELDS",
    "NOT_ABOUT_HIM",
    "SHOWN",
    "SubjectAccess",
    "Withhold",
    "consultations_about",
    "subject_access_build",
    "zip_name",
]
