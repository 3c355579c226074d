"""Seed i-SOTP's treatment targets (see programme/reference_data.py)."""

from django.db import migrations

from programme.reference_data import ensure_treatment_targets


def seed(apps, schema_editor):
    ensure_treatment_targets(
        apps.get_model("referrals", "Programme"), apps.get_model("programme", "TreatmentTarget")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("programme", "0003_post_programme"),
        ("referrals", "0005_remove_programme_insert_insert_and_more"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
