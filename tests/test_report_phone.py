"""The HTML report in a real browser (headless Chromium through Playwright) at a phone's
width (390 px) and a desktop's: nothing wider than the screen, every column of the order
table and the "why" of the needs that did not fit on screen, the chart scaled to fit.

Screenshots go to the folder ``GIFTBALANCE_SCREENSHOTS`` names, else ``screenshots/`` in
pytest's temporary folder (printed with ``-s``): look at them after a layout change.
Skipped, with the reason, only where no Chromium is installed (Debian: apt-get install
chromium; .ci/run installs it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

Run = Callable[..., Result]
CHROMIUM = os.environ.get("GIFTBALANCE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# No network, no first-run work: the page is a local file and the test talks to nothing.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.sqlite_only,
    pytest.mark.skipif(
        not Path(CHROMIUM).is_file(),
        reason=f"no Chromium at {CHROMIUM} (apt-get install chromium, or set GIFTBALANCE_CHROMIUM)",
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(
        os.environ.get("GIFTBALANCE_SCREENSHOTS") or tmp_path_factory.getbasetemp() / "screenshots"
    )
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {folder}")
    return folder


@pytest.fixture
def page_file(ok: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A report with a long order (long names, tax), late needs and needs that did not fit,
    each with a long reason."""
    monkeypatch.setenv("GIFTBALANCE_TODAY", "2026-11-25")
    ok("account", "add", "Family", "--currency", "USD", "--tax-rate", "8.875", "--default")
    ok("add", "250", "--yes", "--date", "2026-10-01")
    ok("add", "40", "--yes", "--date", "2026-11-02", "--expires", "2026-12-15")
    ok("member", "add", "Samantha-Josephine")
    for name, price, extra in [
        ("Waterproof insulated winter boots, size 34", "89.99", ["--priority", "must"]),
        ("Rain jacket with a hood and reflective strips", "64.50", ["--by", "2026-11-20"]),
        ("Coffee beans, whole, 1 kg", "18.25", ["--every", "2 weeks"]),
        ("Standing desk with an electric motor", "640", ["--priority", "low"]),
        ("Noise-cancelling headphones", "299", ["--account", "Family", "--priority", "low"]),
    ]:
        ok("need", "add", name, "--price", price, "--for", "Samantha-Josephine", *extra)
    target = tmp_path / "report.html"
    ok("report", "--format", "html", "--output", str(target))
    return target


_MEASURE = """
() => {
  const cells = (headerText) => {
    const out = [];
    for (const table of document.querySelectorAll("table")) {
      const headers = [...table.querySelectorAll("thead th")].map(th => th.textContent);
      const index = headers.indexOf(headerText);
      if (index < 0) continue;
      for (const row of table.querySelectorAll("tbody tr")) {
        const cell = row.children[index];
        const box = cell.getBoundingClientRect();
        const style = getComputedStyle(cell);
        out.push({text: cell.textContent, left: box.left, right: box.right, width: box.width,
                  shown: style.display !== "none" && style.visibility !== "hidden"});
      }
    }
    return out;
  };
  const svg = document.querySelector("figure.chart svg").getBoundingClientRect();
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    columns: Object.fromEntries(
      ["need", "unit price", "tax", "total", "why"].map(h => [h, cells(h)])),
    chart: {left: svg.left, right: svg.right, height: svg.height},
  };
}
"""


@pytest.mark.parametrize("screen", sorted(WIDTHS))
def test_the_report_fits_the_screen(browser: Any, page_file: Path, shots: Path, screen: str):
    width, height = WIDTHS[screen]
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        page.goto(page_file.as_uri())
        measured = page.evaluate(_MEASURE)
        page.screenshot(path=str(shots / f"report-{screen}-{width}px.png"), full_page=True)
    finally:
        page.close()
    assert measured["scrollWidth"] <= measured["innerWidth"] == width
    columns = measured["columns"]
    # Every line of the order shows its price, tax and total, and every need that did not
    # fit says why, inside the screen.
    assert columns["unit price"] and columns["tax"] and columns["total"] and columns["why"]
    for header in ("unit price", "tax", "total", "why"):
        for cell in columns[header]:
            assert cell["shown"] and cell["width"] > 0, (header, cell)
            assert cell["left"] >= 0 and cell["right"] <= width, (header, cell)
    assert any("used up" in c["text"] or "costs more" in c["text"] for c in columns["why"])
    chart = measured["chart"]
    assert chart["left"] >= 0 and chart["right"] <= width and chart["height"] > 100
