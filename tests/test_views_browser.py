"""Every page under OUT opened in headless Chromium, offline, with a script payload in a fiche.

Needs Debian's Chromium at /usr/bin/chromium (installed by ``.ci/install-system-deps``)
and the ``playwright`` package (test extras); never ``playwright install``. A missing
browser fails these tests with a message saying so: they are not skipped.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from policykg.graph.store import open_store
from policykg.viz.analytics_graph import compute_analytics
from policykg.viz.views import write_views
from tests.test_networks import seed_out as seed_out  # noqa: F401  (shared fixtures)
from tests.test_views import PAYLOADS, page_data
from tests.test_views import injected_site as injected_site  # noqa: F401
from tests.test_views import seed_site as seed_site  # noqa: F401

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
READY_SECONDS = 60


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: install the Debian package "
            "`chromium` (run .ci/install-system-deps as root)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


class Visit:
    """One page opened from file://, with what it logged and tried to fetch."""

    def __init__(self, browser, path: Path):
        self.context = browser.new_context(viewport={"width": 1400, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.route("**/*", self._route)
        self.page.goto(path.resolve().as_uri())

    def _route(self, route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def wait_ready(self) -> None:
        # polled from Python: the pages' CSP forbids the eval that wait_for_function uses
        deadline = time.monotonic() + READY_SECONDS
        while not self.js("() => !!(window.policykgView && window.policykgView.ready)"):
            assert time.monotonic() < deadline, "the network was never drawn"
            self.page.wait_for_timeout(100)

    def drawn(self) -> tuple[int, int]:
        return tuple(
            self.js(
                "() => [window.policykgView.drawnNodeCount(), window.policykgView.drawnEdgeCount()]"
            )
        )

    def pwned(self):
        return self.js("() => window.__pwned === undefined ? null : window.__pwned")

    def close(self) -> None:
        self.context.close()


def _check_every_page(browser, out: Path, expected: dict[str, tuple[int, int]]) -> int:
    pages = sorted(out.rglob("*.html"))
    assert out / "index.html" in pages
    for path in pages:
        visit = Visit(browser, path)
        try:
            if path.parent.name == "views":
                visit.wait_ready()
                data = page_data(path)
                assert visit.drawn() == (len(data["nodes"]), len(data["edges"])), path.name
                name = f"views/{path.name}"
                if name in expected:
                    assert visit.drawn() == expected[name], path.name
            else:
                assert visit.js("() => document.querySelectorAll('table').length") >= 3
            assert visit.errors == [], (path.name, visit.errors)
            assert visit.outside == [], (path.name, visit.outside)
            assert visit.pwned() is None, path.name
        finally:
            visit.close()
    return len(pages)


def test_every_page_of_the_seed_site_opens_offline_and_draws(browser, seed_site):
    out, report = seed_site
    expected = {v.path: (v.nodes, v.edges) for v in report.views}
    assert _check_every_page(browser, out, expected) == len(report.views) + 1


def test_every_page_with_a_script_payload_runs_nothing(browser, injected_site):
    out, report, ego = injected_site
    expected = {v.path: (v.nodes, v.edges) for v in [*report.views, ego]}
    assert _check_every_page(browser, out, expected) == len(report.views) + 2


def test_the_payload_is_shown_as_text_in_search_panel_and_tooltip(browser, injected_site):
    out, _, _ = injected_site
    visit = Visit(browser, out / "views" / "graph.html")
    try:
        visit.wait_ready()
        visit.page.fill("#pkg-search", "img src=x")
        found = visit.js(
            "() => [...document.querySelectorAll('#pkg-results button')].map(b => b.textContent)"
        )
        title = f"9.9.9 – {PAYLOADS['title']}"
        assert title in found
        visit.page.click(f"#pkg-results button >> nth={found.index(title)}")
        assert visit.js("() => document.querySelector('#pkg-panel h2').textContent") == title
        node = next(
            n["id"] for n in page_data(out / "views" / "graph.html")["nodes"] if n["full"] == title
        )
        x, y = visit.js(
            """(id) => {
            const net = window.policykgView.network;
            const p = net.canvasToDOM(net.getPositions([id])[id]);
            const r = document.getElementById('pkg-network').getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }""",
            node,
        )
        visit.page.mouse.move(x, y)
        visit.page.wait_for_timeout(600)
        tip = visit.js("() => (document.querySelector('.vis-tooltip') || {}).textContent || ''")
        assert title in tip
        assert visit.js("() => document.querySelectorAll('img, svg, iframe').length") == 0
        assert visit.pwned() is None and visit.errors == [] and visit.outside == []
    finally:
        visit.close()


def test_filters_by_contract_and_kind(browser, seed_site):
    out, _ = seed_site
    path = out / "views" / "graph.html"
    data = page_data(path)
    visit = Visit(browser, path)
    try:
        visit.wait_ready()
        visit.page.select_option("#pkg-contract", "nantes-2015-2020")
        nantes = [n for n in data["nodes"] if "nantes-2015-2020" in n["contracts"]]
        assert visit.drawn()[0] == len(nantes)
        kinds = [k["id"] for k in data["kinds"]]
        visit.page.click(f"#pkg-legend input >> nth={kinds.index('dispositif')}")
        assert visit.drawn()[0] == sum(1 for n in nantes if n["kind"] != "dispositif")
        visit.page.select_option("#pkg-contract", "")
        assert visit.drawn()[0] == sum(1 for n in data["nodes"] if n["kind"] != "dispositif")
        assert visit.errors == []
    finally:
        visit.close()


def test_views_with_shared_assets_load_them_from_beside_the_file(browser, seed_out, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(seed_out, out)
    view = write_views(out, compute_analytics(open_store(out)), shared=True)[0]
    visit = Visit(browser, out / view.path)
    try:
        visit.wait_ready()
        assert visit.drawn() == (view.nodes, view.edges)
        assert visit.errors == [] and visit.outside == []
    finally:
        visit.close()
