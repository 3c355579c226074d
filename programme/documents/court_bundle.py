"""The court bundle: for a breach or a recall, everything the court or the parole board is
shown, from the record, in one PDF.

A bundle belongs to a referral (one attempt at the programme) and the earlier attempts it
restarted. It can be printed once a person has decided a failure in it
was a breach or a recall; until then there is nothing to take to court.
"""

from programme.models import (
    COURT_DECISIONS,
    ENFORCEABLE_OUTCOMES,
    SESSION_NAME,
    Enforcement,
    EnforcementDecisionType,
    Placement,
)
from referrals.models import Referral, ReferralStatusChange


class NoCourtBundle(Exception):
    """Nothing in this referral was decided as a breach or a recall."""


def grounds_for(referral: Referral) -> Enforcement:
    """The latest breach or recall decision of the referral; NoCourtBundle if there is none."""
    grounds = (
        Enforcement.objects.filter(
            attendance__placement__referral=referral, decision__in=COURT_DECISIONS
        )
        .select_related("attendance__session", f"attendance__session__{SESSION_NAME}", "decided_by")
        .order_by("-decided_on", "-pk")
        .first()
    )
    if grounds is None:
        raise NoCourtBundle(
            "There is no court bundle for this referral: no failure in it was decided as "
            "a breach or a recall."
        )
    return grounds


def attempts_of(referral: Referral) -> list[Referral]:
    """The referral and the attempts it restarted, first first: a warning in an earlier
    attempt counts towards a breach (the 12-month window is his, not the attempt's), so the
    court sees them all."""
    attempts = [referral]
    while attempts[-1].previous_attempt_id is not None and len(attempts) < MAX_ATTEMPTS:
        attempts.append(Referral.objects.get(pk=attempts[-1].previous_attempt_id))
    return attempts[::-1]


# A guard against a cycle in bad data; no man restarts a programme this often.
MAX_ATTEMPTS = 20


def places_of(attempts: list[Referral]) -> list[Placement]:
    """Every place in the attempts, first first."""
    return list(
        Placement.objects.filter(referral__in=attempts)
        .select_related("group", "group__programme", "first_session", "last_session")
        .order_by("allocated_at", "pk")
    )


def letters_sent(enforcements: list[Enforcement]) -> list[Enforcement]:
    """The formal warnings whose letter stands: a failure corrected since (to attended, or
    to an acceptable absence) has no letter (as programme.documents.views.reports.warning_letter_pdf)."""
    return [
        enforcement
        for enforcement in enforcements
        if enforcement.decision == EnforcementDecisionType.WARNING_GIVEN
        and enforcement.attendance.outcome in ENFORCEABLE_OUTCOMES
    ]


def status_history(attempts: list[Referral]) -> list[ReferralStatusChange]:
    return list(
        ReferralStatusChange.objects.filter(referral__in=attempts)
        .select_related("by", "reason")
        .order_by("at", "pk")
    )
