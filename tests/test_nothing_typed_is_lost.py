"""Nothing typed is ever lost: every form's first submit button (the one Enter takes) is its
saving action, and "Mark all attended" keeps whatever was typed on the register."""

import re
from pathlib import Path

from django.urls import reverse

from programme.models import Attendance
from tests.factories import make_offender, make_placement

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def test_mark_all_attended_keeps_what_was_typed_and_saves_nothing(
    login, fern, group, placement, alice, pat
):
    other = make_placement(group, make_offender(alice, last_name="Otherman"), alice, by=pat)
    session = group.sessions.get(number=1)
    typed = {
        f"m{placement.pk}-minutes_late": "7",
        f"m{placement.pk}-note": "Typed before marking",
        f"m{other.pk}-outcome": "unacceptable_absence",
        "mark_all": "1",
    }

    page = login(fern).post(reverse("programme:register", args=[session.pk]), typed)

    content = page.content.decode()
    assert "Nothing is saved yet: check the register, then save it." in content
    assert (
        f'name="m{placement.pk}-minutes_late" type="text" inputmode="numeric" value="7"' in content
    )
    assert "Typed before marking" in content
    assert re.search(
        rf'name="m{placement.pk}-outcome" type="radio" value="attended" checked', content
    )
    assert re.search(
        rf'name="m{other.pk}-outcome" type="radio" value="unacceptable_absence" checked', content
    )
    assert not re.search(
        rf'name="m{other.pk}-outcome" type="radio" value="attended" checked', content
    )
    assert not Attendance.objects.exists()


def test_the_register_saves_first_so_enter_saves(login, fern, group, placement):
    page = login(fern).get(reverse("programme:register", args=[group.sessions.get(number=1).pk]))
    (form,) = [
        form
        for form in re.findall(r"<form\b.*?</form>", page.content.decode(), flags=re.S)
        if "Save register" in form
    ]
    buttons = re.findall(r'<button type="submit"[^>]*>([^<]*)', form)
    assert buttons == ["Save register", "Save and mark register complete", "Mark all attended"]


def test_no_template_puts_two_submit_buttons_in_one_form_except_the_register():
    crowded = []
    for template in TEMPLATES.rglob("*.html"):
        for form in re.findall(r"<form\b.*?</form>", template.read_text(), flags=re.S):
            if len(re.findall(r'type="submit"', form)) > 1:
                crowded.append(template.name)
    assert crowded == ["register.html"]
