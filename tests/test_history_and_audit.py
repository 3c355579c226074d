import pytest
from django.db import ProgrammingError, transaction
from pghistory.models import Events

from isotp.models import AccessLog
from referrals.models import Offender
from tests.factories import make_offender


def events_for(offender):
    return Events.objects.tracks(offender).order_by("pgh_created_at", "pgh_id")


def test_creating_and_saving_an_offender_writes_history(alice):
    offender = make_offender(alice, first_name="Original")
    offender.first_name = "Renamed"
    offender.save()
    events = list(events_for(offender))
    assert [e.pgh_label for e in events] == ["insert", "update"]
    assert events[1].pgh_diff["first_name"] == ["Original", "Renamed"]


def test_a_bulk_queryset_update_is_recorded_too(alice, otto):
    offender = make_offender(alice)
    Offender.objects.filter(pk=offender.pk).update(offender_manager=otto)
    last = events_for(offender).last()
    assert last.pgh_label == "update"
    assert last.pgh_diff["offender_manager_id"] == [alice.pk, otto.pk]


def test_a_change_made_in_a_request_records_who_made_it(login, alice):
    offender = make_offender(alice)
    from tests.test_offender_forms import valid_form_data

    login(alice).post(
        f"/offenders/{offender.pk}/edit/", valid_form_data(crn=offender.crn, last_name="Changed")
    )
    assert events_for(offender).last().pgh_context["user"] == alice.pk


def test_the_access_log_cannot_be_edited_or_deleted(alice):
    # The app's role may not (tests/test_database_grants.py); its trigger refuses even the
    # owner's.
    offender = make_offender(alice)
    log = AccessLog.record(staff=alice, obj=offender, path="/x/")
    with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
        AccessLog.objects.filter(pk=log.pk).update(path="/tampered/")
    with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
        AccessLog.objects.filter(pk=log.pk).delete()
    assert AccessLog.objects.get(pk=log.pk).path == "/x/"
