"""Bank holidays in England and Wales, 2025 to 2028 (admins add later years in the admin)."""

from datetime import date

BANK_HOLIDAYS = [
    (date(2025, 1, 1), "New Year's Day"),
    (date(2025, 4, 18), "Good Friday"),
    (date(2025, 4, 21), "Easter Monday"),
    (date(2025, 5, 5), "Early May bank holiday"),
    (date(2025, 5, 26), "Spring bank holiday"),
    (date(2025, 8, 25), "Summer bank holiday"),
    (date(2025, 12, 25), "Christmas Day"),
    (date(2025, 12, 26), "Boxing Day"),
    (date(2026, 1, 1), "New Year's Day"),
    (date(2026, 4, 3), "Good Friday"),
    (date(2026, 4, 6), "Easter Monday"),
    (date(2026, 5, 4), "Early May bank holiday"),
    (date(2026, 5, 25), "Spring bank holiday"),
    (date(2026, 8, 31), "Summer bank holiday"),
    (date(2026, 12, 25), "Christmas Day"),
    (date(2026, 12, 28), "Boxing Day (substitute day)"),
    (date(2027, 1, 1), "New Year's Day"),
    (date(2027, 3, 26), "Good Friday"),
    (date(2027, 3, 29), "Easter Monday"),
    (date(2027, 5, 3), "Early May bank holiday"),
    (date(2027, 5, 31), "Spring bank holiday"),
    (date(2027, 8, 30), "Summer bank holiday"),
    (date(2027, 12, 27), "Christmas Day (substitute day)"),
    (date(2027, 12, 28), "Boxing Day (substitute day)"),
    (date(2028, 1, 3), "New Year's Day (substitute day)"),
    (date(2028, 4, 14), "Good Friday"),
    (date(2028, 4, 17), "Easter Monday"),
    (date(2028, 5, 1), "Early May bank holiday"),
    (date(2028, 5, 29), "Spring bank holiday"),
    (date(2028, 8, 28), "Summer bank holiday"),
    (date(2028, 12, 25), "Christmas Day"),
    (date(2028, 12, 26), "Boxing Day"),
]


def ensure_bank_holidays(BankHoliday) -> None:
    """Create the listed bank holidays that are missing; safe to run again."""
    for day, name in BANK_HOLIDAYS:
        BankHoliday.objects.get_or_create(date=day, defaults={"name": name})


# Not in our source: a starting list for the treatment manager to confirm against the
# programme manual in the admin. Reports record progress against whatever is listed.
TREATMENT_TARGETS = {
    "isotp": [
        "Motivation to change and understanding of his offending",
        "Victim empathy and the harm of indecent images",
        "Relationships and intimacy",
        "Managing emotions and problem solving",
        "Managing sexual interests and internet use",
        "Relapse prevention and a good life plan",
    ],
}


def ensure_treatment_targets(Programme, TreatmentTarget) -> None:
    """Create the listed treatment targets that are missing; safe to run again."""
    for code, names in TREATMENT_TARGETS.items():
        programme = Programme.objects.filter(code=code).first()
        if programme is None:
            continue
        for number, name in enumerate(names, 1):
            TreatmentTarget.objects.get_or_create(
                programme=programme, number=number, defaults={"name": name}
            )
