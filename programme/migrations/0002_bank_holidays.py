"""Once seeded a hand-kept list of bank holidays in England and Wales, 2025 to 2028. They come
from the `holidays` package now (programme.models.BankHoliday.objects.days_off()), so this does
nothing; 0020 removes the rows it made from databases that ran it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("programme", "0001_initial")]
    operations = []
