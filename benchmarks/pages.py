"""What the benchmark opens: the hot spots, chosen by SQL so that any data works, and the pages.

Each hot spot is the heaviest case of its kind in the data (the biggest waiting list, the most
open notices, ...), so a page is measured where it is slowest. Every query here is one
aggregate over a table (or a join on keys): linear in the data, run once.
"""

from dataclasses import dataclass, field

from django.contrib import admin
from django.db import connection
from django.urls import reverse

from isotp.models import Role, Staff
from referrals.models import WAITING_STATUSES, Offender, Programme

LISTS = "Lists"
CASE_PAGES = "Case pages"
ADMIN = "Admin"
PDFS = "PDFs"
MANAGEMENT_INFORMATION = "Management information"
GROUPS = [LISTS, CASE_PAGES, ADMIN, PDFS, MANAGEMENT_INFORMATION]


@dataclass
class Page:
    group: str
    name: str
    user: Staff | None  # None: the data has no record (or reader) for this page
    url: str
    # Why this record (or user) was chosen, for the report.
    note: str = ""
    extra: dict = field(default_factory=dict)


def _row(sql: str, params=()) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _one(sql: str, params=()):
    """The first column of the first row, or None."""
    row = _row(sql, params)
    return row[0] if row else None


def _staff(pk) -> Staff | None:
    return Staff.objects.filter(pk=pk).first() if pk else None


def _benchmark_staff(username: str, role: str, **fields) -> Staff:
    """An account the data lacks (an admin, an auditor): made once, kept for later runs."""
    staff, _ = Staff.objects.get_or_create(
        username=username,
        defaults={"role": role, "first_name": "Benchmark", "last_name": role.title(), **fields},
    )
    return staff


def hot_spots() -> dict:
    waiting = tuple(str(s) for s in WAITING_STATUSES)
    office = _one(
        """SELECT o.office_id FROM referrals_referral r
           JOIN referrals_offender o ON o.id = r.offender_id
           WHERE r.status IN %s GROUP BY o.office_id ORDER BY count(*) DESC, o.office_id LIMIT 1""",
        [waiting],
    )
    programme_manager = _staff(
        office
        and _one(
            "SELECT id FROM isotp_staff WHERE role = %s AND office_id = %s AND is_active "
            "ORDER BY id LIMIT 1",
            [Role.PROGRAMME_MANAGER, office],
        )
    )
    if programme_manager is None:  # no waiting referrals: any programme manager
        programme_manager = Staff.objects.filter(role=Role.PROGRAMME_MANAGER).order_by("pk").first()
    manager_row = _one(
        """SELECT o.offender_manager_id FROM programme_notice n
           JOIN referrals_offender o ON o.id = n.offender_id
           WHERE n.acknowledged_at IS NULL
           GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"""
    ) or _one(
        "SELECT offender_manager_id FROM referrals_offender "
        "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    )
    offender_manager = _staff(manager_row)
    facilitator = _staff(
        _one(
            "SELECT staff_id FROM programme_group_facilitators "
            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        )
    )
    group_id = _one(
        """SELECT s.group_id FROM programme_attendance a
           JOIN programme_groupsession s ON s.id = a.session_id
           GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"""
    )
    offender_id = offender_manager and _one(
        """SELECT o.id FROM referrals_offender o
           LEFT JOIN referrals_referral r ON r.offender_id = o.id
           LEFT JOIN programme_placement p ON p.referral_id = r.id
           LEFT JOIN programme_attendance a ON a.placement_id = p.id
           WHERE o.offender_manager_id = %s
           GROUP BY o.id ORDER BY count(a.id) DESC, count(DISTINCT r.id) DESC, o.id LIMIT 1""",
        [offender_manager.pk],
    )
    admin_user = Staff.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if admin_user is None:
        admin_user = _benchmark_staff(
            "benchmark.admin", Role.ADMIN, is_staff=True, is_superuser=True
        )
    auditor = Staff.objects.filter(role=Role.AUDITOR, is_active=True).order_by("pk").first()
    if auditor is None:
        auditor = _benchmark_staff("benchmark.auditor", Role.AUDITOR)
    # The senior manager of the area with most referrals (the data has none: made once).
    area_office = _one(
        """SELECT min(f.id) FROM referrals_referral r
           JOIN referrals_offender o ON o.id = r.offender_id
           JOIN isotp_office f ON f.id = o.office_id
           GROUP BY f.area_id ORDER BY count(*) DESC, f.area_id LIMIT 1"""
    )
    senior_manager = (
        Staff.objects.filter(role=Role.SENIOR_MANAGER, is_active=True).order_by("pk").first()
    )
    if senior_manager is None and area_office:
        senior_manager = _benchmark_staff(
            "benchmark.senior", Role.SENIOR_MANAGER, office_id=area_office
        )
    return {
        "senior_manager": senior_manager,
        "programme_manager": programme_manager,
        "offender_manager": offender_manager,
        "facilitator": facilitator,
        "group_id": group_id,
        "offender": Offender.objects.filter(pk=offender_id).first() if offender_id else None,
        "admin": admin_user,
        "auditor": auditor,
    }


def _record(sql: str, params=()) -> tuple[int, Staff] | None:
    """A record's key and a member of staff who may open it (the query's two columns)."""
    row = _row(sql, params)
    if row is None:
        return None
    return row[0], _staff(row[1])


def _group_facilitator(group_id: int, preferred: Staff | None) -> Staff | None:
    row = _one(
        "SELECT staff_id FROM programme_group_facilitators WHERE group_id = %s "
        "ORDER BY staff_id = %s DESC, staff_id LIMIT 1",
        [group_id, preferred.pk if preferred else 0],
    )
    return _staff(row)


def pages(spots: dict) -> list[Page]:
    om, pm, fac = spots["offender_manager"], spots["programme_manager"], spots["facilitator"]
    offender, group_id = spots["offender"], spots["group_id"]
    found: list[Page] = []

    def add(group, name, user, url, note=""):
        # A page whose record (or reader) the data lacks is listed as not measured.
        found.append(Page(group, name, user, url, note))

    # Lists: every list in the URLconfs, as the person with the most rows in it.
    add(LISTS, "caseload", om, reverse("programme:caseload"), "offender manager, most notices")
    if offender is not None:
        add(
            LISTS,
            "caseload search (surname)",
            om,
            reverse("programme:caseload") + f"?q={offender.last_name}",
        )
    add(LISTS, "office caseload", pm, reverse("programme:caseload"), "programme manager")
    add(
        LISTS,
        "office caseload, what is due",
        pm,
        reverse("programme:caseload") + "?due=decision&due=catch_up&due=report",
        "decisions, catch-ups or reports due across the office",
    )
    add(
        LISTS,
        "office caseload, status and order",
        pm,
        reverse("programme:caseload") + "?stage=waiting&order_type=licence",
    )
    if offender is not None and offender.pnc_number:
        add(
            LISTS,
            "caseload search (PNC number)",
            om,
            reverse("programme:caseload") + f"?q={offender.pnc_number}",
        )
    add(LISTS, "waiting list", pm, reverse("programme:waiting_list"), "most waiting referrals")
    # A page of one section: 50 rows, each with its expected start (issue 13).
    isotp = Programme.objects.filter(code="isotp").first()
    if isotp is not None:
        add(
            LISTS,
            "waiting list, one section's page (50 forecasts)",
            pm,
            reverse("programme:waiting_list") + f"?programme={isotp.pk}&band=21_plus",
            "most waiting referrals",
        )
    if pm is not None and pm.office_id:
        add(
            LISTS,
            "office capacity",
            pm,
            reverse("programme:office_capacity", args=[pm.office_id]),
            "the office with most waiting referrals",
        )
    add(LISTS, "actions", om, reverse("programme:actions"))
    add(LISTS, "groups list", pm, reverse("programme:group_list"), "programme manager")
    add(LISTS, "facilitator home", fac, reverse("programme:facilitator_home"), "most groups")
    add(LISTS, "reports to write", fac, reverse("programme:reports_to_write"), "most groups")
    add(LISTS, "handovers to attend", fac, reverse("programme:handovers_to_attend"), "most groups")
    add(LISTS, "consultation log", spots["auditor"], reverse("audit:home"), "auditor")
    if offender is not None:
        add(
            LISTS,
            "consultations of one offender",
            om,
            reverse("referrals:offender_consultations", args=[offender.pk]),
        )

    # The case pages.
    if offender is not None:
        add(
            CASE_PAGES,
            "offender overview",
            om,
            reverse("programme:offender", args=[offender.pk]),
            "longest history on the caseload",
        )
    if group_id:
        group_fac = _group_facilitator(group_id, fac)
        add(CASE_PAGES, "group", group_fac, reverse("programme:group", args=[group_id]))
        session = _one(
            """SELECT s.id FROM programme_groupsession s
               WHERE s.group_id = %s AND EXISTS
                 (SELECT 1 FROM programme_attendance a WHERE a.session_id = s.id)
               ORDER BY s.date DESC, s.id DESC LIMIT 1""",
            [group_id],
        )
        if session:
            add(
                CASE_PAGES,
                "group register",
                group_fac,
                reverse("programme:register", args=[session]),
                "latest recorded session of the group with most attendance",
            )

    # The Django admin: every changelist, and the offender searches.
    superuser = spots["admin"]
    for model in admin.site._registry:
        meta = model._meta
        add(
            ADMIN,
            f"{meta.app_label}.{meta.model_name}",
            superuser,
            reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"),
        )
    if offender is not None:
        offenders = reverse("admin:referrals_offender_changelist")
        add(ADMIN, "search offender by name", superuser, f"{offenders}?q={offender.last_name}")
        add(ADMIN, "search offender by CRN", superuser, f"{offenders}?q={offender.crn}")

    # Every PDF the app prints, for the richest record of its kind (the hot offender's first).
    hot = offender.pk if offender else 0
    pdfs = [
        (
            "assessment",
            "referrals:assessment_pdf",
            """SELECT a.id, o.offender_manager_id FROM referrals_assessment a
               JOIN referrals_offender o ON o.id = a.offender_id
               ORDER BY a.offender_id = %s DESC, a.id DESC LIMIT 1""",
            [hot],
        ),
        (
            "referral pack",
            "referrals:referral_pack_pdf",
            """SELECT r.id, o.offender_manager_id FROM referrals_referral r
               JOIN referrals_offender o ON o.id = r.offender_id
               ORDER BY r.offender_id = %s DESC, r.id DESC LIMIT 1""",
            [hot],
        ),
        (
            "information letter",
            "programme:information_letter_pdf",
            "SELECT id, offender_manager_id FROM referrals_offender WHERE id = %s",
            [hot],
        ),
        (
            "attendance record",
            "programme:attendance_record_pdf",
            """SELECT p.id, o.offender_manager_id FROM programme_placement p
               JOIN referrals_referral r ON r.id = p.referral_id
               JOIN referrals_offender o ON o.id = r.offender_id
               JOIN programme_attendance a ON a.placement_id = p.id
               GROUP BY p.id, o.offender_manager_id ORDER BY count(*) DESC, p.id LIMIT 1""",
            [],
        ),
        (
            "warning letter",
            "programme:warning_letter_pdf",
            """SELECT e.id, o.offender_manager_id FROM programme_enforcement e
               JOIN referrals_offender o ON o.id = e.offender_id
               JOIN programme_attendance a ON a.id = e.attendance_id
               WHERE e.decision = 'warning_given'
                 AND a.outcome IN ('unacceptable_absence', 'failed_to_comply', 'sent_home')
               ORDER BY e.id DESC LIMIT 1""",
            [],
        ),
        (
            "end-of-programme report",
            "programme:report_pdf",
            """SELECT e.id, o.offender_manager_id FROM programme_endofprogrammereport e
               JOIN referrals_referral r ON r.id = e.referral_id
               JOIN referrals_offender o ON o.id = r.offender_id
               ORDER BY e.submitted_at IS NOT NULL DESC, e.id DESC LIMIT 1""",
            [],
        ),
        (
            "handover record",
            "programme:handover_pdf",
            """SELECT h.id, o.offender_manager_id FROM programme_handovermeeting h
               JOIN referrals_referral r ON r.id = h.referral_id
               JOIN referrals_offender o ON o.id = r.offender_id
               ORDER BY h.id DESC LIMIT 1""",
            [],
        ),
    ]
    for name, url_name, sql, params in pdfs:
        record = _record(sql, params)
        if record is None:
            add(PDFS, name, None, "", "no such record in the data")
        else:
            add(PDFS, name, record[1], reverse(url_name, args=[record[0]]))
    # Management information: the default twelve months, as the programme manager of the
    # office with most waiting and a senior manager of the biggest area; and its CSV.
    mi = reverse("programme:management_information")
    add(MANAGEMENT_INFORMATION, "office figures", pm, mi, "programme manager, biggest office")
    add(MANAGEMENT_INFORMATION, "area figures", spots["senior_manager"], mi, "biggest area")
    add(
        MANAGEMENT_INFORMATION,
        "area figures, one band",
        spots["senior_manager"],
        mi + "?band=17_21",
        "17–21 band",
    )
    add(
        MANAGEMENT_INFORMATION,
        "office figures as CSV",
        pm,
        mi + "?download=attrition",
        "one table's download",
    )
    if group_id:
        add(
            PDFS,
            "group register",
            _group_facilitator(group_id, fac),
            reverse("programme:group_register_pdf", args=[group_id]),
            "the group with most attendance",
        )
    return found
