"""Seed bank holidays in England and Wales (see programme/reference_data.py)."""

from django.db import migrations

from programme.reference_data import ensure_bank_holidays


def seed(apps, schema_editor):
    ensure_bank_holidays(apps.get_model("programme", "BankHoliday"))


class Migration(migrations.Migration):
    dependencies = [("programme", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
