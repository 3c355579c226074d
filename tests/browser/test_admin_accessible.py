"""The Django admin passes axe-core (WCAG 2.x A and AA): admins are users too. Every page type
of every registered model is opened as a superuser, over the demo data: the log-in page, the
index and each app's index, each changelist, add form (where adding is allowed), change form
and history. A model with inlines is opened at a record that has rows in them, so that each
row's own inputs (its "Delete?" box among them) are checked too."""

import json
import os

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.forms.models import _get_foreign_key
from django.urls import reverse

from tests.browser.conftest import ARTIFACTS, SERIOUS_IMPACTS, axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOMAIN_APPS = ("isotp", "referrals", "programme")
# AXE_ALL=1 lists minor and moderate violations too (a survey, not the test's bar).
IMPACTS = None if os.environ.get("AXE_ALL") else SERIOUS_IMPACTS


class Request:
    def __init__(self, user):
        self.user = user


# The admin's pages in four parts, each a test of its own, so that the two workers share them
# (one test of every page took three minutes): the index and each app's index, then the
# registered models in three slices of their sorted list.
PARTS = 4


def admin_pages(superuser, part: int) -> list[str]:
    request = Request(superuser)
    if part == 0:
        apps = sorted({model._meta.app_label for model in admin.site._registry})
        return [reverse("admin:index")] + [reverse("admin:app_list", args=[a]) for a in apps]
    pages, histories = [], []
    registered = sorted(admin.site._registry.items(), key=lambda i: i[0]._meta.label)
    for model, model_admin in registered[part - 1 :: PARTS - 1]:
        opts = model._meta
        name = f"admin:{opts.app_label}_{opts.model_name}"
        pages.append(reverse(f"{name}_changelist"))
        if model_admin.has_add_permission(request):
            pages.append(reverse(f"{name}_add"))
        first = record_to_open(model, model_admin)
        if first is not None:
            pages.append(reverse(f"{name}_change", args=[first.pk]))
            histories.append(reverse(f"{name}_history", args=[first.pk]))
    # Every history page is the same template over the same kind of rows: three will do
    # (a run over all of them found nothing more), one in each part.
    return pages + histories[:1]


def record_to_open(model, model_admin):
    """The first record with rows in as many of its admin's inlines as any record has (a
    change page with empty inlines shows none of their rows' inputs)."""
    records = model.objects.order_by("pk")
    for inline in model_admin.inlines:
        parent = _get_foreign_key(model, inline.model, fk_name=inline.fk_name).name
        with_rows = records.filter(pk__in=inline.model.objects.values(parent))
        if with_rows.exists():
            records = with_rows
    return records.first()


@pytest.mark.parametrize("part", range(PARTS))
def test_every_admin_page_has_no_serious_or_critical_axe_violation(page, ada, part):
    call_command("seed_demo", verbosity=0)
    found = {}
    if part == 0:
        page.goto(reverse("admin:login"))
        found[page.url] = axe_violations(page, IMPACTS)
    sign_in(page, ada.username)
    pages = admin_pages(ada, part)
    for url in pages:
        response = page.goto(url)
        assert response.status == 200, url
        violations = axe_violations(page, IMPACTS)
        if violations:
            found[url] = violations
    found = {url: v for url, v in found.items() if v}
    if os.environ.get("AXE_ALL"):
        summary = {}
        for violations in found.values():
            for v in violations:
                summary.setdefault(f"{v['impact']} {v['id']}", []).append(v["nodes"][:2])
        survey = {
            "pages": len(pages) + 1,
            "pages_with_violations": len(found),
            "rules": {k: (len(v), v[:4]) for k, v in summary.items()},
            "by_page": {url: sorted({v["id"] for v in vs}) for url, vs in found.items()},
        }
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / f"admin-axe-survey-{part}.json").write_text(json.dumps(survey, indent=1))
    assert found == {}, json.dumps(found, indent=1)
