from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from referrals.models import Programme
from referrals.waiting_list import SECTION_PAGE_SIZE, SECTION_PREVIEW
from tests.factories import make_offender, make_ready_referral, make_referral


def young_dob():
    return timezone.localdate() - timedelta(days=365 * 19)


def test_waiting_list_groups_by_programme_and_band_oldest_first(login, alice, pat):
    older = make_referral(make_offender(alice, last_name="Waitedlongest"), alice)
    older.waiting_since = date(2025, 6, 1)
    older.save()
    make_referral(make_offender(alice, last_name="Waitedless"), alice)
    make_referral(
        make_offender(
            alice,
            last_name="Youngperson",
            date_of_birth=young_dob(),
            order_start=timezone.localdate(),
            order_end=timezone.localdate() + timedelta(days=800),
        ),
        alice,
        assessed_on=timezone.localdate(),
    )
    response = login(pat).get(reverse("programme:waiting_list"))
    content = response.content.decode()
    assert content.index("Waitedlongest") < content.index("Waitedless")
    sections = {(s.programme.code, s.band): s for s in response.context["sections"]}
    adult = [r.offender.last_name for r in sections[("isotp", "21_plus")].entries]
    young = [r.offender.last_name for r in sections[("isotp", "17_21")].entries]
    assert adult == ["Waitedlongest", "Waitedless"]
    assert young == ["Youngperson"]
    days = (timezone.localdate() - date(2025, 6, 1)).days
    assert sections[("isotp", "21_plus")].entries[0].waited.days == days
    assert f'<td class="govuk-table__cell govuk-table__cell--numeric">{days}</td>' in content


def test_the_young_band_shows_whether_a_group_can_be_formed(login, alice, pat):
    Programme.objects.filter(code="isotp").update(young_group_threshold=2)

    def add_young():
        make_referral(
            make_offender(
                alice,
                date_of_birth=young_dob(),
                order_start=timezone.localdate(),
                order_end=timezone.localdate() + timedelta(days=800),
            ),
            alice,
            assessed_on=timezone.localdate(),
        )

    add_young()
    content = login(pat).get(reverse("programme:waiting_list")).content.decode()
    assert "1 waiting (0 ready for allocation) against the 2 needed" in content
    assert "not enough to form a group yet" in content
    add_young()
    content = login(pat).get(reverse("programme:waiting_list")).content.decode()
    assert "2 waiting (0 ready for allocation) against the 2 needed" in content
    assert "a group can be formed" in content


def test_waiting_list_shows_the_checklist_state(login, alice, pat):
    make_ready_referral(make_offender(alice, last_name="Readyperson"), alice)
    make_referral(make_offender(alice, last_name="Notreadyperson"), alice)
    content = login(pat).get(reverse("programme:waiting_list")).content.decode()
    assert "Complete" in content
    assert "7 items missing" in content


def test_waiting_list_filters_by_programme_and_band(login, alice, pat):
    make_referral(make_offender(alice, last_name="Isotpperson"), alice)
    make_referral(
        make_offender(alice, last_name="Nsogpperson"), alice, risk_of_serious_harm="very_high"
    )
    nsogp = Programme.objects.get(code="nsogp")
    client = login(pat)
    content = client.get(reverse("programme:waiting_list"), {"programme": nsogp.pk}).content
    assert b"Nsogpperson" in content and b"Isotpperson" not in content
    response = client.get(reverse("programme:waiting_list"), {"band": "17_21"})
    assert b"Isotpperson" not in response.content


def test_closed_referrals_are_not_on_the_waiting_list(login, alice, pat):
    from referrals.models import ClosingReason

    referral = make_referral(make_offender(alice, last_name="Withdrawnperson"), alice)
    referral.move_to(
        "withdrawn", by=alice, reason=ClosingReason.objects.filter(status="withdrawn").first()
    )
    assert b"Withdrawnperson" not in login(pat).get(reverse("programme:waiting_list")).content


def test_offender_manager_sees_only_own_referrals_on_the_waiting_list(login, alice, otto):
    make_referral(make_offender(alice, last_name="Alicesman"), alice)
    make_referral(make_offender(otto, last_name="Ottosman"), otto)
    content = login(otto).get(reverse("programme:waiting_list")).content
    assert b"Ottosman" in content and b"Alicesman" not in content


@pytest.mark.parametrize("size", [3, 30])
def test_waiting_list_runs_the_same_queries_whatever_its_length(
    login, alice, pat, size, django_assert_num_queries
):
    for _ in range(size):
        make_ready_referral(make_offender(alice), alice)
    client = login(pat)
    # session, user, the second-factor device, offices for the filter, programmes, the
    # longest waiting of each section with the sections' counts (offender and office
    # joined), their checklists' state, programme choices in the filter form, the session's
    # renewal (three statements), the consultation log's row
    # (+1: the header's count of what is due today, programme/services/today.py)
    # (+1: the groups forming in the office, to allocate to, for a programme manager)
    # (+5: each row's expected start for the whole page: queue places, programmes, groups,
    # facilitators, bank holidays; programme/services/forecast.py)
    with django_assert_num_queries(19):
        response = client.get(reverse("programme:waiting_list"))
    sections = response.context["sections"]
    assert sum(s.total for s in sections) == size
    assert sum(len(s.entries) for s in sections) == min(size, SECTION_PREVIEW)


def test_waiting_list_needs_sign_in(client):
    assert client.get(reverse("programme:waiting_list")).status_code == 302


def wait_since(referral, day):
    referral.waiting_since = day
    referral.save(update_fields=["waiting_since"])
    return referral


def test_a_long_section_shows_its_longest_waiting_and_links_to_all(login, alice, pat):
    start = date(2025, 1, 1)
    for number in range(SECTION_PREVIEW + 2):
        offender = make_offender(alice, last_name=f"Waiter{number:02d}")
        wait_since(make_referral(offender, alice), start + timedelta(days=number))
    response = login(pat).get(reverse("programme:waiting_list"))
    content = response.content.decode()
    assert f"{SECTION_PREVIEW + 2} waiting, 0 ready for allocation" in content
    assert f"The {SECTION_PREVIEW} longest waiting of {SECTION_PREVIEW + 2}" in content
    assert "Waiter00" in content and f"Waiter{SECTION_PREVIEW - 1:02d}" in content
    assert f"Waiter{SECTION_PREVIEW:02d}" not in content
    isotp = Programme.objects.get(code="isotp")
    assert f"?programme={isotp.pk}&amp;band=21_plus" in content
    assert f"All {SECTION_PREVIEW + 2} waiting for" in content


def test_one_section_is_shown_a_page_at_a_time_longest_waiting_first(
    login, alice, pat, django_assert_num_queries
):
    start = date(2024, 1, 1)
    total = SECTION_PAGE_SIZE + 3
    for number in range(total):
        offender = make_offender(alice, last_name=f"Pager{number:03d}")
        wait_since(make_referral(offender, alice), start + timedelta(days=number))
    isotp = Programme.objects.get(code="isotp")
    client = login(pat)
    url = reverse("programme:waiting_list")
    first = client.get(url, {"programme": isotp.pk, "band": "21_plus"}).content.decode()
    assert f"1 to {SECTION_PAGE_SIZE} of {total}, longest waiting first" in first
    assert "Pager000" in first and f"Pager{SECTION_PAGE_SIZE:03d}" not in first
    assert "page=2" in first
    # as the whole list, with the section counted in a query of its own, and the chosen
    # programme looked up by the filter form (the session, renewed by the first page, is not
    # written again within the minute, and the header's count is kept in it)
    # (+1: the groups forming in the office, to allocate to, for a programme manager)
    # (+5: each row's expected start for the whole page: queue places, programmes, groups,
    # facilitators, bank holidays; programme/services/forecast.py)
    with django_assert_num_queries(17):
        second = client.get(url, {"programme": isotp.pk, "band": "21_plus", "page": 2})
    second = second.content.decode()
    assert f"{SECTION_PAGE_SIZE + 1} to {total} of {total}" in second
    assert f"Pager{SECTION_PAGE_SIZE:03d}" in second and "Pager000" not in second
    # A page past the end shows the last page, never an error.
    last = client.get(url, {"programme": isotp.pk, "band": "21_plus", "page": 99})
    assert f"Pager{total - 1:03d}" in last.content.decode()


def test_the_young_band_counts_everyone_waiting_not_only_those_shown(login, alice, pat):
    Programme.objects.filter(code="isotp").update(young_group_threshold=SECTION_PREVIEW + 1)
    for _ in range(SECTION_PREVIEW + 1):
        make_referral(
            make_offender(
                alice,
                date_of_birth=young_dob(),
                order_start=timezone.localdate(),
                order_end=timezone.localdate() + timedelta(days=800),
            ),
            alice,
            assessed_on=timezone.localdate(),
        )
    content = login(pat).get(reverse("programme:waiting_list")).content.decode()
    assert f"{SECTION_PREVIEW + 1} waiting (0 ready for allocation) against the" in content
    assert "a group can be formed" in content


def test_the_list_logs_the_rows_it_showed_and_how_many_matched(login, alice, pat):
    from isotp.models import AccessLog

    for number in range(SECTION_PREVIEW + 1):
        make_referral(make_offender(alice, last_name=f"Logged{number:02d}"), alice)
    login(pat).get(reverse("programme:waiting_list"))
    entry = AccessLog.objects.filter(staff=pat, action="list").latest("pk")
    assert entry.result_count == SECTION_PREVIEW + 1
    assert len(entry.offender_ids) == SECTION_PREVIEW


# The list works out the band and the checklist's state in SQL; these check the SQL against
# the rules' own Python (Programme.age_band, PreProgrammeChecklist.missing_items) over many
# birthdays (29 February and the day he turns 21 among them) and checklist states.

_examples = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@_examples
@given(
    born=st.dates(min_value=date(1990, 1, 1), max_value=date(2009, 12, 31)),
    on=st.dates(min_value=date(2024, 1, 1), max_value=date(2032, 12, 31)),
    days_from_birthday=st.sampled_from([None, -1, 0, 1]),
)
@example(born=date(2008, 2, 29), on=date(2029, 2, 28), days_from_birthday=None)
@example(born=date(2008, 2, 29), on=date(2029, 3, 1), days_from_birthday=None)
@example(born=date(2007, 2, 28), on=date(2028, 2, 29), days_from_birthday=None)
def test_the_band_in_sql_is_the_band_the_rules_give(alice, born, on, days_from_birthday):
    from referrals.models import Offender, Referral

    referral = Referral.objects.select_related("programme").first() or make_referral(
        make_offender(alice), alice
    )
    if days_from_birthday is not None:  # around the day he reaches the band's upper age
        years = born.year + referral.programme.young_band_upper_age
        birthday = (
            date(years, 3, 1) if (born.month, born.day) == (2, 29) else born.replace(year=years)
        )
        on = birthday + timedelta(days=days_from_birthday)
    Offender.objects.filter(pk=referral.offender_id).update(date_of_birth=born)
    in_sql = Referral.objects.with_age_band(on).get(pk=referral.pk).age_band
    assert in_sql == referral.programme.age_band(born, on)


_maybe_day = st.one_of(st.none(), st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 6, 1)))


@_examples
@given(
    documents=st.lists(
        st.sampled_from(["given", "not available", "missing"]), min_size=4, max_size=4
    ),
    liaison_on=_maybe_day,
    understands_on=_maybe_day,
    interview_on=_maybe_day,
    attended=st.one_of(st.none(), st.booleans()),
    outcome=st.sampled_from(["", "suitable", "suitable_not_ready", "not_suitable"]),
)
def test_the_checklist_count_in_sql_is_the_number_of_items_missing(
    alice, documents, liaison_on, understands_on, interview_on, attended, outcome
):
    from referrals.models import CHECKLIST_DOCUMENTS, Referral

    referral = Referral.objects.first() or make_referral(make_offender(alice), alice)
    checklist = referral.checklist
    for (prefix, _label), state in zip(CHECKLIST_DOCUMENTS, documents, strict=True):
        setattr(checklist, f"{prefix}_provided_on", date(2026, 1, 2) if state == "given" else None)
        setattr(checklist, f"{prefix}_not_available", state == "not available")
    checklist.liaison_on = liaison_on
    checklist.understands_requirements_on = understands_on
    checklist.interview_on = interview_on
    checklist.interview_attended = attended
    checklist.interview_outcome = outcome
    checklist.save()
    counted = Referral.objects.with_missing_count().get(pk=referral.pk).missing_count
    assert counted == len(checklist.missing_items())


# --- Issue 11: status tags, the MoJ filter, empty sections in one table -------------------


def test_each_man_s_status_is_a_tag(login, alice, pat):
    make_ready_referral(make_offender(alice, last_name="Readyperson"), alice)
    content = login(pat).get(reverse("programme:waiting_list")).content.decode()
    assert '<strong class="govuk-tag govuk-tag--blue">Ready for allocation</strong>' in content


def test_empty_sections_are_one_table_of_counts_not_a_section_each(login, alice, pat):
    Programme.objects.filter(code="isotp").update(young_group_threshold=6)
    make_referral(make_offender(alice, last_name="Onlywaiter"), alice)
    response = login(pat).get(reverse("programme:waiting_list"))
    content = response.content.decode()
    # The one section with someone waiting is shown as before ...
    assert "Onlywaiter" in content
    assert "1 waiting, 0 ready for allocation" in content
    # ... the others in one table, without an inset or a heading each.
    assert "Sections with nobody waiting" in content
    assert "0 waiting" not in content and "Nobody is waiting." not in content
    empty = response.context["empty_sections"]
    assert len(empty) == len(response.context["sections"]) - 1
    isotp_young = next(s for s in empty if s.programme.code == "isotp" and s.band == "17_21")
    row = content[content.index('id="section-isotp-17_21"') :]
    row = row[: row.index("</tr>")]
    assert f"{isotp_young.programme}, 17–21</th>" in row
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">6</td>' in row


def test_with_nobody_waiting_anywhere_the_page_says_so_once(login, pat):
    content = login(pat).get(reverse("programme:waiting_list")).content.decode()
    assert content.count("Nobody is waiting") == 1
    assert "against the" not in content


def test_the_filter_shows_what_is_chosen_with_a_link_to_remove_each(login, alice, pat):
    make_referral(make_offender(alice, last_name="Isotpperson"), alice)
    isotp = Programme.objects.get(code="isotp")
    content = (
        login(pat)
        .get(reverse("programme:waiting_list"), {"programme": isotp.pk, "band": "21_plus"})
        .content.decode()
    )
    assert 'class="moj-filter"' in content and "Selected filters" in content
    assert 'href="?band=21_plus"><span class="govuk-visually-hidden">Remove this filter' in content
    assert f'href="?programme={isotp.pk}"><span class="govuk-visually-hidden">Remove' in content
    assert "Clear filters" in content


@pytest.mark.parametrize(
    "params", [{"programme": "999999"}, {"programme": "x", "band": "old"}, {"office": "%00"}]
)
def test_a_filter_value_not_recognised_is_ignored_with_a_message(login, alice, pat, params):
    make_referral(make_offender(alice, last_name="Stillshown"), alice)
    response = login(pat).get(reverse("programme:waiting_list"), params)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Stillshown" in content
    assert "A filter in the address was not recognised, so it is not applied" in content


def test_a_bad_filter_value_does_not_undo_the_good_ones(login, alice, pat):
    make_referral(make_offender(alice, last_name="Isotpperson"), alice)
    make_referral(
        make_offender(alice, last_name="Nsogpperson"), alice, risk_of_serious_harm="very_high"
    )
    nsogp = Programme.objects.get(code="nsogp")
    content = (
        login(pat)
        .get(reverse("programme:waiting_list"), {"programme": nsogp.pk, "band": "nonsense"})
        .content.decode()
    )
    assert "Nsogpperson" in content and "Isotpperson" not in content
    assert "not applied: Age band" in content


@pytest.mark.parametrize("size", [3, 30])
def test_the_filtered_list_runs_the_same_queries_whatever_its_length(
    login, alice, pat, size, django_assert_num_queries
):
    for _ in range(size):
        make_ready_referral(make_offender(alice), alice)
    isotp = Programme.objects.get(code="isotp")
    client = login(pat)
    client.get(reverse("programme:waiting_list"))  # the session's renewal, out of the way
    # session, user, the second-factor device, the chosen programme, offices for the filter,
    # programmes, the longest waiting with the counts, their checklists' state, programme
    # choices in the filter form, the consultation log's row (the header's count of what is
    # due today is kept in the session from the first visit)
    # (+1: the groups forming in the office, to allocate to, for a programme manager)
    # (+5: each row's expected start for the whole page: queue places, programmes, groups,
    # facilitators, bank holidays; programme/services/forecast.py)
    with django_assert_num_queries(16):
        response = client.get(reverse("programme:waiting_list"), {"programme": isotp.pk})
    assert sum(s.total for s in response.context["sections"]) == size
