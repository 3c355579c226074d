"""Who may see and act on what in the programme app. Every view calls one of these first;
a record the user may not see is a 404, as if it did not exist."""

from django.db.models import Q, QuerySet

from isotp.consultation import consulted
from isotp.models import Office, Role, Staff
from programme.models import (
    SESSION_NAME,
    BulkPrint,
    CatchUp,
    Enforcement,
    Group,
    GroupSession,
    Notice,
    Placement,
)
from programme.services.staffing import sessions_staffed_by, staffs_session
from referrals.access import (
    cases_open_to,
    get_referral_for_user,
    offenders_visible_to,
    one_of,
    referrals_visible_to,
    require,
    with_access_flag,
)
from referrals.models import Referral

# --- Pages for one role -----------------------------------------------------------------------


def ensure_offender_manager(user: Staff) -> None:
    require(user.is_offender_manager, "This page is for offender managers")


def ensure_facilitator(user: Staff) -> None:
    require(user.is_facilitator, "This page is for facilitators")


# Each role's start page: offender managers, facilitators, and programme managers of an office.
ROLES_WITH_A_TODAY_PAGE = (Role.OFFENDER_MANAGER, Role.FACILITATOR, Role.PROGRAMME_MANAGER)


def has_today_page(user: Staff) -> bool:
    return (
        user.is_authenticated
        and user.role in ROLES_WITH_A_TODAY_PAGE
        and (user.role != Role.PROGRAMME_MANAGER or bool(user.office_id))
    )


def ensure_has_today_page(user: Staff) -> None:
    require(
        has_today_page(user),
        "This page is for offender managers, facilitators and programme managers",
    )


def can_see_management_information(user: Staff) -> bool:
    return (
        user.is_authenticated
        and user.role in (Role.PROGRAMME_MANAGER, Role.SENIOR_MANAGER)
        and user.office_id is not None
    )


def ensure_can_see_management_information(user: Staff) -> None:
    require(
        can_see_management_information(user),
        "This page is for programme managers and senior managers",
    )


def groups_visible_to(user: Staff) -> QuerySet[Group]:
    """Programme managers see their office's groups; facilitators the groups they run."""
    if not user.is_authenticated or not user.is_active:
        return Group.objects.none()
    if user.role == Role.PROGRAMME_MANAGER and user.office_id:
        return Group.objects.filter(office_id=user.office_id)
    if user.role == Role.FACILITATOR:
        return Group.objects.filter(Q(facilitators=user) | Q(treatment_manager=user)).distinct()
    return Group.objects.none()


def get_group_for_user(user: Staff, pk: int) -> Group:
    group = one_of(
        groups_visible_to(user).select_related(
            "programme", "office", "lead_facilitator", "version__programme"
        ),
        pk,
        "No such group",
    )
    consulted(group)
    return group


def can_manage_groups(user: Staff) -> bool:
    return user.is_authenticated and user.role == Role.PROGRAMME_MANAGER


def ensure_can_manage_groups(user: Staff) -> None:
    """Forming groups, allocating, moving sessions and choosing who runs them is the
    programme managers' work: facilitators run the sessions."""
    require(can_manage_groups(user), "This page is for programme managers")


def get_group_to_manage(user: Staff, pk: int) -> Group:
    group = get_group_for_user(user, pk)
    ensure_can_manage_groups(user)
    return group


def get_session_to_move(user: Staff, pk: int) -> GroupSession:
    session = one_of(GroupSession.objects.select_related("group"), pk, "No such session")
    session.group = get_group_to_manage(user, session.group_id)
    return session


def can_allocate_from_waiting_list(user: Staff) -> bool:
    """Programme managers of an office allocate its men to its groups."""
    return can_manage_groups(user) and bool(user.office_id)


def ensure_can_allocate_from_waiting_list(user: Staff) -> None:
    require(can_allocate_from_waiting_list(user), "Only programme managers allocate places")


def get_group_to_allocate_to(user: Staff, pk: int) -> Group:
    """A group of the user's own office (another office's group is a 404, as if none)."""
    return one_of(groups_visible_to(user).select_related("programme"), pk, "No such group")


def runs_group(user: Staff, group: Group) -> bool:
    return user.role == Role.FACILITATOR and (
        group.treatment_manager_id == user.pk or group.facilitators.filter(pk=user.pk).exists()
    )


def registers_open_to(user: Staff) -> QuerySet[GroupSession]:
    """The sessions whose register the user may keep: every session of the groups they run,
    and the sessions they lead or cover for a group they do not run."""
    if not user.is_authenticated or not user.is_active or user.role != Role.FACILITATOR:
        return GroupSession.objects.none()
    return GroupSession.objects.filter(
        Q(group__in=groups_visible_to(user)) | Q(pk__in=sessions_staffed_by(user).values("pk"))
    )


def get_session_for_register(user: Staff, pk: int) -> GroupSession:
    """A session's register is kept by the facilitators of its group, and by a cover (or
    lead) facilitator of that session who is not one of them: that register only."""
    session = one_of(
        GroupSession.objects.select_related(
            "group", "group__programme", "register_completed_by", SESSION_NAME
        ),
        pk,
        "No such session",
    )
    session.runs_group = runs_group(user, session.group)
    require(session.runs_group or staffs_session(user, session), "No such session")
    consulted(session)
    return session


def placements_visible_to(user: Staff) -> QuerySet[Placement]:
    """Offender managers see their offenders' places; programme managers their office's
    groups and offenders; facilitators the members of groups they run."""
    if not user.is_authenticated or not user.is_active:
        return Placement.objects.none()
    open_cases = cases_open_to(user, "referral__offender")
    if user.role == Role.FACILITATOR:
        return Placement.objects.filter(open_cases, group__in=groups_visible_to(user))
    if user.role == Role.PROGRAMME_MANAGER:
        return Placement.objects.filter(
            Q(group__office_id=user.office_id)
            | Q(referral__offender__in=offenders_visible_to(user)),
            open_cases,
        )
    return Placement.objects.filter(referral__offender__in=offenders_visible_to(user))


def members_open_to(
    user: Staff, placements: QuerySet[Placement]
) -> tuple[list[Placement], list[Placement]]:
    """The places whose man the user may see, and the others (a list only counts those, as
    restricted cases, and shows nothing of them): one query."""
    rows = list(with_access_flag(placements, user, "referral__offender"))
    return [p for p in rows if p.is_open], [p for p in rows if not p.is_open]


def get_placement_for_user(user: Staff, pk: int) -> Placement:
    placement = one_of(
        placements_visible_to(user).select_related(
            "group",
            "group__programme",
            "group__version",
            "first_session",
            "last_session",
            "referral",
            "referral__offender",
            "referral__offender__offender_manager",
        ),
        pk,
        "No such place",
    )
    consulted(placement)
    return placement


def get_catch_up_for_facilitator(user: Staff, pk: int) -> CatchUp:
    catch_up = one_of(
        CatchUp.objects.filter(cases_open_to(user, "placement__referral__offender")).select_related(
            "session",
            f"session__{SESSION_NAME}",
            "placement",
            "placement__group",
            "placement__referral__offender",
        ),
        pk,
        "No such catch-up",
    )
    require(runs_group(user, catch_up.placement.group), "No such catch-up")
    consulted(catch_up)
    return catch_up


def get_placement_to_send_feedback(user: Staff, pk: int) -> Placement:
    """The group's facilitators send feedback about a member to his offender manager."""
    placement = get_placement_for_user(user, pk)
    require(
        user.role == Role.FACILITATOR and runs_group(user, placement.group),
        "Only the group's facilitators send feedback",
    )
    return placement


def enforcements_visible_to(user: Staff) -> QuerySet[Enforcement]:
    return Enforcement.objects.filter(offender__in=offenders_visible_to(user))


def get_enforcement_for_user(user: Staff, pk: int) -> Enforcement:
    enforcement = one_of(
        enforcements_visible_to(user).select_related(
            "offender", "attendance__session", "decided_by"
        ),
        pk,
        "No such enforcement decision",
    )
    consulted(enforcement)
    return enforcement


def can_decide_enforcement(user: Staff, enforcement: Enforcement) -> bool:
    """The offender manager decides; a programme manager may read."""
    return enforcement.offender.offender_manager_id == user.pk


def get_enforcement_to_correct(user: Staff, pk: int) -> Enforcement:
    enforcement = get_enforcement_for_user(user, pk)
    require(
        can_decide_enforcement(user, enforcement),
        "Only his offender manager corrects his enforcement decisions",
    )
    return enforcement


def get_referral_for_court_bundle(user: Staff, pk: int) -> Referral:
    """A court bundle shows enforcement: for those who may see him whole (his offender
    manager, his office's programme managers), never his group's facilitators."""
    referral = get_referral_for_user(user, pk)
    require(offenders_visible_to(user).filter(pk=referral.offender_id).exists(), "No such referral")
    return referral


def get_notice_for_offender_manager(user: Staff, pk: int) -> Notice:
    notice = one_of(
        Notice.objects.filter(cases_open_to(user, "offender"))
        .select_related("offender")
        .filter(offender__offender_manager=user),
        pk,
        "No such notice",
    )
    consulted(notice)
    return notice


def get_notices_for_offender_manager(user: Staff, ids: list[str]) -> list[Notice]:
    """The notices ticked, each one of the user's own: any other (or anything but a number)
    refuses the whole request (404)."""
    ensure_offender_manager(user)
    require(all(each.isdigit() for each in ids), "No such notice")
    wanted = {int(each) for each in ids}
    notices = list(
        Notice.objects.filter(
            cases_open_to(user, "offender"), offender__offender_manager=user, pk__in=wanted
        )
        .select_related("offender")
        .order_by("created_at", "pk")
    )
    require(len(notices) == len(wanted), "No such notice")
    consulted(*notices)
    return notices


def get_referral_after_programme(user: Staff, pk: int):
    """A referral's post-programme pages: his offender manager, the office's programme
    managers, and the facilitators of the group he attended."""
    referral = one_of(
        referrals_visible_to(user).select_related(
            "offender", "offender__offender_manager", "offender__office", "programme", "assessment"
        ),
        pk,
        "No such referral",
    )
    consulted(referral)
    return referral


def writes_report(user: Staff, referral) -> bool:
    """The facilitators (and treatment manager) of the group he attended write the report."""
    placement = Placement.objects.filter(referral=referral).select_related("group").first()
    return placement is not None and runs_group(user, placement.group)


def runs_post_programme(user: Staff, referral) -> bool:
    """His offender manager records the handover, re-assessment, recommendations, closure."""
    return referral.offender.offender_manager_id == user.pk


def get_referral_to_write_report(user: Staff, pk: int):
    referral = get_referral_after_programme(user, pk)
    require(writes_report(user, referral), "Only the group's facilitators write the report")
    return referral


def get_referral_to_run_after_programme(user: Staff, pk: int):
    referral = get_referral_after_programme(user, pk)
    require(runs_post_programme(user, referral), "Only his offender manager records this")
    return referral


def get_report_for_user(user: Staff, pk: int):
    from programme.models import EndOfProgrammeReport

    report = one_of(EndOfProgrammeReport.objects.select_related("referral"), pk, "No such report")
    get_referral_after_programme(user, report.referral_id)
    consulted(report)
    return report


def get_report_to_write(user: Staff, pk: int):
    """A report its writers submit or correct: the facilitators of his group."""
    report = get_report_for_user(user, pk)
    require(
        writes_report(user, report.referral),
        "Only the group's facilitators submit or correct the report",
    )
    return report


def get_appointment_for_offender_manager(user: Staff, pk: int):
    from programme.models import Appointment

    appointment = one_of(
        Appointment.objects.filter(cases_open_to(user, "offender"))
        .select_related("offender")
        .filter(offender__offender_manager=user),
        pk,
        "No such appointment",
    )
    consulted(appointment)
    return appointment


def all_members_open(user: Staff, group: Group) -> list[Placement] | None:
    """Every place of the group (former members too), ordered by name, when the user may see
    every man in it; None when one of them is a case closed to the user (or there is nobody).
    Consults nothing: the caller says what it shows."""
    placements, restricted = members_open_to(
        user,
        group.placements.select_related(
            "group",
            "group__programme",
            "first_session",
            "last_session",
            "referral",
            "referral__offender",
        ).order_by("referral__offender__last_name", "referral__offender__first_name", "pk"),
    )
    if restricted or not placements:
        return None
    return placements


def get_group_for_bulk_print(user: Staff, pk: int) -> tuple[Group, list[Placement]]:
    """A group whose members' records the user may print all at once: one they may see, with
    no member whose case is closed to them (the bundle would otherwise hold his record)."""
    group = get_group_for_user(user, pk)
    placements = all_members_open(user, group)
    require(placements is not None, "No such group")
    return group, placements


def get_bulk_print_for_user(user: Staff, pk: int) -> tuple[BulkPrint, list[Placement]]:
    """A bulk print is for the person who asked for it (it holds what they may see), and only
    while they may still see every man in it. Consults nothing: the progress page shows no
    case records; the download says what it shows."""
    bulk_print = one_of(
        BulkPrint.objects.filter(requested_by=user, group__in=groups_visible_to(user))
        .select_related("group", "group__programme")
        .defer("archive"),
        pk,
        "No such print",
    )
    placements = all_members_open(user, bulk_print.group)
    require(placements is not None, "No such print")
    return bulk_print, placements


def get_office_for_capacity(user: Staff, pk: int) -> Office:
    """An office's capacity page is for its programme managers (counts and staff names, no
    case record: nothing is consulted)."""
    require(
        user.is_authenticated
        and user.is_active
        and user.role == Role.PROGRAMME_MANAGER
        and user.office_id == pk,
        "No such office",
    )
    return Office.objects.select_related("area").get(pk=pk)


# --- One-to-ones (the pre-group one-to-one and the post-programme review) -------------------


def one_to_ones_visible_to(user: Staff) -> QuerySet:
    """His offender manager and the office's programme managers see his one-to-ones (as they
    see his referral); a facilitator sees those they are named on and those of the members of
    the groups they run."""
    from programme.models import OneToOneSession

    if not user.is_authenticated or not user.is_active:
        return OneToOneSession.objects.none()
    if user.role == Role.FACILITATOR:
        return OneToOneSession.objects.filter(
            Q(facilitators=user) | Q(referral__placement__group__in=groups_visible_to(user)),
            cases_open_to(user, "referral__offender"),
        ).distinct()
    if user.role in (Role.OFFENDER_MANAGER, Role.PROGRAMME_MANAGER):
        return OneToOneSession.objects.filter(referral__in=referrals_visible_to(user))
    return OneToOneSession.objects.none()


def get_one_to_one_for_user(user: Staff, pk: int):

    one_to_one = one_of(
        one_to_ones_visible_to(user).select_related(
            "referral",
            "referral__offender",
            "referral__programme",
            "scheduled_by",
            "recorded_by",
            "cancelled_by",
        ),
        pk,
        "No such one-to-one",
    )
    consulted(one_to_one)
    return one_to_one


def can_schedule_one_to_one(user: Staff, referral: Referral) -> bool:
    """His offender manager, or a programme manager of his office (call it on a referral the
    user may see)."""
    if not user.is_authenticated:
        return False
    if user.role == Role.PROGRAMME_MANAGER:
        return referral.offender.office_id == user.office_id
    return user.role == Role.OFFENDER_MANAGER and referral.offender.offender_manager_id == user.pk


def records_one_to_one(user: Staff, one_to_one) -> bool:
    """A facilitator named on it records it."""
    return user.role == Role.FACILITATOR and one_to_one.facilitators.filter(pk=user.pk).exists()


def get_referral_to_schedule_one_to_one(user: Staff, pk: int) -> Referral:
    referral = get_referral_for_user(user, pk)
    require(
        can_schedule_one_to_one(user, referral),
        "Only his offender manager or a programme manager schedules one-to-ones",
    )
    return referral


def get_one_to_one_to_record(user: Staff, pk: int):
    one_to_one = get_one_to_one_for_user(user, pk)
    require(
        records_one_to_one(user, one_to_one),
        "Only a facilitator named on the one-to-one records it",
    )
    return one_to_one


def get_one_to_one_to_cancel(user: Staff, pk: int):
    one_to_one = get_one_to_one_for_user(user, pk)
    require(
        can_schedule_one_to_one(user, one_to_one.referral),
        "Only his offender manager or a programme manager cancels one-to-ones",
    )
    return one_to_one
