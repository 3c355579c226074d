"""`make run` where no PostgreSQL server answers and none is installed: .ci/ensure-postgres.sh
starts a private server from the pgserver wheel on its own port, migrate builds and grants on it,
and the Makefile hands its URLs to the commands that follow.

The script runs with a PATH holding only the few programs it needs (no psql, pg_isready,
pg_ctlcluster or apt-get: nothing of Debian's PostgreSQL, and no way to install it) and a
database URL on a port where nothing listens, as on a fresh machine without PostgreSQL.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg2
import pytest

BASE = Path(__file__).resolve().parent.parent
TOOLS = ("bash", "id", "ls", "sort", "tail", "seq", "sleep", "cat", "useradd")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def bare_path(tmp_path):
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/sbin")
        if found:
            (folder / tool).symlink_to(found)
    (folder / "python3").symlink_to(sys.executable)
    return str(folder)


@pytest.fixture
def private_dir():
    folder = Path(tempfile.mkdtemp(prefix="postgres-test-", dir=BASE / ".venv"))
    yield folder
    if (folder / "data" / "postmaster.pid").exists():
        pg_ctl = Path(sys.executable).parent.parent.glob(
            "lib/python3*/site-packages/pgserver/pginstall/bin/pg_ctl"
        )
        subprocess.run(
            [str(next(pg_ctl)), "-D", str(folder / "data"), "-m", "fast", "stop"],
            user="pgserver" if os.geteuid() == 0 else None,
            capture_output=True,
        )
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_a_private_server_is_started_where_none_is_installed(bare_path, private_dir):
    nothing_here, private_port = free_port(), free_port()
    env = {
        "PATH": bare_path,
        "HOME": str(private_dir),
        "PRIVATE_POSTGRES_DIR": str(private_dir),
        "PRIVATE_POSTGRES_PORT": str(private_port),
        "DATABASE_URL": f"postgres://isotp_app@127.0.0.1:{nothing_here}/isotp_private",
        "DATABASE_OWNER_URL": f"postgres://isotp_owner@127.0.0.1:{nothing_here}/isotp_private",
    }

    def ensure():
        return subprocess.run(
            ["bash", ".ci/ensure-postgres.sh"], cwd=BASE, env=env, capture_output=True, text=True
        )

    first = ensure()
    assert first.returncode == 0, first.stdout + first.stderr
    assert "starting a private server from the pgserver wheel" in first.stdout
    assert "Creating database isotp_private, owned by isotp_owner" in first.stdout
    urls = (private_dir / "database.env").read_text().split()
    assert urls == [
        f"DATABASE_URL=postgres://isotp_app@127.0.0.1:{private_port}/isotp_private",
        f"DATABASE_OWNER_URL=postgres://isotp_owner@127.0.0.1:{private_port}/isotp_private",
    ]

    # As far as the first migration that makes a case table: it proves the owner connects,
    # builds and grants on the private server as on any other. The whole of `migrate` (a
    # minute of Django rendering migration states) is run by every test database's template.
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "referrals", "0001_initial", "--no-input"],
        cwd=BASE,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_DEBUG": "true",
            "SECRET_KEY": "x",
            **dict(url.split("=", 1) for url in urls),
        },
        capture_output=True,
        text=True,
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    with (
        psycopg2.connect(
            host="127.0.0.1", port=private_port, user="isotp_app", dbname="isotp_private"
        ) as db,
        db.cursor() as cursor,
    ):
        cursor.execute("select current_setting('server_version_num')::int / 10000")
        assert cursor.fetchone() == (16,)  # the wheel's PostgreSQL 16, not Debian's 15
        cursor.execute("select count(*) from referrals_offender")  # migrated, and granted
        assert cursor.fetchone() == (0,)
    db.close()

    # The next run, with the URLs make gives when DATABASE_URL is not set, finds it answering
    # and changes nothing.
    del env["DATABASE_URL"], env["DATABASE_OWNER_URL"]
    second = ensure()
    assert second.returncode == 0, second.stdout + second.stderr
    assert "pgserver" not in second.stdout and "Creating" not in second.stdout

    # Without DATABASE_URL, make hands the private server's URLs to migrate and the rest.
    dry_run = subprocess.run(
        ["make", "-n", "setup", f"PRIVATE_POSTGRES_DIR={private_dir}"],
        cwd=BASE,
        env={k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")},
        capture_output=True,
        text=True,
    )
    assert dry_run.returncode == 0, dry_run.stderr
    migrate_line = next(line for line in dry_run.stdout.splitlines() if "migrate" in line)
    assert f"DATABASE_URL=postgres://isotp_app@127.0.0.1:{private_port}/isotp_private" in (
        migrate_line
    )
