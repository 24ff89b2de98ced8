"""Deal status as reported: every derivation rule of derive.py, and the bounds it orders by.

Each test builds the events of one deal in memory and derives its status; the sources differ
where a rule is about conflicting sources.
"""

import datetime as dt

import pytest
from pydantic import ValidationError

from minsec.dates import Window
from minsec.derive import current_reports, derive_status, status_reports
from minsec.models import Event

DEAL = "a-deal"


def event(event_id: str, status: str, source: str = "source-a", **dates: str) -> Event:
    return Event.model_validate(
        {
            "id": event_id,
            "event_type": "other",
            "summary": "Something happened.",
            "deal_id": DEAL,
            "deal_status": status,
            "actors": [{"actor_id": "usa", "role": "participant"}],
            "citations": [{"source_id": source, "quote": f"The quote for {event_id}."}],
            **({"date_basis": "The text bounds it."} if {"date_earliest", "date_latest"} & set(dates) else {}),
            **dates,
        }
    )


def derived(*events: Event):
    return derive_status(status_reports(events)[DEAL])


def test_window_of_each_precision() -> None:
    assert Window.of("2025-03-09") == Window(dt.date(2025, 3, 9), dt.date(2025, 3, 9))
    assert Window.of("2025-02") == Window(dt.date(2025, 2, 1), dt.date(2025, 2, 28))
    assert Window.of("2024-02") == Window(dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert Window.of("2025-12") == Window(dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    assert Window.of("2025") == Window(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert Window.of(None, "2025-03", None) == Window(dt.date(2025, 3, 1), None)
    assert Window.of(None, None, "2025-01-27") == Window(None, dt.date(2025, 1, 27))
    assert Window.of(None) == Window(None, None)


def test_a_month_is_not_before_a_day_in_it() -> None:
    march, ninth = Window.of("2025-03"), Window.of("2025-03-09")
    assert not march.before(ninth) and not ninth.before(march) and march.overlaps(ninth)
    assert Window.of("2025-02").before(ninth)
    assert not Window.of(None).before(ninth) and not ninth.before(Window.of(None))


def test_rule_3_a_single_report_gives_the_status_as_of_its_date() -> None:
    result = derived(event("signing", "signed", date="2025-03-09"))
    assert (result.status.value, result.as_of, result.as_of_precision.value) == ("signed", "2025-03-09", "day")


def test_rule_2_a_certainly_later_report_supersedes_whatever_its_source() -> None:
    result = derived(
        event("signing", "signed", "source-a", date="2025-03-09"),
        event("collapse", "collapsed", "source-b", date="2025-04"),
    )
    assert (result.status.value, result.as_of) == ("collapsed", "2025-04")
    assert [r.event.id for r in result.current] == ["collapse"]


def test_rule_4_overlapping_stages_of_the_forward_path_give_the_furthest() -> None:
    """The contributor's case: an offer on 14 April, then talks dated only 'April'."""
    result = derived(event("offer", "proposed", date="2026-04-14"), event("talks", "negotiating", date="2026-04"))
    assert (result.status.value, result.as_of, result.as_of_precision.value) == ("negotiating", "2026-04", "month")


def test_rule_5_conflicting_sources_that_nothing_orders_are_disputed() -> None:
    """The US-Ukraine case: a dated report of talks, an undated report of collapse by another source."""
    result = derived(
        event("pressure", "negotiating", "progress-center", date="2025-03"),
        event("collapse", "collapsed", "press-tv"),
    )
    assert result.status.value == "disputed"
    assert (result.as_of, result.as_of_precision.value) == ("2025-03", "month")
    assert {r.source_id for r in result.current} == {"progress-center", "press-tv"}


def test_undated_report_never_outranks_a_dated_one_even_further_along() -> None:
    result = derived(event("talks", "negotiating", date="2025-03"), event("signing", "signed", "source-b"))
    assert result.status.value == "disputed"


def test_undated_reports_alone_rank_by_stage() -> None:
    result = derived(event("talks", "negotiating"), event("signing", "signed"))
    assert (result.status.value, result.as_of, result.as_of_precision.value) == ("signed", None, "unknown")


def test_bounds_order_an_undated_report_after_a_dated_one() -> None:
    result = derived(
        event("signing", "signed", date="2025-03-09"),
        event("collapse", "collapsed", "source-b", date_earliest="2025-03-10"),
    )
    assert (result.status.value, result.as_of, result.as_of_precision.value) == ("collapsed", "2025-03-10", "day")


def test_a_latest_bound_alone_gives_status_as_of_that_bound() -> None:
    result = derived(event("signing", "signed", date_latest="2025-01-27"))
    assert (result.status.value, result.as_of, result.as_of_precision.value) == ("signed", "2025-01-27", "day")


def test_same_day_contradiction_is_disputed_not_resolved_by_vocabulary_order() -> None:
    result = derived(event("signing", "signed", date="2025-03-09"), event("collapse", "collapsed", date="2025-03-09"))
    assert result.status.value == "disputed"


def test_one_report_per_event_and_source() -> None:
    two_sources = Event.model_validate(
        {
            **event("signing", "signed", date="2025-03-09").model_dump(by_alias=True),
            "citations": [
                {"source_id": "source-a", "quote": "First quote."},
                {"source_id": "source-a", "quote": "Second quote."},
                {"source_id": "source-b", "quote": "Third quote."},
            ],
        }
    )
    reports = status_reports([two_sources])[DEAL]
    assert [(r.source_id, r.quote) for r in reports] == [("source-a", "First quote."), ("source-b", "Third quote.")]
    assert current_reports(reports) == reports


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        ({"date_earliest": "2025-04", "date_latest": "2025-03"}, "ends before"),
        ({"date": "2025-03", "date_earliest": "2025-01"}, "bounds are for"),
        ({"date_latest": "2025-03", "date_basis": None}, "date_latest needs date_basis"),
        ({"date_basis": "Because."}, "without date_earliest"),
    ],
)
def test_incoherent_bounds_are_refused(dates: dict, message: str) -> None:
    data = {
        "id": "signing",
        "event_type": "other",
        "summary": "Something happened.",
        "actors": [{"actor_id": "usa", "role": "participant"}],
        "citations": [{"source_id": "source-a", "quote": "A quote."}],
        "date_basis": "The text bounds it.",
        **dates,
    }
    with pytest.raises(ValidationError, match=message):
        Event.model_validate({k: v for k, v in data.items() if v is not None})


def test_bounds_carry_their_own_precision() -> None:
    bounded = event("signing", "signed", date_earliest="2025", date_latest="2025-03-09")
    assert (bounded.date_earliest_precision.value, bounded.date_latest_precision.value) == ("year", "day")
    assert bounded.date_precision.value == "unknown"


def test_every_real_event_has_a_date_bounds_or_a_note_saying_why_not() -> None:
    import minsec

    for event in minsec.records("events"):
        if not event.withdrawn and not event.window.dated:
            assert event.note and ("no bound" in event.note or "bound nothing" in event.note), event.id


def test_real_status_reports_follow_the_rules() -> None:
    """The US-Ukraine agreement: the Progress Center's dated talks and Press TV's undated collapse conflict."""
    import minsec

    deals = minsec.load_table("deals").set_index("id")
    ukraine = deals.loc["usa-ukr-minerals-agreement-2025"]
    assert (ukraine.status, str(ukraine.status_as_of.date()), ukraine.status_as_of_precision) == (
        "disputed",
        "2025-03-01",
        "month",
    )
    reports = minsec.load_table("deal_status_reports")
    mine = reports[reports.deal_id == "usa-ukr-minerals-agreement-2025"]
    assert set(zip(mine.source_id, mine.status, mine.current, strict=True)) == {
        ("progress-center-algeria-rare-metals-2025", "negotiating", True),
        ("presstv-us-drc-rare-earths", "collapsed", True),
    }


def test_an_expected_event_cannot_set_a_status() -> None:
    """A signing the source only expects must not make the deal signed (nor as of a future date)."""
    with pytest.raises(ValidationError, match="reporting: expected says the event has not happened"):
        event("future-signing", "signed", date="2099-01", reporting="expected")
