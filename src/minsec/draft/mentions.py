"""Finding who and what an article names: states, persons, organisations, outlets, commodities.

Rules over the gazetteers, applied in an order that lets the more specific win: outlets and
"not a place" phrases are masked first, then known organisations and persons, then titles
and organisation cues, then states, then commodities. Every mention keeps its character
offsets, so the quote behind it is a slice of the article.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from minsec.draft.article import Article
from minsec.draft.gazetteer import DATA, Gazetteer, phrase_pattern, word_list

UPPER = "A-ZÀ-ÖØ-ÞĀ-ſ"
#: A word token; initialisms such as U.S. keep their full stops.
TOKEN = re.compile(r"(?:[A-Z]\.){2,}|[\w][\w’'&-]*")
#: Capitalised words that do not start or make a name.
NOT_NAME = word_list("not_name")
PARTICLES = word_list("particle")
#: "Marco Rubio’s appointment": a possessive name followed by something only a person has.
POSSESSED = re.compile(
    r"[’']s\s+(?:\w+\s+)?(?:appointment|inauguration|administration|government|visit|trip|statement|remarks|"
    r"comments|pressure|stance|position|decision|call|calls|letter|office|tenure|election|re-election|presidency|"
    r"campaign|speech|demands?|offer|proposal|envoy|spokesperson|spokesman|adviser|advisers|cabinet|aides?|"
    r"predecessor|successor|term|government|regime|invitation|request|policy|policies|approach|team)\b"
)
SPEECH = re.compile(
    r"\s+(?:said|says|told|announced|added|stated|argued|wrote|warned|noted|explained|insisted|confirmed|denied|"
    r"urged|called|declared|stressed|emphasi[sz]ed|highlighted|has said|had said)\b"
)


@dataclass
class Mention:
    kind: str  # state | person | organisation | outlet | commodity
    start: int
    end: int
    key: str  # iso3, person name, organisation name, outlet name or commodity id
    how: str = ""  # how it was found
    info: dict = field(default_factory=dict)


@dataclass
class Mentions:
    states: list[Mention] = field(default_factory=list)
    persons: list[Mention] = field(default_factory=list)
    organisations: list[Mention] = field(default_factory=list)
    outlets: list[Mention] = field(default_factory=list)
    commodities: list[Mention] = field(default_factory=list)
    _actors: list[Mention] | None = field(default=None, repr=False)

    def all_actors(self) -> list[Mention]:
        """States, persons and organisations in text order (computed once, after finding)."""
        if self._actors is None:
            self._actors = sorted(self.states + self.persons + self.organisations, key=lambda m: m.start)
        return self._actors


@cache
def _role_words() -> frozenset[str]:
    lines = (DATA / "role_words.tsv").read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines[1:] if line and not line.startswith("#") and line != "word")


def _is_cap(token: str) -> bool:
    return bool(token) and (token[0].isupper() or bool(re.match(r"(?:al|el|ad|as|ash|an)-[A-Z]", token)))


class _Mask:
    def __init__(self, length: int) -> None:
        self.taken = bytearray(length)

    def free(self, start: int, end: int) -> bool:
        return not any(self.taken[start:end])

    def take(self, start: int, end: int) -> None:
        self.taken[start:end] = b"\x01" * (end - start)


def _tokens(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in TOKEN.finditer(text, start, end)]


def find(article: Article, gazetteer: Gazetteer) -> Mentions:
    text = article.text
    found = Mentions()
    place_mask = _Mask(len(text))
    name_mask = _Mask(len(text))
    _outlets(text, gazetteer, found, place_mask, name_mask)
    for phrase in gazetteer.not_places:
        for match in re.finditer(rf"(?<!\w){re.escape(phrase)}(?!\w)", text):
            place_mask.take(match.start(), match.end())
    _known_actors(text, gazetteer, found, place_mask, name_mask)
    _titled_persons(article, gazetteer, found, place_mask, name_mask)
    _organisations(article, gazetteer, found, name_mask)
    _apposition_persons(article, gazetteer, found, place_mask, name_mask)
    _who_persons(article, gazetteer, found, place_mask, name_mask)
    _said_persons(article, gazetteer, found, place_mask, name_mask)
    _states(text, gazetteer, found, place_mask)
    _bare_names(article, gazetteer, found, name_mask)
    _descriptive_armed(text, gazetteer, found, name_mask)
    _commodities(article, gazetteer, found)
    for group in (found.states, found.persons, found.organisations, found.outlets, found.commodities):
        group.sort(key=lambda m: m.start)
    found._actors = None
    congo = _which_congo(found)
    named = re.compile(r"Democratic|DRC|D\.R\.C|Kinshasa|Brazzaville|Republic of (?:the )?Congo")
    for person in found.persons:
        span = person.info.get("role_span")
        role = text[span[0] : span[1]] if span else ""
        if person.info.get("affiliation") in ("COD", "COG") and re.search(r"\bCongo", role) and not named.search(role):
            person.info["affiliation"] = congo  # "Congolese Defence Minister": the Congo the article is about
    return found


def _outlets(text: str, gazetteer: Gazetteer, found: Mentions, place_mask: _Mask, name_mask: _Mask) -> None:
    for match in phrase_pattern(list(gazetteer.outlets)).finditer(text):
        name, _ = gazetteer.outlets[match.group()]
        found.outlets.append(Mention("outlet", match.start(), match.end(), name, "outlet"))
        place_mask.take(match.start(), match.end())
        name_mask.take(match.start(), match.end())


def _known_actors(text: str, gazetteer: Gazetteer, found: Mentions, place_mask: _Mask, name_mask: _Mask) -> None:
    """Organisations from the gazetteer and persons and bodies the project already records."""
    phrases: dict[str, tuple[str, str]] = {p: ("organisation", p) for p in gazetteer.organisations}
    for name, actor_id in gazetteer.actor_names.items():
        actor = gazetteer.actors[actor_id]
        if actor.kind in ("state", "territory"):
            continue
        phrases[name] = ("person" if actor.kind == "person" else "organisation", actor_id)
    if not phrases:
        return
    for match in phrase_pattern(list(phrases)).finditer(text):
        if not name_mask.free(match.start(), match.end()):
            continue
        kind, key = phrases[match.group()]
        if key in gazetteer.actors:
            actor = gazetteer.actors[key]
            mention = Mention(kind, match.start(), match.end(), actor.name, "existing", {"existing_id": key})
        else:
            name, org_kind = gazetteer.organisations[key]
            mention = Mention(kind, match.start(), match.end(), name, "gazetteer", {"org_kind": org_kind})
        (found.persons if kind == "person" else found.organisations).append(mention)
        name_mask.take(match.start(), match.end())
        place_mask.take(match.start(), match.end())


def _name_at(text: str, tokens: list[tuple[int, int, str]], index: int, single: bool = False) -> tuple[int, int] | None:
    """The person's name starting at token ``index``: 2 to 5 capitalised tokens (particles inside), or None."""
    if index >= len(tokens) or not _is_cap(tokens[index][2]) or tokens[index][2] in NOT_NAME:
        return None
    end_index = index
    count = 1
    while end_index + 1 < len(tokens):
        nxt = tokens[end_index + 1]
        gap = text[tokens[end_index][1] : nxt[0]]
        if gap not in (" ", " "):
            break
        word = nxt[2]
        if word in PARTICLES and end_index + 2 < len(tokens) and _is_cap(tokens[end_index + 2][2]):
            end_index += 1
            continue
        if not _is_cap(word) or word in NOT_NAME or (word.isupper() and len(word) > 3):
            break
        end_index += 1
        count += 1
        if count == 5:
            break
    if count < 2 and not single:
        return None
    start, end = tokens[index][0], tokens[end_index][1]
    name = text[start:end]
    if name.endswith(("’s", "'s")):
        end -= 2
    return start, end


def _person(found: Mentions, text: str, start: int, end: int, how: str, info: dict, name_mask: _Mask) -> None:
    if not name_mask.free(start, end):
        return
    name = text[start:end]
    found.persons.append(Mention("person", start, end, name, how, info))
    name_mask.take(start, end)


def _role_person(
    found: Mentions,
    article: Article,
    gazetteer: Gazetteer,
    span: tuple[int, int],
    how: str,
    role: tuple[str, int, int],
    sentence_start: int,
    name_mask: _Mask,
) -> None:
    """A person the text names with an office (``role``: its words, start and end), and the
    state or organisation that office belongs to where the text says."""
    words, role_start, role_end = role
    info: dict = {"role": words, "role_span": (role_start, role_end)}
    affiliation = _affiliation(article.text, gazetteer, role_start, role_end, sentence_start)
    if affiliation:
        info["affiliation"] = affiliation
    _person(found, article.text, *span, how, info, name_mask)


def _state_phrase_at(text: str, gazetteer: Gazetteer, start: int, end: int) -> str | None:
    phrase = text[start:end].removesuffix("’s").removesuffix("'s")
    hit = gazetteer.state_phrases.get(phrase)
    return hit[0] if hit else None


def _titled_persons(
    article: Article, gazetteer: Gazetteer, found: Mentions, place_mask: _Mask, name_mask: _Mask
) -> None:
    """Names after a title ("Defence Minister X", "Ambassador to Washington, X"), and bylines."""
    text = article.text
    titles = sorted(gazetteer.titles, key=len, reverse=True)
    roles = _role_words()
    title_re = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(t) for t in titles) + r")(?![\w-])")
    for sentence in article.sentences:
        tokens = _tokens(text, sentence.start, sentence.end)
        starts = {t[0]: i for i, t in enumerate(tokens)}
        # Bylines and honorifics: "By Dr. Leyla Omarova", "Dr. Mohamed Kawas, Progress Center"
        byline = re.match(r"By\s+(?:(?:Dr|Prof|Mr|Mrs|Ms)\.?\s+)?", text[sentence.start : sentence.end])
        if byline:
            index = next((i for i, t in enumerate(tokens) if t[0] >= sentence.start + byline.end()), None)
            span = _name_at(text, tokens, index) if index is not None else None
            if span:
                found.persons.append(Mention("person", *span, text[span[0] : span[1]], "byline", {"author": True}))
                name_mask.take(*span)
                place_mask.take(*span)
        for match in title_re.finditer(text, sentence.start, sentence.end):
            title = match.group()
            honorific = gazetteer.titles[title] == "honorific"
            index = next((i for i, t in enumerate(tokens) if t[0] >= match.end()), len(tokens))
            # The title continues: "of Mines and Mining Development", "to Washington", "of State".
            role_end = match.end()
            while index < len(tokens):
                word = tokens[index][2]
                gap = text[role_end : tokens[index][0]]
                if gap.strip() not in ("",):
                    break
                if word in roles and not (
                    word in ("the", "and", "of", "for", "to")
                    and index + 1 < len(tokens)
                    and tokens[index + 1][2] in NOT_NAME
                ):
                    role_end = tokens[index][1]
                    index += 1
                    continue
                if (
                    text[role_end : tokens[index][0]].strip() == ""
                    and tokens[index - 1][2] == "to"
                    and _state_phrase_at(text, gazetteer, tokens[index][0], tokens[index][1])
                ):
                    role_end = tokens[index][1]
                    index += 1
                    continue
                break
            name_index = index
            if name_index < len(tokens) and text[role_end : tokens[name_index][0]].strip() == ",":
                pass  # "Ambassador to Washington, Sabri Boukadoum"
            elif name_index < len(tokens) and text[role_end : tokens[name_index][0]].strip() != "":
                continue
            span = _name_at(text, tokens, name_index)
            if span is None:
                single = _name_at(text, tokens, name_index, single=True)
                linked = single and (honorific or title[0].isupper())
                if linked and not _link_surname(found, text, single, name_mask, gazetteer) and title in STRONG_TITLES:
                    word = text[single[0] : single[1]]  # type: ignore[index]
                    if word not in gazetteer.state_phrases and word not in NOT_NAME:
                        role_start = _role_start(text, tokens, starts, match.start(), gazetteer, roles)
                        info = {"role": text[role_start:role_end].strip(" ,"), "surname_only": True}
                        _person(found, text, *single, "title", info, name_mask)  # type: ignore[misc]
                continue
            if not _plausible_name(text[span[0] : span[1]], gazetteer):
                continue
            role_start = _role_start(text, tokens, starts, match.start(), gazetteer, roles)
            role = text[role_start:role_end].strip(" ,")
            info = {"role": None if honorific else role, "role_span": (role_start, role_end)}
            affiliation = _affiliation(text, gazetteer, role_start, role_end, sentence.start)
            if affiliation is None:
                affiliation = _speaker_state(text, gazetteer, span[1], sentence.end)
                if affiliation:
                    info["affiliation_from_speech"] = True
            if affiliation:
                info["affiliation"] = affiliation
            _person(found, text, *span, "title", info, name_mask)
            place_mask.take(*span)


#: "Neema Kassim, who heads Tanzania's mining ministry, said": a name and the office a clause gives it.
WHO_CLAUSE = re.compile(
    r",\s+who\s+(?:heads|leads|chairs|runs|directs|oversees|serves as|is|was|has been|became)\s+([^,;]{3,80})"
)


def _who_persons(article: Article, gazetteer: Gazetteer, found: Mentions, place_mask: _Mask, name_mask: _Mask) -> None:
    text = article.text
    for sentence in article.sentences:
        tokens = _tokens(text, sentence.start, sentence.end)
        for match in WHO_CLAUSE.finditer(text, sentence.start, sentence.end):
            before = [i for i, t in enumerate(tokens) if t[1] <= match.start()]
            if not before:
                continue
            j = before[-1]
            while j > 0 and _is_cap(tokens[j - 1][2]) and text[tokens[j - 1][1] : tokens[j][0]] == " ":
                j -= 1
            span = _name_at(text, tokens, j)
            if span is None or span[1] != match.start() or not _plausible_name(text[span[0] : span[1]], gazetteer):
                continue
            role_start, role_end = match.start(1), match.end(1)
            role = text[role_start:role_end].strip()
            _role_person(
                found, article, gazetteer, span, "who", (role, role_start, role_end), sentence.start, name_mask
            )
            place_mask.take(*span)


def _apposition_persons(
    article: Article, gazetteer: Gazetteer, found: Mentions, place_mask: _Mask, name_mask: _Mask
) -> None:
    text = article.text
    titles = sorted(gazetteer.titles, key=len, reverse=True)
    for sentence in article.sentences:
        tokens = _tokens(text, sentence.start, sentence.end)
        # "Tina Salama, spokesperson for President Félix Tshisekedi"; "Sabri Boukadoum, Algeria's Ambassador"
        for match in re.finditer(
            r",\s+(?:an?\s+|the\s+|[\w’']+’s\s+|[\w']+'s\s+)?([\w’' -]{0,40}?)\b("
            + "|".join(re.escape(t) for t in titles if gazetteer.titles[t] == "role")
            + r")\b",
            text[sentence.start : sentence.end],
        ):
            comma = sentence.start + match.start()
            before = [t for t in tokens if t[1] <= comma]
            if not before:
                continue
            # walk back over the name
            j = len(before) - 1
            while (
                j > 0
                and _is_cap(before[j - 1][2])
                and before[j - 1][2] not in NOT_NAME
                and text[before[j - 1][1] : before[j][0]] == " "
            ):
                j -= 1
            span = _name_at(text, tokens, tokens.index(before[j]))
            if span is None or span[1] != before[-1][1] or not _plausible_name(text[span[0] : span[1]], gazetteer):
                continue
            if not name_mask.free(*span) or gazetteer.organisations.get(text[span[0] : span[1]]):
                continue
            role_start, role_end = comma + 1, sentence.start + match.end()
            tail = re.match(
                r"(?:\s+(?:of|for|to|at|in)\s+(?:the\s+)?[\w’'.-]+(?:\s+[A-Z][\w’'.-]+){0,4})?",
                text[role_end : sentence.end],
            )
            role_end += tail.end() if tail else 0
            role = text[role_start:role_end].strip(" ,")
            _role_person(
                found, article, gazetteer, span, "apposition", (role, role_start, role_end), sentence.start, name_mask
            )
            place_mask.take(*span)


def _link_surname(
    found: Mentions, text: str, span: tuple[int, int], name_mask: _Mask, gazetteer: Gazetteer | None = None
) -> bool:
    """A surname of a person already named ("President Trump", "Mrs Kouamé-Traoré"), in the text
    or among the project's persons, counts as that person."""
    word = text[span[0] : span[1]]
    if not name_mask.free(*span):
        return False
    for person in found.persons:
        if person.key.split()[-1] == word:
            info = {k: v for k, v in person.info.items() if k != "role_span"}
            found.persons.append(Mention("person", span[0], span[1], person.key, "surname", info))
            name_mask.take(*span)
            return True
    if gazetteer is not None:
        known = [a for a in gazetteer.actors.values() if a.kind == "person" and a.name.split()[-1] == word]
        if len(known) == 1:
            found.persons.append(
                Mention("person", span[0], span[1], known[0].name, "existing", {"existing_id": known[0].id})
            )
            name_mask.take(*span)
            return True
    return False


#: Titles strong enough that "President Trump" names a person by the surname alone.
STRONG_TITLES = word_list("strong_title")
ORG_WORDS = word_list("org_word")


def _plausible_name(name: str, gazetteer: Gazetteer) -> bool:
    """Not a state, demonym, capital or organisation dressed as a person's name."""
    if name in gazetteer.state_phrases:
        return False
    tokens = name.split()
    if any(w.endswith(("’s", "'s")) for w in tokens[:-1]) or any(w in gazetteer.titles for w in tokens):
        return False  # "Arabia’s Crown Prince Mohammed": a phrase, not a name
    words = name.replace("’s", "").replace("'s", "").split()
    return not any(w in gazetteer.state_phrases or w in ORG_WORDS or w in NOT_NAME for w in words)


def _role_start(text, tokens, starts, title_start, gazetteer, roles) -> int:  # type: ignore[no-untyped-def]
    """Extend a title leftwards over the words that qualify it: "Congolese Defence", "US Secretary", "Mines"."""
    index = starts.get(title_start)
    if index is None:
        return title_start
    start = title_start
    while index > 0:
        prev = tokens[index - 1]
        gap = text[prev[1] : tokens[index][0]]
        if gap != " ":
            break
        word = prev[2].removesuffix("’s").removesuffix("'s")
        if (
            (word in roles and word[0].isupper())
            or word in gazetteer.state_phrases
            or word in ("Opposition", "senior", "Senior")
        ):
            start = prev[0]
            index -= 1
            continue
        break
    return start


def _affiliation(text: str, gazetteer: Gazetteer, start: int, end: int, floor: int) -> str | None:
    """The state a role names ("Congolese Defence Minister", "Algeria's Ambassador"), not the host of
    "Ambassador to Washington"."""
    for match in phrase_pattern(list(gazetteer.state_phrases)).finditer(text, start, end):
        if re.search(r"\bto\s+(?:the\s+)?$", text[start : match.start()]):
            continue
        return gazetteer.state_phrases[match.group()][0]
    return None


def _speaker_state(text: str, gazetteer: Gazetteer, start: int, end: int) -> str | None:
    """ "Minister X said that Zambia was ready": the state a titled official speaks for."""
    said = re.match(
        r"\s+(?:said|says|told [\w ]+?|announced|stated|confirmed)\s+(?:that\s+)?(?:the\s+)?", text[start:end]
    )
    if not said:
        return None
    match = phrase_pattern(list(gazetteer.state_phrases)).match(text, start + said.end(), end)
    return gazetteer.state_phrases[match.group()][0] if match else None


def _said_persons(article: Article, gazetteer: Gazetteer, found: Mentions, place_mask: _Mask, name_mask: _Mask) -> None:
    """Names followed by a speech verb ("Ruvimbo Chigumba said"), and surnames of persons already found."""
    text = article.text
    for sentence in article.sentences:
        tokens = _tokens(text, sentence.start, sentence.end)
        for i, token in enumerate(tokens):
            if not _is_cap(token[2]) or token[2] in NOT_NAME:
                continue
            single = _name_at(text, tokens, i, single=True)
            if single and name_mask.free(*single):
                word = text[single[0] : single[1]]
                if any(p.key.split()[-1] == word for p in found.persons) and " " not in word:
                    _link_surname(found, text, single, name_mask, gazetteer)
                    continue
            span = _name_at(text, tokens, i)
            if span is None or not name_mask.free(*span):
                continue
            name = text[span[0] : span[1]]
            possessive = POSSESSED.match(text, span[1])
            if (SPEECH.match(text, span[1]) or possessive) and _plausible_name(name, gazetteer):
                if possessive and len(name.split()) > 3:
                    continue
                _person(found, text, *span, "speech" if not possessive else "possessive", {}, name_mask)
                place_mask.take(*span)


def _runs(text: str, start: int, end: int) -> list[list[tuple[int, int, str]]]:
    """Runs of capitalised tokens, with lower-case connectors (of, for, and, the) inside."""
    tokens = _tokens(text, start, end)
    runs: list[list[tuple[int, int, str]]] = []
    current: list[tuple[int, int, str]] = []
    for token in tokens:
        joined = current and text[current[-1][1] : token[0]] == " "
        if _is_cap(token[2]) or (token[2] in ("of", "for", "and", "the", "de", "du", "des") and current and joined):
            if current and not joined:
                runs.append(current)
                current = []
            current.append(token)
        else:
            if current:
                runs.append(current)
            current = []
    if current:
        runs.append(current)
    cleaned = []
    for run in runs:
        while run and not _is_cap(run[-1][2]):
            run = run[:-1]
        if run:
            cleaned.append(run)
    return cleaned


def _organisations(article: Article, gazetteer: Gazetteer, found: Mentions, name_mask: _Mask) -> None:
    text = article.text
    last = {cue: kind for cue, position, kind in gazetteer.org_cues if position == "last"}
    first = {cue: kind for cue, position, kind in gazetteer.org_cues if position == "first"}
    before = {cue: kind for cue, position, kind in gazetteer.org_cues if position == "before"}
    after = {cue: kind for cue, position, kind in gazetteer.org_cues if position == "after"}
    titles = set(gazetteer.titles)
    for sentence in article.sentences:
        if sentence.header:
            continue
        for run in _runs(text, sentence.start, sentence.end):
            words = [t[2] for t in run]
            titled = [i for i, w in enumerate(words) if w in titles]
            if titled:
                # "Commander of the U.S. Africa Command": the body is what follows the title
                cut = titled[-1] + 1
                while cut < len(words) and words[cut] in ("of", "the", "for", "and"):
                    cut += 1
                run, words = run[cut:], words[cut:]
                if not run:
                    continue
            kind = None
            start_index = 0
            two = " ".join(words[-2:])
            if two in last:
                kind = last[two]
            elif words[-1] in last and len(words) > 1:
                kind = last[words[-1]]
            else:
                for i, word in enumerate(words):
                    if word in first and i < len(words) - 1:
                        kind, start_index = first[word], i
                        break
            if kind is None:
                inner = next(
                    (i for i, w in enumerate(words[:-2]) if w in last and words[i + 1] in ("of", "for", "on")), None
                )
                if inner is not None:
                    kind = last[words[inner]]  # "National Agency for Hydrocarbon Development"
            if kind is None:
                continue
            while start_index < len(words) - 1 and words[start_index] in NOT_NAME and words[start_index] not in first:
                if words[start_index] in ("The",) or words[start_index] in NOT_NAME:
                    start_index += 1
                else:
                    break
            based = [i for i, w in enumerate(words[:-1]) if w.endswith("-based")]
            if based:
                start_index = max(start_index, based[-1] + 1)  # "New York-based Eurasia Group"
            start, end = run[start_index][0], run[-1][1]
            if not name_mask.free(start, end) or end - start < 4:
                continue
            name = text[start:end]
            if name in gazetteer.state_phrases:
                continue
            found.organisations.append(Mention("organisation", start, end, name, "cue", {"org_kind": kind}))
            name_mask.take(start, end)
        tokens = _tokens(text, sentence.start, sentence.end)
        for i, token in enumerate(tokens[:-1]):
            nxt = tokens[i + 1]
            if token[2] in before and _is_cap(nxt[2]) and nxt[2] not in NOT_NAME:
                span = _name_at(text, tokens, i + 1, single=True)
                if span and name_mask.free(*span) and text[span[0] : span[1]] not in gazetteer.state_phrases:
                    found.organisations.append(
                        Mention("organisation", *span, text[span[0] : span[1]], "cue", {"org_kind": before[token[2]]})
                    )
                    name_mask.take(*span)
            if (
                nxt[2] in after
                and _is_cap(token[2])
                and token[2] not in NOT_NAME
                and name_mask.free(token[0], token[1])
            ):
                if token[2] in gazetteer.state_phrases or text[token[1] : nxt[0]] != " ":
                    continue
                found.organisations.append(
                    Mention("organisation", token[0], token[1], token[2], "cue", {"org_kind": after[nxt[2]]})
                )
                name_mask.take(token[0], token[1])
    # Acronyms in brackets after an organisation: "U.S. Africa Command (AFRICOM)".
    for mention in list(found.organisations):
        acronym = re.match(r"\s*\(([A-Z][A-Z0-9&.-]{1,11})\)", text[mention.end : mention.end + 16])
        if acronym:
            mention.info.setdefault("aliases", []).append(acronym.group(1))


def _states(text: str, gazetteer: Gazetteer, found: Mentions, place_mask: _Mask) -> None:
    ambiguous = {"Congolese", "Congo", "the Congo", "The Congo"}
    pattern = phrase_pattern([*gazetteer.state_phrases, *ambiguous])
    pending = []
    for match in pattern.finditer(text):
        if not place_mask.free(match.start(), match.end()):
            continue
        phrase = match.group()
        if phrase in ambiguous:
            pending.append(match)
            continue
        iso3, how = gazetteer.state_phrases[phrase]
        if phrase in ("US", "U.S.") and text[match.end() : match.end() + 1] == "$":
            continue
        found.states.append(Mention("state", match.start(), match.end(), iso3, how))
    if pending:
        congo = _which_congo(found)
        for match in pending:
            found.states.append(Mention("state", match.start(), match.end(), congo, "context"))


def _which_congo(found: Mentions) -> str:
    """The Congo an article means by "Congo" or "Congolese": the one it names more often by a name of its own."""
    counts = Counter(m.key for m in found.states if m.key in ("COD", "COG") and m.how != "context")
    return "COG" if counts["COG"] > counts["COD"] else "COD"


def _commodities(article: Article, gazetteer: Gazetteer, found: Mentions) -> None:
    text = article.text
    pattern = phrase_pattern(list(gazetteer.commodity_phrases), re.IGNORECASE)
    hits = []
    for match in pattern.finditer(text):
        word = match.group()
        sentence = article.sentence_at(match.start())
        if word[0].isupper() and not sentence.header:
            before = text[max(sentence.start, match.start() - 30) : match.start()].split()
            after = text[match.end() : match.end() + 30].split()
            inside = match.start() != sentence.start and before and before[-1][:1].isupper()
            if inside or (after and after[0][:1].isupper() and after[0] not in ("And", "Or")):
                continue  # part of a name: "Anka Mining", "Silicon Valley", "Gold Coast"
        cid = gazetteer.commodity_phrases[word.lower()]
        hits.append(Mention("commodity", match.start(), match.end(), cid, "gazetteer", {"as_written": word}))
    # Chemical symbols only in a bracketed list: "rare earths (Nd, Pr, Dy)", "cobalt (Co)".
    for bracket in re.finditer(r"\(((?:[A-Z][a-z]?)(?:(?:,\s*|,?\s+and\s+)[A-Z][a-z]?)*)\)", text):
        for symbol in re.finditer(r"[A-Z][a-z]?", bracket.group(1)):
            cid = gazetteer.commodity_symbols.get(symbol.group())
            start = bracket.start(1) + symbol.start()
            if cid and cid in gazetteer.commodities:
                hits.append(Mention("commodity", start, start + len(symbol.group()), cid, "symbol",
                                    {"as_written": symbol.group()}))  # fmt: skip
    hits.sort(key=lambda m: m.start)
    generic = {cid for cid, entry in gazetteer.commodities.items() if entry.id == "minerals"}
    specific_sentences = {article.sentence_index(m.start) for m in hits if m.key not in generic}
    for mention in hits:
        if mention.key in generic and article.sentence_index(mention.start) in specific_sentences:
            continue
        found.commodities.append(mention)


BARE_AFTER = re.compile(
    r"\s+(?:will|would|has|had|is|was|plans|planned|signed|agreed|owns|operates|produces|mines|buys|bought|"
    r"sells|access|shares|stake|said|says)\b"
)
PLACE_BEFORE = re.compile(r"\b(?:in|near|at|to|from|of|around|across|into|outside|north|south|east|west|the)\s+$", re.I)


def _bare_names(article: Article, gazetteer: Gazetteer, found: Mentions, name_mask: _Mask) -> None:
    """A lone capitalised word that acts ("Orano will buy", "given Rusal access") and is no known
    place, person or word: probably a company or body. A guess the reviewer confirms."""
    text = article.text
    taken = {(m.start, m.end) for m in found.states}
    for sentence in article.sentences:
        if sentence.header:
            continue
        tokens = _tokens(text, sentence.start, sentence.end)
        for i, (start, end, word) in enumerate(tokens):
            if i == 0 or not word[0].isupper() or word in NOT_NAME or (word.isupper() and len(word) <= 2):
                continue
            if (start, end) in taken or not name_mask.free(start, end) or word in gazetteer.state_phrases:
                continue
            if word in gazetteer.titles or word.lower() in gazetteer.commodity_phrases:
                continue
            prev_word, next_word = tokens[i - 1][2], tokens[i + 1][2] if i + 1 < len(tokens) else ""
            if (_is_cap(prev_word) and text[tokens[i - 1][1] : start] == " ") or (
                _is_cap(next_word) and text[end : tokens[i + 1][0]] == " "
            ):
                continue  # part of a longer name
            if not BARE_AFTER.match(text, end) or PLACE_BEFORE.search(text[sentence.start : start]):
                continue
            if any(p.key.split()[-1] == word for p in found.persons):
                continue
            found.organisations.append(Mention("organisation", start, end, word, "bare", {"org_kind": "company"}))
            name_mask.take(start, end)


ARMED_GROUP = re.compile(r"\b(?:armed\s+)?(?:rebel|militant|jihadist|separatist|insurgent|armed)\s+groups?\b", re.I)
FORCES = r"\s+(?:forces|troops|army|military|soldiers|armed forces)\b"


def _descriptive_armed(text: str, gazetteer: Gazetteer, found: Mentions, name_mask: _Mask) -> None:
    """Armed actors the text names by description: "Rwandan forces", "armed rebel groups"."""
    demonyms = {d: iso3 for iso3, c in gazetteer.countries.items() for d in c.demonyms}
    seen: set[str] = set()
    for match in _forces_pattern(tuple(sorted(demonyms))).finditer(text):
        name = match.group(0)
        if name.lower() in seen or not name_mask.free(match.start(), match.end()):
            continue
        seen.add(name.lower())
        info = {"org_kind": "armed_forces", "country": demonyms[match.group(1)]}
        found.organisations.append(Mention("organisation", match.start(), match.end(), name, "description", info))
    for match in ARMED_GROUP.finditer(text):
        name = match.group(0)
        if name.lower() in seen or not name_mask.free(match.start(), match.end()):
            continue
        seen.add(name.lower())
        found.organisations.append(
            Mention("organisation", match.start(), match.end(), name[0].upper() + name[1:], "description",
                    {"org_kind": "armed_group"})
        )  # fmt: skip


@cache
def _forces_pattern(demonyms: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(d) for d in sorted(demonyms, key=len, reverse=True))
    return re.compile(r"(?<!\w)(" + alternatives + r")" + FORCES)
