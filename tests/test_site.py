"""``minsec site OUT/``: a page per record and per table, every link inside the site, nothing
fetched from elsewhere, and a folder that is replaced whole or not at all."""

import re
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from minsec.publish.typed import record_tables
from minsec.site.render import MARKER
from minsec.tables import tables


class Refs(HTMLParser):
    """Every URL a page refers to, and whether it loads it (src, stylesheet) or only links to it."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.repeated_ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            if values["id"] in self.ids:
                self.repeated_ids.append(str(values["id"]))
            self.ids.add(str(values["id"]))
        if values.get("src"):
            self.loads.append(str(values["src"]))
        if tag == "link" and values.get("href"):
            self.loads.append(str(values["href"]))
        elif values.get("href"):
            self.links.append(str(values["href"]))


def refs(page: Path) -> Refs:
    parser = Refs()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def site(real_site: Path) -> Path:
    """``minsec site`` of the repository (conftest's ``real_site``, written once per session)."""
    return real_site


def test_a_page_per_record_and_per_table(site: Path, repo_root: Path) -> None:
    for table in tables():
        assert (site / "tables" / f"{table.name}.html").is_file()
        page = (site / "tables" / f"{table.name}.html").read_text(encoding="utf-8")
        for column in table.columns:  # every column of the definition, none written out by hand
            assert f">{column.name}</th>" in page, (table.name, column.name)
    for name in record_tables(tables()):
        ids = [p.stem for p in (repo_root / "records" / name).glob("*.yaml")]
        assert sorted(p.stem for p in (site / name).glob("*.html")) == sorted(ids)


def test_every_link_inside_the_site_resolves_and_nothing_loads_from_elsewhere(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    parsed: dict[Path, Refs] = {}  # each page parsed once, however many links point into it

    def refs_of(page: Path) -> Refs:
        key = page.resolve()
        if key not in parsed:
            parsed[key] = refs(page)
        return parsed[key]

    inside = site.resolve()
    for page in pages:
        found = refs_of(page)
        assert found.repeated_ids == [], page  # ids are unique, so labels and anchors are unambiguous
        for url in found.loads:
            assert not urlsplit(url).scheme and not url.startswith("//"), (page, url)
        for url in found.loads + found.links:
            parts = urlsplit(url)
            if parts.scheme in ("http", "https"):
                continue
            assert not parts.scheme, (page, url)
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert target.is_file(), (page.relative_to(site), url)
            assert inside in target.parents, (page, url)
            if parts.fragment and target.suffix == ".html":
                assert parts.fragment in refs_of(target).ids, (page.relative_to(site), url)


def test_deal_page_has_parties_terms_commodities_events_and_quotes(site: Path) -> None:
    page = (site / "deals" / "usa-ukr-minerals-agreement-2025.html").read_text(encoding="utf-8")
    headings = ("Status history", "Who gives what to whom", "Quotes behind the terms", "Parties", "Commodities")
    for heading in (*headings, "Events", "Evidence: the quotes"):
        assert f">{heading}</h2>" in page, heading
    assert "usgs_critical_2022" in page  # the commodities' critical-list flags
    assert ">timing</th>" in page  # the terms' timing
    assert re.search(r"<blockquote><p>[^<]+</p></blockquote>", page)
    assert 'href="../sources/presstv-us-drc-rare-earths.html"' in page


def test_withdrawn_records_are_struck_and_labelled_on_the_deal_page(site: Path) -> None:
    """A withdrawn event or claim must never read as live data beside the deal."""
    import re

    page = (site / "deals" / "usa-ukr-minerals-agreement-2025.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr class="withdrawn-row">(.*?)</tr>', page, re.S)
    assert len(rows) == 2 and all('<span class="tag-withdrawn">withdrawn</span>' in row for row in rows)
    assert any("trump-vance-criticize-zelensky" in row for row in rows)
    assert any("usa-ukr-deal-value" in row for row in rows)
    assert not any("usa-ukr-agreement-collapse" in row for row in rows)


def test_quotes_link_to_the_source_and_its_archive(mini_repo, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    from conftest import DEAL_ID

    assert run_cli("site", "--root", mini_repo.root, tmp_path / "out")[0] == 0
    page = (tmp_path / "out" / "deals" / f"{DEAL_ID}.html").read_text(encoding="utf-8")
    assert '<a href="https://example.org/cobalt">original</a>' in page
    archive = "https://web.archive.org/web/20250310000000/https://example.org/cobalt"  # the source's archive_url
    assert f'<a href="{archive}">archived copies</a>' in page
    assert "Latest release" not in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")  # none kept yet


def test_actor_and_commodity_pages_list_their_deals_and_events(site: Path) -> None:
    actor = (site / "actors" / "usa.html").read_text(encoding="utf-8")
    for heading in ("Deals it is party to", "Events it took part in"):
        assert f">{heading}</h2>" in actor, heading
    commodity = (site / "commodities" / "rare-earth-elements.html").read_text(encoding="utf-8")
    for heading in ("Deals that concern it", "Events of those deals"):
        assert f">{heading}</h2>" in commodity, heading
    assert 'href="../events/usa-cod-rare-earths-talks.html"' in commodity  # an event of a deal naming it


def test_home_page_counts_timeline_release_and_downloads(site: Path) -> None:
    page = (site / "index.html").read_text(encoding="utf-8")
    assert "Deals by status" in page and "Deals by deal type" in page
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="timeline"' in page
    assert re.search(r"Latest release: \d+\.\d+\.\d+", page)
    for name in ("minsec.sqlite", "data/deals.parquet", "data/deals.csv", "croissant.json", "metadata.json"):
        assert f'href="download/{name}"' in page


def test_site_replaces_its_own_folder_and_refuses_any_other(
    site: Path, repo_root: Path, tmp_path: Path, run_cli
) -> None:
    site = Path(shutil.copytree(site, tmp_path / "site"))  # the session's site stays as written
    (site / "stale.html").write_text("old", encoding="utf-8")
    assert run_cli("site", "--root", repo_root, site)[0] == 0
    assert not (site / "stale.html").exists() and (site / MARKER).is_file()
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me", encoding="utf-8")
    code, _, err = run_cli("site", "--root", repo_root, other)
    assert code == 2 and "holds no minsec site" in err and "Traceback" not in err
    assert [p.name for p in other.iterdir()] == ["notes.txt"]
    for bad, says in ((other / "notes.txt", "not a folder"), (other / "notes.txt" / "site", "notes.txt: File exists")):
        code, _, err = run_cli("site", "--root", repo_root, bad)
        assert code == 2 and says in err and len(err.strip().splitlines()) == 1, err


def test_full_disk_leaves_no_half_site(
    repo_root: Path, tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    def no_space(descriptor: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", no_space)
    code, _, err = run_cli("site", "--root", repo_root, tmp_path / "out")
    monkeypatch.undo()
    assert code == 2 and "the disk is full" in err and len(err.strip().splitlines()) == 1, err
    assert list(tmp_path.iterdir()) == []  # neither the site nor its staging folder


def test_a_failure_while_the_pages_are_made_leaves_the_old_site_whole(
    site: Path, repo_root: Path, tmp_path: Path, run_cli, hash_tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages are written as they are made, into a folder beside the site that replaces it only
    once all are written: a failure on the third record page (after the downloads and the
    first pages were written) leaves the old site as it was and nothing else behind."""
    import errno
    import os

    from minsec.site.pages import Site

    site = Path(shutil.copytree(site, tmp_path / "site"))
    before = hash_tree(site)
    made = Site.record_page
    calls = []

    def third_fails(self: Site, table, row) -> bytes:  # type: ignore[no-untyped-def]
        calls.append(row["id"])
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return made(self, table, row)

    monkeypatch.setattr(Site, "record_page", third_fails)
    code, _, err = run_cli("site", "--root", repo_root, site)
    assert code == 2 and "the disk is full" in err and len(err.strip().splitlines()) == 1, err
    assert len(calls) == 3 and hash_tree(site) == before
    assert [p.name for p in tmp_path.iterdir()] == ["site"], "no staging folder is left"


def test_site_without_the_publish_extra_says_what_to_install(
    repo_root: Path, tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    code, _, err = run_cli("site", "--root", repo_root, tmp_path / "out")
    assert code == 2
    assert "minsec[publish]" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_changelog_section_becomes_safe_html() -> None:
    from minsec.site.changes import release_notes

    changelog = (
        "# Changelog\n\n## [Unreleased]\n\n## [1.1.0] - 2027-01-02\n\n**Why.** Two lines\nof prose.\n"
        "- `deals.x` added, see [the codebook](CODEBOOK.md)\n  and more; [bad](javascript:alert) <b>\n\n"
        "### Added\n- Table y added.\n\n## [1.0.0] - 2026-01-01\n\n### Added\n- Old.\n"
    )
    release = release_notes(changelog, "1.1.0")
    assert release.date == "2027-01-02"
    assert str(release.summary) == (
        "<p><strong>Why.</strong> Two lines of prose.</p>\n"
        '<ul><li><code>deals.x</code> added, see <a href="CODEBOOK.md">the codebook</a>'
        " and more; bad &lt;b&gt;</li></ul>"
    )
    assert str(release.details) == "<h3>Added</h3>\n<ul><li>Table y added.</li></ul>"
    assert "Old" not in str(release.details)


def test_a_new_table_and_column_appear_everywhere_without_code_changes(repo_root: Path) -> None:
    """Pages and downloads are generated from the table definitions: add a column and a table
    (invented here, never published) and they show up in every format."""
    import dataclasses
    import sqlite3
    import tempfile

    from minsec.publish.croissant import croissant
    from minsec.publish.downloads import download_files
    from minsec.publish.typed import all_rows
    from minsec.site.pages import Site
    from minsec.tables import Column, Table
    from minsec.validate import validate

    rows = all_rows(validate(repo_root, []).dataset)
    deal_id = str(rows["deals"][0]["id"])
    flavour = Column("flavour", "string", "Invented column for this test.")
    widgets = Table(
        "widgets",
        "Invented table for this test: widgets of a deal.",
        (
            Column("deal_id", "string", "The deal.", True, foreign_key="deals"),
            Column("widget", "string", "A widget.", True),
        ),
        ("deal_id", "widget"),
        lambda _: [],
    )
    new_tables = tuple(
        dataclasses.replace(t, columns=(*t.columns, flavour)) if t.name == "deals" else t for t in tables()
    ) + (widgets,)
    rows = {**rows, "widgets": [{"deal_id": deal_id, "widget": "sprocket"}]}
    rows["deals"] = [{**r, "flavour": "invented"} for r in rows["deals"]]

    pages = dict(Site(new_tables, rows, None, {}).pages())
    assert "sprocket" in pages["tables/widgets.html"].decode()
    deal_page = pages[f"deals/{deal_id}.html"].decode()
    assert ">Widgets</h2>" in deal_page and "sprocket" in deal_page and ">flavour</dt>" in deal_page

    package = {f"data/{t.name}.csv": b"" for t in new_tables} | {"datapackage.json": b"{}"}
    files = download_files(new_tables, rows, package)
    assert "data/widgets.parquet" in files
    with tempfile.NamedTemporaryFile(suffix=".sqlite") as handle:
        handle.write(files["minsec.sqlite"])
        handle.flush()
        with sqlite3.connect(handle.name) as db:
            assert db.execute("SELECT widget FROM widgets").fetchall() == [("sprocket",)]
            assert db.execute("SELECT flavour FROM deals LIMIT 1").fetchone() == ("invented",)
    described = croissant(new_tables, {t.name: b"" for t in new_tables})
    assert "widgets" in [r["name"] for r in described["recordSet"]]


#: The loop that wrote a grid's rows in templates/macros.html until the seventh pass of issue 12.
_TEMPLATE_ROWS = """{% for row in grid.rows %}
{% set gone = grid.withdrawn and grid.withdrawn[loop.index0] %}
<tr{% if gone %} class="withdrawn-row"{% endif %}>
{% for c in row %}
<td data-sort="{{ c.sort }}" data-label="{{ grid.headers[loop.index0].name }}">\
{% if gone and loop.first %}<span class="tag-withdrawn">withdrawn</span> {% endif %}{{ c.html }}</td>
{% endfor %}
</tr>
{% endfor %}
"""


def test_a_grids_rows_are_what_the_template_loop_wrote() -> None:
    """Grid.body writes the rows in Python, byte for byte as the template loop did: cells of
    markup and of plain text (escaped), withdrawn rows and every character markupsafe escapes."""
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from markupsafe import Markup, escape

    from minsec.site.pages import Cell, Grid, Header, environment

    loop = environment().from_string(_TEMPLATE_ROWS)
    text = st.text(alphabet=st.sampled_from("ab &<>'\"é\n\u2028"), max_size=8)

    @st.composite
    def grids(draw: st.DrawFn) -> Grid:
        width = draw(st.integers(1, 4))
        headers = [Header(draw(text), "", False) for _ in range(width)]
        html = st.one_of(text.map(Markup), text.map(escape), text)
        rows = draw(st.lists(st.lists(st.builds(Cell, html, text), min_size=width, max_size=width), max_size=4))
        withdrawn = draw(st.one_of(st.just([]), st.lists(st.booleans(), min_size=len(rows), max_size=len(rows))))
        return Grid(headers, rows, withdrawn=withdrawn)

    @settings(max_examples=300)
    @given(grids())
    def check(grid: Grid) -> None:
        assert grid.body() == loop.render(grid=grid)

    check()
