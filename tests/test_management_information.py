"""Management information, correct to the row: a small office built by hand, each figure
asserted against an answer worked out here from the dates written below (not read back from
the page), the page and its CSV agreeing, and who may see which offices' figures.

The period is January to March 2026; "today" for the service is 15 April 2026. The edges:
a referral on the period's first and last day and one a day either side; a man who started
before the period and completed in it; a completion at 23:30 on 31 March (British Summer Time,
22:30 UTC: in the period) and one at 00:30 on 1 April (23:30 UTC on 31 March: not in it).
"""

import csv
import io
from datetime import date, datetime, timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from isotp.csv_export import csv_response
from isotp.models import AccessLog
from programme.models import (
    Attendance,
    CatchUp,
    EndOfProgrammeReport,
    Enforcement,
    HandoverMeeting,
    Placement,
    Recommendation,
)
from programme.reporting.management_information import (
    TABLE_KEYS,
    Scope,
    management_information,
    offices_in_scope,
)
from referrals.models import Programme, Referral, ReferralStatusChange
from tests.factories import (
    Role,
    make_assessment,
    make_group,
    make_offender,
    make_office,
    make_staff,
)

FIRST, LAST = date(2026, 1, 1), date(2026, 3, 31)
TODAY = date(2026, 4, 15)
YOUNG_BORN = date(2007, 1, 1)  # 19 in 2026: the 17–21 band


def percentile(values: list[float], fraction: float) -> float:
    """Linear interpolation between the closest ranks (what percentile_cont does)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def moment(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def moved(referral: Referral, to_status: str, at: datetime, by, from_status: str = "") -> None:
    """A status move written as it was on that day (the history is dated when written)."""
    with mock.patch("django.utils.timezone.now", return_value=at):
        ReferralStatusChange.objects.create(
            referral=referral, from_status=from_status, to_status=to_status, by=by
        )


class Office:
    """The hand-built office and what it holds, by name."""


def make_referral_on(offender, by, referred_on, status, *, waiting_since=None, previous=None):
    return Referral.objects.create(
        offender=offender,
        programme=Programme.objects.get(code="isotp"),
        assessment=make_assessment(offender, by),
        status=status,
        referred_on=referred_on,
        waiting_since=waiting_since or referred_on,
        previous_attempt=previous,
        referred_by=by,
    )


def weekly(group, first: date) -> None:
    """Date a group's sessions weekly from `first` (no bank holiday in the way)."""
    for session in group.sessions.order_by("number"):
        session.date = first + timedelta(weeks=session.number - 1)
        session.save(update_fields=["date"])


def place(group, referral, by, *, ended_on=None, last_number=None) -> Placement:
    sessions = {s.number: s for s in group.sessions.all()}
    return Placement.objects.create(
        group=group,
        referral=referral,
        allocated_by=by,
        allocated_on=group.start_date - timedelta(days=7),
        first_session=sessions[1],
        last_session=sessions[last_number] if last_number else None,
        ended_on=ended_on,
        end_reason="Ended in a test" if ended_on else "",
    )


@pytest.fixture
def built(alice, pat, fern, other_office):
    """Riverside (Pat's office), Hillside (same area) and Dockside (another area)."""
    isotp = Programme.objects.get(code="isotp")
    Programme.objects.filter(pk=isotp.pk).update(young_group_threshold=2)
    man = lambda name, **kw: make_offender(alice, last_name=name, **kw)  # noqa: E731
    o = Office()

    # Referrals received: the period's first and last day, a day either side, a restart.
    o.r1 = make_referral_on(man("Firstday"), alice, FIRST, "awaiting_allocation")
    o.r2 = make_referral_on(man("Lastday"), alice, LAST, "awaiting_assessment")
    o.r3 = make_referral_on(man("Daybefore"), alice, FIRST - timedelta(days=1), "deselected")
    o.r4 = make_referral_on(man("Dayafter"), alice, LAST + timedelta(days=1), "suitable_not_ready")
    o.young = make_referral_on(
        man("Youngman", date_of_birth=YOUNG_BORN), alice, date(2026, 2, 20), "awaiting_assessment"
    )
    o.young2 = make_referral_on(
        man("Youngleaver", date_of_birth=YOUNG_BORN), alice, date(2026, 1, 5), "withdrawn"
    )
    moved(o.young, "awaiting_assessment", moment(date(2026, 2, 20)), alice)
    moved(o.young2, "awaiting_assessment", moment(date(2026, 1, 5)), alice)
    moved(o.young2, "withdrawn", moment(date(2026, 3, 10)), alice, "awaiting_assessment")
    moved(o.r3, "deselected", moment(date(2026, 1, 15)), alice, "awaiting_assessment")

    # A group from 28 April 2025 whose 35th session was on 22 December 2025: C started
    # before the period and completed in it after two catch-ups (one more cancelled); F
    # completed before it.
    g0 = make_group(pat, [fern], start_date=date(2025, 4, 28))
    weekly(g0, date(2025, 4, 28))
    o.c = make_referral_on(man("Carter"), alice, date(2025, 3, 1), "post_programme")
    o.f = make_referral_on(man("Fletcher"), alice, date(2025, 3, 1), "programme_complete")
    c_place = place(g0, o.c, pat)
    place(g0, o.f, pat)
    s = {x.number: x for x in g0.sessions.all()}
    for session, held_on in ((s[3], date(2026, 1, 20)), (s[9], date(2026, 2, 5))):
        CatchUp.objects.create(
            placement=c_place, session=session, held_on=held_on, facilitator=fern, completed=True
        )
    CatchUp.objects.create(placement=c_place, session=s[12], cancelled=True)
    moved(o.c, "post_programme", moment(date(2026, 2, 10)), fern, "on_programme")
    moved(o.f, "post_programme", moment(date(2025, 12, 29)), fern, "on_programme")

    # A group from 5 January 2026: A (waiting since 5 November) completes at 23:30 BST on
    # the period's last day; B (since 6 December) must restart on 16 February.
    g1 = make_group(pat, [fern], start_date=date(2026, 1, 5))
    weekly(g1, date(2026, 1, 5))
    o.a = make_referral_on(man("Adams"), alice, date(2025, 11, 5), "post_programme")
    o.b = make_referral_on(man("Baker"), alice, date(2025, 12, 6), "restart_required")
    a_place = place(g1, o.a, pat)
    place(g1, o.b, pat, ended_on=date(2026, 2, 16), last_number=7)
    g1s = {x.number: x for x in g1.sessions.all()}
    CatchUp.objects.create(
        placement=a_place,
        session=g1s[4],
        held_on=date(2026, 3, 9),
        facilitator=fern,
        completed=True,
    )
    moved(o.a, "post_programme", moment(LAST, 23, 30), fern, "on_programme")
    moved(o.b, "restart_required", moment(date(2026, 2, 16)), fern, "on_programme")
    o.restart = make_referral_on(
        Referral.objects.get(pk=o.b.pk).offender,
        alice,
        date(2026, 2, 16),
        "awaiting_allocation",
        waiting_since=date(2025, 12, 6),
        previous=o.b,
    )
    # X completed at 00:30 BST on 1 April: 23:30 UTC on the period's last day, yet April.
    o.x = make_referral_on(man("Xavier"), alice, date(2025, 3, 1), "post_programme")
    moved(o.x, "post_programme", moment(LAST + timedelta(days=1), 0, 30), fern, "on_programme")

    # A group from 2 March 2026: D (since 21 December) starts, is breached and withdrawn;
    # E gave up his place before the first session.
    g2 = make_group(pat, [fern], start_date=date(2026, 3, 2))
    weekly(g2, date(2026, 3, 2))
    o.d = make_referral_on(man("Davies"), alice, date(2025, 12, 21), "withdrawn")
    o.e = make_referral_on(man("Evans"), alice, date(2025, 12, 10), "withdrawn")
    d_place = place(g2, o.d, pat, ended_on=date(2026, 3, 20), last_number=3)
    place(g2, o.e, pat, ended_on=date(2026, 2, 20))
    moved(o.d, "breach", moment(date(2026, 3, 5)), alice, "on_programme")
    moved(o.d, "withdrawn", moment(date(2026, 3, 20)), alice, "breach")
    moved(o.e, "withdrawn", moment(date(2026, 2, 20)), alice, "scheduled")

    # Enforcement: in time, a day late, on the deadline day, the app's own "not needed",
    # pending past its deadline today, pending within it.
    def failure(placement, session, failure_on, due_by, decision="", decided_on=None):
        attendance = Attendance.objects.create(
            session=session, placement=placement, outcome="unacceptable_absence", recorded_by=fern
        )
        return Enforcement.objects.create(
            attendance=attendance,
            offender=placement.referral.offender,
            failure_on=failure_on,
            due_by=due_by,
            proposed_action="warning",
            proposal_reason="Test",
            decision=decision,
            decided_by=alice if decision else None,
            decided_on=decided_on,
        )

    g2s = {x.number: x for x in g2.sessions.all()}
    failure(
        a_place, g1s[2], date(2026, 1, 12), date(2026, 1, 26), "warning_given", date(2026, 1, 20)
    )
    failure(
        a_place, g1s[3], date(2026, 1, 19), date(2026, 2, 2), "breach_initiated", date(2026, 2, 3)
    )
    failure(
        d_place, g2s[1], date(2026, 3, 2), date(2026, 3, 16), "found_acceptable", date(2026, 3, 16)
    )
    failure(a_place, g1s[5], date(2026, 2, 2), date(2026, 2, 16), "not_needed", date(2026, 2, 10))
    failure(a_place, g1s[6], date(2026, 3, 27), date(2026, 4, 10))
    failure(a_place, g1s[7], date(2026, 4, 6), date(2026, 4, 20))

    # Reports (version 1 counts; a correction does not) and handovers.
    def report(referral, submitted_on, version=1):
        return EndOfProgrammeReport.objects.create(
            referral=referral,
            version=version,
            status="submitted",
            author=fern,
            submitted_at=moment(submitted_on),
            submitted_by=fern,
        )

    report(o.c, date(2026, 2, 20))
    report(o.f, date(2026, 3, 10))
    report(o.f, date(2026, 3, 15), version=2)
    o.g = make_referral_on(man("Grant"), alice, date(2025, 2, 1), "post_programme")
    o.h = make_referral_on(man("Hughes"), alice, date(2025, 2, 1), "post_programme")
    report(o.g, date(2025, 12, 1))
    for referral, held_on in (
        (o.c, date(2026, 3, 15)),  # 23 days after his report: in time
        (o.f, date(2026, 3, 31)),  # 21 days after: in time
        (o.f, date(2026, 4, 5)),  # his second: not counted
        (o.g, date(2026, 1, 5)),  # 35 days after: late
        (o.h, date(2026, 2, 14)),  # no report yet: in time
    ):
        HandoverMeeting.objects.create(
            referral=referral,
            held_on=held_on,
            place="Riverside",
            offender_attended=True,
            facilitator_attended=True,
            offender_manager_attended=True,
            recorded_by=alice,
        )
    for referral, number, status, due_on in (
        (o.c, 1, "not_started", date(2026, 4, 1)),
        (o.c, 2, "in_progress", None),
        (o.c, 3, "done", None),
        (o.f, 1, "not_pursued", None),
        (o.f, 2, "not_started", date(2026, 5, 1)),
    ):
        Recommendation.objects.create(
            referral=referral,
            number=number,
            text="Attend a support group",
            status=status,
            due_on=due_on,
            not_pursued_reason="Moved away" if status == "not_pursued" else "",
        )

    # Another office of the area, and an office of another area: a referral each.
    olga = make_staff(
        "olga.hillside", Role.OFFENDER_MANAGER, other_office, accredited_on=date(2024, 1, 1)
    )
    o.hillside = make_referral_on(
        make_offender(olga, last_name="Hillsideman"), olga, date(2026, 2, 15), "awaiting_assessment"
    )
    dockside = make_office("Dockside PDU", area="Southmoor")
    dora = make_staff(
        "dora.dockside", Role.OFFENDER_MANAGER, dockside, accredited_on=date(2024, 1, 1)
    )
    make_referral_on(
        make_offender(dora, last_name="Docksideman"), dora, date(2026, 2, 15), "awaiting_assessment"
    )
    o.riverside, o.hillside_office, o.dockside = alice.office, other_office, dockside
    return o


def figures(offices, **kwargs):
    scope = Scope(
        office_ids=tuple(o.pk for o in offices),
        first_day=kwargs.pop("first_day", FIRST),
        last_day=kwargs.pop("last_day", LAST),
        today=TODAY,
        **kwargs,
    )
    mi = management_information(scope)
    summary = dict(mi.summary.rows)
    trends = {
        t.key: {row[0]: dict(zip(t.header, row, strict=True)) for row in t.rows} for t in mi.trends
    }
    return summary, trends


# --- Each figure -------------------------------------------------------------------------------


def test_referrals_received_count_the_first_and_last_day_and_no_restart(built):
    summary, trends = figures([built.riverside])
    # First day, Youngleaver (5 January), Youngman (20 February), last day; not the day
    # before or after, not the restart's new referral, not another office's.
    assert summary["Referrals received"] == "4"
    months = trends["referrals-and-starts"]
    assert [months[m]["Referrals received"] for m in months] == ["2", "1", "1"]


def test_waiting_today_and_how_long(built):
    summary, _ = figures([built.riverside])
    # Waiting: first day, last day, day after, the restart (since 6 December), Youngman.
    waited = [
        (TODAY - since).days
        for since in (FIRST, LAST, LAST + timedelta(days=1), date(2025, 12, 6), date(2026, 2, 20))
    ]
    assert summary["Waiting today"] == "5"
    assert (
        summary["Days waited so far by those waiting today: median"]
        == f"{percentile(waited, 0.5):,.1f}"
    )
    assert (
        summary["Days waited so far by those waiting today: 90th percentile"]
        == f"{percentile(waited, 0.9):,.1f}"
    )


def test_starts_and_the_wait_from_referral_to_start(built):
    summary, trends = figures([built.riverside])
    # A and B on 5 January, D on 2 March; not C (started in 2025), not E (gave up his place
    # before the first session).
    waits = [
        (date(2026, 1, 5) - date(2025, 11, 5)).days,
        (date(2026, 1, 5) - date(2025, 12, 6)).days,
        (date(2026, 3, 2) - date(2025, 12, 21)).days,
    ]
    assert summary["Starts"] == "3"
    assert summary["Days from referral to start: median"] == f"{percentile(waits, 0.5):,.1f}"
    assert (
        summary["Days from referral to start: 90th percentile"] == f"{percentile(waits, 0.9):,.1f}"
    )
    months = trends["referrals-and-starts"]
    assert [months[m]["Starts"] for m in months] == ["2", "0", "1"]
    assert trends["wait-to-start"]["January 2026"]["Median days from referral to start"] == (
        f"{percentile(waits[:2], 0.5):,.1f}"
    )


def test_completions_rate_and_catch_ups_per_completer(built):
    summary, trends = figures([built.riverside])
    # C on 10 February and A at 23:30 BST on 31 March; not X (00:30 BST on 1 April), not F
    # (December). Ended without completing: B (restart, after 7 sessions) and D (withdrawn
    # after 3); not E, whose place ended before it began.
    assert summary["Completions"] == "2"
    assert summary["Attempts ended without completing"] == "2"
    assert summary["Completion rate"] == f"{100 * 2 / 4:.1f}%"
    # C held two catch-ups (a third was cancelled), A one.
    assert summary["Catch-ups used per completer"] == f"{3 / 2:,.1f}"
    months = trends["completions"]
    assert [months[m]["Completions"] for m in months] == ["0", "1", "1"]
    assert [months[m]["Completion rate"] for m in months] == ["–", "50.0%", "50.0%"]


def test_attrition_by_reason(built):
    summary, trends = figures([built.riverside])
    assert summary["Attrition: restart required"] == "1"  # B, February
    assert summary["Attrition: breach"] == "1"  # D, March
    assert summary["Attrition: recall"] == "0"
    assert summary["Attrition: withdrawn"] == "3"  # E February; Youngleaver and D, March
    assert summary["Attrition: deselected"] == "1"  # the day before's referral, January
    months = trends["attrition"]
    assert [months[m]["Withdrawn"] for m in months] == ["0", "1", "2"]


def test_enforcement_decisions_in_time_and_their_outcomes(built):
    summary, trends = figures([built.riverside])
    # Three decisions a person took: in time, a day late, on the deadline day (in time).
    assert summary["Enforcement decisions made"] == "3"
    assert summary["Enforcement decisions made within the deadline"] == f"{100 * 2 / 3:.1f}%"
    assert summary["Enforcement outcome: formal warning given"] == "1"
    assert summary["Enforcement outcome: breach initiated"] == "1"
    assert summary["Enforcement outcome: absence found acceptable on review"] == "1"
    assert summary["Enforcement outcome: recall requested"] == "0"
    assert summary["Enforcement decisions overdue today"] == "1"
    months = trends["enforcement"]
    assert [months[m]["Made within the deadline"] for m in months] == ["100.0%", "0.0%", "100.0%"]


def test_reports_and_how_long_after_the_last_session(built):
    summary, _ = figures([built.riverside])
    # C: last session his catch-up on 5 February, report 20 February. F: last session the
    # group's 35th (22 December 2025), report 10 March; his correction does not count.
    last_group_session = date(2025, 4, 28) + timedelta(weeks=34)
    days = [
        (date(2026, 2, 20) - date(2026, 2, 5)).days,
        (date(2026, 3, 10) - last_group_session).days,
    ]
    assert summary["End-of-programme reports submitted"] == "2"
    assert summary["Days from last session to report: median"] == f"{percentile(days, 0.5):,.1f}"
    assert (
        summary["Days from last session to report: 90th percentile"]
        == f"{percentile(days, 0.9):,.1f}"
    )


def test_handovers_within_their_due_time(built):
    summary, trends = figures([built.riverside])
    # C in time, F's first in time, G late (35 days after), H before any report: in time.
    assert summary["Handovers held"] == "4"
    assert summary["Handovers held within their due time"] == f"{100 * 3 / 4:.1f}%"
    months = trends["reports-and-handovers"]
    assert [months[m]["Handovers within their due time"] for m in months] == [
        "0.0%",
        "100.0%",
        "100.0%",
    ]


def test_recommendations_outstanding_today(built):
    summary, _ = figures([built.riverside])
    assert summary["Recommendations outstanding today"] == "3"
    assert summary["Recommendations outstanding and past their due date"] == "1"


def test_young_referrals_waiting_at_each_month_end(built):
    _, trends = figures([built.riverside])
    months = trends["young-viability"]
    # 31 January: Youngleaver. 28 February: and Youngman, reaching the threshold of 2 set
    # above (i-SOTP at Riverside; N-SOGP has none). 31 March: Youngleaver withdrew.
    assert [months[m]["17–21 referrals waiting"] for m in months] == ["1", "2", "1"]
    assert [months[m]["Offices and programmes with enough to form a group"] for m in months] == [
        "0 of 2",
        "1 of 2",
        "0 of 2",
    ]


def test_the_age_band_filter_counts_only_that_band(built):
    young, _ = figures([built.riverside], band="17_21")
    adult, trends = figures([built.riverside], band="21_plus")
    assert young["Referrals received"] == "2"
    assert adult["Referrals received"] == "2"
    assert young["Waiting today"] == "1"
    assert "young-viability" not in trends


def test_an_area_adds_up_its_offices(built):
    riverside, _ = figures([built.riverside])
    hillside, _ = figures([built.hillside_office])
    area, _ = figures([built.riverside, built.hillside_office])
    assert hillside["Referrals received"] == "1"
    assert area["Referrals received"] == str(
        int(riverside["Referrals received"]) + int(hillside["Referrals received"])
    )


# --- The page, its CSV, and who may see it -------------------------------------------------


PERIOD = {"first_month": "2026-01", "last_month": "2026-03"}


def table_on_page(html: str, key: str) -> list[list[str]]:
    """The rows of one table of the page, as the HTML shows them."""
    from html.parser import HTMLParser

    class Rows(HTMLParser):
        def __init__(self):
            super().__init__()
            self.inside, self.rows, self.cell = False, [], None

        def handle_starttag(self, tag, attrs):
            if tag == "table" and dict(attrs).get("id") == f"table-{key}":
                self.inside = True
            elif self.inside and tag == "tr":
                self.rows.append([])
            elif self.inside and tag in ("td", "th"):
                self.cell = ""

        def handle_endtag(self, tag):
            if tag == "table":
                self.inside = False
            elif self.inside and tag in ("td", "th") and self.cell is not None:
                self.rows[-1].append(self.cell.strip())
                self.cell = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data

    parser = Rows()
    parser.feed(html)
    return parser.rows


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_each_table_on_the_page_and_in_its_csv_agree(login, pat, built):
    client = login(pat)
    url = reverse("programme:management_information")
    page = client.get(url, PERIOD)
    assert page.status_code == 200
    html = page.content.decode()
    summary = table_on_page(html, "summary")
    assert ["Referrals received", "4"] in summary
    for key in TABLE_KEYS:
        download = client.get(url, {**PERIOD, "download": key})
        assert download["Content-Type"].startswith("text/csv")
        assert csv_rows(download) == table_on_page(html, key), key
        assert len(table_on_page(html, key)) > 1, key
    assert client.get(url, {**PERIOD, "download": "offenders"}).status_code == 404


def test_each_chart_is_an_image_named_by_its_title_with_no_script_or_style(login, pat, built):
    html = login(pat).get(reverse("programme:management_information"), PERIOD).content.decode()
    assert html.count('role="img" aria-labelledby="chart-') == 7
    assert '<title id="chart-attrition-title">Attrition by reason</title>' in html
    body = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert "<script" not in body and "<style" not in body and "style=" not in body


def test_a_csv_cell_a_spreadsheet_would_run_is_written_as_text():
    response = csv_response(
        "figures.csv",
        ["Figure", "Value"],
        [["=SUM(A1:A9)", "+1"], ["-1", "@cmd"], ["\tTab", "\rReturn"], ["Starts", "3"]],
    )
    assert csv_rows(response)[1:] == [
        ["'=SUM(A1:A9)", "'+1"],
        ["'-1", "'@cmd"],
        ["'\tTab", "'\rReturn"],
        ["Starts", "3"],
    ]


def test_a_programme_manager_sees_his_office_only(login, pat, built):
    client = login(pat)
    url = reverse("programme:management_information")
    own = client.get(url, PERIOD)
    assert "Riverside PDU" in own.content.decode()
    elsewhere = client.get(url, {**PERIOD, "office": built.hillside_office.pk})
    html = elsewhere.content.decode()
    assert "A filter in the address was not recognised, so it is not applied: Office" in html
    assert ["Referrals received", "4"] in table_on_page(html, "summary")
    assert list(offices_in_scope(pat)) == [built.riverside]


def test_a_senior_manager_sees_every_office_of_his_area_and_no_other(login, sam, built):
    client = login(sam)
    url = reverse("programme:management_information")
    area = client.get(url, PERIOD).content.decode()
    assert ["Referrals received", "5"] in table_on_page(area, "summary")
    assert "Northshire: all 2 offices" in area
    one = client.get(url, {**PERIOD, "office": built.hillside_office.pk}).content.decode()
    assert ["Referrals received", "1"] in table_on_page(one, "summary")
    outside = client.get(url, {**PERIOD, "office": built.dockside.pk}).content.decode()
    assert "not recognised, so it is not applied: Office" in outside
    assert ["Referrals received", "5"] in table_on_page(outside, "summary")
    assert set(offices_in_scope(sam)) == {built.riverside, built.hillside_office}


def test_a_senior_manager_starts_at_the_figures_and_opens_no_case(login, sam, built):
    client = login(sam)
    assert client.get(reverse("home"))["Location"] == reverse("programme:management_information")
    assert client.get(reverse("programme:offender", args=[built.r1.offender_id])).status_code == 404
    assert client.get(reverse("referrals:referral", args=[built.r1.pk])).status_code == 404
    # Lists open to every role show him nothing of any case.
    for name in ("programme:waiting_list", "programme:caseload"):
        response = client.get(reverse(name))
        assert response.status_code in (200, 403, 404)
        assert built.r1.offender.crn not in response.content.decode()


def test_the_navigation_links_to_the_figures_for_managers_only(login, pat, sam, alice):
    for user, shown in ((pat, True), (sam, True), (alice, False)):
        html = login(user).get(reverse("programme:calendar_settings")).content.decode()
        assert ("Management information" in html) is shown, user


def test_a_period_that_ends_before_it_starts_shows_the_last_twelve_months(login, pat):
    response = login(pat).get(
        reverse("programme:management_information"),
        {"first_month": "2026-03", "last_month": "2026-01"},
    )
    html = response.content.decode()
    assert "The period must end after it starts: the period shown is the last twelve months" in html
    today = timezone.localdate()
    assert f"to {month_end_of(today):%-d %B %Y}" in html


def month_end_of(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def test_a_senior_manager_is_given_an_office_whose_area_is_his_scope(office):
    from django.core.exceptions import ValidationError

    from isotp.models import SENIOR_MANAGER_NEEDS_OFFICE, Staff

    without = Staff(username="new.senior", role=Role.SENIOR_MANAGER, office=None)
    with pytest.raises(ValidationError) as refused:
        without.full_clean(exclude=["password"])
    assert refused.value.message_dict["office"] == [SENIOR_MANAGER_NEEDS_OFFICE]
    Staff(username="new.senior", role=Role.SENIOR_MANAGER, office=office).full_clean(
        exclude=["password"]
    )


@pytest.mark.parametrize("who", ["alice", "fern", "audrey", "ada"])
def test_other_roles_are_refused_and_nothing_is_logged(request, login, who):
    user = request.getfixturevalue(who)
    before = AccessLog.objects.count()
    response = login(user).get(reverse("programme:management_information"), PERIOD)
    assert response.status_code == 404
    assert AccessLog.objects.count() == before


def test_every_view_and_download_is_logged_with_its_filters_and_no_case(login, pat, built):
    client = login(pat)
    url = reverse("programme:management_information")
    client.get(url, PERIOD)
    client.get(url, {**PERIOD, "download": "attrition"})
    view, download = AccessLog.objects.filter(staff=pat).order_by("pk")
    assert (view.action, view.view) == ("statistics", "programme:management_information")
    assert download.action == "statistics_download"
    assert "first_month=2026-01" in view.query and "download=attrition" in download.query
    assert view.offender_ids == [] and view.records == [] and download.offender_ids == []


def test_the_page_runs_the_same_queries_whatever_the_data(request, login, pat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(pat)
    url = reverse("programme:management_information")
    client.get(url, PERIOD)  # the session's first request
    with CaptureQueriesContext(connection) as empty:
        client.get(url, PERIOD)
    request.getfixturevalue("built")
    with CaptureQueriesContext(connection) as full:
        assert client.get(url, PERIOD).status_code == 200
    assert len(full.captured_queries) == len(empty.captured_queries)


def test_the_figures_are_read_from_the_replica_when_there_is_one(login, pat, built):
    """The view is marked to read from the replica: every read it makes is routed while
    the mark is on (tests/test_read_replica.py runs a real replica for the printed pages)."""
    from isotp import db_router

    asked = []
    original = db_router.ReplicaRouter.db_for_read

    def spy(self, model, **hints):
        asked.append((model._meta.label, db_router._reading_from_replica.get()))
        return original(self, model, **hints)

    with mock.patch.object(db_router.ReplicaRouter, "db_for_read", spy):
        login(pat).get(reverse("programme:management_information"), PERIOD)
    figures_read = [marked for label, marked in asked if label != "sessions.Session"]
    assert ("referrals.ReferralStatusChange", True) in asked
    assert figures_read and all(
        marked for label, marked in asked if label.startswith(("referrals.", "programme."))
    )
