"""The accessibility statement and the privacy notice: readable by anyone, before signing in,
and linked from the footer of every page."""

from django.urls import reverse


def test_anyone_can_read_the_accessibility_statement_without_signing_in(client):
    response = client.get(reverse("accessibility"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Accessibility statement for i-SOTP case management" in content
    assert (
        "partially compliant with the Web Content Accessibility Guidelines version 2.2" in content
    )
    assert "Equality Advisory and Support Service" in content


def test_anyone_can_read_the_privacy_notice_without_signing_in(client):
    response = client.get(reverse("privacy"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Part 3 of the Data Protection Act 2018" in content
    assert "Every view, print and change is logged" in content


def test_the_sign_in_page_and_a_signed_in_page_link_to_both_from_the_footer(client, login, alice):
    signed_out = client.get(reverse("login")).content.decode()
    signed_in = login(alice).get(reverse("programme:caseload")).content.decode()
    for page in (signed_out, signed_in):
        assert f'href="{reverse("accessibility")}">Accessibility statement</a>' in page
        assert f'href="{reverse("privacy")}">Privacy notice</a>' in page


def current_section(content: str) -> str:
    import re

    found = re.findall(r'aria-current="page">(?:<strong[^>]*>)?([^<]+)<', content)
    assert len(found) <= 1, found
    return found[0] if found else ""


def test_pages_inside_a_section_mark_it_current_in_the_navigation(
    login, alice, pat, fern, group, placement
):
    from programme.models import GroupSession

    referral = placement.referral
    register = reverse(
        "programme:register", args=[GroupSession.objects.filter(group=group).first().pk]
    )
    assert (
        current_section(
            login(alice).get(reverse("referrals:referral", args=[referral.pk])).content.decode()
        )
        == "Caseload"
    )
    assert current_section(login(fern).get(register).content.decode()) == "My groups"
    assert current_section(login(pat).get(register).content.decode()) == "Groups"
    assert (
        current_section(login(pat).get(reverse("referrals:waiting_list")).content.decode())
        == "Waiting list"
    )
