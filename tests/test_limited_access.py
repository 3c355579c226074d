"""Limited-access cases, as HMPPS has them: a restricted case is seen only by the staff allowed
on its list, an excluded member of staff never sees the case, and a restricted case with
nobody allowed is seen by nobody (it fails closed). Every page, list, search, PDF and admin
page honours it; lists show a restricted case as "Restricted" and nothing more."""

import pytest
from django.urls import reverse

from referrals.models import CaseAccess, CaseAccessKind
from tests.factories import make_offender, make_placement, make_ready_referral


def restrict(offender, *allowed, excluded=()):
    offender.restricted = bool(allowed) or not excluded
    offender.save()
    for staff in allowed:
        CaseAccess.objects.create(
            offender=offender, staff=staff, kind=CaseAccessKind.ALLOWED, note="Known to staff"
        )
    for staff in excluded:
        CaseAccess.objects.create(
            offender=offender, staff=staff, kind=CaseAccessKind.EXCLUDED, note="Neighbour"
        )


def test_a_restricted_case_is_open_only_to_those_allowed(alice, pat, login):
    offender = make_offender(alice, first_name="Rufus", last_name="Restricted")
    restrict(offender, alice)

    assert login(alice).get(reverse("programme:offender", args=[offender.pk])).status_code == 200
    client = login(pat)
    assert client.get(reverse("programme:offender", args=[offender.pk])).status_code == 404
    assert client.get(reverse("referrals:offender_edit", args=[offender.pk])).status_code == 404


def test_the_caseload_shows_a_closed_case_as_restricted_and_a_search_does_not_find_it(
    alice, pat, login
):
    offender = make_offender(alice, first_name="Rufus", last_name="Restricted", crn="R123456")
    make_offender(alice, first_name="Oscar", last_name="Open")
    restrict(offender, alice)
    client = login(pat)

    page = client.get(reverse("programme:caseload")).content.decode()
    assert "Restricted</strong> A restricted case you may not see" in page
    assert "Rufus" not in page and "R123456" not in page
    assert "Oscar" in page
    for query in ("Rufus", "R123456", "restricted"):
        found = client.get(reverse("programme:caseload"), {"q": query}).content.decode()
        assert "Restricted, Rufus" not in found and "A restricted case" not in found
        assert "No offenders match" in found


def test_an_excluded_member_of_staff_never_sees_the_case(alice, pat, login):
    offender = make_offender(alice, last_name="Excludedfrom")
    referral = make_ready_referral(offender, alice)
    restrict(offender, excluded=[pat])

    assert login(alice).get(reverse("programme:offender", args=[offender.pk])).status_code == 200
    client = login(pat)
    assert client.get(reverse("programme:offender", args=[offender.pk])).status_code == 404
    assert client.get(reverse("referrals:referral", args=[referral.pk])).status_code == 404
    waiting = client.get(reverse("programme:waiting_list")).content.decode()
    assert "Excludedfrom" not in waiting


def test_a_restricted_case_with_nobody_allowed_is_open_to_nobody(alice, pat, ada, login):
    offender = make_offender(alice, last_name="Nobodyallowed")
    restrict(offender)

    for staff in (alice, pat, ada):
        client = login(staff)
        assert client.get(reverse("programme:offender", args=[offender.pk])).status_code == 404
    admin_list = client.get(reverse("admin:referrals_offender_changelist")).content.decode()
    assert "Nobodyallowed" not in admin_list
    change = reverse("admin:referrals_offender_change", args=[offender.pk])
    assert client.get(change).status_code in (302, 404)  # the admin redirects a missing record


def test_facilitators_see_only_the_members_open_to_them(group, placement, alice, fern, login):
    hidden = make_placement(group, make_offender(alice, last_name="Hiddenmember"), alice)
    restrict(hidden.referral.offender, alice)
    session = group.sessions.order_by("number").first()
    client = login(fern)

    register = client.get(reverse("programme:register", args=[session.pk])).content.decode()
    assert "Placedperson" in register
    assert "Hiddenmember" not in register
    assert "1 member of this group is a restricted case you may not see" in register
    assert client.get(reverse("programme:placement", args=[hidden.pk])).status_code == 404
    pdf = client.get(reverse("programme:group_register_pdf", args=[group.pk]))
    assert pdf.status_code == 200


@pytest.mark.parametrize("kind", ["restriction", "exclusion"])
def test_only_the_admin_sets_limits_and_a_restriction_needs_someone_allowed(
    alice, ada, login, kind, events
):
    offender = make_offender(alice, last_name="Tobelimited")
    client = login(ada)
    url = reverse("admin:referrals_offender_change", args=[offender.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["date_of_birth"] = offender.date_of_birth.isoformat()
    data["order_start"] = offender.order_start.isoformat()
    data["order_end"] = offender.order_end.isoformat()
    data |= {
        "offences-TOTAL_FORMS": "0",
        "offences-INITIAL_FORMS": "0",
        "access_list-TOTAL_FORMS": "1",
        "access_list-INITIAL_FORMS": "0",
        "access_list-0-staff": str(alice.pk),
        "access_list-0-note": "A colleague's relative",
    }
    if kind == "restriction":
        data |= {"restricted": "on", "access_list-0-kind": CaseAccessKind.EXCLUDED}
        response = client.post(url, data)
        assert "A restricted case needs at least one person allowed" in response.content.decode()
        offender.refresh_from_db()
        assert not offender.restricted
    else:
        data |= {"access_list-0-kind": CaseAccessKind.EXCLUDED}
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:3000]
        assert login(alice).get(offender.get_absolute_url()).status_code == 404
        (added,) = events("case_access_added")
        assert (added["username"], added["offender_id"], added["target_staff_id"]) == (
            "ada.admin",
            offender.pk,
            alice.pk,
        )
        assert "Tobelimited" not in str(events())


def test_restricted_cases_come_after_every_open_case_across_the_pages(alice, pat, login):
    from programme.casework.views.caseload import CASELOAD_PAGE_SIZE

    # Open cases named to sort after the restricted ones: the order by name must not pull
    # a restricted case forward.
    for number in range(CASELOAD_PAGE_SIZE + 1):
        make_offender(alice, first_name="Zed", last_name=f"Zopen{number:02d}")
    for number in range(2):
        restrict(make_offender(alice, first_name="Abe", last_name=f"Aclosed{number}"), alice)
    client = login(pat)
    first = client.get(reverse("programme:caseload")).content.decode()
    assert f"{CASELOAD_PAGE_SIZE + 3} offenders" in first
    assert "A restricted case you may not see" not in first
    second = client.get(reverse("programme:caseload"), {"page": 2})
    rows = second.context["page"].object_list
    assert [row.is_open for row in rows] == [True, False, False]
    assert rows[0].last_name == f"Zopen{CASELOAD_PAGE_SIZE:02d}"
    assert second.content.decode().count("A restricted case you may not see") == 2
