"""Plain make_* helpers for tests: each makes one valid record, overridable by keyword."""

from datetime import date
from itertools import count

from isotp.models import Office, ProbationArea, Role, Staff
from referrals.models import Gender, Offence, Offender, OrderType

PASSWORD = "correct-horse-battery-staple"
_numbers = count(1)


def make_office(name: str = "Riverside PDU", area: str = "Northshire") -> Office:
    probation_area, _ = ProbationArea.objects.get_or_create(name=area)
    office, _ = Office.objects.get_or_create(area=probation_area, name=name)
    return office


def make_staff(username: str, role: str, office: Office | None = None, **fields) -> Staff:
    staff = Staff(
        username=username,
        first_name=fields.pop("first_name", username.split(".")[0].title()),
        last_name=fields.pop("last_name", "Testington"),
        role=role,
        office=office or make_office(),
        **fields,
    )
    staff.set_password(PASSWORD)
    staff.save()
    return staff


def make_offender(offender_manager: Staff, **fields) -> Offender:
    number = next(_numbers)
    values = {
        "crn": f"T{number:06d}",
        "first_name": "Test",
        "last_name": f"Personnumber{number}",
        "date_of_birth": date(1985, 6, 15),
        "gender": Gender.MALE,
        "offender_manager": offender_manager,
        "office": offender_manager.office,
        "order_type": OrderType.COMMUNITY_ORDER,
        "order_start": date(2026, 1, 5),
        "order_end": date(2029, 1, 4),
    }
    values.update(fields)
    return Offender.objects.create(**values)


def make_offence(offender: Offender, internet: bool = True, **fields) -> Offence:
    return Offence.objects.create(
        offender=offender,
        description=fields.pop("description", "Possession of indecent images (online)"),
        internet_related_sexual=internet,
        **fields,
    )


__all__ = ["PASSWORD", "Role", "make_office", "make_offence", "make_offender", "make_staff"]
