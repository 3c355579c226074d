"""The eligibility engine: one pure function from the facts to an outcome with its reasons.

No database access here: the caller gathers the facts and the programmes' rules, so every
rule and boundary can be tested directly, and the outcome can be stored as it was decided.
"""

from dataclasses import dataclass, field
from datetime import date

PROPOSAL_WORDING = "to attend a Sex Offender Treatment Programme to a maximum of 60 sessions"


class Outcome:
    INCOMPLETE = ""  # OASys or RM2000 not completed: no outcome can be given yet
    ELIGIBLE = "eligible"
    REFER_NSOGP = "refer_nsogp"
    NOT_ELIGIBLE = "not_eligible"


@dataclass(frozen=True)
class ProgrammeRules:
    """The numbers of a programme that eligibility uses (read from the Programme record)."""

    name: str
    minimum_age: int
    minimum_supervision_months: int


@dataclass(frozen=True)
class EligibilityFacts:
    gender: str  # "male", "female", "other"
    date_of_birth: date
    assessed_on: date
    post_sentence: bool
    internet_sexual_offence: bool
    oasys_completed_on: date | None
    risk_of_serious_harm: str | None  # "low", "medium", "high", "very_high"
    rm2000_completed_on: date | None
    rm2000_category: str | None
    deviance: str | None  # "low", "high" (post-sentence only)
    order_start: date
    order_end: date


@dataclass(frozen=True)
class EligibilityResult:
    outcome: str
    reasons: list[str] = field(default_factory=list)
    programme: str | None = None  # the programme's name the outcome refers to
    missing: list[str] = field(default_factory=list)  # what must be recorded for an outcome

    @property
    def is_complete(self) -> bool:
        return self.outcome != Outcome.INCOMPLETE


def missing_risk_assessments(facts: "EligibilityFacts") -> list[str]:
    """The risk assessments (OASys, RM2000) still to record before an outcome can be given."""
    missing = []
    if facts.oasys_completed_on is None or not facts.risk_of_serious_harm:
        missing.append("OASys")
    if facts.rm2000_completed_on is None or not facts.rm2000_category:
        missing.append("RM2000")
    return missing


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later; the 29th-31st clamp to the month's end."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - 28 always exists


def whole_years(born: date, on: date) -> int:
    years = on.year - born.year
    if (on.month, on.day) < (born.month, born.day):
        years -= 1
    return years


def describe_months(months: int) -> str:
    years, rest = divmod(months, 12)
    parts = []
    if years:
        parts.append(f"{years} year{'s' if years != 1 else ''}")
    if rest or not parts:
        parts.append(f"{rest} month{'s' if rest != 1 else ''}")
    return " ".join(parts)


def supervision_is_long_enough(facts: EligibilityFacts, minimum_months: int) -> bool:
    """Supervision runs from the later of the order's start and the assessment to its end.

    Exactly the minimum counts as enough: a two-year minimum is met by an order starting
    5 January 2026 and ending 5 January 2028, and missed by one ending a day earlier.
    """
    starts = max(facts.order_start, facts.assessed_on)
    return add_months(starts, minimum_months) <= facts.order_end


def decide_eligibility(
    facts: EligibilityFacts, *, isotp: ProgrammeRules, nsogp: ProgrammeRules
) -> EligibilityResult:
    """The outcome with its reasons; or, while OASys or RM2000 is missing, no outcome at all
    (the rule is that both are recorded before an outcome can be given), naming what is
    missing and giving no reasons."""
    missing = missing_risk_assessments(facts)
    if missing:
        return EligibilityResult(Outcome.INCOMPLETE, missing=missing)

    blockers: list[str] = []
    redirects: list[str] = []
    supports: list[str] = []

    if facts.gender != "male":
        blockers.append("The programme is for male offenders only")
    else:
        supports.append("Male")

    age = whole_years(facts.date_of_birth, facts.assessed_on)
    if age < isotp.minimum_age:
        blockers.append(
            f"Aged {age} on the assessment date: the programme is for those aged "
            f"{isotp.minimum_age} or over"
        )
    else:
        supports.append(f"Aged {age} on the assessment date ({isotp.minimum_age} or over)")

    if not facts.internet_sexual_offence:
        blockers.append("Not convicted of a sexual offence related to the use of the internet")
    else:
        supports.append("Convicted of a sexual offence related to the use of the internet")

    if facts.risk_of_serious_harm == "very_high":
        redirects.append(
            "Very high risk of serious harm: refer to N-SOGP, which gives more treatment time"
        )
    elif facts.risk_of_serious_harm:
        supports.append(f"Risk of serious harm is {facts.risk_of_serious_harm.replace('_', ' ')}")
    if facts.post_sentence and facts.deviance == "high":
        redirects.append(
            "High deviance found in the post-sentence assessment: refer to N-SOGP, which "
            "gives more treatment time"
        )

    target = nsogp if redirects else isotp
    if supervision_is_long_enough(facts, target.minimum_supervision_months):
        supports.append(
            f"Supervision is at least {describe_months(target.minimum_supervision_months)}, "
            f"the minimum for {target.name}"
        )
    else:
        blockers.append(
            f"Supervision is shorter than {describe_months(target.minimum_supervision_months)}, "
            f"the minimum for {target.name} to be completed"
        )

    if blockers:
        return EligibilityResult(Outcome.NOT_ELIGIBLE, blockers + redirects)
    if redirects:
        return EligibilityResult(Outcome.REFER_NSOGP, redirects, programme=nsogp.name)
    return EligibilityResult(Outcome.ELIGIBLE, supports, programme=isotp.name)
