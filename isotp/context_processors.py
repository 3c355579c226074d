from django.urls import reverse

from isotp.models import Role


def navigation(request):
    """The header's links, by role: each person sees the pages their work needs."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    if user.role == Role.OFFENDER_MANAGER:
        items.append(("Actions", reverse("programme:actions")))
    if user.role in (Role.OFFENDER_MANAGER, Role.PROGRAMME_MANAGER):
        label = "Caseload" if user.role == Role.OFFENDER_MANAGER else "Office caseload"
        items.append((label, reverse("referrals:caseload")))
        items.append(("Waiting list", reverse("referrals:waiting_list")))
    if user.role == Role.FACILITATOR:
        items.append(("My groups", reverse("programme:facilitator_home")))
    if user.role in (Role.PROGRAMME_MANAGER, Role.FACILITATOR):
        items.append(("Groups", reverse("programme:group_list")))
    if user.role == Role.AUDITOR:
        items.append(("Consultation log", reverse("audit:home")))
    if user.is_staff:
        items.append(("Admin", reverse("admin:index")))
    path = request.path
    return {
        "nav_items": [
            {"label": label, "url": url, "active": path.startswith(url)} for label, url in items
        ]
    }
