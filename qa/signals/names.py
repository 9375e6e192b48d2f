"""Proper names on one side only: a person, place or acronym of the source that the translation
lost, or one the translation brought in from nowhere.

Only names that a translation copies verbatim are in scope: people ("João Marques Pinto"),
places that keep their spelling, and acronyms ("FBI"). Institutions and countries whose names
are translated ("Ministerio del Interior" / "Ministry of the Interior", "Alemania" / "Germany")
are out of scope, so to stay precise a name counts as present when any of its words has a
look-alike on the other side ("Guardia" ~ "Guard", "Nacional" ~ "National"), and only names of
two or more capitalised words, or acronyms, can give strong evidence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cached_property, lru_cache

from qa.signals.base import Segment, Signal, SignalSpec
from qa.signals.lexicon import calendar_words, spanish_names
from qa.signals.text import (
    Token,
    combine,
    fold_accents,
    is_function_word,
    is_title_case,
    only_spaces_between,
    opens_sentence,
    tokenize,
)

# Acronyms that differ between the languages although they name the same thing, with words that
# stand for them ("US" / "EE. UU." / "estadounidense"); each set is one entity, compared without
# accents or dots in capitals. Any other acronym is expected on both sides.
ACRONYM_EQUIVALENTS: tuple[frozenset[str], ...] = tuple(
    frozenset(fold_accents(group).upper().split())
    for group in [
        "ONU UN",
        "OTAN NATO",
        "UE EU EUROPEA EUROPEO EUROPE EUROPEAN",
        "PIB GDP",
        "FMI IMF",
        "OMS WHO",
        "EEUU USA US EUA ESTADOUNIDENSE ESTADOUNIDENSES AMERICANO AMERICANA AMERICANOS AMERICANAS "
        "NORTEAMERICANO NORTEAMERICANA AMERICAN AMERICA",
        "URSS USSR SOVIETICA SOVIETICO SOVIET",
        "RU UK BRITANICO BRITANICA BRITISH BRITAIN",
        "OCDE OECD",
        "BCE ECB",
        "ADN DNA",
        "VIH HIV",
        "SIDA AIDS",
        "UCI ICU",
        "OIT ILO",
        "OMC WTO",
        "EI ISIS IS",
        "OLP PLO",
        "CIJ ICJ",
        "CPI ICC",
        "ACNUR UNHCR",
        "OEA OAS",
        "OPEP OPEC",
        "ONG NGO",
        "IVA VAT",
        "IPC CPI",
        "RDC DRC",
        "EAU UAE",
        "USD DOLAR DOLARES DOLLAR DOLLARS",
        "EUR EURO EUROS",
        "GBP LIBRA LIBRAS POUND POUNDS",
    ]
)
# Multi-word place names whose translations share no look-alike word.
TRANSLATED_NAMES: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split("|"))
    for group in [
        "Casa Blanca|White House",
        "Oriente Medio|Oriente Próximo|Middle East|Near East",
        "Países Bajos|Netherlands",
        "Tierra Santa|Holy Land",
        "Santa Sede|Holy See",
        "Nueva Zelanda|New Zealand",
        "Reino Unido|United Kingdom|Britain|UK",
        "Estados Unidos|United States|USA|US|U.S.|America",
        "Unión Soviética|Soviet Union|USSR",
        "Unión Europea|European Union|EU",
        "Naciones Unidas|United Nations|UN|ONU",
    ]
)

# Acronyms that are common nouns ("an ID card", "300 BC"), not names.
GENERIC_ACRONYMS = frozenset(
    ["ID", "TV", "PC", "CEO", "OK", "AD", "BC", "AM", "PM", "DJ", "CD", "DVD", "GPS", "SMS", "IT", "PR", "HR", "VIP", "UFO", "IQ", "SUV", "ATM", "PIN", "CV", "DC", "CC"]
)
# Words that make a name an institution, a title or a landmark, which translations translate
# ("Banco Mundial" / "World Bank", "Ciudad Vieja" / "Old Town"): such names are out of scope.
INSTITUTION_WORDS = frozenset(
    fold_accents(word)
    for word in ["ministerio", "ministro", "banco", "ciudad", "universidad", "museo", "consejo", "tribunal", "estado", "gobierno", "partido", "unión", "mar", "tierra", "santa", "santo", "san", "iglesia", "hermanos", "asamblea", "comisión", "fundación", "instituto", "hospital", "dirección", "junta", "ayuntamiento", "seguridad", "social", "nacional", "general", "federal", "central", "internacional", "mundial", "europeo", "europea", "real", "muro", "monte", "río", "lago", "isla", "islas", "plaza", "calle", "avenida", "palacio", "catedral", "casa", "cámara", "congreso", "senado", "corte", "policía", "guardia", "ejército", "fuerza", "fuerzas", "agencia", "oficina", "servicio", "departamento", "sociedad", "asociación", "federación", "liga", "copa", "campeonato", "organización", "centro", "escuela", "colegio", "academia", "comité", "secretaría", "presidencia", "administración", "fiscal", "reino", "república", "imperio", "gran", "nueva", "nuevo", "viejo", "vieja", "alto", "alta", "baja", "bajo", "norte", "sur", "este", "oeste", "oriental", "occidental", "dia", "ministry", "minister", "bank", "city", "university", "museum", "council", "court", "state", "government", "party", "union", "sea", "land", "holy", "saint", "church", "brothers", "brotherhood", "assembly", "commission", "foundation", "institute", "hospital", "directorate", "department", "board", "security", "social", "national", "general", "federal", "central", "international", "world", "european", "royal", "wall", "mount", "mountain", "river", "lake", "island", "islands", "square", "street", "avenue", "palace", "cathedral", "house", "chamber", "congress", "senate", "police", "guard", "army", "force", "forces", "agency", "office", "service", "society", "association", "federation", "league", "cup", "championship", "organisation", "organization", "centre", "center", "school", "college", "academy", "committee", "secretariat", "presidency", "administration", "attorney", "kingdom", "republic", "empire", "great", "new", "old", "town", "upper", "lower", "north", "south", "east", "west", "eastern", "western", "language", "day", "war", "prize", "award", "development", "summit", "conference", "declaration", "cumbre", "conferencia", "declaración", "medio", "ambiente", "hacienda", "sanidad", "fomento", "educación", "cultura", "interior", "exteriores", "asuntos", "justicia", "defensa", "economía", "trabajo", "empleo", "industria", "agricultura", "vivienda", "transportes", "turismo", "deportes", "salud", "ciencia", "innovación", "igualdad", "comercio", "energía", "finanzas", "environment", "health", "finance", "education", "culture", "foreign", "affairs", "justice", "defence", "defense", "economy", "labour", "labor", "employment", "industry", "agriculture", "housing", "transport", "tourism", "sport", "sports", "science", "innovation", "equality", "trade", "commerce", "energy", "treasury", "home", "presidente", "director", "directora", "secretario", "secretaria", "vicepresidente", "alcalde", "alcaldesa", "gobernador", "rey", "reina", "príncipe", "princesa", "papa", "jefe", "jefa", "portavoz", "president", "chairman", "chairwoman", "director", "secretary", "deputy", "vice", "mayor", "governor", "king", "queen", "prince", "princess", "pope", "chief", "head", "spokesman", "spokeswoman", "coordinator",
     # titles, and common nouns of places, treaties and events that translations translate
     "emperador", "emperatriz", "emperor", "empress", "señor", "señora", "señorita", "mister", "miss", "sir", "lord", "lady", "grand", "greater", "profesor", "profesora", "professor", "doctor", "doctora", "juez", "jueza", "judge", "senador", "senadora", "senator", "diputado", "diputada", "coronel", "colonel", "capitán", "captain", "padre", "father", "golfo", "gulf", "bahía", "bay", "cabo", "cape", "península", "peninsula", "desierto", "desert", "valle", "valley", "sierra", "cordillera", "océano", "ocean", "estrecho", "strait", "canal", "channel", "tratado", "treaty", "pacto", "pact", "acuerdo", "agreement", "código", "code", "ley", "law", "premio", "festival", "facultad", "faculty", "piedra", "stone", "fortaleza", "fortress", "torre", "tower", "puente", "bridge", "parque", "park", "estadio", "stadium", "aeropuerto", "airport", "estación", "station", "base", "aviación", "aviation", "airlines", "airline", "compañía", "company", "grupo", "group", "clínica", "clinic", "laboratorio", "lab", "laboratory", "zona", "area", "región", "region", "provincia", "province", "distrito", "district", "condado", "county"]
)

# Days and months are capitalised in English and translated: never names to copy.
CALENDAR_WORDS = calendar_words()

SIMILARITY = 0.7  # SequenceMatcher ratio for two words to be look-alikes ("Estado" ~ "State")
SHARED_PREFIX = 4  # or this many leading letters in common ("Londres" ~ "London")
MISSING_NAME_WEIGHT = 0.6  # a name of two or more words with no look-alike on the other side
# An acronym missing, with no other acronym opposite: human translators spell acronyms out
# often enough ("ETS" / "sexually transmitted diseases") that this alone is not strong evidence.
MISSING_ACRONYM_WEIGHT = 0.4
UNSURE_WEIGHT = 0.25  # a single capitalised word, an institution, or a name with a candidate opposite


@dataclass(frozen=True, slots=True)
class Name:
    """A name-like stretch of a text: its words (accents folded) and where it is."""

    text: str
    start: int
    end: int
    words: tuple[str, ...]
    acronym: bool = False
    size: int = 1  # capitalised words ("Madrid-based" is one)


def find_names(text: str, lang: str) -> list[Name]:
    """Names in ``text``: runs of capitalised words (not a function word, not just opening the
    sentence), joined by name particles ("Luis de Guindos", "Instituto Federal de Concursos
    Mercantiles"), and acronyms of two or more capitals ("FBI", "EE. UU.")."""
    tokens = name_tokens(text)
    names: list[Name] = []
    run: list[Token] = []
    for index, token in enumerate(tokens):
        if is_acronym(token.text):
            names.extend(_run_to_name(text, run))
            names.append(Name(token.text, token.start, token.end, (acronym_key(token.text),), acronym=True))
            run = []
        elif _is_name_word(text, tokens, index, lang):
            if run and not only_spaces_between(text, run[-1], token):  # punctuation ends a name
                names.extend(_run_to_name(text, run))
                run = []
            run.append(token)
        elif run and _joins_name(text, tokens, index, lang):
            run.append(token)
        else:
            names.extend(_run_to_name(text, run))
            run = []
    names.extend(_run_to_name(text, run))
    return names


NAME_PARTICLES = frozenset(["de", "del", "la", "las", "los", "of", "the", "for", "da", "do", "dos", "van", "von", "der", "al"])


def _joins_name(text: str, tokens: Sequence[Token], index: int, lang: str) -> bool:
    """Whether a lowercase particle sits inside a name: spaces around, and the next word that
    is not a particle is a name word."""
    if tokens[index].text not in NAME_PARTICLES or not only_spaces_between(
        text, tokens[index - 1], tokens[index]
    ):
        return False
    following = index + 1
    while following < len(tokens) and tokens[following].text in NAME_PARTICLES:
        following += 1
    return (
        following < len(tokens)
        and only_spaces_between(text, tokens[following - 1], tokens[following])
        and _is_name_word(text, tokens, following, lang)
    )


def name_tokens(text: str) -> list[Token]:
    """The words of ``text``, with a dotted acronym ("EE. UU.", "U.S.") as one token."""
    dotted = [(m.start(), m.end()) for m in _DOTTED_ACRONYM.finditer(text)]
    tokens = [t for t in tokenize(text) if not any(s <= t.start < e for s, e in dotted)]
    tokens += [Token(text[s:e].rstrip(), s, s + len(text[s:e].rstrip())) for s, e in dotted]
    return sorted(tokens, key=lambda t: t.start)


_DOTTED_ACRONYM = re.compile(r"(?<!\w)(?:[A-ZÁÉÍÓÚÑ]{1,3}\.\s?){2,}")
_ROMAN = re.compile(r"[IVXLCDM]+")


@lru_cache(maxsize=65536)
def acronym_key(word: str) -> str:
    """An acronym or word for comparison: capitals, no dots, spaces or accents ("EE. UU." -> "EEUU")."""
    return fold_accents(re.sub(r"[.\s]", "", word)).upper()


def is_acronym(word: str) -> bool:
    """Two or more letters, all capitals, no digits, and not a Roman numeral ("XIX")."""
    letters = [c for c in word if c.isalpha()]
    if len(letters) < 2 or not all(c.isupper() for c in letters) or any(c.isdigit() for c in word):
        return False
    return not _ROMAN.fullmatch(word)


def _is_name_word(text: str, tokens: Sequence[Token], index: int, lang: str) -> bool:
    token = tokens[index]
    if not token.is_capitalised or not token.has_letters or is_function_word(token.key, lang):
        return False
    if _ROMAN.fullmatch(token.text):  # "siglo XIX", "World War II": numbers, not names
        return False
    return not opens_sentence(text, token.start)


def _run_to_name(text: str, run: Sequence[Token]) -> list[Name]:
    words_of_run = [token for token in run if token.text not in NAME_PARTICLES]
    if not words_of_run:
        return []
    words = tuple(fold_accents(part) for token in words_of_run for part in token.key.split("-") if part)
    return [Name(text[run[0].start : run[-1].end], run[0].start, run[-1].end, words, size=len(words_of_run))]


@lru_cache(maxsize=65536)
def look_alike(a: str, b: str) -> bool:
    """Whether two folded words are the same name in two languages' spellings."""
    if a == b:
        return True
    if len(a) >= SHARED_PREFIX and len(b) >= SHARED_PREFIX and a[:SHARED_PREFIX] == b[:SHARED_PREFIX]:
        return True
    # The cheap upper bounds first; the length bound is SequenceMatcher.real_quick_ratio, taken
    # before building a matcher, which most pairs of words never need.
    if 2.0 * min(len(a), len(b)) / (len(a) + len(b)) < SIMILARITY:
        return False
    matcher = SequenceMatcher(None, a, b)
    return (
        matcher.quick_ratio() >= SIMILARITY
        and matcher.ratio() >= SIMILARITY
    )


@dataclass(frozen=True)
class AcronymIndex:
    """The words of a text indexed for :func:`acronym_present`, so that each lookup costs the
    acronym's length, not the text's."""

    keys: frozenset[str]  # acronym keys of the words' hyphen parts
    anagrams: frozenset[str]  # the same with their letters sorted
    initials: tuple[tuple[str, bool], ...]  # each part's first letter, upper-cased, and whether it was
    _windows: dict[int, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, words: Sequence[str]) -> AcronymIndex:
        """The index of ``words``."""
        keys = frozenset(acronym_key(part) for word in words for part in word.split("-"))
        parts = [part for word in words for part in word.split("-") if part]
        initials = tuple((part[0].upper(), part[0].isupper()) for part in parts if len(part) > 2 or part[0].isupper())
        return cls(keys, frozenset("".join(sorted(key)) for key in keys), initials)

    def spelled_out(self, size: int) -> frozenset[str]:
        """The sorted initials of every run of ``size`` consecutive words. Two letters match
        by chance too easily unless the words are capitalised, so runs of two or fewer must
        start with a capital."""
        if size not in self._windows:
            self._windows[size] = frozenset(
                "".join(sorted(letter for letter, _ in self.initials[i : i + size]))
                for i in range(len(self.initials) - size + 1)
                if size > 2 or self.initials[i][1]
            )
        return self._windows[size]


def acronym_present(acronym: str, other: Sequence[str] | AcronymIndex) -> bool:
    """Whether an acronym shows up among the other side's words (or their index): itself in any
    case ("FED" / "Fed"), a known equivalent, the same letters reordered ("OTAN" / "NATO"), or
    spelled out by the initials of consecutive words ("Nueva York" for "NY", "non-governmental
    organisation" for "ONG")."""
    index = other if isinstance(other, AcronymIndex) else AcronymIndex.of(other)
    group = next((g for g in ACRONYM_EQUIVALENTS if acronym in g), frozenset({acronym}))
    letters = "".join(sorted(acronym))
    return not group.isdisjoint(index.keys) or letters in index.anagrams or letters in index.spelled_out(len(acronym))


@dataclass(frozen=True)
class TextView:
    """A text prepared for looking names up in it. Lookups are memoised on the view, so a name
    said a hundred times costs one lookup."""

    folded: str  # lowercase, accents folded
    words: tuple[str, ...]  # its words as written, a dotted acronym as one
    parts: tuple[str, ...]  # folded words split at hyphens
    keys: frozenset[str]  # acronym keys of those parts ("U.S.A." -> "USA")
    _memo: dict[tuple[str, object], bool] = field(default_factory=dict, compare=False, repr=False)

    def _remembered(self, key: tuple[str, object], compute: Callable[[], bool]) -> bool:
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def mentions(self, group: int) -> bool:
        """Whether the text names a member of ``TRANSLATED_NAMES[group]``."""
        return self._remembered(("group", group), lambda: any(
            key in self.keys if pattern is None else pattern.search(self.folded)
            for pattern, key in _TRANSLATED_PATTERNS[group]
        ))

    def has_acronym(self, acronym: str) -> bool:
        """Whether :func:`acronym_present` finds ``acronym`` among the view's words."""
        return self._remembered(("acronym", acronym), lambda: acronym_present(acronym, self.acronym_index))

    @cached_property
    def acronym_index(self) -> AcronymIndex:
        """The view's words indexed for acronym lookups (built on first use)."""
        return AcronymIndex.of(self.words)

    def has_look_alike(self, word: str) -> bool:
        """Whether some part of the view is a :func:`look_alike` of ``word``."""
        return self._remembered(("word", word), lambda: any(look_alike(word, part) for part in self.distinct_parts))

    @cached_property
    def distinct_parts(self) -> tuple[str, ...]:
        """The parts, each once, in order."""
        return tuple(dict.fromkeys(self.parts))


@lru_cache(maxsize=4096)
def text_view(text: str) -> TextView:
    """``text`` prepared for :func:`name_present`."""
    words = tuple(token.text for token in name_tokens(text))
    split = [part for word in words for part in word.split("-") if part]
    return TextView(
        fold_accents(text), words, tuple(fold_accents(p) for p in split), frozenset(map(acronym_key, split))
    )


def name_present(name: Name, other: TextView) -> bool:
    """Whether ``name`` shows up in the other side's text: a known translation of it, the
    acronym or an equivalent, or any of its words with a look-alike there."""
    own = text_view(name.text)
    if any(own.mentions(group) and other.mentions(group) for group in range(len(_TRANSLATED_PATTERNS))):
        return True
    if name.acronym:
        return other.has_acronym(name.words[0])
    return any(other.has_look_alike(word) for word in name.words)


# Each known translated name as a whole-phrase pattern on folded text or, for an acronym, as its
# key, so that "US" is found in "the U.S." but not in "told us".
_TRANSLATED_PATTERNS = tuple(
    tuple(
        (None, acronym_key(member))
        if is_acronym(member)
        else (re.compile(rf"(?<!\w){re.escape(fold_accents(member))}(?!\w)"), "")
        for member in group
    )
    for group in TRANSLATED_NAMES
)


@dataclass(frozen=True, slots=True)
class Unmatched:
    """A name found on one side only, with how strongly it suggests a garble."""

    name: Name
    side: str  # "source" or "target"
    weight: float


def unmatched_names(segment: Segment) -> list[Unmatched]:
    """Names of the source missing from the target and names of the target absent from the
    source, each weighted by how surely it should have been copied (none without both)."""
    if not segment.source or not segment.target:
        return []
    sides = {
        "source": (segment.source, segment.src_lang, segment.target),
        "target": (segment.target, segment.tgt_lang, segment.source),
    }
    missing: dict[str, list[Name]] = {}
    for side, (text, lang, other_text) in sides.items():
        other = text_view(other_text)
        missing[side] = [
            name
            for name in find_names(text, lang)
            if not (name.acronym and name.words[0] in GENERIC_ACRONYMS)
            and not all(word in CALENDAR_WORDS for word in name.words)
            and not name_present(name, other)
        ]
    # A headline in title case capitalises every word: its "names" prove nothing.
    title_case = any(is_title_case(tokenize(text), lang) for text, lang, _ in sides.values())
    found = []
    for side, opposite in (("source", "target"), ("target", "source")):
        for name in missing[side]:
            weight = UNSURE_WEIGHT if title_case else _weight(name, missing[opposite])
            found.append(Unmatched(name, side, weight))
    return found


def _weight(name: Name, opposite: Sequence[Name]) -> float:
    """Strong only for a name that should have been copied and has no candidate opposite: the
    other side's unmatched names of the same kind may well be its translation."""
    if name.acronym:
        return UNSURE_WEIGHT if any(n.acronym for n in opposite) else MISSING_ACRONYM_WEIGHT
    if name.size < 2 or any(word in INSTITUTION_WORDS or word in CALENDAR_WORDS for word in name.words):
        return UNSURE_WEIGHT
    return UNSURE_WEIGHT if any(not n.acronym for n in opposite) else MISSING_NAME_WEIGHT


def names(segment: Segment) -> Signal | None:
    """Proper names present on one side only.

    ``value`` is the number of names without a counterpart. ``garble`` is 0.6 for a name of two
    or more words, none of them an institution word, with no look-alike word and no unmatched
    name on the other side; 0.4 for an acronym with no counterpart and no unmatched acronym
    opposite; 0.25 for anything less sure (a single capitalised word, an institution, a name
    facing an unmatched one that may be its translation); plus 0.1 for each further miss of
    0.3 or more. The span is the first name of the translation without a counterpart. None
    without a source.
    """
    if not segment.source or not segment.target:
        return None
    found = unmatched_names(segment)
    if not found:
        return Signal("names", 0.0, 0.0, "the names match the source")
    top = max(found, key=lambda u: u.weight)
    in_target = [u.name for u in found if u.side == "target"]
    span = (in_target[0].start, in_target[0].end) if in_target else None
    return Signal("names", float(len(found)), combine([u.weight for u in found]), _explain(top), span)


def _explain(unmatched: Unmatched) -> str:
    if unmatched.side == "source":
        return f"the source's '{unmatched.name.text}' is not in the translation"
    return f"the translation's '{unmatched.name.text}' is not in the source"


# --- names changed ---------------------------------------------------------------------------------

# A person's name whose translation keeps part of it and replaces the rest: "Clara Martín" /
# "Clara Ruiz", "Pedro Duque" / "Pedro Duke". The part kept anchors the two names to each other;
# the part replaced is a word the translation lacks, facing a word the source lacks.
CHANGED_WEIGHT = 0.9  # with the engine: it copies the lost word as it is, so a translation must too
CHANGED_WITHOUT_ENGINE_WEIGHT = 0.7
# Spellings of one name in Spanish and English transliterations ("Jruschov" / "Khrushchev",
# "Yanukóvich" / "Yanukovych"): applied to both words before comparing them.
_TRANSLITERATION = (("kh", "j"), ("zh", "y"), ("ck", "k"), ("k", "c"), ("ph", "f"), ("w", "v"), ("y", "i"), ("h", ""))


@lru_cache(maxsize=65536)
def transliteration_key(word: str) -> str:
    """A folded word with the letters that transliterations spell differently made alike, and
    doubled letters made single."""
    key = fold_accents(word)
    for written, said in _TRANSLITERATION:
        key = key.replace(written, said)
    return re.sub(r"(.)\1+", r"\1", key)


def same_name_word(a: str, b: str) -> bool:
    """Whether two folded words of names may be one name's two spellings: look-alikes, or alike
    once transliterated (words of six letters or more: shorter ones look alike too easily)."""
    if look_alike(a, b):
        return True
    return min(len(a), len(b)) >= 6 and look_alike(transliteration_key(a), transliteration_key(b))


@dataclass(frozen=True, slots=True)
class NameChange:
    """A name of the source that the translation gives with a word replaced."""

    source: Name
    target: Name
    weight: float


@lru_cache(maxsize=4096)
def capitalised_words(text: str) -> frozenset[str]:
    """The folded parts of the capitalised words of ``text`` (its name words, and the first word
    of each sentence)."""
    return frozenset(
        fold_accents(part)
        for token in name_tokens(text)
        if token.is_capitalised
        for part in token.text.split("-")
        if part
    )


def _has_name_word(text: str | None, word: str) -> bool:
    """Whether a capitalised word of ``text`` is a spelling of ``word``."""
    return text is not None and any(same_name_word(word, part) for part in capitalised_words(text))


def name_changes(segment: Segment) -> list[NameChange]:
    """Names of the source whose translation replaces a word ("Clara Martín" / "Clara Ruiz").

    A person's name (two or more words, none an institution or title word) faces a name of the
    translation with as many words that keeps one of them in the same place; a word of it that
    the translation lacks, facing in the same place a word that neither the source nor the
    engine's translation of it has (nor a spelling of it: "Jruschov" / "Khrushchev", "Puerto
    Rico" / "Puerto Rican", "Juan" / "John"), is a change. With the engine's translation, only a
    word the engine's translation does not put there counts: a name it translates ("Costa de
    Marfil" / "Ivory Coast") may be translated.
    """
    if not segment.source or not segment.target:
        return []
    title_case = any(
        is_title_case(tokenize(text), lang)
        for text, lang in ((segment.source, segment.src_lang), (segment.target, segment.tgt_lang))
    )
    if title_case:  # a headline's capitals prove nothing
        return []
    target_names = [p for n in _full_names(segment.target, segment.tgt_lang) if (p := _person_part(n, segment.target))]
    changes = []
    for whole in _full_names(segment.source, segment.src_lang):
        name = _person_part(whole, segment.source)
        if name is None:
            continue
        for candidate in target_names:
            change = _changed_word(name, candidate, segment)
            if change is not None:
                weight = CHANGED_WITHOUT_ENGINE_WEIGHT if segment.forward_translation is None else CHANGED_WEIGHT
                changes.append(NameChange(name, candidate, weight))
                break
    return changes


def _full_names(text: str, lang: str) -> list[Name]:
    """The names of ``text``, each with the capitalised word that opens its sentence right before
    it taken in ("Bill Gates said", "UBS: Peter Wuffli"), which :func:`find_names` leaves out
    since a sentence's first word is capitalised anyway."""
    tokens = name_tokens(text)
    starts = {token.end: token for token in tokens}
    names = []
    for name in find_names(text, lang):
        before = re.search(r"\s+$", text[max(0, name.start - 4) : name.start])
        opening = starts.get(name.start - len(before.group())) if before and not name.acronym else None
        if (
            opening is not None
            and opening.is_capitalised
            and opening.text.isalpha()
            and not is_function_word(opening.key, lang)
            and opens_sentence(text, opening.start)
        ):
            words = (fold_accents(opening.key), *name.words)
            name = Name(text[opening.start : name.end], opening.start, name.end, words, size=name.size + 1)
        names.append(name)
    return names


def _is_person_like(name: Name) -> bool:
    """Two to four words, none an initial, an institution, title, day or month word."""
    return (
        not name.acronym
        and 2 <= len(name.words) <= 4
        and all(len(word) > 1 and word not in INSTITUTION_WORDS and word not in CALENDAR_WORDS for word in name.words)
    )


def _person_part(name: Name, text: str) -> Name | None:
    """The person's name in ``name``: all of it when it is person-like, else the words after its
    last institution, title, day or month word when they are and open on a listed given name
    ("Gobierno de Pedro Ferrer" -> "Pedro Ferrer", not "Ley de Control de Presupuesto" ->
    "Control de Presupuesto"); None when there is none."""
    if _is_person_like(name):
        return name
    if name.acronym:
        return None
    tokens = name_tokens(text[name.start : name.end])
    last = max((k for k, token in enumerate(tokens) if _not_a_person_word(token.key)), default=None)
    if last is None:
        return None
    rest = [token for token in tokens[last + 1 :] if token.text not in NAME_PARTICLES]
    if not rest:
        return None
    start, end = name.start + rest[0].start, name.start + rest[-1].end
    words = tuple(fold_accents(part) for token in rest for part in token.key.split("-") if part)
    part = Name(text[start:end], start, end, words, size=len(rest))
    return part if _is_person_like(part) and _is_given_name(words[0]) else None


@lru_cache(maxsize=1)
def _listed_given_names() -> frozenset[str]:
    """Every folded given name qa lists: qa/data/given_names.json and the Spanish ones."""
    return frozenset(_given_name_groups()) | {fold_accents(name) for name in spanish_names().given}


def _is_given_name(word: str) -> bool:
    return word in _listed_given_names()


def _not_a_person_word(key: str) -> bool:
    word = fold_accents(key)
    return word in INSTITUTION_WORDS or word in CALENDAR_WORDS


def _changed_word(name: Name, candidate: Name, segment: Segment) -> tuple[str, str] | None:
    """The word of ``name`` that ``candidate`` replaces in the same place, with the one it puts
    there, when the two names are the same but for it; else None. The shorter of the two may
    stand inside the longer ("Morningstar Neal Dihora" / "Neal Morayef")."""
    short, long_ = sorted((name.words, candidate.words), key=len)
    for offset in range(len(long_) - len(short) + 1):
        window = long_[offset : offset + len(short)]
        pairs = list(zip(short, window, strict=True)) if short is name.words else list(zip(window, short, strict=True))
        same = [same_name_word(a, b) or _equivalent_given_names(a, b) for a, b in pairs]
        if sum(not s for s in same) != 1 or len(short) < 2:
            continue
        lost, put = next(pair for pair, s in zip(pairs, same, strict=True) if not s)
        if _is_demonym(lost, put) or _has_name_word(segment.source, put):
            continue
        if _name_word_count(segment.target or "", lost) >= _name_word_count(segment.source or "", lost):
            continue
        if segment.forward_translation is not None and _has_name_word(segment.forward_translation, put):
            continue  # the engine translates the name so too ("Costa de Marfil" / "Ivory Coast")
        return lost, put
    return None


def _name_word_count(text: str, word: str) -> int:
    """How many capitalised words of ``text`` are spellings of ``word``."""
    return sum(
        1
        for token in name_tokens(text)
        if token.is_capitalised
        for part in token.text.split("-")
        if part and same_name_word(word, fold_accents(part))
    )


def _is_demonym(place: str, word: str) -> bool:
    """Whether ``word`` is an adjective of ``place`` ("Puerto Rico" / "Puerto Rican")."""
    return len(place) >= 4 and word.startswith(place[:-1]) and len(word) - len(place) <= 3


@lru_cache(maxsize=1)
def _given_name_groups() -> dict[str, int]:
    """Each folded given name of qa/data/given_names.json with the number of its group."""
    import json
    from importlib import resources

    text = resources.files("qa.data").joinpath("given_names.json").read_text(encoding="utf-8")
    groups = json.loads(text)["groups"]
    return {fold_accents(name): n for n, group in enumerate(groups) for name in group}


def _equivalent_given_names(a: str, b: str) -> bool:
    """Whether two folded words are one given name in two languages ("juan" / "john")."""
    groups = _given_name_groups()
    return a in groups and groups[a] == groups.get(b)


def changed_name(segment: Segment) -> Signal | None:
    """A name of the source that the translation changes: "Clara Martín" / "Clara Ruiz",
    "Pedro Duque" / "Pedro Duke".

    ``value`` is the number of changed names; ``garble`` 0.9 for a name whose changed word the
    engine copies as it is, 0.7 without an engine, plus 0.1 for each further change. The span is the translation's name. None without
    a source.
    """
    if not segment.source or not segment.target:
        return None
    changes = name_changes(segment)
    if not changes:
        return Signal("changed_name", 0.0, 0.0, "no name of the source is changed")
    first = max(changes, key=lambda c: c.weight)
    return Signal(
        "changed_name",
        float(len(changes)),
        combine([c.weight for c in changes]),
        f"the source's '{first.source.text}' is '{first.target.text}' in the translation",
        (first.target.start, first.target.end),
    )


SPECS = (
    SignalSpec("names", names, "Names found on one side only", "check", label="names"),
    SignalSpec("changed_name", changed_name, "A name of the source changed in the translation", "check",
               label="changed name", needs=frozenset({"forward_translation"})),
)
