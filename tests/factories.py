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


def make_assessment(offender: Offender, assessor: Staff, **fields):
    """An assessment recorded through the service, so its outcome is decided by the rules."""
    from referrals.models import Assessment
    from referrals.services import assessment_record

    values = {
        "stage": "pre_sentence",
        "assessed_on": date(2026, 1, 2),
        "internet_offence_confirmed": True,
        "oasys_completed_on": date(2025, 12, 20),
        "risk_of_serious_harm": "medium",
        "rm2000_completed_on": date(2025, 12, 21),
        "rm2000_category": "low",
    }
    values.update(fields)
    return assessment_record(offender=offender, assessment=Assessment(**values), by=assessor)


def make_referral(offender: Offender, by: Staff, **assessment_fields):
    from referrals.services import referral_create

    assessment = make_assessment(offender, by, **assessment_fields)
    return referral_create(assessment=assessment, by=by, referred_on=date(2026, 1, 5))


def complete_checklist(referral, on: date = date(2026, 1, 10)):
    checklist = referral.checklist
    checklist.psr_provided_on = on
    checklist.additional_reports_not_available = True
    checklist.cps_pack_provided_on = on
    checklist.previous_convictions_provided_on = on
    checklist.liaison_on = on
    checklist.understands_requirements_on = on
    checklist.interview_on = on
    checklist.interview_attended = True
    checklist.interview_outcome = "suitable"
    checklist.save()
    return checklist


def make_ready_referral(offender: Offender, by: Staff, **assessment_fields):
    """A referral with its checklist complete, awaiting allocation to a group."""
    referral = make_referral(offender, by, **assessment_fields)
    complete_checklist(referral)
    referral.move_to("awaiting_allocation", by=by)
    return referral
