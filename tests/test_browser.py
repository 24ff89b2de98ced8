"""The site in a real browser: headless Chromium opens the home page, a deal page and a table
page from file://, checks what a reader sees, that nothing is requested from outside the
site's folder, that the page fits a phone's width, and saves screenshots.

Skipped when no Chromium is installed; CI (.ci/run) installs Debian's ``chromium``.
Screenshots go to ``build/screenshots/`` (or $MINSEC_SCREENSHOTS).
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from cdp import Browser, Page, chromium, find_browser

DEAL = "usa-ukr-minerals-agreement-2025"
SIZES = {"desktop": (1280, 900, False), "phone": (390, 844, True)}


@pytest.fixture(scope="module")
def browser_path() -> str:
    found = find_browser()
    if found is None:
        pytest.skip("no Chromium found: install Debian's chromium (apt-get install chromium) or set MINSEC_CHROMIUM")
    return found


@pytest.fixture(scope="module")
def browser(browser_path: str) -> Iterator[Browser]:
    """Headless Chromium, launched once for the module's tests."""
    with chromium(browser_path) as launched:
        yield launched


@pytest.fixture(scope="module")
def site(real_site: Path) -> Path:
    """The site of the repository's records (conftest's ``real_site``, written once per session)."""
    return real_site


@pytest.fixture(scope="module")
def shots(repo_root: Path) -> Path:
    folder = Path(os.environ.get("MINSEC_SCREENSHOTS") or repo_root / "build" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


#: Text whose colour contrasts less than 4.5:1 (WCAG AA) with the background behind it.
LOW_CONTRAST = """(() => {
  const rgb = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
  const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const low = [];
  for (const el of document.querySelectorAll("body *:not(svg):not(svg *)")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const [a, b] = [luminance(rgb(getComputedStyle(el).color)), luminance(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) low.push(el.tagName + ": " + el.textContent.trim().slice(0, 40) + " " + ratio.toFixed(2));
  }
  return low;
})()"""


def _outside(page: Page, site: Path) -> list[str]:
    inside = site.resolve().as_uri() + "/"
    return [url for url in page.requests() if not url.startswith(inside)]


def test_home_and_deal_pages_in_chromium(browser: Browser, site: Path, shots: Path) -> None:
    """Every test opens its own pages in the module's browser."""
    for size, (width, height, mobile) in SIZES.items():
        page = Page(browser, width, height, mobile)

        page.open((site / "index.html").as_uri())
        assert page.evaluate("document.querySelector('h1').textContent").startswith("minsec")  # type: ignore[union-attr]
        text = str(page.evaluate("document.body.innerText"))
        for expected in ("The deals at a glance", "Deals by status", "Timeline of events", "Download", "Cite"):
            assert expected in text, expected
        assert page.evaluate("document.querySelectorAll('svg.timeline a').length") > 0  # type: ignore[operator]
        assert page.evaluate("!!document.querySelector('script[type=\"application/ld+json\"]')")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
            f"{size}: wider than the screen"
        )
        assert _outside(page, site) == [] and len(page.requests()) >= 3  # the page, its CSS and JS
        assert page.evaluate(LOW_CONTRAST) == []
        page.screenshot(shots / f"home-{size}.png")

        page.open((site / "deals" / f"{DEAL}.html").as_uri())
        text = str(page.evaluate("document.body.innerText"))
        for expected in (
            "Status history",
            "Who gives what to whom",
            "Parties",
            "Commodities",
            "Evidence: the quotes",
        ):
            assert expected in text, expected
        assert page.evaluate("document.querySelectorAll('blockquote').length") > 0  # type: ignore[operator]
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
            f"{size}: wider than the screen"
        )
        assert _outside(page, site) == []
        assert page.evaluate(LOW_CONTRAST) == []
        page.screenshot(shots / f"deal-{size}.png")
        assert page.errors() == []


def test_table_page_sorts_and_filters_offline(browser: Browser, site: Path) -> None:
    page = Page(browser, 1280, 900, False)
    page.open((site / "tables" / "events.html").as_uri())
    total = page.evaluate("document.querySelectorAll('table.data tbody tr').length")
    assert total and total > 3  # type: ignore[operator]
    page.evaluate(
        "(() => { const i = document.querySelector('.filter input'); i.value = 'Ukraine';"
        " i.dispatchEvent(new Event('input')); })()"
    )
    shown = page.evaluate("[...document.querySelectorAll('table.data tbody tr')].filter(r => !r.hidden).length")
    assert 0 < shown < total  # type: ignore[operator]
    assert "of" in str(page.evaluate("document.querySelector('.filter output').textContent"))
    first = "document.querySelector('table.data tbody tr td').getAttribute('data-sort')"
    page.evaluate("document.querySelector('table.data thead th button').click()")
    ascending = page.evaluate(first)
    page.evaluate("document.querySelector('table.data thead th button').click()")
    assert page.evaluate(first) != ascending
    assert page.evaluate("document.querySelector('table.data thead th').getAttribute('aria-sort')") == "descending"
    assert page.errors() == []
    assert _outside(page, site) == []
