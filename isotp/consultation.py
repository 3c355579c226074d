"""The consultation log (Data Protection Act 2018, s.62): every response that shows case
records to a member of staff writes one `AccessLog` row saying who saw which records, when,
through which view, and why where a reason was asked.

Views do not write the row themselves. While a request runs, `ConsultationMiddleware` keeps
a `Consultation` in a context variable; the access helpers (`referrals.access`,
`programme.access`) note each record they hand a view, and list views note the rows they
show with `consulted(...)`. When the response is sent with status 200 (a page, a form, a
file), the middleware writes the row in one INSERT. A refused or redirected request shows
nothing and writes nothing; what a POST changed is in the change history instead.

The Django admin is logged here too, from the context of its template responses (the
changelist's page of results and its search, a change form's object, a history page), so
every model registered there is covered without each ModelAdmin having to remember.
"""

from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import models

from isotp.models import AccessLog

_current: ContextVar["Consultation | None"] = ContextVar("consultation", default=None)

# Followed from a record to the offender it is about: an offender, or a record that points
# at him directly or through a referral, a place or an attendance.
_PATHS_TO_OFFENDER = ("referral", "placement", "attendance", "report")


def record_key(obj: models.Model) -> str:
    return f"{obj._meta.label}:{obj.pk}"


def offender_id_of(obj: models.Model) -> int | None:
    """The offender a record is about, without a query where the path is already loaded."""
    if obj._meta.label == "referrals.Offender":
        return obj.pk
    offender_id = getattr(obj, "offender_id", None)
    if offender_id is not None:
        return offender_id
    for name in _PATHS_TO_OFFENDER:
        try:
            related = getattr(obj, name, None)
        except models.ObjectDoesNotExist:
            related = None
        if isinstance(related, models.Model):
            return offender_id_of(related)
    return None


@dataclass
class Consultation:
    """What one response showed, collected while the view runs."""

    records: dict[str, int | None] = field(default_factory=dict)
    primary: models.Model | None = None
    action: str = ""
    query: str = ""
    result_count: int | None = None
    reason: str = ""

    def add(self, obj: models.Model) -> None:
        key = record_key(obj)
        if key not in self.records:
            self.records[key] = offender_id_of(obj)
        if self.primary is None:
            self.primary = obj

    def add_offender_ids(self, ids) -> None:
        for pk in ids:
            self.records.setdefault(f"referrals.Offender:{pk}", pk)

    @property
    def is_empty(self) -> bool:
        return not self.records and not self.action

    def write(self, *, staff, view: str, path: str, default_action: str) -> AccessLog:
        offender_ids = sorted({pk for pk in self.records.values() if pk})
        primary = self.primary
        return AccessLog.objects.create(
            staff=staff,
            record_type=primary._meta.label if primary is not None else "",
            record_id=str(primary.pk) if primary is not None else "",
            records=list(self.records),
            offender_ids=offender_ids,
            action=self.action or default_action,
            view=_text(view, 150),
            path=_text(path, 500),
            query=_text(self.query, 500),
            result_count=self.result_count,
            reason=_text(self.reason, 500),
        )


def _text(value: str, limit: int) -> str:
    """What was typed or asked for, as the log can keep it: PostgreSQL refuses a NUL byte in
    text (a NUL typed into a search must not turn the page into a server error)."""
    return value.replace("\x00", "")[:limit]


def current() -> Consultation | None:
    return _current.get()


def consulted(
    *records: models.Model,
    offender_ids=(),
    action: str = "",
    query: str = "",
    result_count: int | None = None,
    reason: str = "",
) -> None:
    """Note that the response being built shows these records (outside a request: nothing).

    A list passes the rows it shows, what was searched for and how many results there were.
    """
    consultation = _current.get()
    if consultation is None:
        return
    for obj in records:
        if obj is not None:
            consultation.add(obj)
    consultation.add_offender_ids(offender_ids)
    if action:
        consultation.action = action
    if query:
        consultation.query = query
    if result_count is not None:
        consultation.result_count = result_count
    if reason:
        consultation.reason = reason


class ConsultationMiddleware:
    """Collects a consultation while the view runs and writes it when records were shown."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current.set(Consultation())
        try:
            response = self.get_response(request)
            consultation = _current.get()
            user = getattr(request, "user", None)
            if (
                response.status_code == 200
                and user is not None
                and user.is_authenticated
                and not consultation.is_empty
            ):
                match = request.resolver_match
                content_type = response.get("Content-Type", "")
                consultation.write(
                    staff=user,
                    view=match.view_name if match else "",
                    path=request.get_full_path(),
                    default_action="print"
                    if content_type.startswith("application/pdf")
                    else "view",
                )
            return response
        finally:
            _current.reset(token)

    def process_template_response(self, request, response):
        """The Django admin's pages: what its changelists, forms and histories show."""
        match = request.resolver_match
        if match is None or match.app_name != "admin" or response.context_data is None:
            return response
        context = response.context_data
        changelist = context.get("cl")
        if changelist is not None:
            consulted(
                *changelist.result_list,
                action="admin_list",
                query=request.GET.urlencode(),
                result_count=changelist.result_count,
            )
        for name in ("original", "object"):
            obj = context.get(name)
            if isinstance(obj, models.Model):
                consulted(obj, action="admin_view")
        return response


# --- Reasons ------------------------------------------------------------------------------------

_REASONS = "access_reasons"


def reason_given(request, offender_id: int) -> str:
    """The reason the user gave, this session, for looking at this man's records."""
    return request.session.get(_REASONS, {}).get(str(offender_id), "")


def give_reason(request, offender_id: int, reason: str) -> None:
    reasons = request.session.get(_REASONS, {})
    reasons[str(offender_id)] = reason.strip()
    request.session[_REASONS] = reasons
