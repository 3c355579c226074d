"""Questions on the app's forms are labelled the GOV.UK way: small bold labels and legends
(`govuk-label--s`, `govuk-fieldset__legend--s`), not a stray class crispy-forms-gds leaves when
its helper is given a size instead of a class."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_labels_and_legends_carry_the_govuk_size_class(login, alice):
    page = login(alice).get(reverse("referrals:offender_create")).content.decode()
    labels = re.findall(r'<label[^>]*class="(govuk-label[^"]*)"', page)
    legends = re.findall(r'<legend class="(govuk-fieldset__legend[^"]*)"', page)
    assert labels and legends
    questions = [c for c in labels if "__label" not in c]  # not a date part or a checkbox
    assert questions and all("govuk-label--s" in classes for classes in questions), labels
    assert all("govuk-fieldset__legend--" in classes for classes in legends), legends
    assert not [c for c in labels + legends if re.search(r"(^| )s( |$)", c)]
