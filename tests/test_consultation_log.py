"""The consultation log (DPA 2018 s.62): one row per response that showed case records, naming
who, which view, which records and offenders, what was searched and how many results.
(tests/test_every_url.py checks that every page and every admin page writes its row.)"""

from django.urls import reverse

from isotp.models import AccessLog
from tests.factories import make_offender


def test_a_caseload_search_logs_what_was_searched_how_many_matched_and_who_was_shown(alice, login):
    shown = [make_offender(alice, last_name=f"Searchable{n}") for n in range(3)]
    make_offender(alice, last_name="Otherwise")
    login(alice).get(reverse("programme:caseload"), {"q": "searchable"})

    log = AccessLog.objects.get()
    assert (log.staff, log.view, log.action) == (alice, "programme:caseload", "search")
    assert log.query == "q=searchable"
    assert log.result_count == 3
    assert sorted(log.offender_ids) == sorted(o.pk for o in shown)


def test_a_register_logs_every_man_on_it(placement, fern, login):
    session = placement.group.sessions.order_by("number").first()
    login(fern).get(reverse("programme:register", args=[session.pk]))

    log = AccessLog.objects.get()
    assert log.view == "programme:register"
    assert log.offender_ids == [placement.referral.offender_id]
    assert f"programme.Placement:{placement.pk}" in log.records


def test_a_printed_record_is_logged_as_printed(placement, alice, login):
    response = login(alice).get(reverse("programme:attendance_record_pdf", args=[placement.pk]))

    assert response["Content-Type"] == "application/pdf"
    log = AccessLog.objects.get()
    assert (log.action, log.record_type) == ("print", "programme.Placement")
    assert log.offender_ids == [placement.referral.offender_id]


def test_a_form_page_that_shows_his_record_is_logged(alice, login):
    offender = make_offender(alice)
    login(alice).get(reverse("referrals:offender_edit", args=[offender.pk]))

    log = AccessLog.objects.get()
    assert (log.view, log.offender_ids) == ("referrals:offender_edit", [offender.pk])


def test_a_refusal_or_a_redirect_after_saving_shows_nothing_and_logs_nothing(alice, otto, login):
    ottos = make_offender(otto)
    client = login(alice)
    assert client.get(reverse("programme:offender", args=[ottos.pk])).status_code == 404
    mine = make_offender(alice)
    response = client.post(
        reverse("referrals:offence_create", args=[mine.pk]),
        {"description": "Made indecent images of children", "internet_related_sexual": "on"},
    )
    assert response.status_code == 302
    assert not AccessLog.objects.exists()


def test_the_django_admin_logs_its_lists_searches_and_records(ada, alice, login):
    offender = make_offender(alice, last_name="Adminseen")
    client = login(ada)
    client.get(reverse("admin:referrals_offender_changelist"), {"q": "Adminseen"})
    client.get(reverse("admin:referrals_offender_change", args=[offender.pk]))

    listed, opened = AccessLog.objects.order_by("pk")
    assert (listed.action, listed.query, listed.result_count) == ("admin_list", "q=Adminseen", 1)
    assert listed.offender_ids == [offender.pk]
    assert (opened.action, opened.view) == ("admin_view", "admin:referrals_offender_change")
    assert opened.offender_ids == [offender.pk]
