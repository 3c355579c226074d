"""The targets (issue 10) judged for each page, the console lines, and docs/performance.md."""

import json
from pathlib import Path

# (group, target name) -> test of one page's result; None when the target does not apply.
LIST_P95_MS = 50
LIST_BARE_RATIO = 1.5
ADMIN_P95_MS = 100
# Issue 13: every management information page at national scale.
MI_P95_MS = 300
PDF_AGAIN_MS = 50
PDF_FIRST_MS = 500
PDF_FIRST_MAX_PAGES = 6
THROUGHPUT_RPS = 300


def targets(result: dict) -> dict[str, bool]:
    if "p95_ms" not in result:
        return {}
    group, p95 = result["group"], result["p95_ms"]
    if group in ("Lists", "Case pages"):
        return {
            f"p95 ≤ {LIST_P95_MS} ms": p95 <= LIST_P95_MS,
            f"p95 ≤ {LIST_BARE_RATIO} × L_bare": p95 <= LIST_BARE_RATIO * result["l_bare_ms"],
        }
    if group == "Admin":
        return {f"p95 ≤ {ADMIN_P95_MS} ms": p95 <= ADMIN_P95_MS}
    if group == "Management information":
        return {f"p95 ≤ {MI_P95_MS} ms": p95 <= MI_P95_MS}
    if group == "PDFs":
        judged = {f"again (p50) ≤ {PDF_AGAIN_MS} ms": result["p50_ms"] <= PDF_AGAIN_MS}
        # The 6-page PDF is the group register, whatever its length in this data.
        if result["pdf_pages"] <= PDF_FIRST_MAX_PAGES or result["name"] == "group register":
            judged[f"first ≤ {PDF_FIRST_MS / 1000:g} s"] = result["first_ms"] <= PDF_FIRST_MS
        return judged
    return {}


def _ratio(a, b) -> str:
    return f"{a / b:.1f}" if a is not None and b else "–"


def _met(value: bool | None) -> str:
    return "–" if value is None else ("met" if value else "**not met**")


def line(result: dict) -> str:
    name = f"{result['group']}: {result['name']}"
    if "error" in result:
        return f"{name:<45} ERROR {result['error']}"
    if "skipped" in result:
        return f"{name:<45} not measured: {result['skipped']}"
    first = (
        f" first {result['first_ms']:.0f} ms ({result['pdf_pages']} p)"
        if "first_ms" in result
        else ""
    )
    unmet = [k for k, v in result["targets"].items() if not v]
    return (
        f"{name:<45} {result['queries']:>3} q  p50 {result['p50_ms']:7.1f}  p95 {result['p95_ms']:7.1f}"
        f"  L_sql {result['l_sql_ms']:6.1f}  L_bare {result['l_bare_ms']:6.1f}{first}"
        + (f"  NOT MET: {'; '.join(unmet)}" if unmet else "")
        + (
            f"  SEQ SCAN: {', '.join(s['table'] for s in result['seq_scans'])}"
            if result["seq_scans"]
            else ""
        )
    )


def throughput_line(throughput: dict) -> str:
    if "page_run" not in throughput:
        return f"Throughput: {throughput.get('skipped') or throughput.get('error')}"
    page, health = throughput["page_run"], throughput["health_run"]
    return (
        f"Throughput ({throughput['server']}): {throughput['page']} "
        f"{page['requests_per_second']} req/s (non-2xx {page['non_2xx']}), "
        f"/health/ {health['requests_per_second']} req/s"
    )


def _load(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def _other_scales(path: Path, data: dict) -> list[dict]:
    found = []
    for other in sorted(path.parent.glob(f"{data['label']}-scale-*.json")):
        if other != path:
            found.append(json.loads(other.read_text()))
    return found


def _ms(value) -> str:
    return "–" if value is None else f"{value:,.1f}"


HEADER = """# Performance

Written by `make benchmark` (benchmarks/run.py); do not edit by hand. Run it with

    make generate-data SCALE=0.01                    # data to measure (docs/generated-data.md)
    make benchmark                                   # the database DATABASE_URL names
    BENCHMARK_DATABASE=isotp_national make benchmark # another database on the same server
    BENCHMARK_ONLY=waiting BENCHMARK_RUNS=5 make benchmark   # a quick look at some pages

(`BENCHMARK_RUNS`, default 30; `BENCHMARK_LABEL`, default `after`; `BENCHMARK_SCALE`, default the
data's share of 100,000 offenders; `BENCHMARK_THROUGHPUT_SECONDS`, default 10, 0 to skip). Each run
writes `benchmarks/results/<label>-scale-<scale>.json` and this page from it; a
`before-scale-<scale>.json` beside it adds the before columns, and a result of the same label at
another scale adds its query counts (they should be equal: query counts flat with the data).
To record a before: `BENCHMARK_LABEL=before make benchmark` on the old code, then the after.
To write this page again from a results file without measuring:
`.venv/bin/python benchmarks/report.py benchmarks/results/after-scale-1.0.json`.

How each figure is taken, page by page, in one process against PostgreSQL:

- **p50, p95**: a GET through Django's whole stack (test client: every middleware, the session,
  the access log), signed in as the member of staff shown, after two warm-up requests, over the
  runs shown below. Milliseconds.
- **queries**: statements the page runs (one request, captured).
- **L_sql**: those statements replayed through the raw psycopg2 cursor in a transaction that is
  rolled back, rows fetched (median): what PostgreSQL and the wire cost, without Django.
- **L_bare**: the same request with every template render replaced by a walk that evaluates
  the context's querysets, paginator pages and lists (and the context processors'), and no
  WeasyPrint render for a PDF (median). p95 / L_bare is what the templates (and anything they
  ask the database while rendering) add; p50 / L_sql is Django's share over the SQL's.
- **PDF first**: the first request for that record in the run (the renderer's process started
  before); **again**: the p50 of the warm runs for the unchanged record.
- **EXPLAIN**: every SELECT of the page is explained, the slowest (by replay time) with ANALYZE;
  the run fails (exit 1) on a sequential scan of a table with over 10,000 rows (pg_class.reltuples)
  that the planner expects to keep under 5% of them (a scan keeping more is the right plan).
- **Throughput**: gunicorn (isotp/'s gunicorn config if there is one, else 2 sync workers) and
  wrk (2 threads, 8 connections), the offender manager's caseload with a real signed-in session
  (password and verified second factor) and `/health/`, one after the other.

Not measured: the subject access download (an auditor's POST, which builds a zip holding a
PDF of everything about one man) and the forms (GET of an empty form is not a list).
The benchmark writes what opening the pages writes (a consultation row a request, sessions);
a PDF "first" is the first request of this run, which a kept cache of PDFs from an earlier run
would answer. Timings depend on what else the machine runs: the load average is recorded.

The hot spots are chosen by SQL: the programme manager of the office with most waiting
referrals, the offender manager with most open notices (else the biggest caseload), the
facilitator with most groups, the group with most attendance rows, the offender with the
longest record on that caseload, the first superuser, the first auditor.
"""


def write(path: Path, doc: Path) -> None:
    data = json.loads(path.read_text())
    before = None
    if data["label"] != "before":
        before = _load(path.parent / f"before-scale-{data['scale']}.json")
    before_pages = {(p["group"], p["name"]): p for p in (before or {}).get("pages", [])}
    others = _other_scales(path, data)
    machine = data["machine"]
    out = [HEADER]
    out.append(
        f"## Results: `{data['label']}`, scale {data['scale']} (database `{data['database']}`)\n"
    )
    out.append(
        f"Measured {data['date']}, {data['runs']} runs a page"
        + (f", only pages matching `{data['only']}`" if data.get("only") else "")
        + f". Machine: {machine['cores']} cores, {machine['ram_gb']} GB RAM, {machine['cpu']}; "
        f"PostgreSQL {machine['postgresql']}, Python {machine['python']}; load average "
        f"{machine.get('load_average', '?')} when the run began."
        + (
            f" Before: measured {before['date']}, load average "
            f"{before['machine'].get('load_average', '?')}."
            if before
            else ""
        )
        + " Times in milliseconds."
        + "\n"
    )
    spots = ", ".join(f"{k} `{v}`" for k, v in data["hot_spots"].items())
    out.append(f"Hot spots: {spots}.\n")
    if data["failures"]:
        out.append("**The run failed:**\n")
        out.extend(f"- {failure}" for failure in data["failures"])
        out.append("")

    groups: dict[str, list[dict]] = {}
    for page in data["pages"]:
        groups.setdefault(page["group"], []).append(page)
    for group, rows in groups.items():
        out.append(f"## {group}\n")
        target_names = list(dict.fromkeys(k for r in rows for k in r.get("targets", {})))
        is_pdf = group == "PDFs"
        head = ["page", "as", "queries"]
        head += ["pages", "first ms", "again p50", "p95"] if is_pdf else ["p50", "p95"]
        head += ["L_sql", "L_bare", "p95 / L_bare", "p50 / L_sql", *target_names]
        if before:
            head += ["before p50 / p95", "before queries"]
        head += [f"queries at scale {o['scale']}" for o in others]
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + " --- |" * len(head))
        for r in rows:
            if "error" in r or "skipped" in r:
                why = f"error: {r['error']}" if "error" in r else f"not measured: {r['skipped']}"
                out.append(f"| {r['name']} | {r.get('user', '–')} | {why} |")
                continue
            cells = [r["name"], f"`{r['user']}`", str(r["queries"])]
            if is_pdf:
                cells += [str(r["pdf_pages"]), _ms(r["first_ms"])]
            cells += [_ms(r["p50_ms"]), _ms(r["p95_ms"]), _ms(r["l_sql_ms"]), _ms(r["l_bare_ms"])]
            cells += [_ratio(r["p95_ms"], r["l_bare_ms"]), _ratio(r["p50_ms"], r["l_sql_ms"])]
            cells += [_met(r["targets"].get(name)) for name in target_names]
            if before:
                old = before_pages.get((group, r["name"]))
                cells += (
                    [f"{_ms(old['p50_ms'])} / {_ms(old['p95_ms'])}", str(old["queries"])]
                    if old and "p95_ms" in old
                    else ["–", "–"]
                )
            for other in others:
                match = [p for p in other["pages"] if (p["group"], p["name"]) == (group, r["name"])]
                cells.append(str(match[0].get("queries", "–")) if match else "–")
            out.append("| " + " | ".join(cells) + " |")
        out.append("")

    out.append("## Throughput\n")
    throughput = data["throughput"]
    if "page_run" in throughput:
        page, health = throughput["page_run"], throughput["health_run"]
        out.append(
            f"{throughput['server']}; wrk, 2 threads, 8 connections, "
            f"{throughput['seconds']} s each.\n"
        )
        out.append("| URL | req/s | latency p50 | latency p99 | non-2xx | target |")
        out.append("| --- | --- | --- | --- | --- | --- |")
        rps = page["requests_per_second"] or 0
        out.append(
            f"| `{throughput['page']}` (as `{throughput['user']}`) | {rps:,.0f} | "
            f"{page['latency_p50']} | {page['latency_p99']} | {page['non_2xx']} | "
            f"≥ {THROUGHPUT_RPS} req/s: {_met(rps >= THROUGHPUT_RPS and not page['non_2xx'])} |"
        )
        out.append(
            f"| `/health/` | {health['requests_per_second'] or 0:,.0f} | {health['latency_p50']} | "
            f"{health['latency_p99']} | {health['non_2xx']} | – |"
        )
        old = (before or {}).get("throughput", {}).get("page_run")
        if old:
            out.append(f"\nBefore: the caseload {old['requests_per_second']:,.0f} req/s.")
    else:
        out.append(f"Not run: {throughput.get('skipped') or throughput.get('error')}.")
    out.append("")

    out.append("## Slowest query of each page (EXPLAIN ANALYZE)\n")
    out.append("| page | replay ms | execution ms | top of the plan | seq scans over 10,000 rows |")
    out.append("| --- | --- | --- | --- | --- |")
    for page in data["pages"]:
        slowest = page.get("slowest_query")
        if not slowest:
            continue
        plan = slowest["plan"]["Plan"]
        top = plan["Node Type"] + (
            f" on {plan['Relation Name']}" if "Relation Name" in plan else ""
        )
        scans = ", ".join(f"{s['table']} ({s['rows']:,})" for s in page["seq_scans"]) or "none"
        out.append(
            f"| {page['group']}: {page['name']} | {slowest['replay_ms']} | "
            f"{slowest['execution_ms']} | {top} | {scans} |"
        )
    out.append(
        "\nThe plans themselves and the SQL are in the results file "
        f"(`benchmarks/results/{path.name}`).\n"
    )
    doc.write_text("\n".join(out))


if __name__ == "__main__":
    # docs/performance.md again from a results file, without measuring:
    #   .venv/bin/python benchmarks/report.py benchmarks/results/after-scale-1.0.json
    import sys

    write(
        Path(sys.argv[1]).resolve(),
        Path(__file__).resolve().parent.parent / "docs" / "performance.md",
    )
