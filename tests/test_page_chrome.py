"""Issue 11's chrome: page headers with their buttons beside the heading (the MoJ page header
actions pattern), and one date and time style on every page (GOV.UK: "5 October 2026",
"6:30pm")."""

from django.template import Context, Template
from django.urls import reverse


def test_a_referral_page_has_its_buttons_beside_its_heading(login, alice, placement):
    referral = placement.referral
    content = login(alice).get(reverse("referrals:referral", args=[referral.pk])).content.decode()
    header = content.split('<div class="moj-page-header-actions">', 1)[1]
    title, actions = header.split('<div class="moj-page-header-actions__actions">', 1)
    assert f"{referral.programme} referral</h1>" in title
    assert "Print the referral pack for facilitators (PDF)" in actions.split("</div>", 1)[0]


def test_the_page_header_tag_leaves_out_the_actions_area_when_there_are_none():
    html = Template(
        '{% load page_header %}{% page_header "Groups" caption="Leeds" %}{% end_page_header %}'
    ).render(Context())
    assert '<h1 class="govuk-heading-l">Groups</h1>' in html
    assert '<span class="govuk-caption-l">Leeds</span>' in html
    assert "moj-page-header-actions__actions" not in html
