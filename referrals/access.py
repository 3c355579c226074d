"""Who may see which offender. Every view that shows an offender calls these first."""

from django.db.models import Q, QuerySet
from django.http import Http404

from isotp.consultation import consulted
from isotp.models import Role, Staff
from referrals.models import Assessment, Offender, Referral


def offenders_visible_to(user: Staff) -> QuerySet[Offender]:
    """An offender manager sees their caseload; a programme manager their office's offenders.

    Facilitators see no case files until they run a group the offender is placed in.
    Admins work through the Django admin, not these pages.
    """
    offenders = Offender.objects.all()
    if not user.is_authenticated or not user.is_active:
        return offenders.none()
    if user.role == Role.OFFENDER_MANAGER:
        return offenders.filter(offender_manager=user)
    if user.role == Role.PROGRAMME_MANAGER and user.office_id:
        return offenders.filter(office_id=user.office_id)
    return offenders.none()


def get_offender_for_user(user: Staff, pk: int) -> Offender:
    try:
        offender = (
            offenders_visible_to(user).select_related("office", "offender_manager").get(pk=pk)
        )
    except Offender.DoesNotExist:
        raise Http404("No such offender") from None
    consulted(offender)
    return offender


def can_add_offenders(user: Staff) -> bool:
    return user.is_authenticated and user.role in (
        Role.OFFENDER_MANAGER,
        Role.PROGRAMME_MANAGER,
    )


def referrals_visible_to(user: Staff) -> QuerySet[Referral]:
    """Referrals of the offenders the user may see.

    A facilitator sees a referral once it has a place in a group they run, as a facilitator
    or as its treatment manager (looked up by name, so that this app does not import the
    programme app).
    """
    if user.is_authenticated and user.role == Role.FACILITATOR:
        runs = Q(placement__group__facilitators=user) | Q(placement__group__treatment_manager=user)
        return Referral.objects.filter(runs).distinct()
    return Referral.objects.filter(offender__in=offenders_visible_to(user))


def get_referral_for_user(user: Staff, pk: int) -> Referral:
    try:
        referral = (
            referrals_visible_to(user)
            .select_related(
                "offender",
                "offender__office",
                "offender__offender_manager",
                "programme",
                "assessment",
                "checklist",
            )
            .get(pk=pk)
        )
    except Referral.DoesNotExist:
        raise Http404("No such referral") from None
    consulted(referral)
    return referral


def get_assessment_for_user(user: Staff, pk: int) -> Assessment:
    try:
        assessment = (
            Assessment.objects.filter(offender__in=offenders_visible_to(user))
            .select_related("offender", "assessor", "outcome_programme")
            .get(pk=pk)
        )
    except Assessment.DoesNotExist:
        raise Http404("No such assessment") from None
    consulted(assessment)
    return assessment


def can_manage_referral(user: Staff, referral: Referral) -> bool:
    """Offender managers and programme managers act on a referral; facilitators only read."""
    return user.role in (Role.OFFENDER_MANAGER, Role.PROGRAMME_MANAGER)
