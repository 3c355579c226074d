"""Backups that are tested: `manage.py backup` (make backup) and `manage.py restore_check`
(make restore-check) against the test database, through real pg_dump and pg_restore."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from isotp.backups import compare
from tests.factories import make_offender


def run(command: str, folder) -> str:
    out = StringIO()
    call_command(command, dir=folder, stdout=out)
    return out.getvalue()


# pg_dump sees committed rows only; each check restores a whole database.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_a_backup_restores_with_every_table_the_same(reference_data, tmp_path, alice):
    make_offender(alice, first_name="Adam", last_name="Backedup")

    written = run("backup", tmp_path)
    # Written after the backup: the check compares with what the dump was taken from.
    make_offender(alice, first_name="Lee", last_name="Later")
    checked = run("restore_check", tmp_path)

    (manifest,) = tmp_path.glob("*.json")
    tables = json.loads(manifest.read_text())["tables"]
    assert manifest.name.replace(".json", ".dump") in written
    assert tables["public.referrals_offender"]["rows"] == 1
    assert tables["public.referrals_programme"]["rows"] > 0  # reference data
    assert f"restored: {len(tables)} tables" in checked
    assert "every count and checksum the same" in checked
    assert oct(manifest.stat().st_mode & 0o777) == "0o600"


def test_the_newest_backup_is_checked_and_a_difference_fails(reference_data, tmp_path, alice):
    make_offender(alice)
    run("backup", tmp_path)
    make_offender(alice)
    run("backup", tmp_path)
    newest = max(tmp_path.glob("*.json"))
    # The source held another man, or the same number of men with another name, than the
    # restored copy has.
    manifest = json.loads(newest.read_text())
    offenders = manifest["tables"]["public.referrals_offender"]
    assert offenders["rows"] == 2  # the newest, not the first

    offenders["rows"] = 3
    newest.write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="referrals_offender: 3 rows in the source, 2 restored"):
        run("restore_check", tmp_path)


def test_every_kind_of_difference_is_named():
    source = {
        "public.a": {"rows": 1, "checksum": "10"},
        "public.b": {"rows": 2, "checksum": "20"},
        "public.c": {"rows": 3, "checksum": "30"},
    }
    restored = {
        "public.a": {"rows": 1, "checksum": "10"},
        "public.b": {"rows": 2, "checksum": "21"},
        "public.d": {"rows": 0, "checksum": "0"},
    }

    assert compare(source, restored) == [
        "public.b: the same number of rows, but their contents differ",
        "public.c: missing from the restored copy",
        "public.d: in the restored copy but not in the source",
    ]


def test_a_damaged_dump_fails_the_check(reference_data, tmp_path, alice):
    make_offender(alice)
    run("backup", tmp_path)
    (dump,) = tmp_path.glob("*.dump")
    dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])

    with pytest.raises(CommandError, match="pg_restore of .* failed"):
        run("restore_check", tmp_path)


def test_no_backup_is_said_plainly(tmp_path):
    with pytest.raises(CommandError, match="No backup"):
        run("restore_check", tmp_path)
