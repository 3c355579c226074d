"""How one page is measured: its timings, its SQL replayed raw (L_sql), the page without its
templates (L_bare), the EXPLAIN of its slowest query, and the throughput run under gunicorn.

L_sql: the statements the page ran (captured once) executed again through the raw psycopg2
cursor, inside a transaction that is rolled back (the page's own writes, the access-log row and
the session, are replayed too, then undone), rows fetched; no Django at all.
L_bare: the whole request (middleware, access checks, the view and its querysets, the access
log and session writes), with every template render replaced by a walk that evaluates the
context's querysets, pages and lists (and the context processors') and returns an empty string,
and, for a PDF, no WeasyPrint render. What the template itself asks of the database while it
renders (a method called per row) is not in L_bare: that is the templates' cost, which the
ratio p95 / L_bare shows.
"""

import dataclasses
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.paginator import Page as PaginatorPage
from django.db import connection, transaction
from django.db.models import QuerySet
from django.template.backends import django as django_backend
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

import isotp.pdf

SEQ_SCAN_LIMIT = 10_000
# A scan that keeps this share of a table's rows or more is the right plan: an index would read
# most of the table's pages anyway (the referral table by status keeps 44%).
SEQ_SCAN_SHARE = 0.05
# pghistory sends its context in front of every write: "SELECT set_config(...), ...; UPDATE ..."
PGHISTORY_CONTEXT = re.compile(r"^SELECT set_config\('pghistory\.context_id'.*?, true\); ", re.S)
DECLARE = re.compile(r'^DECLARE "[^"]+" NO SCROLL CURSOR WITH(OUT)? HOLD FOR ')


def percentile(values: list[float], p: int) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[p - 1]


def signed_in_session(user) -> str:
    """A real session, as a finished sign-in leaves it (password and the verified second
    factor, as tests.factories.sign_in_verified does): its key is the cookie's value."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Benchmark", confirmed=True)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    return session.session_key


def client_for(user) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies[settings.SESSION_COOKIE_NAME] = signed_in_session(user)
    return client


def get(client: Client, url: str) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    response = client.get(url)
    content = b"".join(response) if response.streaming else response.content
    return (time.perf_counter() - started) * 1000, response.status_code, content


# --- L_bare: templates swapped for a walk of their context ------------------------------------


def evaluate(value, depth: int = 0) -> None:
    """Evaluate what a template would iterate: querysets, paginator pages, and the lists,
    dicts and dataclasses that hold them (a few levels down)."""
    if depth > 4 or value is None or isinstance(value, (str, bytes, int, float)):
        return
    if isinstance(value, QuerySet):
        list(value)
    elif isinstance(value, PaginatorPage):
        evaluate(value.object_list, depth + 1)
    elif isinstance(value, dict):
        for key, item in list(value.items()):
            # The admin puts its recent actions in every page's context; only its index shows them.
            if key != "log_entries":
                evaluate(item, depth + 1)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            evaluate(item, depth + 1)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            evaluate(getattr(value, item.name), depth + 1)
    elif hasattr(value, "result_list"):  # the admin's ChangeList: its page of rows
        evaluate(value.result_list, depth + 1)


@contextmanager
def without_templates():
    render = django_backend.Template.render
    html_to_pdf = isotp.pdf.html_to_pdf

    def bare_render(self, context=None, request=None):
        evaluate(context)
        if request is not None:
            for processor in self.backend.engine.template_context_processors:
                evaluate(processor(request))
        return ""

    django_backend.Template.render = bare_render
    isotp.pdf.html_to_pdf = lambda html, timeout: b""
    try:
        yield
    finally:
        django_backend.Template.render = render
        isotp.pdf.html_to_pdf = html_to_pdf


# --- L_sql: the captured statements replayed through the raw cursor ---------------------------


def capture(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    # executemany is logged as "N times: ..."; a GET page has none, and it cannot be replayed.
    # A server-side cursor (QuerySet.iterator()) is logged as its DECLARE: replay the SELECT.
    return [
        DECLARE.sub("", q["sql"])
        for q in captured.captured_queries
        if not re.match(r"^\d+ times: ", q["sql"])
    ]


# Django logs the page's transaction boundaries as queries (they count, as in the tests'
# query counts), but the replay runs inside its own transaction, rolled back.
TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK"}


def replay(statements: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Each run's total (ms), and each statement's total over all runs (ms)."""
    totals, per_statement = [], [0.0] * len(statements)
    for _ in range(runs):
        with transaction.atomic():
            cursor = connection.connection.cursor()
            started = time.perf_counter()
            for index, sql in enumerate(statements):
                if sql in TRANSACTION_CONTROL:
                    continue
                began = time.perf_counter()
                cursor.execute(sql)
                if cursor.description is not None:
                    cursor.fetchall()
                per_statement[index] += time.perf_counter() - began
            totals.append((time.perf_counter() - started) * 1000)
            cursor.close()
            transaction.set_rollback(True)
    return totals, [t * 1000 for t in per_statement]


# --- EXPLAIN ------------------------------------------------------------------------------------


def table_sizes() -> dict[str, float]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class "
            "WHERE relkind IN ('r', 'p') AND relnamespace = 'public'::regnamespace"
        )
        return dict(cursor.fetchall())


def analyze_unanalyzed() -> list[str]:
    """Tables never analyzed (reltuples -1, e.g. just after a bulk load) have no statistics:
    neither the planner nor the sequential-scan check could judge them. ANALYZE needs the
    owner, so this connects as DATABASE_OWNER_URL's role."""
    import psycopg2

    owner = settings.DATABASE_OWNER
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples < 0 "
            "AND relnamespace = 'public'::regnamespace ORDER BY 1"
        )
        tables = [row[0] for row in cursor.fetchall()]
    if tables:
        with psycopg2.connect(
            dbname=settings.DATABASES["default"]["NAME"],
            user=owner["USER"],
            password=owner["PASSWORD"] or None,
            host=owner["HOST"] or None,
            port=owner["PORT"] or None,
        ) as owner_connection:
            owner_connection.autocommit = True
            with owner_connection.cursor() as cursor:
                for table in tables:
                    cursor.execute(f'ANALYZE "{table}"')
    return tables


# What the report and a reader need of a plan node (the rest of EXPLAIN's JSON is left out).
PLAN_KEYS = {
    "Node Type",
    "Relation Name",
    "Index Name",
    "Join Type",
    "Strategy",
    "Plan Rows",
    "Actual Rows",
    "Actual Loops",
    "Actual Total Time",
    "Total Cost",
    "Index Cond",
    "Filter",
    "Hash Cond",
    "Rows Removed by Filter",
    "Sort Key",
    "Sort Method",
    "Sort Space Used",
    "Sort Space Type",
    "Shared Hit Blocks",
    "Shared Read Blocks",
    "Temp Written Blocks",
}


def pruned(node: dict) -> dict:
    kept = {key: value for key, value in node.items() if key in PLAN_KEYS}
    if node.get("Plans"):
        kept["Plans"] = [pruned(child) for child in node["Plans"]]
    return kept


def _scan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _scan_nodes(child)


def explain(sql: str, *, analyze: bool) -> dict:
    options = "ANALYZE, BUFFERS, FORMAT JSON" if analyze else "FORMAT JSON"
    with transaction.atomic():  # EXPLAIN ANALYZE runs the statement: undo whatever it did
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN ({options}) {own_statement(sql)}")
            plan = cursor.fetchone()[0]
        transaction.set_rollback(True)
    return plan[0] if isinstance(plan, list) else plan


def seq_scans(plan: dict, sizes: dict[str, float]) -> list[dict]:
    """Sequential scans of a large table that keep only a small share of it: an index could
    find those rows without reading the whole table."""
    return [
        {
            "table": node["Relation Name"],
            "rows": int(sizes[node["Relation Name"]]),
            "kept": int(node.get("Plan Rows", 0)),
        }
        for node in _scan_nodes(plan["Plan"])
        if is_avoidable_seq_scan(node, sizes.get(node.get("Relation Name"), 0))
    ]


def is_avoidable_seq_scan(node: dict, table_rows: float) -> bool:
    if node.get("Node Type") != "Seq Scan" or table_rows <= SEQ_SCAN_LIMIT:
        return False
    return node.get("Plan Rows", 0) < SEQ_SCAN_SHARE * table_rows


def own_statement(sql: str) -> str:
    """The statement without the history context pghistory puts before a write."""
    return PGHISTORY_CONTEXT.sub("", sql)


def is_select(sql: str) -> bool:
    return own_statement(sql).lstrip().upper().startswith(("SELECT", "WITH"))


# --- One page -----------------------------------------------------------------------------------


def measure_page(page, runs: int, sizes: dict[str, float], *, pdf: bool = False) -> dict:
    client = client_for(page.user)
    result = {"group": page.group, "name": page.name, "url": page.url, "note": page.note}
    result["user"] = page.user.username
    first_ms, status, content = get(client, page.url)
    result["status"] = status
    if status != 200:
        result["error"] = f"HTTP {status} for {page.url} as {page.user.username}"
        return result
    if pdf:
        import io

        import pypdf

        result["first_ms"] = round(first_ms, 1)
        result["pdf_pages"] = len(pypdf.PdfReader(io.BytesIO(content)).pages)
    get(client, page.url)  # one more warm-up
    timings = [get(client, page.url)[0] for _ in range(runs)]
    result["p50_ms"] = round(statistics.median(timings), 2)
    result["p95_ms"] = round(percentile(timings, 95), 2)
    result["bytes"] = len(content)

    statements = capture(client, page.url)
    result["queries"] = len(statements)
    totals, per_statement = replay(statements, runs)
    result["l_sql_ms"] = round(statistics.median(totals), 2)

    with without_templates():
        get(client, page.url)
        with CaptureQueriesContext(connection) as bare_queries:
            get(client, page.url)
        result["bare_queries"] = len(bare_queries.captured_queries)
        bare = [get(client, page.url)[0] for _ in range(runs)]
    result["l_bare_ms"] = round(statistics.median(bare), 2)
    result["l_bare_p95_ms"] = round(percentile(bare, 95), 2)

    # The slowest SELECT, with ANALYZE; every other SELECT's plan for sequential scans.
    selects = [i for i, sql in enumerate(statements) if is_select(sql)]
    scans, seen = [], set()
    for index in selects:
        if statements[index] in seen:
            continue
        seen.add(statements[index])
        for scan in seq_scans(explain(statements[index], analyze=False), sizes):
            scans.append({**scan, "sql": statements[index][:300]})
    if selects:
        slowest = max(selects, key=lambda i: per_statement[i])
        plan = explain(statements[slowest], analyze=True)
        result["slowest_query"] = {
            "sql": statements[slowest],
            "replay_ms": round(per_statement[slowest] / runs, 3),
            "execution_ms": plan.get("Execution Time"),
            "plan": {"Plan": pruned(plan["Plan"]), "Execution Time": plan.get("Execution Time")},
        }
        for scan in seq_scans(plan, sizes):
            scans.append({**scan, "sql": statements[slowest][:300]})
    result["seq_scans"] = [dict(s) for s in {(s["table"], s["sql"]): s for s in scans}.values()]
    return result


# --- Throughput under gunicorn ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status(port: int, path: str, cookie: str = "") -> int | None:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        status = conn.getresponse().status
        conn.close()
        return status
    except OSError:
        return None


def _wrk(wrk: str, url: str, seconds: int, cookie: str) -> dict:
    command = [wrk, "-t2", "-c8", f"-d{seconds}s", "--latency", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.MULTILINE))
    return {
        "requests_per_second": float(found.group(1)) if found else None,
        "non_2xx": int(errors.group(1)) if errors else 0,
        "latency_p50": latency.get("50"),
        "latency_p99": latency.get("99"),
    }


def throughput(user, url: str, seconds: int) -> dict:
    """wrk (2 threads, 8 connections) against a signed-in page and /health/, one after the
    other, under gunicorn: with isotp/'s gunicorn config if there is one, else 2 workers."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return {"skipped": "wrk is not installed: apt-get install wrk (as root)"}
    port = _free_port()
    configs = sorted(Path(settings.BASE_DIR, "isotp").glob("gunicorn*.py"))
    command = [sys.executable, "-m", "gunicorn", "isotp.wsgi:application"]
    if configs:
        command += ["--config", str(configs[0])]
        server = f"gunicorn, {configs[0].name}"
    else:
        command += ["--workers", "2"]
        server = "gunicorn, 2 sync workers"
    command += ["--bind", f"127.0.0.1:{port}"]
    env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,  # the session's hash was signed with it
        "HTTPS_ONLY": "false",
        "STATIC_MANIFEST": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    cookie = f"{settings.SESSION_COOKIE_NAME}={signed_in_session(user)}"
    with tempfile.TemporaryFile() as log:
        server_process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=log
        )
        try:
            deadline = time.monotonic() + 30
            while _status(port, "/health/") != 200:
                if time.monotonic() > deadline or server_process.poll() is not None:
                    log.seek(0)
                    return {"error": "gunicorn did not start: " + log.read().decode()[-2000:]}
                time.sleep(0.2)
            status = _status(port, url, cookie)
            if status != 200:
                return {"error": f"the signed-in page answered {status} under gunicorn"}
            result = {"server": server, "seconds": seconds, "page": url, "user": user.username}
            result["page_run"] = _wrk(wrk, f"http://127.0.0.1:{port}{url}", seconds, cookie)
            result["health_run"] = _wrk(wrk, f"http://127.0.0.1:{port}/health/", seconds, "")
            return result
        finally:
            server_process.terminate()
            server_process.wait(timeout=30)
