"""Each record kind accepts what the codebook allows and rejects everything else."""

import copy
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from minsec.dates import FIRST_DAY, LAST_DAY, parse_partial_date
from minsec.models import ID_MAX_LENGTH, QUOTE_MAX_LENGTH, Actor, Claim, Commodity, Deal, Event, Source
from minsec.vocabularies import DatePrecision, PloverType

DELETE = object()
CITATIONS = [{"source_id": "some-source", "quote": "A quote from the source."}]

BASE: dict[str, dict] = {
    "source": {
        "id": "some-source",
        "title": "A title",
        "outlet": "An outlet",
        "outlet_type": "news",
    },
    "actor": {
        "id": "jane-doe",
        "name": "Jane Doe",
        "kind": "person",
        "citations": CITATIONS,
    },
    "state": {
        "id": "usa",
        "name": "United States",
        "kind": "state",
        "iso3": "USA",
        "citations": CITATIONS,
    },
    "commodity": {
        "id": "cobalt",
        "name": "Cobalt",
        "kind": "element",
        "symbols": ["Co"],
        "citations": CITATIONS,
    },
    "deal": {
        "id": "usa-cod-deal",
        "title": "A deal",
        "deal_type": "minerals_for_security",
        "summary": "Cobalt for aid.",
        "parties": [{"actor_id": "usa", "role": "party"}, {"actor_id": "cod", "role": "party"}],
        "commodities": [{"commodity_id": "cobalt", "basis": "named"}],
        "terms": [
            {
                "provider_id": "cod",
                "recipient_id": "usa",
                "kind": "mineral_access",
                "description": "Mines.",
                "timing": "promised",
                "citations": CITATIONS,
            },
        ],
        "citations": CITATIONS,
    },
    "event": {
        "id": "an-event",
        "event_type": "agreement_signed",
        "summary": "They signed.",
        "actors": [{"actor_id": "usa", "role": "initiator"}],
        "citations": CITATIONS,
    },
    "claim": {
        "id": "a-claim",
        "claim_type": "quantity",
        "subject_id": "cod",
        "statement": "The Congo holds 70% of the cobalt.",
        "metric": "share_of_world_reserves",
        "value": 70,
        "unit": "percent",
        "attributed_to": "Analysts",
        "attribution": "analysts",
        "verification": "unverified",
        "citations": CITATIONS,
    },
}
MODEL = {
    "source": Source,
    "actor": Actor,
    "state": Actor,
    "commodity": Commodity,
    "deal": Deal,
    "event": Event,
    "claim": Claim,
}


def make(kind: str, /, **changes: object) -> dict:
    data = copy.deepcopy(BASE[kind])
    for key, value in changes.items():
        if value is DELETE:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def check(kind: str, /, **changes: object):
    return MODEL[kind].model_validate(make(kind, **changes))


def rejected(kind: str, /, **changes: object) -> list[dict]:
    with pytest.raises(ValidationError) as info:
        check(kind, **changes)
    return info.value.errors()


def error_fields(errors: list[dict]) -> set[str]:
    return {str(e["loc"][0]) if e["loc"] else "" for e in errors}


@pytest.mark.parametrize("kind", sorted(BASE))
def test_base_records_are_valid(kind: str) -> None:
    record = check(kind)
    assert record.id == BASE[kind]["id"]


# --- strictness ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(BASE))
def test_unknown_field_rejected(kind: str) -> None:
    errors = rejected(kind, colour="blue")
    assert [e["type"] for e in errors] == ["extra_forbidden"]
    assert errors[0]["loc"] == ("colour",)


@pytest.mark.parametrize(
    ("kind", "changes", "field"),
    [
        ("source", {"title": 123}, "title"),
        ("source", {"outlet": ["a", "b"]}, "outlet"),
        ("source", {"withdrawn": "yes"}, "withdrawn"),
        ("source", {"withdrawn": 1}, "withdrawn"),
        ("actor", {"name": 42}, "name"),
        ("actor", {"aliases": "Jane"}, "aliases"),
        ("commodity", {"usgs_critical_2022": "true"}, "usgs_critical_2022"),
        ("commodity", {"symbols": ["co"]}, "symbols"),
        ("deal", {"summary": None}, "summary"),
        ("deal", {"commodities": "cobalt"}, "commodities"),
        ("event", {"summary": 3.5}, "summary"),
        ("claim", {"value": "70"}, "value"),
        ("claim", {"value": True}, "value"),
        ("deal", {"id": 123}, "id"),
    ],
)
def test_wrong_type_rejected(kind: str, changes: dict, field: str) -> None:
    assert field in error_fields(rejected(kind, **changes))


@pytest.mark.parametrize(
    ("kind", "changes", "field"),
    [
        ("source", {"outlet_type": "blog"}, "outlet_type"),
        ("actor", {"kind": "alien"}, "kind"),
        ("commodity", {"kind": "gem"}, "kind"),
        ("deal", {"deal_type": "barter"}, "deal_type"),
        ("deal", {"parties": [{"actor_id": "usa", "role": "friend"}]}, "parties"),
        ("deal", {"terms": [{"provider_id": "a", "recipient_id": "b", "kind": "gold", "description": "x"}]}, "terms"),
        ("event", {"event_type": "coup"}, "event_type"),
        ("event", {"deal_id": "usa-cod-deal", "deal_status": "dead"}, "deal_status"),
        ("event", {"actors": [{"actor_id": "usa", "role": "bystander"}]}, "actors"),
        ("event", {"date": "2025", "date_precision": "decade"}, "date_precision"),
        ("claim", {"metric": "gdp"}, "metric"),
        ("claim", {"unit": "furlong"}, "unit"),
        ("claim", {"attribution": "rumour"}, "attribution"),
        ("claim", {"verification": "true"}, "verification"),
        ("claim", {"claim_type": "fact"}, "claim_type"),
    ],
)
def test_enum_outside_vocabulary_rejected(kind: str, changes: dict, field: str) -> None:
    errors = rejected(kind, **changes)
    assert field in error_fields(errors)
    assert "enum" in {e["type"] for e in errors}


@pytest.mark.parametrize(
    ("kind", "field"),
    [
        ("source", "title"),
        ("source", "outlet_type"),
        ("actor", "name"),
        ("actor", "kind"),
        ("deal", "parties"),
        ("event", "actors"),
        ("claim", "subject_id"),
        ("claim", "attribution"),
    ],
)
def test_required_field_missing_rejected(kind: str, field: str) -> None:
    errors = rejected(kind, **{field: DELETE})
    assert ("missing", (field,)) in {(e["type"], e["loc"]) for e in errors}


@pytest.mark.parametrize(("kind", "internal"), [("actor", "actor_kind"), ("commodity", "commodity_kind")])
def test_internal_field_name_is_not_a_second_spelling(kind: str, internal: str) -> None:
    data = make(kind)
    data[internal] = data.pop("kind")
    with pytest.raises(ValidationError):
        MODEL[kind].model_validate(data)


# --- ids ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("good", ["a", "usa", "a1-b2", "2025-03-09-usa-dza-mou", "x" * ID_MAX_LENGTH])
def test_good_ids(good: str) -> None:
    assert check("actor", id=good).id == good


@pytest.mark.parametrize(
    "bad", ["", "Usa", "a_b", "-a", "a-", "a--b", "a b", "café", "a.b", "a/b", "x" * (ID_MAX_LENGTH + 1)]
)
def test_bad_ids(bad: str) -> None:
    assert "id" in error_fields(rejected("actor", id=bad))


@pytest.mark.parametrize("bad", ["Usa", "a_b", "x" * 81])
def test_bad_reference_ids(bad: str) -> None:
    assert "subject_id" in error_fields(rejected("claim", subject_id=bad))
    assert "citations" in error_fields(rejected("claim", citations=[{"source_id": bad, "quote": "q"}]))


# --- dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "stored", "first_day", "precision"),
    [
        ("2025", "2025", dt.date(2025, 1, 1), DatePrecision.year),
        (2025, "2025", dt.date(2025, 1, 1), DatePrecision.year),  # YAML reads a bare year as an int
        ("2025-03", "2025-03", dt.date(2025, 3, 1), DatePrecision.month),
        ("2025-03-09", "2025-03-09", dt.date(2025, 3, 9), DatePrecision.day),
        ("2024-02-29", "2024-02-29", dt.date(2024, 2, 29), DatePrecision.day),
    ],
)
def test_partial_dates(written: object, stored: str, first_day: dt.date, precision: DatePrecision) -> None:
    event = check("event", date=written)
    assert event.date == stored
    assert event.date_precision is precision
    assert parse_partial_date(stored) == (first_day, precision)


@pytest.mark.parametrize(
    "bad",
    [
        "2025-02-30",
        "2025-02-29",
        "2025-13",
        "2025-00",
        "2025-03-32",
        "2025-3",
        "25",
        "2025-03-09T10:00",
        "9 March 2025",
        "",
        True,
    ],
)
def test_bad_dates_rejected(bad: object) -> None:
    assert "date" in error_fields(rejected("event", date=bad))


@pytest.mark.parametrize(
    ("date", "precision"),
    [("2025", "month"), ("2025-03", "day"), ("2025-03-09", "year"), ("2025-03-09", "unknown")],
)
def test_precision_contradicting_date_rejected(date: str, precision: str) -> None:
    rejected("event", date=date, date_precision=precision)


@pytest.mark.parametrize(("date", "precision"), [("2025", "year"), ("2025-03", "month"), ("2025-03-09", "day")])
def test_precision_agreeing_with_date_accepted(date: str, precision: str) -> None:
    assert check("event", date=date, date_precision=precision).date_precision == precision


def test_missing_date_is_unknown() -> None:
    assert check("event").date_precision is DatePrecision.unknown
    assert check("event", date_precision="unknown").date_precision is DatePrecision.unknown
    assert check("source").published_precision is DatePrecision.unknown
    assert check("claim").as_of_precision is DatePrecision.unknown


def test_precision_without_date_rejected() -> None:
    rejected("event", date_precision="day")
    rejected("source", published_precision="year")


@given(st.dates(min_value=dt.date(FIRST_DAY.year + 1, 1, 1), max_value=LAST_DAY))  # whole years within the bounds
def test_any_real_day_parses_to_itself(day: dt.date) -> None:
    assert parse_partial_date(day.isoformat()) == (day, DatePrecision.day)
    assert parse_partial_date(day.isoformat()[:7]) == (day.replace(day=1), DatePrecision.month)
    assert parse_partial_date(day.isoformat()[:4]) == (day.replace(month=1, day=1), DatePrecision.year)


# --- ISO codes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["XXX", "usa", "US", "USAA", "840"])
def test_bad_country_codes(bad: str) -> None:
    assert "country" in error_fields(rejected("actor", country=bad))
    assert "location" in error_fields(rejected("event", location=bad))


def test_good_country_codes() -> None:
    assert check("actor", country="DZA").country == "DZA"
    assert check("event", location="COD").location == "COD"


@pytest.mark.parametrize("bad", ["XYZ", "usd", "US", "DOLLAR"])
def test_bad_currency_codes(bad: str) -> None:
    errors = rejected("deal", value_amount=5, value_currency=bad, value_as_reported="5 of them")
    assert "value_currency" in error_fields(errors)


@pytest.mark.parametrize("bad", ["zz", "EN", "eng", "e"])
def test_bad_language_codes(bad: str) -> None:
    assert "language" in error_fields(rejected("source", language=bad))


def test_language_defaults_to_english_and_accepts_codes() -> None:
    assert check("source").language == "en"
    assert check("source", language="ar").language == "ar"


# --- URLs and Wikidata --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "ftp://x",
        "https://",
        "http:/example.org",
        "https://exa mple.org",
        "example.org",
        "HTTPS://example.org/\n",
    ],
)
def test_bad_urls(bad: str) -> None:
    assert "url" in error_fields(rejected("source", url=bad))


@pytest.mark.parametrize("good", ["https://example.org/a?b=c#d", "http://example.org"])
def test_good_urls(good: str) -> None:
    assert check("source", url=good).url == good


@pytest.mark.parametrize("good", ["Q42", "Q1", "Q123456789"])
def test_good_wikidata(good: str) -> None:
    assert check("actor", wikidata=good).wikidata == good


@pytest.mark.parametrize("bad", ["Q0", "42", "q42", "Q042", "Q-1", "Q", "P42"])
def test_bad_wikidata(bad: str) -> None:
    assert "wikidata" in error_fields(rejected("actor", wikidata=bad))


# --- actors -------------------------------------------------------------------------------------


def test_state_needs_iso3() -> None:
    rejected("state", iso3=DELETE)


def test_state_id_must_be_lower_iso3() -> None:
    rejected("state", id="united-states")
    rejected("state", id="dza")


def test_state_rejects_country() -> None:
    rejected("state", country="USA")


def test_territory_has_iso3() -> None:
    assert check("state", id="esh", kind="territory", iso3="ESH").iso3 == "ESH"
    rejected("state", id="esh", kind="territory", iso3=DELETE)


@pytest.mark.parametrize("kind", ["person", "company", "armed_forces", "organization", "government_body"])
def test_non_state_with_iso3_rejected(kind: str) -> None:
    rejected("actor", kind=kind, iso3="USA")
    assert check("actor", kind=kind, country="USA").country == "USA"


def test_alias_with_separator_rejected() -> None:
    assert check("actor", aliases=["JD", "J. Doe"]).aliases == ["JD", "J. Doe"]
    rejected("actor", aliases=["JD; J. Doe"])


# --- claims -------------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["metric", "value", "unit"])
def test_quantity_claim_needs_metric_value_unit(missing: str) -> None:
    errors = rejected("claim", **{missing: DELETE})
    assert missing in errors[0]["msg"]


@pytest.mark.parametrize("given_field", [{"value": 5}, {"metric": "other"}, {"unit": "count"}])
def test_assessment_has_no_quantity(given_field: dict) -> None:
    base = {"claim_type": "assessment", "metric": DELETE, "value": DELETE, "unit": DELETE}
    assert check("claim", **base).claim_type == "assessment"
    rejected("claim", **{**base, **given_field})


@pytest.mark.parametrize("bad", [0, -1, -0.5, float("inf"), float("nan")])
def test_claim_value_must_be_positive_and_finite(bad: float) -> None:
    assert "value" in error_fields(rejected("claim", value=bad))


# --- deals --------------------------------------------------------------------------------------

VALUE = {"value_amount": 500000000000, "value_currency": "USD", "value_as_reported": "$500 billion"}


def test_deal_value_all_three() -> None:
    deal = check("deal", **VALUE)
    assert (deal.value_amount, deal.value_currency) == (500000000000, "USD")


@pytest.mark.parametrize(
    "dropped",
    [
        ("value_amount",),
        ("value_currency",),
        ("value_as_reported",),
        ("value_amount", "value_currency"),
        ("value_currency", "value_as_reported"),
    ],
)
def test_deal_value_all_or_none(dropped: tuple[str, ...]) -> None:
    rejected("deal", **{**VALUE, **dict.fromkeys(dropped, DELETE)})


@pytest.mark.parametrize("bad", [0, -5, -0.1])
def test_deal_value_amount_positive(bad: float) -> None:
    assert "value_amount" in error_fields(rejected("deal", **{**VALUE, "value_amount": bad}))


def test_duplicate_party_rejected() -> None:
    errors = rejected("deal", parties=[{"actor_id": "usa", "role": "party"}, {"actor_id": "usa", "role": "broker"}])
    assert "'usa'" in errors[0]["msg"]


def test_duplicate_commodity_rejected() -> None:
    rejected("deal", commodities=[{"commodity_id": "cobalt", "basis": "named"}] * 2)


def test_deal_needs_a_party() -> None:
    assert "parties" in error_fields(rejected("deal", parties=[]))


# --- events -------------------------------------------------------------------------------------


def test_deal_status_needs_deal_id() -> None:
    assert check("event", deal_id="usa-cod-deal", deal_status="signed").deal_status == "signed"
    rejected("event", deal_status="signed")


def test_duplicate_event_actor_rejected() -> None:
    rejected("event", actors=[{"actor_id": "usa", "role": "initiator"}, {"actor_id": "usa", "role": "target"}])


def test_event_needs_an_actor() -> None:
    assert "actors" in error_fields(rejected("event", actors=[]))


@pytest.mark.parametrize(
    ("event_type", "plover"),
    [
        ("agreement_signed", PloverType.COOPERATE),
        ("request", PloverType.REQUEST),
        ("talks", PloverType.CONSULT),
        ("statement", None),
        ("policy_change", None),
    ],
)
def test_plover_type(event_type: str, plover: PloverType | None) -> None:
    assert check("event", event_type=event_type).plover_type == plover


# --- citations and text -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["actor", "commodity", "deal", "event", "claim"])
def test_empty_or_missing_citations_rejected(kind: str) -> None:
    assert "citations" in error_fields(rejected(kind, citations=[]))
    assert "citations" in error_fields(rejected(kind, citations=DELETE))


def test_quote_length_limit() -> None:
    at_limit = "a" * QUOTE_MAX_LENGTH
    assert check("actor", citations=[{"source_id": "s", "quote": at_limit}]).citations[0].quote == at_limit
    errors = rejected("actor", citations=[{"source_id": "s", "quote": at_limit + "a"}])
    assert errors[0]["loc"] == ("citations", 0, "quote")


def test_citation_is_closed() -> None:
    errors = rejected("actor", citations=[{"source_id": "s", "quote": "q", "page": 3}])
    assert errors[0]["loc"] == ("citations", 0, "page")


@pytest.mark.parametrize(
    "bad",
    [
        "=SUM(A1:A9)",
        "+1 555",
        "-20%",
        "@cmd",
        "",
        "   ",
        " leading space",
        "trailing space ",
        "bell\x07",
        "carriage\rreturn",
        "line\u2028separator",
        "Sai\u0308d Chengriha",
        "TODO",
    ],
)
def test_bad_text_rejected(bad: str) -> None:
    assert "name" in error_fields(rejected("actor", name=bad))
    assert "citations" in error_fields(rejected("actor", citations=[{"source_id": "s", "quote": bad}]))


@pytest.mark.parametrize("good", ["Saïd Chengriha", "A = B", "1 + 1", "two\nlines", "“quoted” — dash"])
def test_good_text_accepted(good: str) -> None:
    assert check("actor", name=good).name == good
