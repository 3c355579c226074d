import re

import pytest
from django.urls import reverse

from isotp.models import AccessLog
from referrals.forms import CRN_CANNOT_BE_USED, CRN_IN_YOUR_OFFICE, CRN_ON_YOUR_CASELOAD
from referrals.models import Offender
from referrals.validators import CRN_MESSAGE, PNC_CHECK_MESSAGE, PNC_FORMAT_MESSAGE
from tests.factories import make_offender


def valid_form_data(**overrides):
    data = {
        "crn": "A123456",
        "pnc_number": "",
        "first_name": "Invented",
        "last_name": "Formperson",
        "date_of_birth_0": "4",
        "date_of_birth_1": "7",
        "date_of_birth_2": "1990",
        "gender": "male",
        "order_type": "community_order",
        "order_start_0": "1",
        "order_start_1": "2",
        "order_start_2": "2026",
        "order_end_0": "31",
        "order_end_1": "1",
        "order_end_2": "2029",
        "interpreter_language": "",
        "other_needs": "",
    }
    data.update(overrides)
    return data


def test_offender_manager_adds_an_offender_to_their_own_caseload(login, alice):
    response = login(alice).post(reverse("referrals:offender_create"), valid_form_data())
    offender = Offender.objects.get(crn="A123456")
    assert response.status_code == 302 and response.url == offender.get_absolute_url()
    assert offender.offender_manager == alice
    assert offender.office == alice.office


@pytest.mark.parametrize("crn", ["123456", "AB12345", "A12345", "A1234567", "A12345X"])
def test_a_malformed_crn_is_refused_with_the_format_explained(login, alice, crn):
    response = login(alice).post(reverse("referrals:offender_create"), valid_form_data(crn=crn))
    assert response.status_code == 200
    assert CRN_MESSAGE in response.content.decode()
    assert not Offender.objects.exists()


def test_a_page_with_errors_says_so_first_in_its_title(login, alice):
    client = login(alice)
    refused = client.post(reverse("referrals:offender_create"), valid_form_data(crn="123"))
    title = re.search(r"<title>(.*?)</title>", refused.content.decode(), re.S).group(1)
    assert title.startswith("Error: ")
    fresh = client.get(reverse("referrals:offender_create")).content.decode()
    assert "<title>Error" not in fresh


def test_a_lower_case_crn_is_accepted_and_stored_in_capitals(login, alice):
    login(alice).post(reverse("referrals:offender_create"), valid_form_data(crn=" b654321 "))
    assert Offender.objects.filter(crn="B654321").exists()


def test_a_crn_already_on_her_caseload_is_refused_naming_and_linking_to_him(login, alice):
    held = make_offender(alice, crn="A123456", first_name="Adam", last_name="Heldperson")
    response = login(alice).post(reverse("referrals:offender_create"), valid_form_data())
    content = response.content.decode()
    assert response.status_code == 200
    assert CRN_ON_YOUR_CASELOAD.format(name="Adam Heldperson") in content
    assert f'href="{held.get_absolute_url()}"' in content
    assert Offender.objects.count() == 1


def test_a_programme_manager_is_told_a_crn_is_already_in_the_office(login, pat, alice):
    make_offender(alice, crn="A123456", first_name="Adam", last_name="Heldperson")
    data = valid_form_data(offender_manager=alice.pk)
    content = login(pat).post(reverse("referrals:offender_create"), data).content.decode()
    assert CRN_IN_YOUR_OFFICE.format(name="Adam Heldperson") in content


def held_elsewhere(other_office):
    """A man of another office's caseload, CRN A123456."""
    from tests.factories import Role, make_staff

    olga = make_staff("olga.elsewhere", Role.OFFENDER_MANAGER, other_office)
    return make_offender(olga, crn="A123456", first_name="Adam", last_name="Heldelsewhere")


@pytest.mark.parametrize("who", ["alice", "otto", "pat"])
def test_a_crn_held_outside_the_users_reach_is_refused_saying_nothing_about_him(
    request, login, alice, other_office, who
):
    """Otto is in Alice's office but the man is not on his caseload: the same as elsewhere."""
    held = make_offender(alice, crn="B123456") if who == "otto" else held_elsewhere(other_office)
    user = request.getfixturevalue(who)
    data = valid_form_data(crn=held.crn, offender_manager=alice.pk)
    response = login(user).post(reverse("referrals:offender_create"), data)
    content = response.content.decode()
    assert response.status_code == 200
    assert CRN_CANNOT_BE_USED in content
    details = [held.last_name, str(held.offender_manager), held.get_absolute_url()]
    if held.office != user.office:
        details.append(held.office.name)
    for detail in details:
        assert detail not in content
    assert Offender.objects.count() == 1


def test_trying_a_crn_held_elsewhere_is_logged_against_the_man_who_holds_it(
    login, alice, other_office
):
    held = held_elsewhere(other_office)
    login(alice).post(reverse("referrals:offender_create"), valid_form_data())
    entry = AccessLog.objects.get()
    assert (entry.staff, entry.action, entry.offender_ids) == (alice, "crn_refused", [held.pk])


def test_a_man_named_by_the_crn_check_is_logged_as_consulted(login, alice):
    held = make_offender(alice, crn="A123456")
    login(alice).post(reverse("referrals:offender_create"), valid_form_data())
    assert AccessLog.objects.get().offender_ids == [held.pk]


def _page(response) -> str:
    """The page without what changes from one request to the next (CSRF token, CSP nonce)."""
    content = response.content.decode()
    content = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", content)
    return re.sub(r'nonce="[^"]*"', "", content)


def test_a_form_with_another_error_answers_the_same_whether_the_crn_is_held_or_not(
    login, alice, other_office
):
    """A careful tester cannot use a form that will not save to find out whether a CRN is
    held: the CRN is checked only once everything else is valid."""
    held_elsewhere(other_office)
    client = login(alice)
    url = reverse("referrals:offender_create")
    held = client.post(url, valid_form_data(crn="A123456", first_name=""))
    unheld = client.post(url, valid_form_data(crn="A654321", first_name=""))
    assert "Enter the first name" in held.content.decode()
    assert _page(held) == _page(unheld).replace("A654321", "A123456")
    assert not AccessLog.objects.exists()


def test_editing_to_a_crn_held_elsewhere_is_refused_in_the_same_words(login, alice, other_office):
    held_elsewhere(other_office)
    offender = make_offender(alice, crn="C111111")
    url = reverse("referrals:offender_edit", args=[offender.pk])
    response = login(alice).post(url, valid_form_data(crn="A123456"))
    assert CRN_CANNOT_BE_USED in response.content.decode()
    offender.refresh_from_db()
    assert offender.crn == "C111111"


def test_keeping_his_own_crn_when_editing_is_not_a_clash(login, alice):
    offender = make_offender(alice, crn="C111111")
    url = reverse("referrals:offender_edit", args=[offender.pk])
    response = login(alice).post(url, valid_form_data(crn="C111111", first_name="Changed"))
    assert response.status_code == 302


def test_a_crn_taken_between_the_check_and_the_save_is_refused_not_a_server_error(
    login, alice, other_office, monkeypatch
):
    """Two people adding the same man at once: the database's unique constraint decides."""
    from referrals.forms import OffenderForm

    monkeypatch.setattr(OffenderForm, "refuse_a_held_crn", _taken_meanwhile(other_office))
    response = login(alice).post(reverse("referrals:offender_create"), valid_form_data())
    assert response.status_code == 200
    assert CRN_CANNOT_BE_USED in response.content.decode()
    assert Offender.objects.count() == 1


def _taken_meanwhile(other_office):
    """The check finds the CRN free; by the time of the save, another office holds it."""
    from referrals.forms import OffenderForm

    real = OffenderForm.refuse_a_held_crn
    calls = []

    def refuse(form):
        calls.append(form)
        if len(calls) == 1:
            held_elsewhere(other_office)
            return False
        return real(form)

    return refuse


@pytest.mark.parametrize(
    ("pnc", "message"),
    [
        ("2012/0052494Z", PNC_CHECK_MESSAGE),
        ("2012-0052494A", PNC_FORMAT_MESSAGE),
        ("12/0052494", PNC_FORMAT_MESSAGE),
    ],
)
def test_an_invalid_pnc_number_is_refused(login, alice, pnc, message):
    response = login(alice).post(
        reverse("referrals:offender_create"), valid_form_data(pnc_number=pnc)
    )
    assert message in response.content.decode()


@pytest.mark.parametrize("pnc", ["2012/0052494Q", "12/52494q", ""])
def test_a_valid_or_absent_pnc_number_is_accepted(login, alice, pnc):
    response = login(alice).post(
        reverse("referrals:offender_create"), valid_form_data(pnc_number=pnc)
    )
    assert response.status_code == 302
    assert Offender.objects.get().pnc_number == pnc.upper()


def test_an_impossible_date_gets_a_clear_message_and_keeps_what_was_typed(login, alice):
    data = valid_form_data(date_of_birth_0="31", date_of_birth_1="2", first_name="Keptname")
    response = login(alice).post(reverse("referrals:offender_create"), data)
    content = response.content.decode()
    assert "Date of birth must be a real date" in content
    assert 'value="Keptname"' in content
    assert 'name="date_of_birth_0" value="31"' in content


def test_an_order_that_ends_before_it_starts_is_refused(login, alice):
    data = valid_form_data(order_end_2="2025")
    content = login(alice).post(reverse("referrals:offender_create"), data).content.decode()
    assert "The end date must be after the start date" in content
    assert not Offender.objects.exists()


def test_missing_fields_are_each_named_in_the_error_summary(login, alice):
    content = login(alice).post(reverse("referrals:offender_create"), {}).content.decode()
    assert "There is a problem" in content
    for message in [
        "Enter the CRN",
        "Enter the first name",
        "Enter the date of birth",
        "Select the gender",
        "Select the type of order or licence",
    ]:
        assert message in content


def test_programme_manager_assigns_an_offender_manager_of_the_office(login, pat, otto):
    data = valid_form_data(offender_manager=otto.pk)
    response = login(pat).post(reverse("referrals:offender_create"), data)
    assert response.status_code == 302
    assert Offender.objects.get().offender_manager == otto


def test_programme_manager_cannot_assign_a_manager_from_another_office(login, pat, other_office):
    from tests.factories import Role, make_staff

    elsewhere = make_staff("ellis.elsewhere", Role.OFFENDER_MANAGER, other_office)
    data = valid_form_data(offender_manager=elsewhere.pk)
    content = login(pat).post(reverse("referrals:offender_create"), data).content.decode()
    assert "Select a valid choice" in content


def test_editing_keeps_the_record_and_shows_the_change_in_history(login, alice):
    offender = make_offender(alice, first_name="Before")
    client = login(alice)
    data = valid_form_data(crn=offender.crn, first_name="After")
    client.post(reverse("referrals:offender_edit", args=[offender.pk]), data)
    offender.refresh_from_db()
    assert offender.first_name == "After"
    # The change is on his History page: what it was, what it is, and who changed it.
    history = reverse("programme:offender_history", args=[offender.pk])
    page = client.get(history).content.decode()
    assert "Before" in page and "After" in page
    assert str(alice) in page


def test_the_error_summary_links_to_the_first_radio_of_a_missing_choice(login, alice):
    content = login(alice).post(reverse("referrals:offender_create"), {}).content.decode()
    assert 'href="#id_gender_1"' in content
    assert 'id="id_gender_1"' in content


@pytest.mark.parametrize(
    ("day", "month", "year"),
    [
        ("99999999999999999999", "1", "1990"),
        ("0", "1", "1990"),
        ("1", "13", "1990"),
        ("1", "1", "90"),
        ("x", "1", "1990"),
    ],
)
def test_nonsense_dates_get_a_message_not_an_error(login, alice, day, month, year):
    data = valid_form_data(date_of_birth_0=day, date_of_birth_1=month, date_of_birth_2=year)
    response = login(alice).post(reverse("referrals:offender_create"), data)
    assert response.status_code == 200
    assert "Date of birth must be a real date" in response.content.decode()


def test_the_refusal_is_the_same_page_whoever_holds_the_crn(login, alice, otto, other_office):
    """Held by a colleague of the same office or by another office: nothing tells them apart."""
    held_elsewhere(other_office)
    make_offender(otto, crn="B123456")
    client = login(alice)
    url = reverse("referrals:offender_create")
    elsewhere = client.post(url, valid_form_data(crn="A123456"))
    colleague = client.post(url, valid_form_data(crn="B123456"))
    assert CRN_CANNOT_BE_USED in elsewhere.content.decode()
    assert _page(elsewhere) == _page(colleague).replace("B123456", "A123456")
