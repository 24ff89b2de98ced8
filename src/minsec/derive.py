"""Values computed from records at build time rather than written by contributors.

A deal's status is only ever what some source said at some time. Each status event is
expanded into one *status report* per source it cites; the deal's status is derived from
those reports by the rules below (also in README and CODEBOOK), grouping events by deal
once so that derivation stays linear in the number of records.

1. Every report has a window: the days its event may have happened (a day, a month, a year,
   the bounds ``date_earliest``/``date_latest``, or open at both ends when undated).
2. A report is superseded when another report of the same deal certainly came later: its
   window begins after this one's ends.
3. The reports left are current. When they all give one status, that is the deal's status.
4. When they differ but all lie on the forward path proposed -> negotiating -> signed ->
   in_force, the furthest stage wins (a deal being negotiated has been proposed), provided a
   dated report gives it or no current report is dated: an undated report never outranks a
   dated one without bounds that order them.
5. Otherwise the sources conflict and nothing orders them: the status is ``disputed``.

``status_as_of`` is the date of the report, among those that give the status (for
``disputed``, among all current reports), whose window starts last, as written with its
precision; for a report known only by bounds it is the earliest bound or, failing that, the
latest bound (by which the status certainly held).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from minsec.dates import Window
from minsec.models import Claim, Event, Record, Source
from minsec.vocabularies import DatePrecision, DealStatus, DerivedDealStatus

#: A deal moves forward through these; collapsed and suspended may follow any of them.
PROGRESSION = (DealStatus.proposed, DealStatus.negotiating, DealStatus.signed, DealStatus.in_force)


@dataclass(frozen=True)
class StatusReport:
    """One source's report, through one event, that a deal reached a status."""

    deal_id: str
    status: DealStatus
    event: Event
    source_id: str
    quote: str

    @property
    def window(self) -> Window:
        return self.event.window

    @property
    def as_of(self) -> tuple[str | None, DatePrecision]:
        """The date as of which the report places the status, as written, with its precision."""
        event = self.event
        if event.date is not None:
            return event.date, event.date_precision  # type: ignore[return-value]
        if event.date_earliest is not None:
            return event.date_earliest, event.date_earliest_precision  # type: ignore[return-value]
        if event.date_latest is not None:
            return event.date_latest, event.date_latest_precision  # type: ignore[return-value]
        return None, DatePrecision.unknown


@dataclass(frozen=True)
class DerivedStatus:
    status: DerivedDealStatus
    as_of: str | None
    as_of_precision: DatePrecision
    current: tuple[StatusReport, ...]


def _start(report: StatusReport) -> dt.date:
    return report.window.start or dt.date.min


def report_sort_key(report: StatusReport) -> tuple[dt.date, dt.date, str, str]:
    """Chronological order of a deal's reports: by window start, then end, event and source."""
    window = report.window
    return window.start or dt.date.min, window.end or dt.date.max, report.event.id, report.source_id


def status_reports(events: Iterable[Event]) -> dict[str, list[StatusReport]]:
    """Every deal's status reports, oldest first: one per (status event, cited source)."""
    by_deal: dict[str, list[StatusReport]] = defaultdict(list)
    for event in events:
        if event.deal_id is None or event.deal_status is None or event.withdrawn:
            continue
        seen: set[str] = set()
        for citation in event.citations:
            if citation.source_id not in seen:
                seen.add(citation.source_id)
                by_deal[event.deal_id].append(
                    StatusReport(event.deal_id, event.deal_status, event, citation.source_id, citation.quote)
                )
    for reports in by_deal.values():
        reports.sort(key=report_sort_key)
    return dict(by_deal)


def current_reports(reports: Sequence[StatusReport]) -> list[StatusReport]:
    """The reports no other report of the deal certainly follows (rule 2).

    ``reports`` is sorted by window start, so the report whose window begins last is the one
    most able to supersede: a report is superseded exactly when its window ends before that start.
    """
    latest_start = max((r.window.start for r in reports if r.window.start is not None), default=None)
    if latest_start is None:
        return list(reports)
    return [r for r in reports if r.window.end is None or r.window.end >= latest_start]


def derive_status(reports: Sequence[StatusReport]) -> DerivedStatus | None:
    """The deal's status from its reports by rules 3-5, or None when it has none."""
    if not reports:
        return None
    current = current_reports(reports)
    statuses = {r.status for r in current}
    if len(statuses) == 1:
        status = DerivedDealStatus(next(iter(statuses)).value)
        deciding = current
    elif statuses <= set(PROGRESSION):
        furthest = max(statuses, key=PROGRESSION.index)
        dated = [r for r in current if r.window.dated]
        if not dated or any(r.status is furthest for r in dated):
            status = DerivedDealStatus(furthest.value)
            deciding = [r for r in current if r.status is furthest]
        else:
            status, deciding = DerivedDealStatus.disputed, current
    else:
        status, deciding = DerivedDealStatus.disputed, current
    latest = max(deciding, key=lambda r: (_start(r), r.event.id, r.source_id))
    as_of, precision = latest.as_of
    return DerivedStatus(status, as_of, precision, tuple(current))


def coverage_end(records: Iterable[Record]) -> dt.date | None:
    """The latest date any source supports: the latest start of an event's, claim's or source's date window."""
    starts: list[dt.date] = []
    for record in records:
        if getattr(record, "withdrawn", False):
            continue
        if isinstance(record, Event):
            window = record.window
        elif isinstance(record, Claim):
            window = record.window_of("as_of")
        elif isinstance(record, Source):
            window = record.window_of("published")
        else:
            continue
        if window.start is not None:
            starts.append(window.start)
    return max(starts, default=None)
