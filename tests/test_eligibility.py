"""The eligibility engine: every rule, every boundary, and combinations (no database)."""

from dataclasses import replace
from datetime import date

import pytest

from referrals.eligibility import (
    EligibilityFacts,
    Outcome,
    ProgrammeRules,
    add_months,
    decide_eligibility,
)

ISOTP = ProgrammeRules(name="i-SOTP", minimum_age=17, minimum_supervision_months=24)
NSOGP = ProgrammeRules(name="N-SOGP", minimum_age=17, minimum_supervision_months=24)

ELIGIBLE = EligibilityFacts(
    gender="male",
    date_of_birth=date(1980, 5, 1),
    assessed_on=date(2026, 3, 1),
    post_sentence=False,
    internet_sexual_offence=True,
    oasys_completed_on=date(2026, 2, 20),
    risk_of_serious_harm="medium",
    rm2000_completed_on=date(2026, 2, 21),
    rm2000_category="low",
    deviance=None,
    order_start=date(2026, 3, 10),
    order_end=date(2029, 3, 9),
)


def decide(**changes):
    return decide_eligibility(replace(ELIGIBLE, **changes), isotp=ISOTP, nsogp=NSOGP)


def test_a_man_meeting_every_rule_is_eligible_with_the_reasons_why():
    result = decide()
    assert result.outcome == Outcome.ELIGIBLE
    assert result.programme == "i-SOTP"
    assert "Male" in result.reasons
    assert "Aged 45 on the assessment date (17 or over)" in result.reasons
    assert "Convicted of a sexual offence related to the use of the internet" in result.reasons
    assert any("Supervision is at least 2 years" in r for r in result.reasons)


@pytest.mark.parametrize("gender", ["female", "other"])
def test_only_men_are_eligible(gender):
    result = decide(gender=gender)
    assert result.outcome == Outcome.NOT_ELIGIBLE
    assert result.reasons == ["The programme is for male offenders only"]


def test_seventeenth_birthday_on_the_assessment_date_is_old_enough():
    assert decide(date_of_birth=date(2009, 3, 1)).outcome == Outcome.ELIGIBLE


def test_the_day_before_the_seventeenth_birthday_is_too_young():
    result = decide(date_of_birth=date(2009, 3, 2))
    assert result.outcome == Outcome.NOT_ELIGIBLE
    assert result.reasons == [
        "Aged 16 on the assessment date: the programme is for those aged 17 or over"
    ]


def test_a_29_february_birthday_counts_from_1_march_in_other_years():
    assert decide(
        date_of_birth=date(2008, 2, 29),
        assessed_on=date(2025, 2, 28),
        order_start=date(2025, 3, 1),
        order_end=date(2027, 3, 1),
    ).outcome == (Outcome.NOT_ELIGIBLE)
    assert decide(
        date_of_birth=date(2008, 2, 29),
        assessed_on=date(2025, 3, 1),
        order_start=date(2025, 3, 1),
        order_end=date(2027, 3, 1),
    ).outcome == (Outcome.ELIGIBLE)


def test_no_internet_related_sexual_offence_is_not_eligible():
    result = decide(internet_sexual_offence=False)
    assert result.outcome == Outcome.NOT_ELIGIBLE
    assert result.reasons == [
        "Not convicted of a sexual offence related to the use of the internet"
    ]


def test_missing_oasys_gives_no_outcome_and_no_reasons_only_what_is_missing():
    result = decide(oasys_completed_on=None, risk_of_serious_harm=None)
    assert result.outcome == Outcome.INCOMPLETE
    assert not result.is_complete
    assert result.reasons == []
    assert result.missing == ["OASys"]


def test_missing_rm2000_gives_no_outcome():
    result = decide(rm2000_completed_on=None, rm2000_category=None)
    assert (result.outcome, result.reasons, result.missing) == (Outcome.INCOMPLETE, [], ["RM2000"])


def test_a_date_without_its_result_still_counts_as_missing():
    result = decide(risk_of_serious_harm=None, rm2000_category=None)
    assert result.missing == ["OASys", "RM2000"]


def test_no_outcome_without_oasys_even_when_other_rules_would_refuse_him():
    result = decide(gender="female", oasys_completed_on=None, risk_of_serious_harm=None)
    assert (result.outcome, result.reasons) == (Outcome.INCOMPLETE, [])


def test_very_high_risk_of_serious_harm_goes_to_nsogp():
    result = decide(risk_of_serious_harm="very_high")
    assert result.outcome == Outcome.REFER_NSOGP
    assert result.programme == "N-SOGP"
    assert result.reasons == [
        "Very high risk of serious harm: refer to N-SOGP, which gives more treatment time"
    ]


@pytest.mark.parametrize("risk", ["low", "medium", "high"])
def test_risk_below_very_high_stays_with_isotp(risk):
    assert decide(risk_of_serious_harm=risk).outcome == Outcome.ELIGIBLE


def test_high_deviance_after_sentence_goes_to_nsogp():
    result = decide(post_sentence=True, deviance="high")
    assert result.outcome == Outcome.REFER_NSOGP
    assert "High deviance found in the post-sentence assessment" in result.reasons[0]


def test_low_deviance_after_sentence_stays_with_isotp():
    assert decide(post_sentence=True, deviance="low").outcome == Outcome.ELIGIBLE


def test_very_high_risk_and_high_deviance_give_both_reasons():
    result = decide(risk_of_serious_harm="very_high", post_sentence=True, deviance="high")
    assert result.outcome == Outcome.REFER_NSOGP
    assert len(result.reasons) == 2


def test_supervision_of_exactly_two_years_is_enough():
    result = decide(order_start=date(2026, 3, 10), order_end=date(2028, 3, 10))
    assert result.outcome == Outcome.ELIGIBLE


def test_supervision_one_day_short_of_two_years_is_not_eligible():
    result = decide(order_start=date(2026, 3, 10), order_end=date(2028, 3, 9))
    assert result.outcome == Outcome.NOT_ELIGIBLE
    assert result.reasons == [
        "Supervision is shorter than 2 years, the minimum for i-SOTP to be completed"
    ]


def test_supervision_already_served_before_the_assessment_does_not_count():
    # Order started a year before a post-sentence assessment: two years remain only if it
    # runs two more years from the assessment date.
    result = decide(
        post_sentence=True,
        order_start=date(2025, 3, 1),
        order_end=date(2028, 2, 28),
    )
    assert result.outcome == Outcome.NOT_ELIGIBLE


def test_nsogp_route_checks_nsogp_minimum_supervision():
    longer = ProgrammeRules(name="N-SOGP", minimum_age=17, minimum_supervision_months=36)
    result = decide_eligibility(
        replace(ELIGIBLE, risk_of_serious_harm="very_high"), isotp=ISOTP, nsogp=longer
    )
    assert result.outcome == Outcome.NOT_ELIGIBLE
    assert "Supervision is shorter than 3 years, the minimum for N-SOGP to be completed" in (
        result.reasons
    )


def test_every_blocking_reason_is_listed_together():
    result = decide(
        gender="female",
        date_of_birth=date(2010, 1, 1),
        internet_sexual_offence=False,
        order_end=date(2027, 1, 1),
    )
    assert result.outcome == Outcome.NOT_ELIGIBLE
    assert len(result.reasons) == 4


def test_not_eligible_beats_nsogp_and_keeps_the_nsogp_reason():
    result = decide(risk_of_serious_harm="very_high", internet_sexual_offence=False)
    assert result.outcome == Outcome.NOT_ELIGIBLE
    assert any("N-SOGP" in r for r in result.reasons)


def test_programme_numbers_come_from_the_rules_not_the_code():
    older = ProgrammeRules(name="i-SOTP", minimum_age=18, minimum_supervision_months=12)
    facts = replace(ELIGIBLE, date_of_birth=date(2008, 6, 1), order_end=date(2027, 3, 10))
    result = decide_eligibility(facts, isotp=older, nsogp=NSOGP)
    # Aged 17: too young under a minimum of 18; one year of supervision is enough under 12 months.
    assert result.reasons == [
        "Aged 17 on the assessment date: the programme is for those aged 18 or over"
    ]


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2026, 11, 15), 3, date(2027, 2, 15)),
    ],
)
def test_adding_months_clamps_to_the_end_of_short_months(start, months, expected):
    assert add_months(start, months) == expected
