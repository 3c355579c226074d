"""Readiness follows the pre-programme checklist: the move to "ready for allocation" from
pre-programme work is made by the app when the checklist completes, and a new automatic
move takes the referral back when an item is undone."""

from django.db import migrations

# Written out, not imported: a migration keeps the values it was written with.
READY_LABEL = "Checklist complete: ready for allocation"
NOT_READY_LABEL = "Checklist no longer complete: back to pre-programme work"


def make_readiness_automatic(apps, schema_editor):
    StatusTransition = apps.get_model("referrals", "StatusTransition")
    StatusTransition.objects.update_or_create(
        from_status="awaiting_assessment",
        to_status="awaiting_allocation",
        defaults={"label": READY_LABEL, "automatic": True, "requires_reason": False},
    )
    StatusTransition.objects.update_or_create(
        from_status="awaiting_allocation",
        to_status="awaiting_assessment",
        defaults={"label": NOT_READY_LABEL, "automatic": True, "requires_reason": False},
    )


def make_readiness_manual(apps, schema_editor):
    StatusTransition = apps.get_model("referrals", "StatusTransition")
    StatusTransition.objects.filter(
        from_status="awaiting_allocation", to_status="awaiting_assessment"
    ).delete()
    StatusTransition.objects.filter(
        from_status="awaiting_assessment", to_status="awaiting_allocation"
    ).update(label="Ready for allocation", automatic=False)


class Migration(migrations.Migration):
    dependencies = [("referrals", "0007_assessment_incomplete_without_oasys_rm2000")]
    operations = [migrations.RunPython(make_readiness_automatic, make_readiness_manual)]
