"""What the offender is given: the information letter on what the programme requires of him,
as a PDF (standard or large print) and as plain text for Braille transcription."""

import re
from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from isotp.models import AccessLog
from programme.documents.letters import letter_context
from referrals.models import Programme
from tests.factories import make_group, make_offender, make_placement, make_referral, record
from tests.pdf_text import assert_accessible_pdf, pdf_reader
from tests.test_pdf_layout import effective_font_sizes


def pdf_url(offender, **query) -> str:
    url = reverse("programme:information_letter_pdf", args=[offender.pk])
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def text_url(offender) -> str:
    return reverse("programme:information_letter_text", args=[offender.pk])


def flat(text: str) -> str:
    return " ".join(text.split())


def pdf_of(response) -> str:
    """The letter's text on one line, without the running header and footer of each page."""
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pages = [
        "\n".join(
            line for line in page.extract_text().splitlines() if "OFFICIAL-SENSITIVE" not in line
        )
        for page in pdf_reader(response.content).pages
    ]
    # No automatic hyphenation: a hyphen ending a line is the word's own (three-way).
    return flat(re.sub(r"-\n", "-", "\n".join(pages)))


def text_of(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    return response.content.decode("utf-8")


def font_sizes(response) -> list[float]:
    return [s for page in pdf_reader(response.content).pages for s in effective_font_sizes(page)]


MM = 72 / 25.4


def body_line_gaps(response, top_mm: float, bottom_mm: float) -> list[float]:
    """The distances in points between successive baselines of the text in each page's body
    (between the top and bottom page margins, so leaving out the running header and footer)."""
    gaps: list[float] = []
    for page in pdf_reader(response.content).pages:
        height = float(page.mediabox.height)
        baselines: set[float] = set()

        def visit(text, cm, tm, font_dict, font_size, baselines=baselines, height=height):
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            if text.strip() and bottom_mm * MM < y < height - top_mm * MM:
                baselines.add(round(y, 2))

        page.extract_text(visitor_text=visit)
        ordered = sorted(baselines, reverse=True)
        gaps += [above - below for above, below in zip(ordered, ordered[1:], strict=False)]
    return gaps


def long_date(day) -> str:
    return f"{day:%A} {day:%-d %B %Y}"


# --- What the letter says ---------------------------------------------------------------------


def test_the_letter_is_addressed_to_him_and_sets_out_what_the_programme_requires(
    login, alice, placement
):
    offender = placement.offender

    response = login(alice).get(pdf_url(offender))

    text = pdf_of(response)
    for expected in [
        f"Adam Placedperson CRN {offender.crn} {timezone.localdate():%-d %B %Y}",
        "Your i-SOTP programme: what you must do",
        "Dear Adam Placedperson,",
        "i-SOTP is short for the Internet Sexual Offending Treatment Programme.",
        # What the programme is.
        "You will work in a group of up to 10 men.",
        "There are 35 sessions, and each session lasts 2 hours.",
        "The group meets once a week.",
        "Taking part in it is part of your order.",
        # Attendance.
        "You must go to every session, and arrive on time.",
        "If you cannot come to a session, tell your offender manager before it starts.",
        # Catch-ups.
        "If you miss a session, you must do an individual catch-up session. You must do it "
        "before you can go back to the group.",
        "No more than 4 sessions can be made up this way.",
        "If you miss more than 4 sessions, you must start the programme again.",
        # Homework.
        "You will be given work to do between sessions.",
        # Unacceptable absences, under a community order.
        "Your offender manager will decide what to do within 10 working days.",
        "You can be given a formal warning.",
        "If you already had a formal warning in the last 12 months, you can be taken back to "
        "court. This is called breach.",
        # After the programme.
        "your facilitators will write a report",
        "a meeting with your facilitator and your offender manager. This is called a "
        "three-way meeting.",
        # Who to contact, and other formats.
        "Your offender manager is Alice Testington, at Riverside PDU.",
        "You can have this letter in another language or format, for example large print, "
        "Braille or easy read.",
        "Yours sincerely, Alice Testington Offender manager Riverside PDU",
    ]:
        assert expected in text, expected
    # His group's sessions are all in the past: no date is promised.
    assert "Your group meets at Riverside probation office, room 2, every Monday at 6pm." in text
    assert "Your offender manager will tell you when you must go next." in text
    # Nothing for staff to do for him.
    assert "For staff" not in text
    assert_accessible_pdf(response.content, "Information letter")
    assert response["Content-Disposition"] == (
        f'inline; filename="information-letter-{offender.crn}.pdf"'
    )
    assert "no-store" in response["Cache-Control"]


def test_the_numbers_come_from_the_programme_record(login, alice):
    Programme.objects.filter(code="isotp").update(
        catch_up_limit=3,
        sessions=30,
        max_group_size=8,
        hours_per_session="1.5",
        enforcement_deadline_working_days=7,
        warning_window_months=6,
    )
    # No referral yet: the letter describes i-SOTP.
    offender = make_offender(alice)

    text = pdf_of(login(alice).get(pdf_url(offender)))

    for expected in [
        "No more than 3 sessions can be made up this way.",
        "If you miss more than 3 sessions, you must start the programme again.",
        "You will work in a group of up to 8 men.",
        "There are 30 sessions, and each session lasts 1.5 hours.",
        "within 7 working days",
        "in the last 6 months",
        "You do not have a place in a group yet.",
    ]:
        assert expected in text, expected
    assert "4 sessions" not in text
    assert "35 sessions" not in text


def test_an_n_sogp_referral_gets_n_sogps_letter_with_a_check_for_staff(login, alice):
    offender = make_offender(alice)
    referral = make_referral(offender, alice, risk_of_serious_harm="very_high")
    assert referral.programme.code == "nsogp"

    text = pdf_of(login(alice).get(pdf_url(offender)))

    assert "Your N-SOGP programme: what you must do" in text
    assert "N-SOGP is short for the Northumbria Sex Offender Groupwork Programme." in text
    # Its figures are placeholders until an admin confirms them.
    assert "Check before giving: N-SOGP's figures are not yet confirmed." in text


@pytest.mark.parametrize(
    "order_type, present, absent",
    [
        (
            "community_order",
            [
                "You can be given a formal warning.",
                "you can be taken back to court. This is called breach.",
                "The court can make your order stricter, or sentence you again for your offence.",
                "Taking part in it is part of your order.",
            ],
            ["recalled to prison", "suspended sentence"],
        ),
        (
            "suspended_sentence_order",
            [
                "You can be given a formal warning.",
                "you can be taken back to court. This is called breach.",
                "The court can send you to prison to serve your suspended sentence.",
            ],
            ["recalled to prison", "make your order stricter"],
        ),
        (
            "licence",
            [
                "You are on licence, so you may be recalled to prison.",
                "Your offender manager will decide what to do within 10 working days.",
                "Taking part in it is part of your licence.",
            ],
            ["formal warning", "taken back to court", "breach"],
        ),
    ],
)
def test_what_happens_after_an_unacceptable_absence_depends_on_his_order(
    login, alice, order_type, present, absent
):
    offender = make_offender(alice, order_type=order_type)

    text = pdf_of(login(alice).get(pdf_url(offender)))

    for expected in present:
        assert expected in text, expected
    for unexpected in absent:
        assert unexpected not in text, unexpected


def test_a_man_needing_an_interpreter_has_a_line_for_staff_at_the_top(login, alice):
    offender = make_offender(alice, interpreter_language="Polish", needs_braille=True)
    client = login(alice)

    pdf = pdf_of(client.get(pdf_url(offender)))
    plain = text_of(client.get(text_url(offender)))

    line = "Interpreter needed: Polish — read this letter to him with an interpreter."
    assert line in pdf
    assert line in flat(plain)
    # Before the letter itself.
    assert pdf.index(line) < pdf.index("Dear ")
    assert plain.index("Interpreter needed") < plain.index("Dear ")
    assert "Braille needed: send the text version of this letter for transcription." in pdf


def test_a_man_with_a_place_is_told_where_when_and_his_first_session(login, alice, pat, fern):
    start = timezone.localdate() + timedelta(days=30)
    later = make_group(
        pat,
        [fern],
        start_date=start,
        weekday=2,
        start_time=time(10, 30),
        venue="Hillview Centre, room 4",
    )
    offender = make_placement(later, make_offender(alice), alice, by=pat).offender
    first = later.sessions.get(number=1).date

    text = pdf_of(login(alice).get(pdf_url(offender)))

    assert "Your group meets at Hillview Centre, room 4, every Wednesday at 10:30am." in text
    assert f"Your first session is on {long_date(first)} at 10:30am." in text


def test_a_man_part_way_through_is_told_his_next_session(login, alice, pat, fern):
    today = timezone.localdate()
    current = make_group(pat, [fern], start_date=today - timedelta(days=20))
    place = make_placement(current, make_offender(alice), alice, by=pat)
    for session in current.sessions.filter(date__lt=today):
        record(session, place, "attended", by=fern)
    upcoming = current.sessions.filter(date__gte=today).in_order().first()

    text = pdf_of(login(alice).get(pdf_url(place.offender)))

    assert (
        f"Your next session is session {upcoming.number}, on {long_date(upcoming.date)} at 6pm."
    ) in text


def test_an_ended_place_is_not_his_group(login, alice, fern, placement):
    # A fifth miss ends his place and puts him back on the waiting list.
    for number in range(1, 6):
        record(
            placement.group.sessions.get(number=number), placement, "unacceptable_absence", by=fern
        )

    text = pdf_of(login(alice).get(pdf_url(placement.offender)))

    assert "You do not have a place in a group yet." in text
    assert "Riverside probation office" not in text


# --- Standard and large print -----------------------------------------------------------------


def test_standard_print_has_11pt_body_text(login, alice):
    response = login(alice).get(pdf_url(make_offender(alice)))

    sizes = font_sizes(response)
    assert pytest.approx(11, abs=0.01) in sizes
    assert min(sizes) < 18


def test_large_print_is_chosen_from_his_needs_with_every_character_at_18pt_or_more(login, alice):
    offender = make_offender(alice, needs_large_print=True)

    response = login(alice).get(pdf_url(offender))

    sizes = font_sizes(response)
    assert sizes and min(sizes) >= 18 - 0.01
    assert pytest.approx(11, abs=0.01) not in sizes
    assert response["Content-Disposition"] == (
        f'inline; filename="information-letter-{offender.crn}-large-print.pdf"'
    )
    assert "Dear " in pdf_of(response)
    assert_accessible_pdf(response.content, "Information letter")


def test_large_print_spacing_is_generous(login, alice):
    # The layout's large print: lines 1.5 times the 18pt text apart, and at least a further
    # line's height between paragraphs (standard print: 1.4 times 11pt).
    client = login(alice)
    offender = make_offender(alice, interpreter_language="Polish")
    standard = body_line_gaps(client.get(pdf_url(offender, print="standard")), 26, 24)
    large = body_line_gaps(client.get(pdf_url(offender, print="large")), 42, 32)

    assert min(standard) == pytest.approx(11 * 1.4, abs=0.05)
    assert min(large) >= 18 * 1.5 - 0.05
    # Between paragraphs: a line plus at least 18pt.
    assert any(gap >= 18 * 1.5 + 18 - 0.05 for gap in large)


def test_print_large_overrides_his_recorded_needs_and_print_standard_too(login, alice):
    client = login(alice)
    standard_man = make_offender(alice)
    large_man = make_offender(alice, needs_large_print=True)

    large = client.get(pdf_url(standard_man, print="large"))
    standard = client.get(pdf_url(large_man, print="standard"))

    assert min(font_sizes(large)) >= 18 - 0.01
    assert large["Content-Disposition"].endswith('-large-print.pdf"')
    assert pytest.approx(11, abs=0.01) in font_sizes(standard)
    assert standard["Content-Disposition"] == (
        f'inline; filename="information-letter-{large_man.crn}.pdf"'
    )


@pytest.mark.parametrize("value", ["huge", "", "LARGE"])
def test_any_other_print_choice_is_refused_and_not_logged(login, alice, value):
    offender = make_offender(alice)

    response = login(alice).get(pdf_url(offender, print=value))

    assert response.status_code == 400
    assert b"print=large or print=standard" in response.content
    assert not AccessLog.objects.filter(action="print").exists()


# --- The plain-text version --------------------------------------------------------------------


def test_the_text_version_says_what_the_pdf_says_in_short_plain_lines(login, alice, placement):
    offender = placement.offender
    offender.interpreter_language = "Polish"
    offender.save()
    client = login(alice)

    pdf = pdf_of(client.get(pdf_url(offender)))
    response = client.get(text_url(offender))

    plain = text_of(response)
    assert response["Content-Disposition"] == (
        f'attachment; filename="information-letter-{offender.crn}.txt"'
    )
    assert "no-store" in response["Cache-Control"]
    # Every sentence of the letter is in both versions, and the key ones are as expected.
    letter = letter_context(offender, today=timezone.localdate())["letter"]
    for sentence in [*letter.sentences(), *letter.staff_notes, letter.title]:
        assert flat(sentence) in flat(plain), sentence
        assert flat(sentence) in pdf, sentence
    for expected in [
        "Dear Adam Placedperson,",
        "No more than 4 sessions can be made up this way.",
        "If you already had a formal warning in the last 12 months, you can be taken back to "
        "court.",
        "Your group meets at Riverside probation office, room 2, every Monday at 6pm.",
        "Your offender manager is Alice Testington, at Riverside PDU.",
    ]:
        assert expected in flat(plain), expected
    # Laid out simply for transcription: short lines, no tables or markup, headings underlined.
    lines = plain.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "\t" not in plain and "|" not in plain and "<" not in plain
    title = lines.index("Your i-SOTP programme: what you must do")
    assert lines[title + 1] == "=" * len(lines[title])
    heading = lines.index("Catch-up sessions")
    assert lines[heading + 1] == "-" * len("Catch-up sessions")


def test_the_text_version_is_not_html_escaped(login, alice, pat, fern):
    venue = "Smith & Jones House, 'The Annexe'"
    place = make_placement(
        make_group(pat, [fern], venue=venue),
        make_offender(alice, last_name="O'Neill"),
        alice,
        by=pat,
    )

    plain = text_of(login(alice).get(text_url(place.offender)))

    assert f"Your group meets at {venue}, every Monday at 6pm." in flat(plain)
    assert "Dear Test O'Neill," in plain
    assert "&amp;" not in plain and "&#x27;" not in plain


def test_a_long_venue_is_wrapped_within_80_characters(login, alice, pat, fern):
    venue = "The Community Justice Centre, " + "Long Building Name " * 8 + "room 12"
    place = make_placement(
        make_group(pat, [fern], venue=venue), make_offender(alice), alice, by=pat
    )

    plain = text_of(login(alice).get(text_url(place.offender)))

    assert max(len(line) for line in plain.splitlines()) <= 80
    assert flat(f"Your group meets at {venue}, every Monday at 6pm.") in flat(plain)


# --- Access and logging ----------------------------------------------------------------------------


@pytest.fixture
def urls(placement):
    offender = placement.offender
    return {"pdf": pdf_url(offender), "text": text_url(offender)}


@pytest.mark.parametrize("who", ["otto", "hilary", "fern"])
def test_others_get_404(request, login, urls, who):
    client = login(request.getfixturevalue(who))
    for name, url in urls.items():
        assert client.get(url).status_code == 404, name
    assert not AccessLog.objects.exists()


def test_the_programme_manager_of_his_office_gets_both_and_each_print_is_logged(
    login, pat, urls, placement
):
    client = login(pat)
    for name, url in urls.items():
        assert client.get(url).status_code == 200, name

    logged = AccessLog.objects.filter(staff=pat, action="print")
    assert sorted(logged.values_list("path", flat=True)) == sorted(urls.values())
    assert set(logged.values_list("record_type", "record_id")) == {
        ("referrals.Offender", str(placement.offender.pk))
    }


def test_his_offender_managers_prints_are_logged(login, alice, urls):
    client = login(alice)
    client.get(urls["pdf"])
    client.get(urls["text"])

    assert AccessLog.objects.filter(staff=alice, action="print").count() == 2


def test_signed_out_visitors_are_sent_to_sign_in(client, urls):
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response.url.startswith("/login/"), name


def test_the_letters_only_answer_get(login, pat, urls):
    client = login(pat)
    for name, url in urls.items():
        assert client.post(url).status_code == 405, name
