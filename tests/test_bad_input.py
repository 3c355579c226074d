"""Bad input gets a page with a message, never a server error: every form, fed nonsense."""

import pytest
from django.urls import reverse

from programme.models import CatchUp, Enforcement
from tests.factories import make_referral, record, sign_in_verified

NONSENSE = ["", "x" * 5000, "-1", "99999999999999999999", "<script>alert(1)</script>", "\u0000"]


def junk(value, names):
    data = {}
    for name in names:
        data[name] = value
        for part in range(3):
            data[f"{name}_{part}"] = value
    return data


FIELDS = [
    "crn",
    "pnc_number",
    "first_name",
    "last_name",
    "date_of_birth",
    "gender",
    "order_type",
    "order_start",
    "order_end",
    "offender_manager",
    "description",
    "offence_date",
    "stage",
    "assessed_on",
    "oasys_completed_on",
    "risk_of_serious_harm",
    "rm2000_completed_on",
    "rm2000_category",
    "deviance",
    "to_status",
    "reason",
    "note",
    "psr_provided_on",
    "interview_attended",
    "interview_outcome",
    "oasys_on",
    "on",
    "purpose",
    "attended",
    "decision",
    "held_on",
    "completed",
    "message",
    "programme",
    "age_band",
    "venue",
    "facilitators",
    "start_date",
    "weekdays",
    "start_time",
    "new_date",
    "what_changed",
]


@pytest.mark.parametrize("value", NONSENSE)
def test_no_form_answers_nonsense_with_a_server_error(
    client, alice, pat, fern, group, placement, value
):
    from referrals.models import Offender

    offender = placement.referral.offender
    record(group.sessions.get(number=1), placement, "unacceptable_absence", fern)
    other = make_referral(
        Offender.objects.create(
            crn="Z999999",
            first_name="Junk",
            last_name="Tester",
            date_of_birth=offender.date_of_birth,
            gender="male",
            offender_manager=alice,
            office=alice.office,
            order_type="licence",
            order_start=offender.order_start,
            order_end=offender.order_end,
        ),
        alice,
    )
    data = junk(value, FIELDS)
    data.update(
        {
            f"m{placement.pk}-{name}": value
            for name in [
                "outcome",
                "absence_reason",
                "minutes_late",
                "homework",
                "note",
                "change_reason",
            ]
        }
    )
    pages = {
        alice: [
            reverse("referrals:offender_create"),
            reverse("referrals:offender_edit", args=[offender.pk]),
            reverse("referrals:offence_create", args=[offender.pk]),
            reverse("referrals:assessment_create", args=[offender.pk]),
            reverse("referrals:referral_checklist", args=[other.pk]),
            reverse("programme:referral_move", args=[other.pk]),
            reverse("programme:risk_review_create", args=[offender.pk]),
            reverse("programme:appointment_create", args=[offender.pk]),
            reverse("programme:enforcement", args=[Enforcement.objects.get().pk]),
            reverse("programme:waiting_list") + "?programme=x&band=y&office=z",
            reverse("programme:caseload") + "?page=x&sort=zz&q=%00",
        ],
        fern: [
            reverse("programme:register", args=[group.sessions.get(number=2).pk]),
            reverse("programme:catch_up", args=[CatchUp.objects.get().pk]),
            reverse("programme:placement_feedback", args=[placement.pk]),
        ],
        pat: [
            reverse("programme:group_create"),
            reverse("programme:session_move", args=[group.sessions.get(number=5).pk]),
            reverse("programme:group_allocate", args=[group.pk]),
        ],
    }
    client.raise_request_exception = False
    for user, urls in pages.items():
        sign_in_verified(client, user)
        for url in urls:
            if "?" in url:
                response = client.get(url)
            else:
                response = client.post(url, data)
            assert response.status_code < 500, (url, response.status_code)
