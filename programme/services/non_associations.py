"""Non-associations: men who must not be in the same group. Offender managers record and end
them; allocation (`scheduling.allocation_refusals`) refuses a place beside a member the man
must be kept from, unless a programme manager overrides it with a reason."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from isotp.models import Staff
from programme.models import NonAssociation, ProgrammeError
from referrals.models import Offender

ALREADY_RECORDED = "These two men are already kept apart"


@transaction.atomic
def non_association_record(
    *, offender: Offender, other: Offender, kind: str, reason: str, by: Staff
) -> NonAssociation:
    # Both men's rows locked, in key order, so that two offender managers recording the
    # same pair at once (from either side) leave one.
    list(Offender.objects.select_for_update().filter(pk__in=[offender.pk, other.pk]).order_by("pk"))
    if offender.pk == other.pk:
        raise ProgrammeError("A man cannot be kept apart from himself")
    if (
        NonAssociation.objects.active()
        .filter(Q(offender=offender, other=other) | Q(offender=other, other=offender))
        .exists()
    ):
        raise ProgrammeError(ALREADY_RECORDED)
    return NonAssociation.objects.create(
        offender=offender, other=other, kind=kind, reason=reason.strip(), recorded_by=by
    )


@transaction.atomic
def non_association_end(*, non_association: NonAssociation, reason: str, by: Staff) -> None:
    pair = NonAssociation.objects.select_for_update().get(pk=non_association.pk)
    if pair.ended_at is not None:
        raise ProgrammeError("This non-association has already ended")
    if not reason.strip():
        raise ProgrammeError("Say why they no longer need to be kept apart")
    pair.ended_at = timezone.now()
    pair.ended_by = by
    pair.ended_reason = reason.strip()
    pair.save()


def non_associations_of(offender: Offender):
    """Every non-association naming him, on either side, the active ones first."""
    return (
        NonAssociation.objects.involving([offender.pk])
        .select_related("offender", "other", "recorded_by", "ended_by")
        .order_by("-ended_at", "-recorded_at", "-pk")
    )
