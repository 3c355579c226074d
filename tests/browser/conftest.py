"""Playwright driving Debian's Chromium (never a downloaded browser), with axe-core checks."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make test` installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request):
    # axe is injected by the test harness, so the page's own CSP is bypassed for it alone.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report


def _axe_run(page: Page) -> list[dict]:
    """axe-core's WCAG 2.0-2.2 A and AA violations on the page. Only the violations are asked
    for and sent back (`resultTypes`, axe's own option for speed): the passes, with every node
    they checked, took most of each page's check and are never read."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => (await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']},
            resultTypes: ['violations']
        })).violations"""
    )


def assert_accessible(page: Page) -> None:
    """Run axe-core (WCAG 2.0-2.2 A and AA rules) on the page; fail listing any violation."""
    violations = [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in _axe_run(page)
    ]
    assert violations == [], f"axe violations on {page.url}:\n{json.dumps(violations, indent=2)}"


SERIOUS_IMPACTS = ("serious", "critical")


def axe_violations(page: Page, impacts: tuple[str, ...] | None = None) -> list[dict]:
    """axe-core's WCAG A/AA violations on the page, only those of the given impacts if any."""
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in _axe_run(page)
        if impacts is None or v["impact"] in impacts
    ]


def assert_no_serious_violations(page: Page) -> None:
    """Like assert_accessible, failing only on serious or critical violations."""
    violations = axe_violations(page, SERIOUS_IMPACTS)
    assert violations == [], f"axe violations on {page.url}:\n{json.dumps(violations, indent=2)}"


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Signs in as a person does: username and password, then the code their authenticator
    app shows now (a confirmed authenticator is given to them first if they have none)."""
    from isotp.models import Staff
    from tests.factories import make_authenticator

    device = make_authenticator(Staff.objects.get(username=username))
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Security code").fill(unused_totp_code(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(lambda url: "/sign-in/" not in url)


def unused_totp_code(device) -> str:
    """A code the authenticator shows now that has not been used yet: a code works once, so a
    second sign-in within the same 30 seconds takes the next one (accepted: one step of
    tolerance), or waits for it."""
    import time

    from django_otp.oath import TOTP

    from tests.factories import totp_code

    while True:
        device.refresh_from_db()
        now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        now.time = time.time()
        for offset in (0, 1):
            if now.t() + offset > device.last_t:
                return totp_code(device, offset)
        time.sleep(1)


@pytest.fixture(autouse=True)
def reference_data(reference_data):
    """Every browser test starts from the reference data (tests/conftest.py)."""
