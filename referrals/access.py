"""Who may see which offender. Every view that shows an offender calls these first."""

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet, Value
from django.http import Http404

from isotp.consultation import consulted
from isotp.models import Role, Staff
from referrals.models import Assessment, CaseAccess, CaseAccessKind, Offender, Referral


def one_of(records: QuerySet, pk: int, missing: str):
    """The record with this key among `records` (those the user may see); a 404 saying
    `missing` otherwise, as if it did not exist."""
    try:
        return records.get(pk=pk)
    except records.model.DoesNotExist:
        raise Http404(missing) from None


def require(allowed: bool, message: str) -> None:
    """A 404 unless allowed: a record or page the user may not use does not exist for them."""
    if not allowed:
        raise Http404(message)


def cases_open_to(user: Staff, to_offender: str = "") -> Q:
    """The records (of offenders reached through `to_offender`, e.g. "referral__offender")
    that no limit on access closes to the user: a restricted case is open only to the staff
    allowed on its list, and no case is open to staff excluded from it. It fails closed: a
    restricted case with nobody allowed is open to nobody. Every access helper, list, search,
    count and admin page applies it."""
    prefix = f"{to_offender}__" if to_offender else ""
    listed = CaseAccess.objects.filter(staff_id=user.pk)
    allowed = listed.filter(kind=CaseAccessKind.ALLOWED).values("offender_id")
    excluded = listed.filter(kind=CaseAccessKind.EXCLUDED).values("offender_id")
    return (Q(**{f"{prefix}restricted": False}) | Q(**{f"{prefix}pk__in": allowed})) & ~Q(
        **{f"{prefix}pk__in": excluded}
    )


def cases_open_to_auditing(user: Staff, to_offender: str = "") -> Q:
    """The cases an auditor may audit: every case but those he is excluded from.

    A restriction closes a case to everyone not on its list, but auditing is how the service
    answers for who looked at a restricted man, and how it answers the man's own subject
    access request: so an auditor reaches a restricted case in the consultation log and in
    subject access (each opening is a security event, and a restricted case is marked as such
    on the page). An exclusion, a colleague who knows him, still closes it: another auditor
    answers (docs/decisions.md, "Auditors and limited-access cases")."""
    prefix = f"{to_offender}__" if to_offender else ""
    excluded = CaseAccess.objects.filter(staff_id=user.pk, kind=CaseAccessKind.EXCLUDED)
    return ~Q(**{f"{prefix}pk__in": excluded.values("offender_id")})


def staff_open_to_case(offender: Offender) -> Q:
    """The staff (a Q over Staff) to whom no limit on access closes this man's case: the rule
    of `cases_open_to`, from the case's side."""
    listed = CaseAccess.objects.filter(offender_id=offender.pk)
    open_to = ~Q(pk__in=listed.filter(kind=CaseAccessKind.EXCLUDED).values("staff_id"))
    if offender.restricted:
        open_to &= Q(pk__in=listed.filter(kind=CaseAccessKind.ALLOWED).values("staff_id"))
    return open_to


def open_to_whom(offender: Offender, staff) -> list[Staff]:
    """Of these staff (None and repeats dropped), those no limit on access closes his case to:
    `staff_open_to_case` for a few people, in one query. Everyone told of an event
    about him (an email, a digest) is one of these."""
    people = {person.pk: person for person in staff if person is not None}
    if not people:
        return []
    open_ids = set(
        Staff.objects.filter(staff_open_to_case(offender), pk__in=people).values_list(
            "pk", flat=True
        )
    )
    return [person for pk, person in people.items() if pk in open_ids]


def crns_closed_to(person: Staff, crns) -> set[str]:
    """Of these CRNs, those of cases closed to the person (restricted without them on the list,
    or excluding them): a digest written later than its notifications checks again with this
    (settings.NOTIFICATION_CASES_CLOSED)."""
    crns = set(crns)
    if not crns:
        return set()
    return set(
        Offender.objects.filter(crn__in=crns)
        .exclude(cases_open_to(person))
        .values_list("crn", flat=True)
    )


def offenders_in_scope(user: Staff) -> QuerySet[Offender]:
    """The offenders of the user's work (caseload, office), before limits on access: only
    for showing that a restricted case is there, never for showing anything about him."""
    offenders = Offender.objects.all()
    if not user.is_authenticated or not user.is_active:
        return offenders.none()
    if user.role == Role.OFFENDER_MANAGER:
        return offenders.filter(offender_manager=user)
    if user.role == Role.PROGRAMME_MANAGER and user.office_id:
        return offenders.filter(office_id=user.office_id)
    return offenders.none()


def offenders_visible_to(user: Staff) -> QuerySet[Offender]:
    """An offender manager sees their caseload; a programme manager their office's offenders;
    in both, only the cases no limit on access closes to them.

    Facilitators see no case files until they run a group the offender is placed in.
    Admins work through the Django admin, not these pages.
    """
    return offenders_in_scope(user).filter(cases_open_to(user))


def with_access_flag(records: QuerySet, user: Staff, to_offender: str = "") -> QuerySet:
    """Each record (of an offender reached through `to_offender`) annotated `is_open`: False
    for a case closed to the user, which a list shows as "Restricted" without any detail."""
    return records.annotate(
        is_open=ExpressionWrapper(cases_open_to(user, to_offender), output_field=BooleanField())
    )


def get_offender_for_user(user: Staff, pk: int) -> Offender:
    offender = one_of(
        offenders_visible_to(user).select_related("office", "offender_manager"),
        pk,
        "No such offender",
    )
    consulted(offender)
    return offender


def get_offender_for_his_offender_manager(user: Staff, pk: int) -> Offender:
    """An offender the user may see and is the offender manager of: his risk reviews,
    appointments and non-associations, and who has looked at his record (others: 404)."""
    offender = get_offender_for_user(user, pk)
    require(offender.offender_manager_id == user.pk, "Only his offender manager can do this")
    return offender


def get_offender_for_subject_access(user: Staff, pk: int) -> Offender:
    """Only an auditor answers subject access requests, for any case he is not excluded from
    (`cases_open_to_auditing`: restricted cases included); for anyone else the page is a
    404, as if he did not exist."""
    require(user.is_authenticated and user.is_active and user.is_auditor, "No such offender")
    return one_of(
        Offender.objects.filter(cases_open_to_auditing(user)).select_related(
            "office", "offender_manager"
        ),
        pk,
        "No such offender",
    )


def can_add_offenders(user: Staff) -> bool:
    return user.is_authenticated and user.role in (
        Role.OFFENDER_MANAGER,
        Role.PROGRAMME_MANAGER,
    )


def ensure_can_add_offenders(user: Staff) -> None:
    require(can_add_offenders(user), "You cannot add offenders")


def ensure_auditor(user: Staff) -> None:
    """The consultation log's pages are the auditors' alone."""
    require(user.role == Role.AUDITOR, "This page is for auditors")


def referrals_visible_to(user: Staff) -> QuerySet[Referral]:
    """Referrals of the offenders the user may see.

    A facilitator sees a referral once it has a place in a group they run, as a facilitator
    or as its treatment manager (looked up by name, so that this app does not import the
    programme app).
    """
    if user.is_authenticated and user.role == Role.FACILITATOR:
        runs = Q(placement__group__facilitators=user) | Q(placement__group__treatment_manager=user)
        return Referral.objects.filter(runs).filter(cases_open_to(user, "offender")).distinct()
    return Referral.objects.filter(offender__in=offenders_visible_to(user))


def get_referral_for_user(user: Staff, pk: int) -> Referral:
    referral = one_of(
        referrals_visible_to(user).select_related(
            "offender",
            "offender__office",
            "offender__offender_manager",
            "programme",
            "assessment",
            "checklist",
        ),
        pk,
        "No such referral",
    )
    consulted(referral)
    return referral


def get_referrals_for_user(user: Staff, ids: list[str]) -> list[Referral]:
    """The referrals ticked (digits only, checked by the caller), in the order ticked, each
    once; one the user may not see refuses the whole request (404)."""
    wanted = list(dict.fromkeys(int(each) for each in ids))
    found = {
        referral.pk: referral
        for referral in referrals_visible_to(user)
        .filter(pk__in=wanted)
        .select_related("offender", "programme")
    }
    require(len(found) == len(wanted), "Someone ticked is not on a caseload you can see")
    return [found[pk] for pk in wanted]


def get_assessment_for_user(user: Staff, pk: int) -> Assessment:
    assessment = one_of(
        Assessment.objects.filter(offender__in=offenders_visible_to(user)).select_related(
            "offender", "assessor", "outcome_programme"
        ),
        pk,
        "No such assessment",
    )
    consulted(assessment)
    return assessment


def can_manage_referral(user: Staff, referral: Referral) -> bool:
    """Offender managers and programme managers act on a referral; facilitators only read."""
    return user.role in (Role.OFFENDER_MANAGER, Role.PROGRAMME_MANAGER)


def get_referral_to_manage(user: Staff, pk: int) -> Referral:
    """A referral the user may see and act on: its checklist, its status by hand."""
    referral = get_referral_for_user(user, pk)
    require(can_manage_referral(user, referral), "You cannot change this referral")
    return referral


def can_look_outside_work(user: Staff) -> bool:
    """Offender managers and programme managers may, giving a reason, read a case of their
    probation area that is not theirs (covering a colleague, a transfer, a joint group)."""
    return (
        user.is_authenticated
        and user.role in (Role.OFFENDER_MANAGER, Role.PROGRAMME_MANAGER)
        and user.office_id is not None
    )


def ensure_can_look_outside_work(user: Staff) -> None:
    require(
        can_look_outside_work(user), "This page is for offender managers and programme managers"
    )


def offenders_outside_work(user: Staff) -> QuerySet[Offender]:
    """The cases of the user's probation area they may read with a reason: never one a limit
    on access closes to them."""
    if not can_look_outside_work(user):
        return Offender.objects.none()
    return Offender.objects.filter(cases_open_to(user), office__area_id=user.office.area_id)


def get_offender_outside_work(user: Staff, pk: int, *, reason: str) -> Offender:
    """A case read outside one's own work: only once a reason has been given (404 before)."""
    require(bool(reason), "No such offender")
    offender = one_of(
        offenders_outside_work(user).select_related("office", "offender_manager"),
        pk,
        "No such offender",
    )
    consulted(offender, reason=reason)
    return offender


class OpenCasesThenClosed:
    """A caseload for a Paginator: the cases open to the user in the chosen order, then those
    closed to them (shown as "Restricted"). Two queries an index can serve, in place of one
    that sorts every case in the office by whether it is open before it can return a page."""

    def __init__(self, user: Staff, offenders: QuerySet[Offender], ordering):
        open_to_user = cases_open_to(user)
        ordered = offenders.order_by(*ordering, "pk")
        self.open_cases = ordered.filter(open_to_user).annotate(is_open=Value(True))
        self.closed_cases = ordered.exclude(open_to_user).annotate(is_open=Value(False))
        self.offenders, self.open_to_user = offenders, open_to_user
        self._counts: tuple[int, int] | None = None

    def counts(self) -> tuple[int, int]:
        if self._counts is None:
            totals = self.offenders.order_by().aggregate(
                open=Count("pk", filter=self.open_to_user),
                closed=Count("pk", filter=~self.open_to_user),
            )
            self._counts = (totals["open"], totals["closed"])
        return self._counts

    def count(self) -> int:
        return sum(self.counts())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[Offender]:
        open_count, _closed = self.counts()
        start, stop = item.start or 0, item.stop
        rows = list(self.open_cases[start:stop]) if start < open_count else []
        if stop > open_count:
            rows += list(self.closed_cases[max(start - open_count, 0) : stop - open_count])
        return rows
