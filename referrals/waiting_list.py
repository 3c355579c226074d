"""The waiting list: waiting referrals grouped by programme and age band, oldest first."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet

from referrals.models import AgeBand, Programme, Referral


@dataclass
class WaitingEntry:
    referral: Referral
    band: str
    days_waiting: int
    missing: list[str]


@dataclass
class WaitingSection:
    programme: Programme
    band: str
    entries: list[WaitingEntry] = field(default_factory=list)

    @property
    def band_label(self) -> str:
        return AgeBand(self.band).label

    @property
    def ready_count(self) -> int:
        return sum(1 for e in self.entries if e.referral.status == "awaiting_allocation")

    @property
    def is_young_band(self) -> bool:
        return self.band == AgeBand.YOUNG

    @property
    def threshold(self) -> int:
        return self.programme.young_group_threshold

    @property
    def can_form_group(self) -> bool:
        """A 17–21 group runs only when enough referrals wait (the programme's threshold)."""
        if not self.is_young_band:
            return bool(self.entries)
        return len(self.entries) >= self.threshold


def waiting_list_sections(
    *,
    referrals: QuerySet[Referral],
    programmes: QuerySet[Programme],
    today: date,
    programme: Programme | None = None,
    band: str | None = None,
    office=None,
) -> list[WaitingSection]:
    """Two queries whatever the list's length: the programmes, and the waiting referrals.

    The band is worked out at today's date: a man who turns 21 before his group starts moves
    to the adult band when the group is formed (the allocation checks the band at the start).
    """
    chosen_programmes = [p for p in programmes if programme is None or p == programme]
    sections = {
        (p.pk, b): WaitingSection(p, b)
        for p in chosen_programmes
        for b in AgeBand.values
        if band is None or b == band
    }
    waiting = referrals.waiting().select_related(
        "offender", "offender__office", "offender__offender_manager", "programme", "checklist"
    )
    if programme is not None:
        waiting = waiting.filter(programme=programme)
    if office is not None:
        waiting = waiting.filter(offender__office=office)
    for referral in waiting.order_by("waiting_since", "pk"):
        referral_band = referral.programme.age_band(referral.offender.date_of_birth, today)
        section = sections.get((referral.programme_id, referral_band))
        if section is None:
            continue
        section.entries.append(
            WaitingEntry(
                referral=referral,
                band=referral_band,
                days_waiting=(today - referral.waiting_since).days,
                missing=referral.checklist.missing_items(),
            )
        )
    return list(sections.values())
