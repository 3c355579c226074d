"""Reference data: the two programmes, the allowed status moves and the closing reasons.

i-SOTP's figures come from the probation leaflet. N-SOGP's are not in our source: they are
copies of i-SOTP's, marked unconfirmed, for an admin to correct from the N-SOGP manual.
"""

ISOTP = {
    "code": "isotp",
    "name": "i-SOTP",
    "full_name": "Internet Sexual Offending Treatment Programme",
    "sessions": 35,
    "hours_per_session": 2,
    "max_group_size": 10,
    "catch_up_limit": 4,
    "minimum_age": 17,
    "young_band_upper_age": 21,
    "minimum_supervision_months": 24,
    "young_group_threshold": 6,
    "warnings_before_breach": 1,
    "warning_window_months": 12,
    "enforcement_deadline_working_days": 10,
    "figures_confirmed": True,
    "notes": (
        "Figures from the i-SOTP leaflet for offender managers. The number of 17–21 referrals "
        "needed to form a group is not in the leaflet ('sufficient referral numbers'): 6 is a "
        "starting value for the programme manager to confirm."
    ),
}
NSOGP = dict(
    ISOTP,
    code="nsogp",
    name="N-SOGP",
    full_name="Northumbria Sex Offender Groupwork Programme",
    figures_confirmed=False,
    notes=(
        "PLACEHOLDER FIGURES, TO CONFIRM: our source gives none for N-SOGP beyond 'more "
        "treatment time'. These copy i-SOTP's; an admin must set them from the N-SOGP manual."
    ),
)


READY_LABEL = "Checklist complete: ready for allocation"
NOT_READY_LABEL = "Checklist no longer complete: back to pre-programme work"

# (from, to, label, requires_reason, automatic)
TRANSITIONS = [
    # Readiness follows the checklist: made by the app when saving it completes or undoes it.
    ("awaiting_assessment", "awaiting_allocation", READY_LABEL, False, True),
    ("awaiting_allocation", "awaiting_assessment", NOT_READY_LABEL, False, True),
    ("awaiting_assessment", "suitable_not_ready", "Suitable but not ready", False, False),
    ("suitable_not_ready", "awaiting_allocation", "Ready for allocation", False, False),
    ("suitable_not_ready", "awaiting_assessment", "Back to pre-programme work", False, False),
    ("awaiting_allocation", "suitable_not_ready", "Suitable but not ready", False, False),
    ("awaiting_allocation", "scheduled", "Allocate to a group", False, True),
    ("scheduled", "awaiting_allocation", "Take off the group", False, True),
    ("scheduled", "on_programme", "Started the programme", False, True),
    ("on_programme", "post_programme", "Completed the sessions", False, True),
    ("on_programme", "restart_required", "Must restart", True, True),
    ("on_programme", "breach", "Breach: returned to court", True, False),
    ("on_programme", "recall", "Recalled", True, False),
    ("scheduled", "breach", "Breach: returned to court", True, False),
    ("scheduled", "recall", "Recalled", True, False),
    ("breach", "on_programme", "Court allowed him to continue", False, False),
    ("breach", "withdrawn", "Withdraw", True, False),
    ("post_programme", "programme_complete", "Close as complete", False, True),
]
for status in [
    "awaiting_assessment",
    "suitable_not_ready",
    "awaiting_allocation",
    "scheduled",
    "on_programme",
]:
    TRANSITIONS.append((status, "withdrawn", "Withdraw", True, False))
    TRANSITIONS.append((status, "deselected", "Deselect", True, False))

REASONS = {
    "withdrawn": [
        "Order revoked or amended by the court",
        "Moved out of the area",
        "Serious ill health",
        "Returned to custody on another matter",
        "Other: explained in the note",
    ],
    "deselected": [
        "Not suitable after the assessment interview",
        "Risk too high for group work",
        "Disruptive behaviour in group",
        "Denial of the offence prevents group work",
        "Other: explained in the note",
    ],
    "breach": [
        "Unacceptable absence after a formal warning within 12 months",
        "Other failure to comply: explained in the note",
    ],
    "recall": ["Licence recalled to custody"],
    "restart_required": ["More missed sessions than catch-up sessions allow"],
}


def ensure_reference_data(Programme, StatusTransition, ClosingReason) -> None:
    """Create what is missing; safe to run again. Takes the model classes, so that the
    data migration can pass its historical models and tests the real ones."""
    for figures in (ISOTP, NSOGP):
        Programme.objects.get_or_create(code=figures["code"], defaults=figures)
    for from_status, to_status, label, requires_reason, automatic in TRANSITIONS:
        StatusTransition.objects.get_or_create(
            from_status=from_status,
            to_status=to_status,
            defaults={"label": label, "requires_reason": requires_reason, "automatic": automatic},
        )
    for status, texts in REASONS.items():
        for text in texts:
            ClosingReason.objects.get_or_create(status=status, text=text)
