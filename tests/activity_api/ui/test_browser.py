"""The web app in a real browser: Debian's chromium driven by Playwright (never
``playwright install``), against ``ditep serve --samples`` on real ports.

Signs in as the samples' demo director and demo ARS user (the banner prints them), checks
that every chart is drawn, that its table's figures equal the API's JSON for the same
period, that another establishment is a 403 page, and runs axe-core (shipped inside
axe-playwright-python) on every page: no serious or critical violation. Screenshots of
each page go to ``var/test-artefacts/ui/`` (git-ignored): the whole page, and its first
screen (``-ecran``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from ditep_core.auth.service import create_key
from ditep_core.db import Database
from ditep_core.nomenclatures import Scope
from tests.activity_api.ui.conftest import body_value
from tests.live import serve_samples

CHROMIUM = Path(os.environ.get("DITEP_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTEFACTS = Path(__file__).resolve().parents[3] / "var" / "test-artefacts" / "ui"
FINESS = "690000017"
CHARTS = ("file-active-mois", "modalites", "unites", "heures-activite", "heures-lieu", "occupation")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.is_file(),
        reason=f"chromium absent: {CHROMIUM} (apt-get install chromium; CI installs it)",
    ),
]


@dataclass(frozen=True)
class Served:
    api: str
    url: str  # the database's
    key: dict[str, str]
    users: dict[str, tuple[str, str]]  # role: (e-mail, password)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``ditep serve --samples`` as ``make run`` starts it, on free ports."""
    folder = tmp_path_factory.mktemp("browser")
    with serve_samples(folder) as served:
        web = ""
        users: dict[str, tuple[str, str]] = {}
        for line in served.banner:
            if line.startswith("web app:"):
                web = line.split(":", 1)[1].strip()
            if found := re.match(r"^\s+(director|ars)\s+(\S+)\s+password: (\S+)$", line):
                users[found.group(1)] = (found.group(2), found.group(3))
        assert web == f"{served.api}/ui/"
        assert set(users) == {"director", "ars"}
        url = f"sqlite:///{folder / 'serve.sqlite3'}"
        yield Served(api=served.api, url=url, key=served.key, users=users)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _page(browser: Any) -> Any:
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    return context.new_page()


def _no_serious_violation(page: Any, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = results.response["violations"]
    serious = [
        f"{item['id']} ({item['impact']}): {[node['target'] for node in item['nodes']][:3]}"
        for item in violations
        if item["impact"] in ("serious", "critical")
    ]
    assert not serious, f"{name}: {serious}"


def _screenshot(page: Any, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}-ecran.png"))  # the first screen only


def _error_page(page: Any, url: str, status: int, heading: str) -> None:
    """``url`` answers ``status`` with a page whose title says ``heading``, in French."""
    response = page.goto(url)
    assert response is not None
    assert response.status == status
    assert page.get_by_role("heading", level=1).inner_text() == heading


def _sign_in(page: Any, served: Served, role: str, path: str = "/ui/") -> None:
    email, password = served.users[role]
    page.goto(served.api + path)
    assert "/ui/login?next=" in page.url
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def test_sign_in_page(browser: Any, served: Served) -> None:
    page = _page(browser)
    page.goto(served.api + "/ui/login")
    assert page.get_by_label("Adresse e-mail").get_attribute("type") == "email"
    assert page.get_by_label("Mot de passe").get_attribute("type") == "password"
    # Keyboard: the e-mail field, then the password, then the button.
    page.get_by_label("Adresse e-mail").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    _no_serious_violation(page, "login")
    _screenshot(page, "connexion")
    page.context.close()


def test_director_dashboard(browser: Any, served: Served) -> None:
    page = _page(browser)
    _sign_in(page, served, "director")
    assert page.url == f"{served.api}/ui/establishments/{FINESS}"
    period = page.locator("input#period").input_value()
    assert period == "2025-Q1"  # the quarter of the samples' latest session
    for chart in CHARTS:
        svg = page.locator(f"#{chart} svg")
        assert svg.count() == 1, chart
        box = svg.bounding_box()
        assert box is not None, chart
        assert box["width"] > 100, chart
        assert box["height"] > 100, chart
        assert svg.locator("rect, path").count() > 0, chart

    bodies: dict[str, dict[str, Any]] = {}
    cells = page.locator("td[data-path]")
    checked = 0
    for index in range(cells.count()):
        cell = cells.nth(index)
        path = cell.get_attribute("data-path")
        assert path is not None
        if path.startswith("quality.by_source."):
            continue
        code = cell.get_attribute("data-period") or period
        if code not in bodies:
            response = httpx.get(
                f"{served.api}/v1/establishments/{FINESS}/activity",
                params={"period": code},
                headers=served.key,
                timeout=30,
            )
            assert response.status_code == 200, response.text
            bodies[code] = response.json()
        raw = cell.get_attribute("data-value")
        assert raw is not None
        assert json.loads(raw) == body_value(bodies[code], path), (code, path)
        checked += 1
    assert checked > 40
    march = bodies["2025-03"]
    assert march["file_active"]["total"] > 0  # the samples' month: real figures shown

    # The focus is visible: an outline on the focused link.
    page.get_by_role("link", name=re.compile("^Trimestre")).focus()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    _no_serious_violation(page, "dashboard")
    _screenshot(page, "tableau-de-bord")

    # Another establishment: a 403 page, in French.
    _error_page(page, f"{served.api}/ui/establishments/750000999", 403, "Accès refusé")
    _no_serious_violation(page, "403")
    _screenshot(page, "acces-refuse")

    # An unknown period: a readable page.
    _error_page(
        page, f"{served.api}/ui/establishments/{FINESS}?period=2025-T5", 400, "Période inconnue"
    )
    _no_serious_violation(page, "period")
    page.context.close()


def test_ars_region_page(browser: Any, served: Served) -> None:
    page = _page(browser)
    _sign_in(page, served, "ars")
    assert page.url == f"{served.api}/ui/regions/84"
    assert page.locator("li[data-indicator]").count() > 5
    _no_serious_violation(page, "region")
    _screenshot(page, "region")
    response = page.goto(f"{served.api}/ui/establishments/{FINESS}")
    assert response is not None
    assert response.status == 403
    # Sign out: back to the sign-in page, and the pages ask for it again.
    page.goto(f"{served.api}/ui/regions/84")
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_load_state()
    assert page.url.startswith(f"{served.api}/ui/login")
    page.goto(f"{served.api}/ui/regions/84")
    assert "/ui/login?next=" in page.url
    page.context.close()


def test_ars_department_page(browser: Any, served: Served) -> None:
    """From the region page to a department's page: its tiles equal the department's
    indicators in the API, its establishments' statuses are listed, axe is clean."""
    page = _page(browser)
    _sign_in(page, served, "ars", "/ui/regions/84?period=2025-Q1")
    page.locator('a[data-department="69"]').click()
    page.wait_for_load_state()
    assert page.url == f"{served.api}/ui/departments/69?period=2025-Q1"
    assert page.get_by_role("heading", level=1).inner_text() == "Département 69"
    assert page.locator(f"tr[data-finess='{FINESS}']").count() == 1
    database = Database.from_url(served.url)
    with database.unit_of_work() as session:
        _, ars_key = create_key(
            session, name="browser-ars", scopes=(Scope.ARS_READ,), regions=("84",)
        )
    database.dispose()
    response = httpx.get(
        f"{served.api}/v1/departments/69/indicators",
        params={"period": "2025-Q1"},
        headers={"Authorization": f"Bearer {ars_key.plaintext}"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    expected = {
        f"{indicator['code']}.{measure['code']}": measure["value"]
        for indicator in response.json()["indicators"]
        for measure in indicator["measures"]
    }
    tiles = page.locator("li[data-indicator]")
    assert tiles.count() == len(expected)
    for index in range(tiles.count()):
        tile = tiles.nth(index)
        path = tile.get_attribute("data-indicator")
        raw = tile.get_attribute("data-value")
        assert path in expected
        assert raw == ("" if expected[path] is None else json.dumps(expected[path])), path
    assert page.locator("a[data-download]").count() == 4  # activity and results, XLSX and CSV
    _no_serious_violation(page, "department")
    _screenshot(page, "departement")
    # A department of another region: the 403 page.
    _error_page(page, f"{served.api}/ui/departments/75", 403, "Accès refusé")
    page.context.close()


def test_transmit_through_the_page_then_the_ars_sees_it(browser: Any, served: Served) -> None:
    page = _page(browser)
    quarter = f"/ui/establishments/{FINESS}/quarters/2025-Q1"
    _sign_in(page, served, "director", quarter)
    assert page.url == served.api + quarter
    assert page.locator("[data-status]").first.get_attribute("data-status") == "late"
    _no_serious_violation(page, "quarter")
    # The confirmation box is required: the browser does not send the form without it.
    page.get_by_role("button", name="Transmettre").click()
    assert page.url == served.api + quarter
    page.get_by_label(re.compile("^Je confirme")).check()
    page.get_by_role("button", name="Transmettre").click()
    page.wait_for_load_state()
    assert page.url == f"{served.api}{quarter}?transmis=1"
    assert page.get_by_role("status").inner_text() == "Version 1 transmise à l'ARS."
    _screenshot(page, "trimestre")
    page.context.close()

    page = _page(browser)
    _sign_in(page, served, "ars", "/ui/regions/84?period=2025-Q1")
    row = page.locator(f"tr[data-finess='{FINESS}']")
    assert row.get_attribute("data-status") == "transmitted"
    assert "transmis" in row.inner_text()
    _no_serious_violation(page, "region-transmitted")
    page.context.close()


def test_review_queue_page(browser: Any, served: Served) -> None:
    """From the dashboard's data-quality block to the review queue, which activity-api
    reads from the agenda-ingest that ``ditep serve`` started (its API, a service key)."""
    page = _page(browser)
    _sign_in(page, served, "director")
    page.locator('a[data-link="review"]').click()
    page.wait_for_load_state()
    assert page.url == f"{served.api}/ui/establishments/{FINESS}/review"
    assert page.get_by_role("heading", level=1).inner_text().startswith("File de revue")
    listed = int(page.locator('span[data-count="unclassified"]').inner_text())
    response = httpx.get(
        f"{served.api}/v1/establishments/{FINESS}/activity",
        params={"period": "2025-03"},
        headers=served.key,
        timeout=30,
    )
    assert response.status_code == 200
    assert listed >= response.json()["quality"]["unclassified"]
    _no_serious_violation(page, "review")
    _screenshot(page, "file-de-revue")
    rows = page.locator("tr[data-group]")
    if rows.count():
        rows.first.locator('input[type="checkbox"]').check()
        page.get_by_label("Activité").select_option("transport")
        page.get_by_role("button", name="Classer").click()
        page.wait_for_load_state()
        assert "les décomptes suivent" in page.locator("p.notice").inner_text()
        _no_serious_violation(page, "review-after")
    page.context.close()
