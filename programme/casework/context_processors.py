from django.urls import reverse

from isotp.models import Role
from programme.access import has_today_page
from programme.casework.header_count import header_count


def navigation(request):
    """The header's links, by role: each person sees the pages their work needs."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    due = None
    if has_today_page(user):
        due = header_count(request)
        items.append(("Today", reverse("programme:today")))
    if user.role == Role.OFFENDER_MANAGER:
        items.append(("Actions", reverse("programme:actions")))
    if user.role in (Role.OFFENDER_MANAGER, Role.PROGRAMME_MANAGER):
        label = "Caseload" if user.role == Role.OFFENDER_MANAGER else "Office caseload"
        items.append((label, reverse("programme:caseload")))
        items.append(("Waiting list", reverse("programme:waiting_list")))
    if user.role == Role.FACILITATOR:
        items.append(("My groups", reverse("programme:facilitator_home")))
    if user.role in (Role.PROGRAMME_MANAGER, Role.FACILITATOR):
        items.append(("Groups", reverse("programme:group_list")))
    if user.role in (Role.PROGRAMME_MANAGER, Role.SENIOR_MANAGER) and user.office_id:
        items.append(("Management information", reverse("programme:management_information")))
    if user.role == Role.AUDITOR:
        items.append(("Consultation log", reverse("audit:home")))
    if user.is_staff:
        items.append(("Admin", reverse("admin:index")))
    path = request.path
    current = next((label for label, url in items if path.startswith(url)), None)
    if current is None:
        # A page inside a section (a man's referral, a session's register) marks the section
        # the person reached it from: the first of its candidates they have.
        first_segment = "/" + path.strip("/").split("/")[0] + "/"
        labels = {label for label, _url in items}
        current = next(
            (label for label in SECTION_OF_PAGE.get(first_segment, ()) if label in labels), None
        )
    return {
        "nav_items": [
            {
                "label": label,
                "url": url,
                "active": label == current,
                "count": due if label == "Today" else None,
            }
            for label, url in items
        ]
    }


# The header's section for pages under each first path segment, in order of preference.
SECTION_OF_PAGE = {
    "/assessments/": ("Caseload", "Office caseload"),
    "/referrals/": ("Caseload", "Office caseload", "My groups"),
    "/enforcement/": ("Actions", "Office caseload", "My groups"),
    "/notices/": ("Actions",),
    "/sessions/": ("My groups", "Groups"),
    "/catch-ups/": ("My groups", "Groups"),
    "/placements/": ("My groups", "Groups", "Caseload", "Office caseload"),
    "/reports/": ("My groups", "Caseload", "Office caseload"),
    "/recommendations/": ("Caseload", "Office caseload"),
    "/handovers/": ("Caseload", "Office caseload", "My groups"),
    "/appointments/": ("Caseload",),
    "/audit/": ("Consultation log",),
}
