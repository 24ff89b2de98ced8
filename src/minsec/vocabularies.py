"""The closed vocabularies of minsec: every enum value with the definition coders apply.

Each member carries its definition so that the codebook, the JSON Schema and the Table
Schema all say the same thing; adding a value is a MINOR change, removing one is MAJOR.
"""

from enum import StrEnum
from typing import Self


class Vocabulary(StrEnum):
    """A string enum whose members each carry a definition for the codebook."""

    definition: str

    def __new__(cls, value: str, definition: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.definition = definition
        return member

    @classmethod
    def values(cls) -> list[str]:
        return [member.value for member in cls]


class DatePrecision(Vocabulary):
    day = "day", "The date is known to the day."
    month = (
        "month",
        "Only the month is known; the cell holds the month's first day and the period is the whole month.",
    )
    year = (
        "year",
        "Only the year is known; the cell holds 1 January and the period is the whole year.",
    )
    unknown = "unknown", "No date is supported by the sources; the date is empty (bounds may still be given)."


class OutletType(Vocabulary):
    news = "news", "An independent or commercial news organisation."
    state_media = "state_media", "A news outlet owned or controlled by a state."
    think_tank = "think_tank", "A policy research centre publishing analysis."
    government = "government", "A government body publishing its own documents or lists."
    international_org = "international_org", "An intergovernmental organisation."
    company = "company", "A company publishing about itself."
    other = "other", "Anything else; say what in the source's note."


class ActorKind(Vocabulary):
    state = "state", "A sovereign state, identified by its ISO 3166-1 alpha-3 code."
    territory = (
        "territory",
        (
            "A territory with its own ISO 3166-1 code whose sovereignty is disputed or which is "
            "not a sovereign state (Western Sahara)."
        ),
    )
    government_body = "government_body", ("A ministry, agency, legislature, committee or other organ of a state.")
    armed_forces = "armed_forces", "A state's military or one of its commands or services."
    organization = "organization", ("A non-state organisation: political movement, international body, association.")
    company = "company", "A commercial enterprise."
    armed_group = "armed_group", "A non-state armed group such as a rebel movement."
    person = "person", "A named individual."


class CommodityKind(Vocabulary):
    element = "element", "A single chemical element (cobalt, lithium)."
    element_group = "element_group", "A defined group of elements (the rare earth elements)."
    mineral = "mineral", "A mineral or ore (coltan, bauxite)."
    fuel = "fuel", "A fuel resource (oil, gas, hydrocarbons, coal)."
    unspecified = (
        "unspecified",
        (
            "A vague term the sources use ('rare metals', 'natural resources') that cannot be "
            "mapped to specific elements without guessing."
        ),
    )


class DealType(Vocabulary):
    minerals_for_security = (
        "minerals_for_security",
        (
            "Access to minerals or their revenues in exchange for military aid, security "
            "guarantees, arms or security cooperation."
        ),
    )
    minerals_for_investment = "minerals_for_investment", ("Access to minerals in exchange for investment or finance.")
    security_cooperation = (
        "security_cooperation",
        ("Military or security cooperation between states without a stated mineral component."),
    )
    resource_exploration = "resource_exploration", ("A licence or agreement to explore for or produce a resource.")
    trade = "trade", "A purchase or sale of minerals or other goods."
    other = "other", "Any other deal; the summary and note say what is exchanged."


class DealStatus(Vocabulary):
    proposed = "proposed", "One side has offered or proposed the deal; no talks reported."
    negotiating = "negotiating", "The sides are in talks, or one side is pressing the other to sign."
    signed = "signed", "The agreement has been signed."
    in_force = "in_force", "The agreement has entered into force or is being implemented."
    collapsed = "collapsed", "Talks broke down or the agreement was abandoned."
    suspended = "suspended", "Talks or implementation are paused."


#: A deal's status as the build derives it from the status reports: every DealStatus, plus ``disputed``.
DerivedDealStatus = Vocabulary(
    "DerivedDealStatus",
    [(member.value, (member.value, member.definition)) for member in DealStatus]
    + [
        (
            "disputed",
            (
                "disputed",
                "Sources report statuses that contradict each other and that neither their dates nor their "
                "bounds put in order; see deal_status_reports for who reported what.",
            ),
        )
    ],
)


class Reporting(Vocabulary):
    """How the cited source states a fact: the hedge, if any, travels with the fact."""

    asserted = "asserted", "The source states it as fact in its own voice."
    reported = (
        "reported",
        "The source states it on another's authority ('according to the Financial Times', 'officials said').",
    )
    alleged = (
        "alleged",
        "The source hedges it as unconfirmed ('reportedly', 'is believed to', 'sources suggest', 'allegedly').",
    )
    expected = "expected", "The source presents it as anticipated, planned or promised, not as having happened."


class TermTiming(Vocabulary):
    """When a deal term's flow happens relative to the deal."""

    past = "past", "Already happened before the deal; the deal answers it (aid given, now to be repaid)."
    on_signature = "on_signature", "Flows when the deal is signed or enters into force."
    promised = "promised", "Promised under the deal for the future, without a stated condition."
    conditional = "conditional", "Promised only if a stated condition is met."
    unspecified = "unspecified", "The sources do not say when it flows."


class CommodityBasis(Vocabulary):
    """How the sources tie a commodity to a deal."""

    named = "named", "The text names it as what the deal concerns."
    headline = "headline", "Only the headline or title ties it to the deal; the body names other commodities or none."
    context = "context", "Named near the deal (reserves, background) but not as what the deal trades."


class DealPartyRole(Vocabulary):
    party = "party", "A party to the deal, giving or receiving something under it."
    proposer = "proposer", "The party that proposed or offered the deal (also a party)."
    broker = "broker", "An actor that mediates the deal without being a party to it."
    guarantor = "guarantor", "An actor that guarantees the deal without being a party to it."


class TermKind(Vocabulary):
    mineral_access = "mineral_access", "Access to mineral deposits, exploration or extraction rights."
    mineral_revenue = "mineral_revenue", "A share of revenues from minerals or natural resources."
    mineral_supply = "mineral_supply", "Delivery or sale of mineral products."
    mineral_unspecified = (
        "mineral_unspecified",
        "Minerals or rights over them, where the text does not say whether access, supply or revenue is meant.",
    )
    military_aid = "military_aid", "Military assistance: equipment, funding, training or support."
    security_guarantee = "security_guarantee", "A commitment to defend or protect the recipient."
    security_cooperation = (
        "security_cooperation",
        ("Cooperation between armed or security forces (exercises, training, intelligence)."),
    )
    arms = "arms", "Sale or transfer of weapons."
    investment = "investment", "Capital invested in the recipient's economy or sector."
    compensation = "compensation", "Payment for something already given, such as past aid."
    diplomatic_support = "diplomatic_support", "Political or diplomatic backing on an issue."
    other = "other", "Anything else; the description says what."


class PloverType(Vocabulary):
    """The 16 top-level event types of the PLOVER ontology (openeventdata/PLOVER)."""

    AGREE = "AGREE", "Agree to, offer, promise or otherwise signal willingness to cooperate."
    CONSULT = "CONSULT", "Meet, visit, hold talks or negotiate."
    SUPPORT = "SUPPORT", "Praise, endorse, recognise or otherwise support diplomatically."
    CONCEDE = "CONCEDE", "Yield verbally: ease a position, make a concession."
    COOPERATE = "COOPERATE", "Initiate or expand cooperation, including signing agreements."
    AID = "AID", "Provide material, military or humanitarian aid."
    RETREAT = "RETREAT", "Yield materially: withdraw, release, disarm."
    REQUEST = "REQUEST", "Ask, appeal, urge, demand or press for something."
    ACCUSE = "ACCUSE", "Criticise, denounce or accuse."
    REJECT = "REJECT", "Reject a proposal, refuse, or break off an agreement."
    THREATEN = "THREATEN", "Threaten sanctions, force or other harm."
    PROTEST = "PROTEST", "Demonstrate, strike or protest."
    SANCTION = "SANCTION", "Reduce relations: sanctions, embargoes, expulsions."
    MOBILIZE = "MOBILIZE", "Mobilise or deploy forces as a show of force."
    COERCE = "COERCE", "Seize, arrest, repress or otherwise coerce."
    ASSAULT = "ASSAULT", "Use armed force: attacks, fighting, seizure of territory."


class EventType(Vocabulary):
    statement = (
        "statement",
        (
            "A public statement of position that is not an offer, request or criticism. PLOVER "
            "dropped CAMEO's statement category, so it has no PLOVER type."
        ),
    )
    offer = "offer", "An actor offers or declares readiness to make a deal or to cooperate."
    pledge = "pledge", "An actor promises a future action (to open a consulate, to provide aid)."
    request = "request", "An actor urges, asks, presses or demands another to act."
    letter = "letter", "A formal letter from one actor to another asking for action."
    talks = "talks", "Negotiations or discussions between the parties to a (proposed) deal."
    meeting = "meeting", "A meeting or visit between actors."
    agreement_signed = "agreement_signed", "An agreement, memorandum or contract is signed."
    agreement_collapsed = "agreement_collapsed", "Talks on, or an agreement, break down."
    recognition = "recognition", "An actor recognises a state, government or claim of sovereignty."
    endorsement = "endorsement", "An actor endorses another's proposal or position."
    criticism = "criticism", "An actor criticises or accuses another."
    policy_change = (
        "policy_change",
        ("A government changes a domestic policy (opens a sector to investment). No PLOVER type."),
    )
    policy_review = (
        "policy_review",
        ("A government considers a policy option that the sources do not report as adopted. No PLOVER type."),
    )
    appointment = "appointment", "A person is appointed to, or takes up, an office (an inauguration). No PLOVER type."
    sanction = "sanction", "Sanctions, embargoes or a reduction of relations are imposed."
    armed_action = "armed_action", "Armed force is used: fighting, attacks, seizure of territory."
    other = "other", "Anything else; the summary says what. No PLOVER type."


#: How each event type maps onto PLOVER; types absent here have no PLOVER equivalent.
PLOVER_BY_EVENT_TYPE: dict[EventType, PloverType] = {
    EventType.offer: PloverType.AGREE,
    EventType.pledge: PloverType.AGREE,
    EventType.request: PloverType.REQUEST,
    EventType.letter: PloverType.REQUEST,
    EventType.talks: PloverType.CONSULT,
    EventType.meeting: PloverType.CONSULT,
    EventType.agreement_signed: PloverType.COOPERATE,
    EventType.agreement_collapsed: PloverType.REJECT,
    EventType.recognition: PloverType.SUPPORT,
    EventType.endorsement: PloverType.SUPPORT,
    EventType.criticism: PloverType.ACCUSE,
    EventType.sanction: PloverType.SANCTION,
    EventType.armed_action: PloverType.ASSAULT,
}


class EventActorRole(Vocabulary):
    initiator = "initiator", "The actor that performs the event (PLOVER's source actor)."
    target = "target", "The actor the event is directed at (PLOVER's target actor)."
    participant = "participant", "An actor taking part without a clear direction (a co-signatory)."


class ClaimType(Vocabulary):
    quantity = "quantity", "A number: a share, a value, a count."
    assessment = "assessment", "A judgement or interpretation attributed to someone."


class Metric(Vocabulary):
    share_of_world_reserves = "share_of_world_reserves", "Share of the world's reserves of a commodity."
    reserves_value = "reserves_value", "Monetary value of reserves or untapped deposits."
    resources_known = "resources_known", "Number of mineral resources known or available."
    resources_exploited = "resources_exploited", "Number of mineral resources being exploited."
    sector_share_of_gdp = "sector_share_of_gdp", "A sector's contribution to gross domestic product."
    expected_revenue = "expected_revenue", "Revenue expected from a sector or project."
    deal_value = "deal_value", "The stated value of a deal."
    other = "other", "Any other quantity; the statement says what."


def _units() -> list[tuple[str, tuple[str, str]]]:
    """Physical and other units (a curated data file), then every ISO 4217 currency."""
    from minsec import codes

    members = [(code, (code, definition)) for code, definition in codes.units().items()]
    members += [
        (code, (code, f"{name} (ISO 4217 currency, nominal, as reported)."))
        for code, name in codes.currencies().items()
    ]
    return members


#: Units of a claim's value: the curated units of ``codes/units.tsv`` and every ISO 4217 currency.
Unit = Vocabulary("Unit", _units())


class Attribution(Vocabulary):
    official = "official", "Officials or official reports of a government or body."
    named_person = "named_person", "A person the source names."
    anonymous_sources = "anonymous_sources", "Unnamed sources ('diplomatic sources', 'reports indicate')."
    analysts = "analysts", "Unnamed analysts, observers or experts."
    unattributed = (
        "unattributed",
        "The source hedges it without saying who holds it ('is believed to', 'is thought to').",
    )
    outlet = "outlet", "The source itself, without further attribution."
    relayed_outlet = (
        "relayed_outlet",
        "An outlet the source relays and names ('according to the Financial Times'), not the source itself.",
    )


class Verification(Vocabulary):
    unverified = "unverified", "Only the attributed source supports it."
    corroborated = "corroborated", "Another independent cited source supports it."
    disputed = "disputed", "Another cited source contradicts it."


class RecordKind(Vocabulary):
    source = "source", "A publication that records cite as evidence."
    actor = "actor", "A state, body, organisation, company, armed group or person."
    commodity = "commodity", "A mineral, element, group or resource named by the sources."
    deal = "deal", "A deal or proposed deal with its parties, commodities and terms."
    event = "event", "A dated or datable event, including a deal's status changes."
    claim = "claim", "A quantitative claim or an attributed assessment."
