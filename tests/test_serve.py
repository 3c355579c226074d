"""`make serve`'s command (.ci/serve.sh), started for real on a free port: gunicorn answers
/health/ and serves a static file by its hashed name through whitenoise, the task queue's
worker runs beside it, and Ctrl-C stops both."""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own server
        return response.status, dict(response.headers), response.read()


def processes_in_session(session: int) -> list[str]:
    """The command lines of the processes still running in this session."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getsid(int(entry.name)) != session:
                continue
            found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (ProcessLookupError, FileNotFoundError, PermissionError):
            continue
    return found


def wait_for_health(base: str, server: subprocess.Popen, seconds: float = 120) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "make serve's command stopped"
        try:
            status, _, body = fetch(f"{base}/health/")
            if status == 200:
                return json.loads(body)
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.5)
    raise AssertionError("/health/ did not answer")


@pytest.mark.django_db
def test_make_serve_runs_gunicorn_with_whitenoise_and_the_worker(tmp_path):
    db = connection.settings_dict
    app_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    port = free_port()
    environment = {
        **os.environ,
        "PORT": str(port),
        "SECRET_KEY": "test-only-not-secret-" + "x" * 40,
        "DJANGO_DEBUG": "true",  # the script turns it off
        "HTTPS_ONLY": "false",
        "STATIC_MANIFEST": "true",
        "STATIC_ROOT": str(tmp_path / "static"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": app_url,
        "DATABASE_OWNER_URL": app_url.replace(db["USER"], settings.DATABASE_OWNER["USER"], 1),
        "WEB_CONCURRENCY": "1",
        # Its worker would start the day's jobs in the test database, for the tests after.
        "SCHEDULE_DAILY_JOBS": "false",
        # The access log on: it must name paths, never what was searched for.
        "GUNICORN_ACCESS_LOG": "1",
    }
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [str(settings.BASE_DIR / ".ci" / "serve.sh")],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_for_health(base, server) == {"status": "ok"}

        running = processes_in_session(server.pid)
        assert any("gunicorn" in command for command in running), running
        assert any("run_worker" in command for command in running), running

        manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
        hashed = manifest["paths"]["reports/report.css"]
        assert hashed != "reports/report.css"
        status, headers, body = fetch(f"{base}/static/{hashed}")
        assert status == 200 and headers["Content-Type"].startswith("text/css")
        assert "immutable" in headers["Cache-Control"]  # whitenoise, for a hashed name
        assert body == (settings.BASE_DIR / "static" / "reports" / "report.css").read_bytes()

        # DEBUG is off: an unknown static file is a plain 404, not Django's debug page.
        with pytest.raises(urllib.error.HTTPError) as missing:
            fetch(f"{base}/static/no-such-file.css")
        assert missing.value.code == 404
        assert b"DEBUG = True" not in missing.value.read()

        # A search's words (a man's name) stay out of the access log (stdout, which carries
        # no case data: docs/security.md); the path is there.
        with pytest.raises(urllib.error.HTTPError):
            fetch(f"{base}/static/search-probe.css?person=Nobodyknowsman&crn=X999999")
        log.flush()
        written = (tmp_path / "serve.log").read_text()
        assert "/static/search-probe.css" in written
        assert "Nobodyknowsman" not in written and "X999999" not in written

        # Ctrl-C (SIGINT to the script, as the terminal sends it) stops the web server and the
        # worker together.
        os.kill(server.pid, signal.SIGINT)
        server.wait(timeout=60)
        deadline = time.monotonic() + 30
        while processes_in_session(server.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert processes_in_session(server.pid) == []
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        for command in processes_in_session(server.pid):
            print("left running:", command)
        log.close()
        print((tmp_path / "serve.log").read_text()[-3000:])
