"""An optional read replica: the read-only heavy pages read from a real streaming replica while
their writes (the consultation log, the session) go to the primary.

The suite's test database has no replica, so this starts a private primary and a streaming
replica of it (initdb, pg_basebackup -R; docs/deployment.md) on ports of their own, loads them
with the test database's rows, and runs the app against the pair in a process of its own
(tests/replica_app.py). While the replica's replay is paused, a man renamed on the primary
still has his old name in the group register printed through the app: the page read the
replica; and its consultation log row is on the primary only.
"""

import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests import clock
from tests.factories import make_offender, make_placement

BASE = Path(__file__).resolve().parent.parent
DATABASE = "isotp_replica_check"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_bin() -> Path:
    """Debian's newest PostgreSQL programs, else the pgserver wheel's."""
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3])
    )
    if debian:
        return debian[-1].parent
    import pgserver

    return pgserver.POSTGRES_BIN_PATH


class Cluster:
    """A PostgreSQL cluster in a folder of its own, run by the postgres OS user (initdb refuses
    root), listening on 127.0.0.1 only."""

    def __init__(self, folder: Path, port: int, user: str | None):
        self.folder, self.port, self.user = folder, port, user
        self.data = folder / f"data{port}"

    def run(self, program: str, *args: str) -> str:
        result = subprocess.run(
            [str(postgres_bin() / program), *args],
            user=self.user,
            capture_output=True,
            text=True,
            cwd=self.folder,
        )
        assert result.returncode == 0, f"{program}: {result.stdout}{result.stderr}"
        return result.stdout

    def start(self) -> None:
        # Throwaway clusters: nothing is worth waiting for the disk.
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off"
        self.run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", f"{self.data}.log", "-w", "start"
        )

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                [str(postgres_bin() / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                user=self.user,
                capture_output=True,
            )

    def psql(self, sql: str, database: str = "postgres") -> str:
        return self.run(
            "psql", "-X", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port),
            "-U", "postgres", "-d", database, "-Atc", sql,
        )  # fmt: skip


@pytest.fixture
def primary_and_replica():
    user = None
    if os.geteuid() == 0:
        user = "postgres" if _user_exists("postgres") else "pgserver"
    folder = Path(tempfile.mkdtemp(prefix="isotp-replica-"))
    if user:
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    primary = Cluster(folder, free_port(), user)
    replica = Cluster(folder, free_port(), user)
    try:
        primary.run(
            "initdb", "-D", str(primary.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "-N"
        )
        with open(primary.data / "pg_hba.conf", "a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        primary.start()
        yield primary, replica
    finally:
        replica.stop()
        primary.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def copy_test_database_to(primary: Cluster) -> None:
    """The suite's test database, rows, owners and grants, restored on the private primary."""
    owner, app = settings.DATABASE_OWNER["USER"], settings.DATABASES["default"]["USER"]
    primary.psql(f"create role {owner} login createdb; create role {app} login")
    primary.psql(f"create database {DATABASE} owner {owner}")
    dump = primary.folder / "test.dump"
    source = connection.settings_dict
    subprocess.run(
        [
            str(postgres_bin() / "pg_dump"), "-Fc", "-f", str(dump),
            "-h", source["HOST"] or "127.0.0.1", "-p", str(source["PORT"] or 5432),
            "-U", owner, source["NAME"],
        ],
        env={**os.environ, "PGPASSWORD": settings.DATABASE_OWNER["PASSWORD"] or ""},
        check=True,
    )  # fmt: skip
    os.chmod(dump, 0o644)
    primary.run(
        "pg_restore", "--exit-on-error", "-h", "127.0.0.1", "-p", str(primary.port),
        "-U", "postgres", "-d", DATABASE, str(dump),
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_group_register_reads_the_replica_and_writes_the_primary(
    reference_data, primary_and_replica, pat, alice, group
):
    man = make_offender(alice, first_name="Adam", last_name="Placedperson")
    make_placement(group, man, alice, by=pat)
    primary, replica = primary_and_replica
    copy_test_database_to(primary)
    replica.run(
        "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
        "-D", str(replica.data), "-R", "--checkpoint=fast", "--no-sync",
    )  # fmt: skip
    os.chmod(replica.data, 0o700)
    replica.start()

    app = f"postgres://{settings.DATABASES['default']['USER']}@127.0.0.1"
    owner = f"postgres://{settings.DATABASE_OWNER['USER']}@127.0.0.1"
    run = subprocess.run(
        [sys.executable, "tests/replica_app.py", str(pat.pk), str(group.pk), str(man.pk)],
        cwd=BASE,
        env={
            "PATH": os.environ["PATH"],
            **clock.child_environment(),
            "DJANGO_DEBUG": "false",
            "SECRET_KEY": "x",
            "HTTPS_ONLY": "false",
            "STATIC_MANIFEST": "false",
            "DATABASE_URL": f"{app}:{primary.port}/{DATABASE}",
            "DATABASE_OWNER_URL": f"{owner}:{primary.port}/{DATABASE}",
            "DATABASE_REPLICA_URL": f"{app}:{replica.port}/{DATABASE}",
            "REPLICA_ADMIN_URL": f"postgres://postgres@127.0.0.1:{replica.port}/{DATABASE}",
        },
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    seen = json.loads(run.stdout.splitlines()[-1])

    assert seen["status"] == 200
    assert seen["replica_in_recovery"] is True
    # Read from the replica, which had not replayed the new name yet.
    assert "Placedperson" in seen["text_while_paused"]
    assert "Renamedonprimary" not in seen["text_while_paused"]
    assert seen["replica_statements"]
    assert all(sql.startswith("SELECT") for sql in seen["replica_statements"])
    # Its writes went to the primary: the consultation log row, and the session.
    primary = "\n".join(seen["primary_statements"])
    assert 'INSERT INTO "isotp_accesslog"' in primary
    assert 'UPDATE "django_session"' in primary
    assert seen["primary_logs_added"] == 1
    assert seen["logged_path"] == seen["url"]
    assert seen["replica_logs_added_while_paused"] == 0
    # Once the replica has replayed the change, the register shows it.
    assert "Renamedonprimary" in seen["text_after_resume"]
