"""Every offender view: anonymous, without access, with access, and with the wrong method."""

import pytest
from django.urls import reverse

from isotp.models import AccessLog
from tests.factories import make_offence, make_offender


@pytest.fixture
def offender(alice):
    offender = make_offender(alice)
    make_offence(offender)
    return offender


def offender_urls(offender):
    offence = offender.offences.first()
    return [
        reverse("programme:offender", args=[offender.pk]),
        reverse("referrals:offender_edit", args=[offender.pk]),
        reverse("referrals:offence_create", args=[offender.pk]),
        reverse("referrals:offence_edit", args=[offender.pk, offence.pk]),
    ]


def test_anonymous_visitor_is_sent_to_sign_in_from_every_page(client, offender):
    for url in offender_urls(offender) + [reverse("programme:caseload")]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/login/?next="), url


@pytest.mark.parametrize("character", ["otto", "fern", "hilary", "ada"])
def test_staff_without_reason_get_404_on_every_offender_page(request, login, offender, character):
    client = login(request.getfixturevalue(character))
    for url in offender_urls(offender):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {}).status_code in (404, 405), url


@pytest.mark.parametrize("character", ["alice", "pat"])
def test_offender_manager_and_office_programme_manager_can_open_every_page(
    request, login, offender, character
):
    client = login(request.getfixturevalue(character))
    for url in offender_urls(offender):
        assert client.get(url).status_code == 200, url


def test_offender_page_refuses_post_and_put(login, alice, offender):
    client = login(alice)
    url = reverse("programme:offender", args=[offender.pk])
    assert client.post(url).status_code == 405
    assert client.put(url).status_code == 405
    assert client.delete(reverse("referrals:offender_edit", args=[offender.pk])).status_code == 405


def test_caseload_lists_only_own_offenders_for_an_offender_manager(login, alice, otto):
    make_offender(alice, last_name="Mineonly")
    make_offender(otto, last_name="Ottosonly")
    response = login(alice).get(reverse("programme:caseload"))
    assert b"Mineonly" in response.content
    assert b"Ottosonly" not in response.content


def test_programme_manager_sees_the_whole_office_but_not_other_offices(
    login, alice, otto, pat, hilary
):
    make_offender(alice, last_name="Aliceperson")
    make_offender(otto, last_name="Ottoperson")
    content = login(pat).get(reverse("programme:caseload")).content
    assert b"Aliceperson" in content and b"Ottoperson" in content
    assert b"Aliceperson" not in login(hilary).get(reverse("programme:caseload")).content


def test_facilitator_has_no_caseload_and_cannot_add_offenders(login, fern, alice):
    make_offender(alice, last_name="Hiddenfromfern")
    client = login(fern)
    assert b"Hiddenfromfern" not in client.get(reverse("programme:caseload")).content
    assert client.get(reverse("referrals:offender_create")).status_code == 404


def test_each_view_of_an_offender_is_logged(login, alice, offender):
    client = login(alice)
    url = reverse("programme:offender", args=[offender.pk])
    client.get(url)
    client.get(url)
    logs = AccessLog.objects.filter(record_type="referrals.Offender", record_id=str(offender.pk))
    assert logs.count() == 2
    assert {log.staff for log in logs} == {alice}
    assert logs.first().path == url


def test_a_refused_view_is_not_logged_as_a_consultation(login, otto, offender):
    login(otto).get(reverse("programme:offender", args=[offender.pk]))
    assert not AccessLog.objects.exists()


def test_caseload_search_finds_by_name_and_crn(login, alice):
    make_offender(alice, last_name="Zebrafinch", crn="Z111111")
    make_offender(alice, last_name="Otherperson", crn="Y222222")
    client = login(alice)
    by_name = client.get(reverse("programme:caseload"), {"q": "zebra"}).content
    assert b"Zebrafinch" in by_name and b"Otherperson" not in by_name
    by_crn = client.get(reverse("programme:caseload"), {"q": "y222222"}).content
    assert b"Otherperson" in by_crn and b"Zebrafinch" not in by_crn


def test_caseload_sorts_by_order_end_descending(login, alice):
    from datetime import date

    make_offender(alice, last_name="Endsearly", order_end=date(2027, 1, 1))
    make_offender(alice, last_name="Endslate", order_end=date(2030, 1, 1))
    content = login(alice).get(reverse("programme:caseload"), {"sort": "-order_end"}).content
    assert content.index(b"Endslate") < content.index(b"Endsearly")


def test_caseload_is_paginated_keeping_the_search(login, alice):
    for _ in range(27):
        make_offender(alice, last_name="Pagedperson")
    client = login(alice)
    first = client.get(reverse("programme:caseload"), {"q": "Pagedperson"})
    assert first.context["page"].paginator.num_pages == 2
    assert b"q=Pagedperson&amp;page=2" in first.content
    second = client.get(reverse("programme:caseload"), {"q": "Pagedperson", "page": 2})
    assert len(second.context["page"].object_list) == 2


@pytest.mark.parametrize("size", [5, 50])
def test_caseload_runs_the_same_queries_whatever_its_size(
    login, alice, size, django_assert_num_queries
):
    for _ in range(size):
        make_offender(alice)
    client = login(alice)
    # session, user, her second-factor device, count for the paginator, the page of
    # offenders; then the session's idle timer is renewed (an update inside a savepoint:
    # three statements), and the consultation log's row.
    # (+1: the header's count of what is due today, programme/services/today.py)
    # (+1: the programmes, for the filter's choices)
    with django_assert_num_queries(11):
        response = client.get(reverse("programme:caseload"))
    assert response.status_code == 200


# --- Issue 11: the caseload's status tags and its MoJ filter --------------------------------


def test_caseload_shows_each_man_s_status_as_a_tag(login, alice):
    from tests.factories import make_ready_referral, make_referral

    make_offender(alice, last_name="Neverreferred")
    make_referral(make_offender(alice, last_name="Waitingman"), alice)
    make_ready_referral(make_offender(alice, last_name="Readyman"), alice)
    content = login(alice).get(reverse("programme:caseload")).content.decode()
    assert '<strong class="govuk-tag govuk-tag--grey">Not referred</strong>' in content
    assert 'govuk-tag--light-blue">Awaiting assessment interview</strong>' in content
    assert '<strong class="govuk-tag govuk-tag--blue">Ready for allocation</strong>' in content


def test_caseload_filters_by_status_and_keeps_the_sort_and_filter_across_pages(login, alice):
    from tests.factories import make_referral

    for _ in range(27):
        make_referral(make_offender(alice, last_name="Waitingman"), alice)
    make_offender(alice, last_name="Neverreferred")
    client = login(alice)
    url = reverse("programme:caseload")
    first = client.get(url, {"stage": "waiting", "sort": "-name"})
    content = first.content.decode()
    assert "Neverreferred" not in content
    assert first.context["page"].paginator.count == 27
    assert "27 offenders matching the filters" in content
    # The pages keep the filter and the sort; the sort links keep the filter.
    assert "stage=waiting&amp;sort=-name&amp;page=2" in content
    assert "stage=waiting&amp;sort=crn" in content
    # The filter keeps the sort when applied again, and shows what is chosen.
    assert '<input type="hidden" name="sort" value="-name">' in content
    assert "Selected filters" in content and "Waiting for assessment or a place" in content
    assert 'href="?sort=-name">Clear filters</a>' in content
    none = client.get(url, {"stage": "not_referred"}).content.decode()
    assert "Neverreferred" in none and "Waitingman" not in none


def test_a_restricted_case_never_matches_a_status_filter(login, alice):
    from tests.factories import make_referral

    hidden = make_offender(alice, last_name="Hiddenman", restricted=True)
    make_referral(hidden, alice)
    make_offender(alice, last_name="Openman")
    client = login(alice)
    listed = client.get(reverse("programme:caseload")).content.decode()
    assert "Restricted" in listed
    filtered = client.get(reverse("programme:caseload"), {"stage": "waiting"})
    assert filtered.context["page"].paginator.count == 0
    assert "Restricted" not in filtered.content.decode()


def test_caseload_ignores_a_status_it_does_not_know_with_a_message(login, alice):
    make_offender(alice, last_name="Stillhere")
    response = login(alice).get(reverse("programme:caseload"), {"stage": "zz", "q": "Still"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Stillhere" in content
    assert "not recognised, so it is not applied: Status" in content


@pytest.mark.parametrize("size", [5, 50])
def test_filtered_caseload_runs_the_same_queries_whatever_its_size(
    login, alice, size, django_assert_num_queries
):
    from tests.factories import make_referral

    for _ in range(size):
        make_referral(make_offender(alice), alice)
    client = login(alice)
    client.get(reverse("programme:caseload"))  # the session's renewal, out of the way
    # session, user, her second-factor device, count for the paginator, the page of
    # offenders with their status, the consultation log's row.
    # (+1: the programmes, for the filter's choices; the header's count of what is due today
    # is kept in the session from the first visit)
    with django_assert_num_queries(7):
        response = client.get(reverse("programme:caseload"), {"stage": ["waiting", "breach"]})
    assert response.context["page"].paginator.count == size
