"""The home page's timeline of events, drawn as inline SVG at build time.

One lane per deal (in the order of its first event) and one for events outside any deal.
An event known to the day is a dot; one known only to the month or year, or bounded by a
window, is a bar over that period. Each mark links to the event's page and names it in a
tooltip. The axis starts with the first deal event (its month, or its year for spans over two
years, which are marked by year instead of month), so that a few background
events decades earlier do not squash the rest; those are listed under the chart instead.
"""

import datetime as dt
from dataclasses import dataclass
from html import escape

from minsec.publish.periods import period
from minsec.tables import Row

WIDTH = 760
LANE = 46
TOP = 8
AXIS = 34
DOT = 6
BAR = 10
DEAL_COLOUR = "#1d4f91"
STATUS_COLOUR = "#a3342a"
OTHER_COLOUR = "#5b5b5b"


@dataclass(frozen=True)
class Mark:
    event_id: str
    start: dt.date
    end: dt.date
    text: str
    status: bool


@dataclass(frozen=True)
class Timeline:
    svg: str
    earlier: list[Row]
    undated: list[Row]


def _x(day: dt.date, first: dt.date, last: dt.date) -> float:
    span = (last - first).days or 1
    return round((day - first).days / span * WIDTH, 1)


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    out, day = [], first.replace(day=1)
    while day <= last:
        out.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return out


def _ticks(first: dt.date, last: dt.date) -> list[tuple[dt.date, str]]:
    """Axis labels: every month for a span of up to two years, else every year (or 5 or 10)."""
    if (last - first).days <= 731:
        return [
            (m, m.strftime("%b %Y") if m.month == 1 or m == first else m.strftime("%b")) for m in _months(first, last)
        ]
    years = list(range(first.year, last.year + 1))
    step = 1 if len(years) <= 12 else 5 if len(years) <= 60 else 10
    return [(dt.date(y, 1, 1), str(y)) for y in years if y % step == 0 or y == years[0]]


def _bounds(starts: list[dt.date], ends: list[dt.date]) -> tuple[dt.date, dt.date]:
    """The chart's first and last day: whole months for a short span, whole years for a long one."""
    first, last = min(starts), max(ends)
    if (last - first).days <= 731:
        following = (last.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        return first.replace(day=1), following - dt.timedelta(days=1)
    return dt.date(first.year, 1, 1), dt.date(last.year, 12, 31)


def _format(row: Row) -> str:
    date = str(row.get("date") or "")
    precision = row.get("date_precision")
    return date[:4] if precision == "year" else date[:7] if precision == "month" else date


def timeline(events: list[Row], deal_titles: dict[str, str], root: str = "") -> Timeline:
    """The chart of ``events`` (rows of the events table); ``deal_titles`` names each deal's lane."""
    live = [e for e in events if not e.get("withdrawn")]
    undated = [e for e in live if period(e) is None]
    dated = [(e, period(e)) for e in live if period(e) is not None]
    if not dated:
        return Timeline("", [], undated)
    in_deals = [p for e, p in dated if e.get("deal_id")] or [p for _, p in dated]  # type: ignore[misc]
    start = min(p[0] for p in in_deals)
    first, last = _bounds([start], [p[1] for _, p in dated if p[1] >= start])  # type: ignore[index]
    earlier = [e for e, p in dated if p[1] < first]  # type: ignore[index]
    lanes: dict[str | None, list[Mark]] = {}
    for event, (start, end) in sorted(((e, p) for e, p in dated if p[1] >= first), key=lambda ep: ep[1][0]):  # type: ignore[index]
        mark = Mark(
            str(event["id"]),
            max(start, first),
            end,
            f"{_format(event)}: {event['summary']}",
            bool(event.get("deal_status")),
        )
        lanes.setdefault(event.get("deal_id") or None, []).append(mark)  # type: ignore[arg-type]
    order = [k for k in lanes if k is not None] + ([None] if None in lanes else [])
    height = TOP + LANE * len(order) + AXIS
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="-10 0 {WIDTH + 20} {height}" '
        f'width="{WIDTH + 20}" height="{height}" aria-labelledby="timeline-title timeline-desc">',
        '<title id="timeline-title">Timeline of events</title>',
        f'<desc id="timeline-desc">Events from {first.year} to {last.year}, one lane per deal and one for other '
        "events; dots are events known to the day, bars events known only to the month or year.</desc>",
    ]
    axis_y = TOP + LANE * len(order)
    for day, text in _ticks(first, last):
        x = _x(day, first, last)
        parts.append(f'<line class="grid" x1="{x}" y1="{TOP}" x2="{x}" y2="{axis_y}"/>')
        parts.append(f'<text class="tick" x="{x}" y="{axis_y + 20}" text-anchor="start">{escape(text)}</text>')
    for number, key in enumerate(order):
        top = TOP + LANE * number
        name = deal_titles.get(key, key) if key else "Events outside any deal"
        parts.append(f'<text class="lane" x="0" y="{top + 14}">{escape(str(name))}</text>')
        parts.append(f'<line class="lane-line" x1="0" y1="{top + 30}" x2="{WIDTH}" y2="{top + 30}"/>')
        colour = DEAL_COLOUR if key else OTHER_COLOUR
        for mark in lanes[key]:
            fill = STATUS_COLOUR if mark.status else colour
            x1 = _x(mark.start, first, last)
            x2 = _x(mark.end + dt.timedelta(days=1), first, last)
            href = f"{root}events/{escape(mark.event_id)}.html"
            if mark.start == mark.end:
                shape = f'<circle cx="{x1}" cy="{top + 30}" r="{DOT}" fill="{fill}"/>'
            else:
                shape = (
                    f'<rect x="{x1}" y="{top + 30 - BAR / 2}" width="{max(x2 - x1, DOT)}" height="{BAR}" '
                    f'rx="3" fill="{fill}" fill-opacity="0.75"/>'
                )
            parts.append(f'<a href="{href}"><title>{escape(mark.text)}</title>{shape}</a>')
    parts.append(f'<line class="axis" x1="0" y1="{axis_y}" x2="{WIDTH}" y2="{axis_y}"/>')
    parts.append("</svg>")
    return Timeline("\n".join(parts), earlier, undated)
