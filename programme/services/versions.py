"""Programme templates: the versions of a programme's modules and named sessions, which
version a new group runs, and copying a version in use into a new one to edit.

A version a group runs is never changed (`ProgrammeVersion.refuse_if_in_use`, and triggers in
the database): changes are made to a copy, the next version, which groups formed from then
run. Imported from this module (not re-exported by `programme.services`).
"""

from django.db import transaction

from isotp.models import Staff
from programme.models import (
    ProgrammeError,
    ProgrammeModule,
    ProgrammeSession,
    ProgrammeVersion,
)
from referrals.models import Programme

NO_USABLE_VERSION = (
    "{programme} has no complete version of its sessions to form a group with: an admin must "
    "name its {sessions} sessions, each in a module, in the Django admin (Programme versions)"
)
VERSION_NOT_USABLE = "{version} cannot be used to form a group: {problems}"
VERSION_OF_ANOTHER_PROGRAMME = "{version} is not a version of {programme}: choose one of its own"
COPIED_NOTE = "Copied from version {number}."


def newest_usable_version(programme: Programme) -> ProgrammeVersion | None:
    """The newest version of the programme that is complete (the default for a new group).
    Two queries: the versions, then all their sessions with modules."""
    versions = list(programme.versions.order_by("-number"))
    sessions: dict[int, list[ProgrammeSession]] = {version.pk: [] for version in versions}
    for session in (
        ProgrammeSession.objects.filter(version__in=versions)
        .select_related("module")
        .order_by("number")
    ):
        sessions[session.version_id].append(session)
    for version in versions:
        version.programme = programme
        if not version.problems(sessions[version.pk]):
            return version
    return None


def version_for_new_group(
    *, programme: Programme, version: ProgrammeVersion | None
) -> ProgrammeVersion:
    """The version a new group of the programme runs: the one chosen, if it is the
    programme's and complete, or else the newest complete one. Refused with the reason."""
    if version is None:
        newest = newest_usable_version(programme)
        if newest is None:
            raise ProgrammeError(
                NO_USABLE_VERSION.format(programme=programme, sessions=programme.sessions)
            )
        return newest
    if version.programme_id != programme.pk:
        raise ProgrammeError(
            VERSION_OF_ANOTHER_PROGRAMME.format(version=version, programme=programme)
        )
    problems = version.problems()
    if problems:
        raise ProgrammeError(
            VERSION_NOT_USABLE.format(version=version, problems="; ".join(problems))
        )
    return version


@transaction.atomic
def version_copy(*, version: ProgrammeVersion, by: Staff | None) -> ProgrammeVersion:
    """A new version of the programme (the next number), with the same modules and named
    sessions as this one, to edit: a version in use is never changed."""
    programme = Programme.objects.select_for_update().get(pk=version.programme_id)
    latest = programme.versions.order_by("-number").values_list("number", flat=True).first()
    copy = ProgrammeVersion.objects.create(
        programme=programme,
        number=(latest or 0) + 1,
        notes=(COPIED_NOTE.format(number=version.number) + " " + version.notes).strip()[
            : ProgrammeVersion._meta.get_field("notes").max_length
        ],
        created_by=by,
    )
    modules = {}
    for module in version.modules.order_by("number"):
        modules[module.pk] = ProgrammeModule.objects.create(
            version=copy, number=module.number, title=module.title
        )
    ProgrammeSession.objects.bulk_create(
        ProgrammeSession(
            version=copy,
            number=session.number,
            module=modules.get(session.module_id),
            title=session.title,
            aim=session.aim,
        )
        for session in version.sessions.order_by("number")
    )
    return copy
