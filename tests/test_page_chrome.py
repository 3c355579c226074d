"""Issue 11's chrome: page headers with their buttons beside the heading (the MoJ page header
actions pattern), and one date and time style on every page (GOV.UK: "5 October 2026",
"6:30pm")."""

import re
from pathlib import Path

from django.template import Context, Template
from django.urls import reverse


def test_a_referral_page_has_its_buttons_beside_its_heading(login, alice, placement):
    referral = placement.referral
    content = login(alice).get(reverse("referrals:referral", args=[referral.pk])).content.decode()
    header = content.split('<div class="moj-page-header-actions">', 1)[1]
    title, actions = header.split('<div class="moj-page-header-actions__actions">', 1)
    assert f"{referral.programme} referral</h1>" in title
    buttons = actions.split("</div>", 1)[0]
    assert 'class="govuk-button govuk-button--secondary"' in buttons
    assert "Print the referral pack for facilitators (PDF)</a>" in buttons


def test_the_page_header_tag_leaves_out_the_actions_area_when_there_are_none():
    html = Template(
        '{% load page_header %}{% page_header "Groups" caption="Leeds" %}{% end_page_header %}'
    ).render(Context())
    assert "moj-page-header-actions__title" in html
    assert '<h1 class="govuk-heading-l">Groups</h1>' in html
    assert '<span class="govuk-caption-l">Leeds</span>' in html
    assert "moj-page-header-actions__actions" not in html


TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
DATE_FILTER = re.compile(r"""\|date:\s*(["'])(.*?)\1""")
# Django format characters that write a month or a day abbreviated ("Oct", "Mon"), a date in
# figures ("05/10/2026") or a time (times are `|clock`, a date with its time `|when`).
NOT_GOVUK_STYLE = set("MbNDdmnyHGgAaPhis")
# Machine-readable dates are not read by people: <time datetime="..."> takes ISO 8601.
MACHINE_READABLE = {"c", "Y-m-d"}


def test_no_template_writes_a_date_abbreviated_in_figures_or_with_a_24_hour_time():
    found = []
    for path in sorted([*TEMPLATES.rglob("*.html"), *TEMPLATES.rglob("*.txt")]):
        name = path.relative_to(TEMPLATES).as_posix()
        if name.startswith("admin/"):
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for _quote, format_string in DATE_FILTER.findall(line):
                if format_string in MACHINE_READABLE:
                    continue
                unescaped = re.sub(r"\\.", "", format_string)
                if NOT_GOVUK_STYLE & set(unescaped):
                    found.append(f"{name}:{number}: |date:{format_string!r}")
    assert found == [], "Use 'j F Y' (5 October 2026), |clock or |when:\n" + "\n".join(found)


def test_dates_and_times_written_plainly_are_in_the_govuk_style(settings):
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    html = Template("{% load govuk_format %}{{ day }}|{{ at|when }}|{{ noon|when }}").render(
        Context(
            {
                "day": date(2026, 10, 5),
                "at": datetime(2026, 10, 5, 18, 30, tzinfo=london),
                "noon": datetime(2026, 10, 5, 12, 0, tzinfo=london),
            }
        )
    )
    assert html == "5 October 2026|5 October 2026 at 6:30pm|5 October 2026 at 12pm"


def test_a_referral_page_shows_its_dates_the_govuk_way(login, alice, placement):
    referral = placement.referral
    content = login(alice).get(reverse("referrals:referral", args=[referral.pk])).content.decode()
    referred = referral.referred_on
    assert f"{referred.day} {referred:%B %Y}</dd>" in content
    # Each change of status is dated with its time: "5 October 2026 at 6:30pm".
    assert re.search(r"\d{1,2} [A-Z][a-z]+ \d{4} at \d{1,2}(:\d\d)?[ap]m</td>", content)


def test_the_register_lists_outstanding_catch_ups_in_order_in_plain_english():
    from programme.services.register import catch_up_outstanding

    assert catch_up_outstanding([5, 4]).startswith(
        "Catch-ups of sessions 4 and 5 still to do: he must do them before"
    )


def test_the_page_header_tag_places_its_buttons_as_html_and_escapes_the_heading():
    html = Template(
        "{% load page_header %}{% page_header heading %}"
        '<a class="govuk-button" href="/new/">Add {{ what }}</a>{% end_page_header %}'
    ).render(Context({"heading": "Smith & <Sons>", "what": "<b>"}))
    assert '<h1 class="govuk-heading-l">Smith &amp; &lt;Sons&gt;</h1>' in html
    assert '<a class="govuk-button" href="/new/">Add &lt;b&gt;</a>' in html
