"""What a minsec record is: one Pydantic model per record kind, strict and closed.

The models are the single source of truth. The JSON Schemas under ``schemas/``, the Table
Schemas in ``datapackage.json``, the CSV columns and CODEBOOK.md are all generated from
them, so a description or constraint written here is written once.
"""

import datetime as dt
import re
import typing
import unicodedata
from functools import cache
from typing import Annotated, Any, ClassVar, Self
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictStr,
    WithJsonSchema,
    model_validator,
)

from minsec import codes
from minsec.dates import PARTIAL_DATE_PATTERN, Window, normalise_partial_date, parse_partial_date
from minsec.problems import is_unsafe
from minsec.vocabularies import (
    PLOVER_BY_EVENT_TYPE,
    ActorKind,
    Attribution,
    ClaimType,
    CommodityBasis,
    CommodityKind,
    DatePrecision,
    DealPartyRole,
    DealStatus,
    DealType,
    EventActorRole,
    EventType,
    Metric,
    OutletType,
    PloverType,
    RecordKind,
    Reporting,
    TermKind,
    TermTiming,
    Unit,
    Verification,
)

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
CODE3_PATTERN = r"^[A-Z]{3}$"
LANGUAGE_PATTERN = r"^[a-z]{2}$"
URL_PATTERN = r"^https?://\S+$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
WIKIDATA_PATTERN = r"^Q[1-9][0-9]*$"
ID_MAX_LENGTH = 80
QUOTE_MAX_LENGTH = 500
#: What ``minsec new`` writes into required fields; never a valid value.
PLACEHOLDER = "TODO"
_FORMULA_START = ("=", "+", "-", "@")


def _describe(char: str) -> str:
    """What an unsafe character is, in words, with its code point (never the character)."""
    point = f"U+{ord(char):04X}"
    category = unicodedata.category(char)
    if category == "Cc":
        return f"a control character ({point})"
    if category == "Cs":
        return f"a lone surrogate ({point}), which is not text"
    if category == "Co":
        return f"a private-use character ({point}), which means nothing to anyone else"
    if category == "Cf":
        name = unicodedata.name(char, "format character")
        return f"an invisible character ({point} {name}) that can hide or reorder text"
    if category in ("Zl", "Zp"):
        return f"a line or paragraph separator ({point})"
    return f"a Unicode non-character ({point})"


def _check_text(value: str) -> str:
    """Reject text that would corrupt a CSV, fool a spreadsheet or a reader, or compare unequal
    to itself: control characters, invisible ones (bidirectional overrides and isolates, zero
    widths, a byte-order mark: "Trojan Source"), lone surrogates, private-use characters and
    non-characters, the same set that messages escape (:func:`minsec.problems.is_unsafe`)."""
    stripped = value.strip()
    if not stripped:
        raise ValueError("must not be empty; remove the field if there is nothing to say")
    if value == PLACEHOLDER:
        raise ValueError(f"still the {PLACEHOLDER} placeholder; fill it in (CODEBOOK.md says what goes here)")
    if value != stripped:
        raise ValueError("has leading or trailing white space; remove it")
    # Fast paths first: most text is one printable line (a space is printable; tabs and line breaks are not).
    if not value.isprintable() and not value.replace("\n", "").replace("\t", "").isprintable():
        for char in value:
            if char not in "\n\t" and is_unsafe(char):
                raise ValueError(f"contains {_describe(char)}; remove it")
    if value.startswith(_FORMULA_START):
        raise ValueError(f"starts with {value[0]!r}, which spreadsheets run as a formula; reword it")
    if not unicodedata.is_normalized("NFC", value):
        raise ValueError("is not Unicode NFC; normalise it (your editor can, or unicodedata.normalize)")
    return value


def _check_country(value: str) -> str:
    if value not in codes.countries():
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-3 code (upper case, e.g. DZA, USA)")
    return value


def _check_currency(value: str) -> str:
    if value not in codes.currencies():
        raise ValueError(f"{value!r} is not an ISO 4217 currency code (e.g. USD, EUR)")
    if value in codes.not_currencies():
        raise ValueError(f"{value!r} is {codes.not_currencies()[value]}")
    return value


def _check_language(value: str) -> str:
    if value not in codes.languages():
        raise ValueError(f"{value!r} is not an ISO 639-1 language code (e.g. en, fr, ar)")
    return value


def _check_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise ValueError(f"{value!r} is not an http(s) URL; only http:// and https:// links are allowed")
    return value


Text = Annotated[StrictStr, AfterValidator(_check_text)]
Id = Annotated[StrictStr, Field(pattern=ID_PATTERN, max_length=ID_MAX_LENGTH)]
CountryCode = Annotated[StrictStr, Field(pattern=CODE3_PATTERN), AfterValidator(_check_country)]
CurrencyCode = Annotated[StrictStr, Field(pattern=CODE3_PATTERN), AfterValidator(_check_currency)]
LanguageCode = Annotated[StrictStr, Field(pattern=LANGUAGE_PATTERN), AfterValidator(_check_language)]
HttpUrl = Annotated[StrictStr, Field(pattern=URL_PATTERN), AfterValidator(_check_http_url)]
Sha256 = Annotated[StrictStr, Field(pattern=SHA256_PATTERN)]
WikidataId = Annotated[StrictStr, Field(pattern=WIKIDATA_PATTERN)]
Quote = Annotated[Text, Field(max_length=QUOTE_MAX_LENGTH)]
#: A deal's headline value: at least one unit of its currency (1e-7 dollars is a typo).
Amount = Annotated[StrictFloat, Field(ge=1, lt=1e18, allow_inf_nan=False)]
#: A claimed quantity: at least 0.001 of its unit (smaller is a typo, or wants another unit).
Quantity = Annotated[StrictFloat, Field(ge=0.001, lt=1e18, allow_inf_nan=False)]


def _check_day(value: str) -> str:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a day that exists; write YYYY-MM-DD (e.g. 2025-03-09)") from None
    return value


#: A whole day (``2025-03-09``), for what a contributor records, not what a source says.
Day = Annotated[
    StrictStr,
    BeforeValidator(lambda v: v.isoformat() if isinstance(v, dt.date) else v),
    AfterValidator(_check_day),
    WithJsonSchema({"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}),
]


PartialDate = Annotated[
    StrictStr,
    BeforeValidator(normalise_partial_date),
    Field(pattern=PARTIAL_DATE_PATTERN),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": PARTIAL_DATE_PATTERN},
                {"type": "integer", "minimum": 1000, "maximum": 9999},
            ],
            "description": "2025, 2025-03 or 2025-03-09",
        }
    ),
]


def references(table: str) -> dict[str, str]:
    """Field metadata naming the table a field's ids point to; validation and foreignKeys use it."""
    return {"foreign_key": table}


def _unique(values: list[str], what: str) -> None:
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise ValueError(f"{what} {', '.join(map(repr, repeated))} listed more than once; list each once")


@cache
def container_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``model`` that can hold a list or a model: where walks over a record's
    nested values (references, citations) need to look, found once per model."""

    def holds(annotation: object) -> bool:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return True
        return typing.get_origin(annotation) is list or any(holds(a) for a in typing.get_args(annotation))

    return tuple(name for name, info in model.model_fields.items() if holds(info.annotation))


class Citation(BaseModel):
    """A verbatim quote from a source that supports the record it belongs to."""

    model_config = ConfigDict(extra="forbid")

    source_id: Id = Field(description="The cited source (fk sources.id).", json_schema_extra=references("sources"))
    quote: Quote = Field(
        description=(
            "Verbatim text of the source, at most 500 characters, that supports the record; "
            "checked against the source text (white space normalised)."
        )
    )


class Record(BaseModel):
    """Fields and checks every record kind shares."""

    model_config = ConfigDict(extra="forbid", serialize_by_alias=True)

    record_kind: ClassVar[RecordKind]
    folder: ClassVar[str]
    #: Partial-date fields, each with a ``<name>_precision`` companion filled in on validation.
    date_fields: ClassVar[tuple[str, ...]] = ()
    #: Date fields that may instead be bounded: ``<name>_earliest``, ``<name>_latest`` and ``<name>_basis``.
    bounded_dates: ClassVar[tuple[str, ...]] = ()

    id: Id = Field(
        description="Stable identifier, lowercase kebab-case, equal to the record's file name; never reused."
    )

    @model_validator(mode="after")
    def _dates_carry_precision(self) -> Self:
        for name in self.date_fields:
            value, precision_field = getattr(self, name), f"{name}_precision"
            written = getattr(self, precision_field)
            if value is None:
                if written not in (None, DatePrecision.unknown):
                    raise ValueError(
                        f"{precision_field} is {written.value!r} but {name} is empty; "
                        f"give {name} or set {precision_field}: unknown"
                    )
                setattr(self, precision_field, DatePrecision.unknown)
                continue
            precision = parse_partial_date(value)[1]
            if written is not None and written != precision:
                raise ValueError(
                    f"{precision_field} {written.value!r} contradicts {name} {value!r}, which is "
                    f"written to the {precision.value}; remove {precision_field} or make them agree"
                )
            setattr(self, precision_field, precision)
        return self

    @model_validator(mode="after")
    def _bounds_are_coherent(self) -> Self:
        for name in self.bounded_dates:
            earliest, latest = getattr(self, f"{name}_earliest"), getattr(self, f"{name}_latest")
            bounded = earliest is not None or latest is not None
            if bounded and getattr(self, name) is not None:
                raise ValueError(
                    f"{name} is given, so {name}_earliest and {name}_latest are not needed; "
                    f"bounds are for a {name} the sources do not give"
                )
            if bounded and getattr(self, f"{name}_basis") is None:
                given = f"{name}_earliest" if earliest is not None else f"{name}_latest"
                raise ValueError(f"{given} needs {name}_basis: say how the cited text bounds {name}")
            if not bounded and getattr(self, f"{name}_basis") is not None:
                raise ValueError(
                    f"{name}_basis is given without {name}_earliest or {name}_latest; add them or remove it"
                )
            window = self.window_of(name)
            if window.start is not None and window.end is not None and window.end < window.start:
                raise ValueError(
                    f"{name}_latest {latest!r} ends before {name}_earliest {earliest!r} begins; swap or correct them"
                )
        return self

    def window_of(self, name: str) -> Window:
        """The days on which the date field ``name`` may fall, from the date or its bounds."""
        if name not in self.bounded_dates:
            return Window.of(getattr(self, name))
        return Window.of(getattr(self, name), getattr(self, f"{name}_earliest"), getattr(self, f"{name}_latest"))


def _note() -> Any:
    return Field(
        default=None,
        description="Curator's remarks: where a source is vague, wrong or contradicted, and why a field is empty.",
    )


def _withdrawn() -> Any:
    return Field(
        default=False,
        description="True when the record turned out wrong; kept so that ids never break, explained in note.",
    )


def _citations() -> Any:
    return Field(min_length=1, description="The evidence: at least one verbatim quote from a cited source.")


def _precision(of: str) -> Any:
    return Field(
        default=None,
        description=(
            f"Precision of {of}: day, month, year, or unknown when {of} is empty. Derived from how {of} is written."
        ),
    )


def _earliest(of: str) -> Any:
    return Field(
        default=None,
        description=(
            f"When {of} is not given but the text bounds it: {of} falls on or after the first day of this period."
        ),
    )


def _latest(of: str) -> Any:
    return Field(
        default=None,
        description=(
            f"When {of} is not given but the text bounds it: {of} falls on or before the last day of this period."
        ),
    )


def _basis(of: str) -> Any:
    return Field(
        default=None,
        description=(
            f"Required with {of}_earliest or {of}_latest: how the cited text bounds {of} "
            "(\"'just days after' the inauguration\"); the quote itself is among the citations."
        ),
    )


def _reporting() -> Any:
    return Field(
        default=Reporting.asserted,
        description="How the cited source states it: asserted in its own voice, reported on another's authority, "
        "alleged (hedged), or expected.",
    )


OutletName = Annotated[Text, Field(pattern=r"^[^;]*$")]


class Relay(BaseModel):
    """An outlet whose reporting a source carries: one link of the chain from the text back to the reporter."""

    model_config = ConfigDict(extra="forbid")

    outlet: OutletName = Field(description='The relayed outlet as the text names it ("Financial Times").')
    outlet_type: OutletType | None = Field(default=None, description="What kind of publisher it is, when known.")
    url: HttpUrl | None = Field(default=None, description="Where its report is, when the text gives it.")


class Source(Record):
    """A publication cited as evidence."""

    record_kind: ClassVar[RecordKind] = RecordKind.source
    folder: ClassVar[str] = "sources"
    date_fields: ClassVar[tuple[str, ...]] = ("published", "published_earliest", "published_latest")
    bounded_dates: ClassVar[tuple[str, ...]] = ("published",)

    title: Text = Field(description="Title as published.")
    outlet: Text = Field(description="Who published it.")
    outlet_type: OutletType = Field(description="What kind of publisher the outlet is.")
    author: Text | None = Field(default=None, description="Author, when given.")
    published: PartialDate | None = Field(
        default=None, description="Publication date, when given (first day of the period)."
    )
    published_precision: DatePrecision | None = _precision("published")
    published_earliest: PartialDate | None = _earliest("published")
    published_earliest_precision: DatePrecision | None = _precision("published_earliest")
    published_latest: PartialDate | None = _latest("published")
    published_latest_precision: DatePrecision | None = _precision("published_latest")
    published_basis: Text | None = _basis("published")
    url: HttpUrl | None = Field(default=None, description="Where it is published (http or https only).")
    archive_url: HttpUrl | None = Field(
        default=None,
        description="A web archive snapshot of the page (e.g. https://web.archive.org/web/...), for checking by eye.",
    )
    accessed: Day | None = Field(default=None, description="The day the page was read (YYYY-MM-DD).")
    reports_from: list[Relay] = Field(
        default_factory=list,
        description=(
            "The chain of outlets the text relays, nearest first: the outlet whose reporting it carries, then "
            "the outlet that one reports from, and so on (table source_relays)."
        ),
    )
    language: LanguageCode = Field(default="en", description="ISO 639-1 language of the text.")
    text_file: Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=255)] | None = Field(
        default=None,
        description="File name of the source text in the article corpus, against which quotes are checked.",
    )
    text_sha256: Sha256 | None = Field(
        default=None, description="SHA-256 of the source text the quotes were checked against."
    )
    note: Text | None = _note()
    withdrawn: StrictBool = _withdrawn()

    @model_validator(mode="after")
    def _text_file_has_hash(self) -> Self:
        if self.text_file and not self.text_sha256:
            raise ValueError("text_file is given without text_sha256; add the file's SHA-256 (sha256sum)")
        return self


class Actor(Record):
    """A state, body, organisation, company, armed group or person."""

    record_kind: ClassVar[RecordKind] = RecordKind.actor
    folder: ClassVar[str] = "actors"

    name: Text = Field(description="Usual English name, Unicode as written (Saïd Chengriha).")
    actor_kind: ActorKind = Field(alias="kind", description="What kind of actor this is.")
    iso3: CountryCode | None = Field(
        default=None,
        description="ISO 3166-1 alpha-3 code; required for states and territories, forbidden otherwise.",
    )
    country: CountryCode | None = Field(
        default=None, description="ISO alpha-3 of the state a non-state actor belongs to or is based in."
    )
    affiliation_id: Id | None = Field(
        default=None,
        description="The organisation, state or person a person or body acts for (fk actors.id).",
        json_schema_extra=references("actors"),
    )
    role: Text | None = Field(
        default=None, description='Role as the sources word it ("Algerian Ambassador to Washington").'
    )
    wikidata: WikidataId | None = Field(default=None, description="Wikidata item id (Q followed by digits).")
    aliases: list[Annotated[Text, Field(pattern=r"^[^;]*$")]] = Field(
        default_factory=list,
        description='Other names the sources use ("Kinshasa", "Moscow"), for matching; "; "-separated in CSV.',
    )
    citations: list[Citation] = _citations()
    note: Text | None = _note()
    withdrawn: StrictBool = _withdrawn()

    @model_validator(mode="after")
    def _iso3_matches_kind(self) -> Self:
        coded = self.actor_kind in (ActorKind.state, ActorKind.territory)
        if coded and self.iso3 is None:
            raise ValueError(f"a {self.actor_kind.value} needs iso3 (its ISO 3166-1 alpha-3 code)")
        if not coded and self.iso3 is not None:
            raise ValueError(f"iso3 is only for states and territories, not a {self.actor_kind.value}; use country")
        if coded and self.id != self.iso3.lower():
            raise ValueError(f"a {self.actor_kind.value}'s id must be its iso3 in lower case: {self.iso3.lower()!r}")
        if coded and self.country is not None:
            raise ValueError("country is for non-state actors; a state or territory has iso3")
        return self


class Commodity(Record):
    """A mineral, element, group of elements or resource the sources name."""

    record_kind: ClassVar[RecordKind] = RecordKind.commodity
    folder: ClassVar[str] = "commodities"

    name: Text = Field(description="Usual English name.")
    commodity_kind: CommodityKind = Field(alias="kind", description="What kind of commodity this is.")
    symbols: list[Annotated[StrictStr, Field(pattern=r"^[A-Z][a-z]?$")]] = Field(
        default_factory=list,
        description='Chemical symbols of an element or group; "; "-separated in CSV.',
    )
    usgs_critical_2022: StrictBool | None = Field(
        default=None,
        description="On the USGS 2022 List of Critical Minerals (87 FR 10381); empty for vague terms.",
    )
    eu_critical_2024: StrictBool | None = Field(
        default=None,
        description=(
            "On the EU critical raw materials list (Regulation (EU) 2024/1252, Annex II); empty for vague terms."
        ),
    )
    eu_strategic_2024: StrictBool | None = Field(
        default=None,
        description=(
            "On the EU strategic raw materials list (Regulation (EU) 2024/1252, Annex I); empty for vague terms "
            "and for groups only some of whose members are listed (say which in note)."
        ),
    )
    broader: list[Id] = Field(
        default_factory=list,
        description=(
            "Wider terms that include this commodity (SKOS broader): rare-earth-elements has broader rare-metals "
            "when a cited text treats rare earths as rare metals. A query for a commodity should include its "
            "broader terms, transitively (table commodity_broader)."
        ),
        json_schema_extra=references("commodities"),
    )
    citations: list[Citation] = _citations()
    note: Text | None = _note()
    withdrawn: StrictBool = _withdrawn()

    @model_validator(mode="after")
    def _broader_is_other(self) -> Self:
        _unique(self.broader, "broader commodity")
        if self.id in self.broader:
            raise ValueError("a commodity cannot be broader than itself; remove its own id from broader")
        return self


class DealParty(BaseModel):
    """An actor's part in a deal."""

    model_config = ConfigDict(extra="forbid")

    actor_id: Id = Field(description="The actor (fk actors.id).", json_schema_extra=references("actors"))
    role: DealPartyRole = Field(description="The actor's part in the deal.")


class DealTerm(BaseModel):
    """One thing that flows from one actor to another under a deal: the quid pro quo."""

    model_config = ConfigDict(extra="forbid")

    provider_id: Id = Field(description="The actor that gives (fk actors.id).", json_schema_extra=references("actors"))
    recipient_id: Id = Field(
        description="The actor that receives (fk actors.id).", json_schema_extra=references("actors")
    )
    kind: TermKind = Field(description="What flows.")
    commodity_id: Id | None = Field(
        default=None,
        description="The commodity concerned (fk commodities.id).",
        json_schema_extra=references("commodities"),
    )
    description: Text = Field(description="What flows, in the curator's words close to the source.")
    timing: TermTiming = Field(description="When it flows relative to the deal: past, on_signature, promised, ...")
    reporting: Reporting = _reporting()
    citations: list[Citation] = Field(
        min_length=1, description="The evidence for this term: the quote that says who gives what to whom."
    )


class DealCommodity(BaseModel):
    """A commodity a deal concerns, and how the sources tie it to the deal."""

    model_config = ConfigDict(extra="forbid")

    commodity_id: Id = Field(
        description="The commodity (fk commodities.id).", json_schema_extra=references("commodities")
    )
    basis: CommodityBasis = Field(description="How the sources tie it to the deal: named, headline or context.")


class Deal(Record):
    """A deal or proposed deal; its status history is the events that name it."""

    record_kind: ClassVar[RecordKind] = RecordKind.deal
    folder: ClassVar[str] = "deals"

    title: Text = Field(description="Short descriptive title.")
    deal_type: DealType = Field(description="What kind of exchange the deal is.")
    summary: Text = Field(description="One or two sentences in the curator's words.")
    value_amount: Amount | None = Field(
        default=None, description="Headline value when a source states one, in value_currency units."
    )
    value_currency: CurrencyCode | None = Field(default=None, description="ISO 4217 currency of value_amount.")
    value_as_reported: Text | None = Field(
        default=None, description='The value as the source writes it ("$500 billion").'
    )
    parties: list[DealParty] = Field(min_length=1, description="The actors in the deal and their parts.")
    commodities: list[DealCommodity] = Field(
        default_factory=list, description="Commodities the deal concerns, each with how the sources tie it to the deal."
    )
    terms: list[DealTerm] = Field(default_factory=list, description="The quid pro quo, one row per flow.")
    citations: list[Citation] = _citations()
    note: Text | None = _note()
    withdrawn: StrictBool = _withdrawn()

    @model_validator(mode="after")
    def _value_is_complete(self) -> Self:
        given = [self.value_amount is not None, self.value_currency is not None, self.value_as_reported is not None]
        if any(given) and not all(given):
            raise ValueError("value_amount, value_currency and value_as_reported go together: give all three or none")
        _unique([p.actor_id for p in self.parties], "party")
        _unique([c.commodity_id for c in self.commodities], "commodity")
        return self


class EventActor(BaseModel):
    """An actor's part in an event."""

    model_config = ConfigDict(extra="forbid")

    actor_id: Id = Field(description="The actor (fk actors.id).", json_schema_extra=references("actors"))
    role: EventActorRole = Field(description="The actor's part in the event.")


class Event(Record):
    """A dated or datable event; one that names a deal and a deal_status changes that deal's state."""

    record_kind: ClassVar[RecordKind] = RecordKind.event
    folder: ClassVar[str] = "events"
    date_fields: ClassVar[tuple[str, ...]] = ("date", "date_earliest", "date_latest")
    bounded_dates: ClassVar[tuple[str, ...]] = ("date",)

    date: PartialDate | None = Field(
        default=None, description="When it happened (first day of the period); empty when the sources give no date."
    )
    date_precision: DatePrecision | None = _precision("date")
    date_earliest: PartialDate | None = _earliest("date")
    date_earliest_precision: DatePrecision | None = _precision("date_earliest")
    date_latest: PartialDate | None = _latest("date")
    date_latest_precision: DatePrecision | None = _precision("date_latest")
    date_basis: Text | None = _basis("date")
    event_type: EventType = Field(description="What kind of event this is.")
    summary: Text = Field(description="What happened, in the curator's words.")
    deal_id: Id | None = Field(
        default=None, description="The deal the event concerns (fk deals.id).", json_schema_extra=references("deals")
    )
    deal_status: DealStatus | None = Field(
        default=None, description="The state the deal reached with this event; needs deal_id."
    )
    location: CountryCode | None = Field(
        default=None, description="ISO alpha-3 of where it happened, when the sources say."
    )
    reporting: Reporting = _reporting()
    actors: list[EventActor] = Field(min_length=1, description="The actors in the event and their parts.")
    citations: list[Citation] = _citations()
    note: Text | None = _note()
    withdrawn: StrictBool = _withdrawn()

    @property
    def plover_type(self) -> PloverType | None:
        return PLOVER_BY_EVENT_TYPE.get(self.event_type)

    @property
    def window(self) -> Window:
        """The days on which the event may have happened."""
        return self.window_of("date")

    @model_validator(mode="after")
    def _status_needs_deal(self) -> Self:
        if self.deal_status is not None and self.deal_id is None:
            raise ValueError("deal_status needs deal_id: name the deal whose state this event changes")
        if self.deal_status is not None and self.reporting is Reporting.expected:
            raise ValueError(
                "deal_status is the state a deal reached, but reporting: expected says the event has not "
                "happened; remove deal_status (record the state the sources say the deal is in now)"
            )
        _unique([a.actor_id for a in self.actors], "actor")
        return self


class Claim(Record):
    """A number or judgement a source attributes to someone: a claim, not a fact."""

    record_kind: ClassVar[RecordKind] = RecordKind.claim
    folder: ClassVar[str] = "claims"
    date_fields: ClassVar[tuple[str, ...]] = ("as_of", "as_of_earliest", "as_of_latest")
    bounded_dates: ClassVar[tuple[str, ...]] = ("as_of",)

    claim_type: ClaimType = Field(description="A quantity or an assessment.")
    subject_id: Id = Field(
        description="Who or what the claim is about (fk actors.id).", json_schema_extra=references("actors")
    )
    commodity_id: Id | None = Field(
        default=None,
        description="The commodity it concerns (fk commodities.id).",
        json_schema_extra=references("commodities"),
    )
    deal_id: Id | None = Field(
        default=None, description="The deal it concerns (fk deals.id).", json_schema_extra=references("deals")
    )
    statement: Text = Field(description="The claim in the curator's words.")
    metric: Metric | None = Field(default=None, description="What a quantity measures; quantities only.")
    value: Quantity | None = Field(default=None, description="The number claimed; quantities only.")
    unit: Unit | None = Field(  # type: ignore[valid-type]
        default=None,
        description="Unit of value; quantities only: an ISO 4217 currency code or a unit of codes/units.tsv.",
    )
    as_of: PartialDate | None = Field(default=None, description="When the number holds, if stated.")
    as_of_precision: DatePrecision | None = _precision("as_of")
    as_of_earliest: PartialDate | None = _earliest("as_of")
    as_of_earliest_precision: DatePrecision | None = _precision("as_of_earliest")
    as_of_latest: PartialDate | None = _latest("as_of")
    as_of_latest_precision: DatePrecision | None = _precision("as_of_latest")
    as_of_basis: Text | None = _basis("as_of")
    attributed_to: Text = Field(
        description='Who makes the claim, as the source words it ("Official Algerian reports").'
    )
    attribution: Attribution = Field(description="What kind of claimant that is.")
    verification: Verification = Field(description="How far other cited sources confirm it.")
    citations: list[Citation] = _citations()
    note: Text | None = _note()
    withdrawn: StrictBool = _withdrawn()

    @model_validator(mode="after")
    def _quantity_fields_match_type(self) -> Self:
        quantity_fields = {"metric": self.metric, "value": self.value, "unit": self.unit}
        if self.claim_type is ClaimType.quantity:
            missing = [name for name, value in quantity_fields.items() if value is None]
            if missing:
                raise ValueError(f"a quantity claim needs {', '.join(missing)}")
        else:
            given = [name for name, value in quantity_fields.items() if value is not None]
            if given:
                raise ValueError(f"an assessment has no {', '.join(given)}; make it a quantity or remove them")
        return self


#: Every record kind, in the order tables and files are written.
MODELS: tuple[type[Record], ...] = (Source, Actor, Commodity, Deal, Event, Claim)
MODEL_BY_FOLDER: dict[str, type[Record]] = {model.folder: model for model in MODELS}
