"""Every page of the site, from the table definitions and their rows.

A record page shows the record's columns, then one section per table that refers to it
(the deal page's status history, terms, parties, commodities, events and claims are such
sections; their headings and order are in ``sections.toml``), then the quotes behind it
and behind the records listed. Nothing here names a column of a particular table but the
events' dates for the timeline: new columns and tables appear without code changes.
"""

import json
import tomllib
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import NamedTuple

import jinja2
from markupsafe import Markup, escape

from minsec import descriptor
from minsec._version import RELEASE_DATE, __version__
from minsec.models import MODELS
from minsec.publish.croissant import cite_as
from minsec.publish.downloads import FOLDER, catalogue
from minsec.publish.jsonld import dataset_jsonld, temporal_coverage
from minsec.publish.typed import by_id, label_column, record_tables
from minsec.site.cells import Links, cell, link, shown_date, sort_key
from minsec.site.changes import Release
from minsec.site.timeline import timeline
from minsec.tables import Column, Row, Table, per_table

KIND_OF_TABLE = {m.folder: m.record_kind.value for m in MODELS}
HIDDEN_IN_SECTIONS = ("note",)
NAV = ("deals", "actors", "commodities", "events")


@dataclass(frozen=True)
class Header:
    name: str
    description: str
    numeric: bool


class Cell(NamedTuple):
    """A cell's markup, and the text the browser sorts it by (a tuple: grids hold a million)."""

    html: Markup
    sort: str


@dataclass
class Grid:
    """A table on a page: headers and cells, sortable and filterable in the browser."""

    headers: list[Header]
    rows: list[list[Cell]]
    caption: str = ""
    #: Per row: whether its record is withdrawn (shown struck through and labelled, never as live data).
    withdrawn: list[bool] = field(default_factory=list)

    def body(self) -> Markup:
        """The rows as the table's ``<tbody>`` holds them, a line per row and per cell, each value
        escaped as the templates escape it: written here, not by a template loop, which spent
        most of a site's time on its million cells beside 10,000 records."""
        labels = [f' data-label="{escape(header.name)}">' for header in self.headers]
        out = []
        for index, cells in enumerate(self.rows):
            gone = bool(self.withdrawn) and self.withdrawn[index]
            out.append('<tr class="withdrawn-row">\n' if gone else "<tr>\n")
            for position, (html, sort) in enumerate(cells):
                tag = '<span class="tag-withdrawn">withdrawn</span> ' if gone and position == 0 else ""
                out.append(f'<td data-sort="{escape(sort)}"{labels[position]}{tag}{escape(html)}</td>\n')
            out.append("</tr>\n")
        return Markup("".join(out))


@dataclass
class Section:
    anchor: str
    heading: str
    table: str
    description: str
    grid: Grid


@dataclass
class Quote:
    text: str
    source: Markup
    links: list[Markup] = field(default_factory=list)


@dataclass
class QuoteGroup:
    heading: Markup
    quotes: list[Quote]


@dataclass(frozen=True)
class SectionSpec:
    """A section of ``sections.toml``: its heading, and the table it reaches the record through, if any."""

    heading: str
    through: str | None = None


def _sections_order() -> dict[str, dict[str, SectionSpec]]:
    text = resources.files("minsec.site").joinpath("sections.toml").read_text(encoding="utf-8")
    return {
        page: {
            key: SectionSpec(spec) if isinstance(spec, str) else SectionSpec(spec["heading"], spec.get("through"))
            for key, spec in headings.items()
        }
        for page, headings in tomllib.loads(text).items()
    }


def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("minsec.site", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def json_for_script(data: object) -> Markup:
    """JSON safe inside a ``<script>`` element (no ``</script>`` can end it early)."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


class Site:
    """The pages of one build: table name to rows, plus what the home page tells."""

    def __init__(
        self,
        all_tables: tuple[Table, ...],
        rows: Mapping[str, list[Row]],
        release: Release | None,
        download_sizes: Mapping[str, int],
        base_url: str | None = None,
        coverage_end: str | None = None,
    ) -> None:
        self.tables = all_tables
        self.rows = rows
        self.release = release
        self.download_sizes = download_sizes
        self.base_url = base_url
        self.coverage_end = coverage_end
        self.record_tables = record_tables(all_tables)
        self.links = Links({n: by_id(rows[n]) for n in self.record_tables}, self.record_tables)
        self.sections_order = _sections_order()
        self.quotes: dict[tuple[str, str], list[Row]] = {}
        for row in rows.get("citations", []):
            self.quotes.setdefault((str(row["record_kind"]), str(row["record_id"])), []).append(row)
        self.env = environment()
        self._indexes: dict[tuple[str, str], dict[str, list[Row]]] = {}

    def rows_where(self, table: str, column: str, value: str) -> list[Row]:
        """The rows of ``table`` whose ``column`` is ``value``, through an index built once per column."""
        key = (table, column)
        if key not in self._indexes:
            index: dict[str, list[Row]] = {}
            for row in self.rows[table]:
                if row.get(column) not in (None, ""):
                    index.setdefault(str(row[column]), []).append(row)
            self._indexes[key] = index
        return self._indexes[key].get(value, [])

    # -- building blocks -------------------------------------------------------------

    def grid(
        self,
        table: Table,
        rows: Sequence[Row],
        root: str,
        hide: Sequence[str] = (),
        expand: tuple[str, Table] | None = None,
        drop_empty: bool = False,
    ) -> Grid:
        """``rows`` of ``table`` as a grid; ``expand`` = (column, table) adds the referenced record's key columns."""
        columns = [c for c in table.columns if c.name not in hide]
        if drop_empty:
            columns = [c for c in columns if any(r.get(c.name) not in (None, "", False) for r in rows)]
        extra: list[Column] = []
        if expand:
            other = expand[1]
            extra = [c for c in _key_columns(other) if c.name not in {x.name for x in columns}]
        headers = [Header(c.name, c.description, c.type in ("number", "integer")) for c in columns + extra]
        link_label = "id" not in {c.name for c in columns}  # one link per row to the record's page
        out = []
        withdrawn = []
        for row in rows:
            withdrawn.append(bool(row.get("withdrawn")))
            cells = [Cell(cell(table, c, row, self.links, root, link_label), sort_key(c, row)) for c in columns]
            if expand:
                target = self.links.records[expand[1].name].get(str(row.get(expand[0])), {})
                cells += [Cell(cell(expand[1], c, target, self.links, root), sort_key(c, target)) for c in extra]
            out.append(cells)
        return Grid(headers, out, withdrawn=withdrawn)

    def _through(self, table: Table, record_id: str, through: str) -> set[str]:
        """Values of ``through`` ("table.column") in the rows of that table that refer to the record."""
        name, column = through.split(".", 1)
        other = next((t for t in self.tables if t.name == name), None)
        if other is None:
            return set()
        links = [c.name for c in other.columns if c.foreign_key == table.name]
        return {str(r[column]) for c in links for r in self.rows_where(name, c, record_id) if r.get(column)}

    def related(self, table: Table, record_id: str, root: str) -> tuple[list[Section], list[tuple[Table, Row]]]:
        """The sections of a record page, and the records they list (for their quotes)."""
        found = {f"{u.name}.{c.name}": (u, c) for u in self.tables for c in u.columns if c.foreign_key == table.name}
        named = self.sections_order.get(table.name, {})
        for key, spec in named.items():
            name, _, column_name = key.partition(".")
            other = next((t for t in self.tables if t.name == name), None)
            if spec.through and other is not None and column_name in {c.name for c in other.columns}:
                found[key] = (other, other.column(column_name))
        keys = [k for k in named if k in found] + [k for k in found if k not in named]
        sections, listed = [], []
        for key in keys:
            other, column = found[key]
            spec = named.get(key)
            if spec and spec.through:
                wanted = sorted(self._through(table, record_id, spec.through))
                found_rows = {id(r): r for w in wanted for r in self.rows_where(other.name, column.name, w)}
                rows = [r for r in self.rows[other.name] if id(r) in found_rows]  # in table order
                hide = [*HIDDEN_IN_SECTIONS, *_precision_columns(other)]
            else:
                rows = self.rows_where(other.name, column.name, record_id)
                hide = [column.name, *HIDDEN_IN_SECTIONS, *_precision_columns(other)]
            if not rows:
                continue
            expand = None
            rest = [k for k in other.primary_key if k != column.name]
            if column.name in other.primary_key and len(rest) == 1:
                target = other.column(rest[0]).foreign_key
                if target in self.record_tables:
                    expand = (rest[0], self.record_tables[target])
            grid = self.grid(other, rows, root, hide=hide, expand=expand, drop_empty=True)
            heading = spec.heading if spec else other.name.replace("_", " ").capitalize()
            sections.append(Section(key.replace(".", "-"), heading, other.name, other.description, grid))
            if other.name in self.record_tables and other.name != table.name and not (spec and spec.through):
                listed += [(other, r) for r in rows]
        return sections, listed

    def quote(self, row: Row, root: str) -> Quote:
        source_id = str(row["source_id"])
        source = self.links.records.get("sources", {}).get(source_id, {})
        name = ", ".join(
            str(v) for v in (source.get("outlet"), source.get("title"), shown_date(source, "published")) if v
        )
        links = []
        url = source.get("url")
        if url:
            links.append(link(str(url), "original"))
            archive = source.get("archive_url") or f"https://web.archive.org/web/*/{url}"
            links.append(link(str(archive), "archived copies"))
        return Quote(str(row["quote"]), link(self.links.href("sources", source_id, root), name or source_id), links)

    def quote_groups(self, table: Table, row: Row, listed: list[tuple[Table, Row]], root: str) -> list[QuoteGroup]:
        groups = []
        own = self.quotes.get((KIND_OF_TABLE.get(table.name, ""), str(row.get("id"))), [])
        if own:
            groups.append(QuoteGroup(Markup("This record"), [self.quote(q, root) for q in own]))
        for other, other_row in listed:
            found = self.quotes.get((KIND_OF_TABLE.get(other.name, ""), str(other_row["id"])), [])
            if found:
                title = Markup("{} {}: {}").format(
                    KIND_OF_TABLE.get(other.name, other.name).capitalize(),
                    link(self.links.href(other.name, str(other_row["id"]), root), str(other_row["id"])),
                    _short(str(other_row.get(label_column(other)) or "")),
                )
                groups.append(QuoteGroup(title, [self.quote(q, root) for q in found]))
        return groups

    # -- pages -----------------------------------------------------------------------

    def page(self, template: str, root: str, title: str, **context: object) -> bytes:
        html = self.env.get_template(template).render(
            root=root,
            title=title,
            nav=[(n, f"{root}tables/{n}.html") for n in NAV if n in self.record_tables],
            version=__version__,
            licence=descriptor.LICENSE,
            **context,
        )
        return html.encode("utf-8")

    def record_page(self, table: Table, row: Row) -> bytes:
        root = "../"
        record_id = str(row["id"])
        own = ("id", label_column(table))  # named in the heading; no link to the page itself
        facts = [
            (c, escape(str(row[c.name])) if c.name in own else cell(table, c, row, self.links, root))
            for c in table.columns
            if c.name not in (*_precision_columns(table), "withdrawn") and row.get(c.name) not in (None, "")
        ]
        sections, listed = self.related(table, record_id, root)
        kind = KIND_OF_TABLE.get(table.name, table.name)
        return self.page(
            "record.html",
            root,
            title=str(row.get(label_column(table)) or record_id),
            kind=kind,
            table=table,
            record_id=record_id,
            withdrawn=bool(row.get("withdrawn")),
            facts=facts,
            sections=sections,
            quote_groups=self.quote_groups(table, row, listed, root),
        )

    def table_page(self, table: Table) -> bytes:
        root = "../"
        grid = self.grid(table, self.rows[table.name], root)
        downloads = [f"{root}{FOLDER}/data/{table.name}.{ext}" for ext in ("csv", "parquet")]
        return self.page("table.html", root, title=f"Table {table.name}", table=table, grid=grid, downloads=downloads)

    def home_page(self) -> bytes:
        root = ""
        deals = self.record_tables.get("deals")
        counts = []
        if deals is not None:
            for column in deals.columns:
                if column.vocabulary is None or column.name in _precision_columns(deals):
                    continue
                tally = Counter(str(r.get(column.name) or "") for r in self.rows["deals"] if not r.get("withdrawn"))
                values = [
                    (v, tally[v], column.vocabulary[v].definition) for v in column.vocabulary.values() if tally[v]
                ]
                if tally[""]:
                    values.append(("(none)", tally[""], "No value."))
                counts.append((column, values))
        events = self.rows.get("events", [])
        titles = {str(r["id"]): str(r.get("title") or r["id"]) for r in self.rows.get("deals", [])}
        chart = timeline(events, titles, root)
        deal_grid = (
            self.grid(
                deals,
                self.rows["deals"],
                root,
                hide=("id", "summary", "note", *_precision_columns(deals)),
                drop_empty=True,
            )
            if deals
            else None
        )
        distribution = catalogue(self.tables)
        files = [(d, self.download_sizes.get(d.path, 0)) for d in distribution]
        jsonld = dataset_jsonld(
            self.tables,
            self.rows,
            [replace(d, path=f"{FOLDER}/{d.path}") for d in distribution],  # relative to the home page
            self.base_url,
            self.coverage_end,
        )
        return self.page(
            "home.html",
            root,
            title=descriptor.TITLE,
            description=descriptor.DESCRIPTION,
            jsonld=json_for_script(jsonld),
            counts=counts,
            totals=[(t.name, len(self.rows[t.name]), t.description) for t in self.tables],
            chart=Markup(chart.svg),
            earlier=[(shown_date(e, "date"), e) for e in chart.earlier],
            undated=chart.undated,
            deal_grid=deal_grid,
            release=self.release,
            release_date=RELEASE_DATE,
            coverage=temporal_coverage(self.rows, self.coverage_end),
            files=files,
            folder=FOLDER,
            cite=cite_as(),
            tables=self.tables,
        )

    def pages(self) -> Iterator[tuple[str, bytes]]:
        """Every page as (relative path, bytes), one at a time: a caller that writes each as it
        comes holds one page, where the whole site was 180 MB beside 10,000 records."""
        yield "index.html", self.home_page()
        for table in self.tables:
            yield f"tables/{table.name}.html", self.table_page(table)
        for name, table in self.record_tables.items():
            for row in self.rows[name]:
                yield f"{name}/{row['id']}.html", self.record_page(table, row)
        for name in ("minsec.css", "tables.js"):
            yield f"assets/{name}", resources.files("minsec.site").joinpath("static", name).read_bytes()


@per_table
def _precision_columns(table: Table) -> tuple[str, ...]:
    names = {c.name for c in table.columns}
    return tuple(
        c.name for c in table.columns if c.name.endswith("_precision") and c.name.removesuffix("_precision") in names
    )


def _key_columns(table: Table) -> list[Column]:
    """The columns that tell a referenced record apart at a glance: dates, categories, flags (the link names it)."""
    precision = _precision_columns(table)
    return [
        c
        for c in table.columns
        if c.type == "date"
        or (c.vocabulary is not None and c.name not in precision)
        or (c.type == "boolean" and c.name != "withdrawn")
    ]


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
