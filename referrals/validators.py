"""Validators for the identifiers probation uses."""

import re

from django.core.exceptions import ValidationError

CRN_PATTERN = re.compile(r"^[A-Z][0-9]{6}$")
# PNC IDs: a two- or four-digit year, a slash, up to seven digits, and a check letter.
PNC_PATTERN = re.compile(r"^(?P<year>[0-9]{2}|[0-9]{4})/(?P<serial>[0-9]{1,7})(?P<check>[A-Z])$")
PNC_CHECK_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"

CRN_MESSAGE = "Enter a CRN as one letter followed by six digits, like X123456"
PNC_FORMAT_MESSAGE = (
    "Enter a PNC number like 2012/0052494Q: year, slash, serial number, check letter"
)
PNC_CHECK_MESSAGE = (
    "The check letter of the PNC number does not match: check it was copied correctly"
)


def normalise_crn(value: str) -> str:
    return (value or "").strip().upper()


def validate_crn(value: str) -> None:
    if not CRN_PATTERN.match(value or ""):
        raise ValidationError(CRN_MESSAGE, code="invalid_crn")


def pnc_check_letter(year: str, serial: str) -> str:
    return PNC_CHECK_LETTERS[int(year[-2:] + serial.zfill(7)) % 23]


def normalise_pnc(value: str) -> str:
    return (value or "").strip().upper()


def pnc_spellings(value: str) -> list[str]:
    """Every way the PNC number typed may be stored: a two- or four-digit year (19xx or
    20xx) and the serial with or without its leading zeros. Empty if it is not one."""
    match = PNC_PATTERN.match(normalise_pnc(value))
    if not match:
        return []
    year, serial, check = match["year"], match["serial"].lstrip("0") or "0", match["check"]
    short_year = year[-2:]
    years = {short_year, "19" + short_year, "20" + short_year}
    serials = {serial.zfill(width) for width in range(len(serial), 8)}
    return sorted(f"{y}/{s}{check}" for y in years for s in serials)


def validate_pnc(value: str) -> None:
    if not value:
        return
    match = PNC_PATTERN.match(value)
    if not match:
        raise ValidationError(PNC_FORMAT_MESSAGE, code="invalid_pnc")
    if pnc_check_letter(match["year"], match["serial"]) != match["check"]:
        raise ValidationError(PNC_CHECK_MESSAGE, code="invalid_pnc_check")
