"""Seed the programmes, allowed status moves and closing reasons (see referrals/reference_data.py)."""

from django.db import migrations

from referrals.reference_data import ensure_reference_data


def seed(apps, schema_editor):
    ensure_reference_data(
        apps.get_model("referrals", "Programme"),
        apps.get_model("referrals", "StatusTransition"),
        apps.get_model("referrals", "ClosingReason"),
    )


class Migration(migrations.Migration):
    dependencies = [("referrals", "0003_assessment_referral_checklist")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
