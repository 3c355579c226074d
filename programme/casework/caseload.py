"""The caseload that answers questions: what is due for each man, and filters that combine.

What is due is what the today pages count (`programme.casework.today`), seen from the man:
each kind is a QuerySet of the records due and the path from them to him. A row's "Due"
column is one correlated subquery a kind, evaluated only for the page's rows; the "What is
due" filter is a set of offenders a kind (`id IN (...)`), ORed within the filter as
the MoJ filter's other categories are.
"""

from dataclasses import dataclass
from datetime import date

from django.db import models
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from programme.casework.today import (
    after_programme_due,
    catch_ups_to_run,
    reports_to_write,
)
from programme.models import Enforcement, Notice, Recommendation
from referrals.models import Offender, Referral, ReferralStatus


class Due(models.TextChoices):
    DECISION = "decision", "Enforcement decision due"
    NOTICE = "notice", "Notice to acknowledge"
    CATCH_UP = "catch_up", "Catch-up outstanding"
    CHECKLIST = "checklist", "Pre-programme checklist incomplete"
    REPORT = "report", "End-of-programme report due"
    AFTER_PROGRAMME = "after_programme", "Handover or re-assessment due"
    RECOMMENDATION = "recommendation", "Recommendation outstanding"


def _due_records(kind: str) -> tuple[QuerySet, str]:
    """The records that make `kind` due, and the path from them to the offender."""
    if kind == Due.DECISION:
        return Enforcement.objects.pending(), "offender"
    if kind == Due.NOTICE:
        return Notice.objects.unacknowledged(), "offender"
    if kind == Due.CATCH_UP:
        return catch_ups_to_run(), "placement__referral__offender"
    if kind == Due.CHECKLIST:
        return Referral.objects.filter(status=ReferralStatus.SUITABLE_NOT_READY), "offender"
    if kind == Due.REPORT:
        return reports_to_write(), "offender"
    if kind == Due.AFTER_PROGRAMME:
        return after_programme_due(), "offender"
    if kind == Due.RECOMMENDATION:
        return Recommendation.objects.outstanding(), "referral__offender"
    raise ValueError(f"Unknown kind of due work: {kind}")


def _his(kind: str) -> tuple[QuerySet, str]:
    """The records that make `kind` due for the offender of the outer query, and their path."""
    records, path = _due_records(kind)
    return records.filter(**{path: OuterRef("pk")}).order_by(), path


def _count(kind: str):
    his, path = _his(kind)
    counted = his.values(path).annotate(number=Count("pk")).values("number")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


# The date a kind is due by, where it has one: the earliest of his.
DUE_DATE_FIELDS = {Due.DECISION: "due_by", Due.RECOMMENDATION: "due_on"}


def with_due(offenders: QuerySet[Offender]) -> QuerySet[Offender]:
    """Each offender annotated `due_<kind>` (how many) for every kind, and `due_<kind>_on`
    (the earliest date) where the kind has one."""
    annotations = {}
    for kind in Due:
        annotations[f"due_{kind}"] = _count(kind)
        if kind in DUE_DATE_FIELDS:
            field = DUE_DATE_FIELDS[kind]
            his, _path = _his(kind)
            earliest = his.filter(**{f"{field}__isnull": False}).order_by(field)
            annotations[f"due_{kind}_on"] = Subquery(earliest.values(field)[:1])
    return offenders.annotate(**annotations)


def with_any_due(offenders: QuerySet[Offender], kinds) -> QuerySet[Offender]:
    """The offenders with at least one of the kinds due. Each kind is a set of offenders
    (`id IN (SELECT ...)`), which PostgreSQL reads once and hashes, where an EXISTS under an
    OR would be probed again for every man of the office."""
    if not kinds:
        return offenders
    condition = Q()
    for kind in kinds:
        records, path = _due_records(kind)
        condition |= Q(pk__in=records.order_by().values(path))
    return offenders.filter(condition)


@dataclass(frozen=True)
class DueItem:
    kind: str
    count: int
    on: date | None = None
    overdue: bool = False


def due_for(offender: Offender, today: date) -> list[DueItem]:
    """What is due for one offender annotated by `with_due`, most pressing first."""
    items = []
    for kind in Due:
        count = getattr(offender, f"due_{kind}", 0)
        if not count:
            continue
        on = getattr(offender, f"due_{kind}_on", None)
        items.append(DueItem(kind, count, on, overdue=bool(on and on < today)))
    return sorted(items, key=lambda item: not item.overdue)
