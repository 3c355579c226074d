"""Issue 14, part 6: reminder letters he can read. For each member of a group, the sessions of
the coming week and the catch-ups he owes, in his format (standard or large print in one PDF
per group, plain text for Braille), with his language need noted for staff."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import dateformat, timezone

from isotp.models import AccessLog
from programme.documents.session_reminders import coming_week
from tests.factories import (
    make_group,
    make_offender,
    make_placement,
    make_running_group,
    next_meeting_day,
    record,
    today,
)
from tests.pdf_text import assert_accessible_pdf, pdf_reader, pdf_text


def next_monday():
    today = timezone.localdate()
    return today + timedelta(days=7 - today.weekday())


@pytest.fixture
def running_group(pat, fern):
    """A group that has met twice and meets again in the coming week, on the first day of it
    that is no bank holiday (a week of bank holidays on its meeting day has no letters)."""
    start, end = coming_week(today())
    meets = next_meeting_day(range(7), on_or_after=start)
    assert meets <= end
    return make_running_group(pat, [fern], behind=2, weekday=meets.weekday())


@pytest.fixture
def members(running_group, alice, pat, fern):
    """Three men: Adam (standard print, missed session 1), Lenny (large print, an
    interpreter), Bram (Braille)."""
    adam = make_placement(
        running_group, make_offender(alice, first_name="Adam", last_name="Absentone"), alice, by=pat
    )
    lenny = make_placement(
        running_group,
        make_offender(
            alice,
            first_name="Lenny",
            last_name="Largeprint",
            needs_large_print=True,
            interpreter_language="Polish",
        ),
        alice,
        by=pat,
    )
    bram = make_placement(
        running_group,
        make_offender(alice, first_name="Bram", last_name="Brailleuser", needs_braille=True),
        alice,
        by=pat,
    )
    first = running_group.sessions.get(number=1)
    record(first, adam, "unacceptable_absence", fern)
    for placement in (lenny, bram):
        record(first, placement, "attended", fern)
    return adam, lenny, bram


def the_weeks_sessions(group):
    start, end = coming_week(timezone.localdate())
    return list(group.sessions.filter(date__range=(start, end)).order_by("number"))


def pages_by_man(content: bytes) -> dict[str, list]:
    """Each letter's pages, by the surname in its running header."""
    found: dict[str, list] = {}
    for page in pdf_reader(content).pages[1:]:
        text = page.extract_text()
        for name in ("Absentone", "Largeprint", "Brailleuser"):
            if name in text.split("\n")[0] or f"Dear {name}" in text or name in text[:200]:
                found.setdefault(name, []).append(page)
                break
    return found


def largest_font_size(page) -> float:
    sizes = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            sizes.append(font_size * abs(tm[0] or 1) * abs(cm[0] or 1))

    page.extract_text(visitor_text=visit)
    return max(sizes)


def test_one_pdf_with_a_letter_for_each_man_in_his_format(login, fern, running_group, members):
    adam, lenny, bram = members
    response = login(fern).get(reverse("programme:group_reminders_pdf", args=[running_group.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert_accessible_pdf(response.content, "Reminder letters")
    flat = " ".join(pdf_text(response.content).split())
    for session in the_weeks_sessions(running_group):
        when = dateformat.format(session.date, "l j F Y")
        assert f"Group session {session.number} of 35: {when} at 6pm" in flat
    for name in ("Adam Absentone", "Lenny Largeprint", "Bram Brailleuser"):
        assert f"Dear {name}," in flat
    # Adam owes a catch-up for session 1; the others do not.
    assert flat.count("You missed group session 1. You must do a catch-up session for it.") == 1
    # The cover sheet tells staff each man's format and needs.
    assert "Large print" in flat and "Braille from the text version" in flat
    assert "Interpreter needed: Polish" in flat
    # Lenny's letter is in large print: its type is larger than Adam's.
    pages = pages_by_man(response.content)
    assert largest_font_size(pages["Largeprint"][0]) > 1.4 * largest_font_size(
        pages["Absentone"][0]
    )
    # Each letter starts on a page of its own, headed with his name.
    assert set(pages) == {"Absentone", "Largeprint", "Brailleuser"}


def test_the_text_version_has_the_same_sentences_a_page_a_man(login, pat, running_group, members):
    response = login(pat).get(reverse("programme:group_reminders_text", args=[running_group.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    letters = text.split("\f")
    assert len(letters) == 3
    assert all(len(line) <= 72 for line in text.splitlines())
    assert "Braille needed: send the text version of this letter for transcription." in text
    flat = " ".join(text.split())
    assert "You missed group session 1. You must do a catch-up session for it." in flat
    pdf = " ".join(
        pdf_text(
            login(pat)
            .get(reverse("programme:group_reminders_pdf", args=[running_group.pk]))
            .content
        ).split()
    )
    for sentence in (
        "This letter reminds you when you must come to your group.",
        "Missing a session without a good reason is an unacceptable absence.",
    ):
        assert sentence in flat and sentence in pdf


def test_a_restricted_member_is_counted_not_printed(login, fern, running_group, members):
    from tests.test_limited_access import restrict

    _adam, lenny, _bram = members
    restrict(lenny.offender)
    response = login(fern).get(reverse("programme:group_reminders_pdf", args=[running_group.pk]))
    flat = " ".join(pdf_text(response.content).split())
    assert "Largeprint" not in flat
    assert "1 restricted case not printed" in flat
    assert (
        "Largeprint"
        not in login(fern)
        .get(reverse("programme:group_reminders_text", args=[running_group.pk]))
        .content.decode()
    )


def test_the_print_is_logged_for_the_group_and_each_man(login, fern, running_group, members):
    login(fern).get(reverse("programme:group_reminders_pdf", args=[running_group.pk]))
    printed = AccessLog.objects.filter(action="print", staff=fern).latest("pk")
    assert printed.record_type == "programme.Group"
    assert printed.record_id == str(running_group.pk)
    assert sorted(printed.offender_ids) == sorted(p.offender.pk for p in members)


@pytest.mark.parametrize("who", ["alice", "hilary", "audrey", "ada"])
def test_only_the_group_s_facilitators_and_programme_managers_print_them(
    request, login, running_group, members, who
):
    client = login(request.getfixturevalue(who))
    for name in ("programme:group_reminders_pdf", "programme:group_reminders_text"):
        assert client.get(reverse(name, args=[running_group.pk])).status_code == 404


def test_a_group_with_no_session_in_the_coming_week_prints_nothing(login, pat, fern, alice):
    later = make_group(pat, [fern], start_date=next_monday() + timedelta(days=21))
    make_placement(later, make_offender(alice), alice, by=pat)
    client = login(pat)
    response = client.get(reverse("programme:group_reminders_pdf", args=[later.pk]), follow=True)
    assert response.redirect_chain[-1][0] == later.get_absolute_url()
    assert "no session in the coming week" in response.content.decode()


def test_the_group_page_links_to_both_versions(login, fern, running_group, members):
    page = login(fern).get(running_group.get_absolute_url()).content.decode()
    assert reverse("programme:group_reminders_pdf", args=[running_group.pk]) in page
    assert reverse("programme:group_reminders_text", args=[running_group.pk]) in page
