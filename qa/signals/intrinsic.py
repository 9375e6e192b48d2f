"""Intrinsic garble signals: what is visibly wrong with a translation without looking at its source.

Machine translation garbles a sentence in a few recognisable ways that read wrong even to someone
who does not know the source language: it repeats a content word or phrase it has already
produced ("cooperation on both sides ... both sides", "the losses of losses"), wraps an
institution's name around itself ("the Interior Ministry of the Ministry of the Interior"), loops
("of the season of the season of the season"), or comes out much shorter or longer than the
source. Each signal here looks for one of these; the tokenizer and word lists they use are in
:mod:`qa.signals.text`.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa.signals.base import Segment, Signal, SignalSpec
from qa.signals.text import (
    Token,
    base_lang,
    combine,
    fold_accents,
    is_content_word,
    is_function_word,
    is_title_case,
    only_spaces_between,
    tokenize,
)

# --- repetition -----------------------------------------------------------------------------------

# "step by step", "year after year", "face to face", "paso a paso", "año tras año": a single word
# repeated around one of these is an idiom, not a garble.
IDIOM_LINKS: dict[str, frozenset[str]] = {
    "en": frozenset({"after", "by", "to", "upon", "for", "and", "in", "on", "over", "against"}),
    "es": frozenset({"a", "tras", "por", "con", "en", "y", "contra", "sobre"}),
}
# "the losses of losses", "the budget of the budget": a word repeated around one of these, the
# strongest sign of a garble that repetition has.
OF_LINKS: dict[str, frozenset[str]] = {
    "en": frozenset({"of", "of the", "of a", "for", "for the"}),
    "es": frozenset(
        {"de", "del", "de la", "de las", "de los", "de un", "de una", "para", "para el", "para la"}
    ),
}
# Words whose "X of the X" is an idiom ("the best of the best").
OF_IDIOMS = frozenset({"best", "worst", "holy", "mejor", "peor"})
# A repeat right after one of these is usually parallel structure ("the Minister of Justice and
# the Minister of Defence", "solar panels and solar farms"): weak evidence.
COORDINATORS = frozenset({"and", "or", "nor", "but", "y", "e", "o", "u", "ni", "pero"})

# Tokens between a phrase and its repeat: repeating a phrase within REPEAT_NEAR tokens is strong
# evidence; a phrase that ends in a function word ("linked to") only within PHRASE_NEAR.
REPEAT_NEAR = 6
REPEAT_MID = 12
PHRASE_NEAR = 4
SINGLE_NEAR = 3
SINGLE_MID = 8
# Repeats are looked for among this many tokens at most. News sentences, even two merged, are far
# shorter; without a bound a 10,000-character run of one word costs hours (every pair of
# occurrences is a candidate repeat).
MAX_REPEAT_TOKENS = 300
# Punctuation, quotes or brackets between a phrase and its repeat: a list or a quote, not a garble.
_PUNCTUATION = re.compile(r"[^\w\s'’-]")


@dataclass(frozen=True, slots=True)
class Repeat:
    """A phrase of ``length`` tokens at token ``first`` repeated at token ``second``."""

    first: int
    second: int
    length: int
    weight: float
    kind: str  # "of" (X of X), "double" (X X), "phrase" or "word"


def find_repeats(text: str, tokens: Sequence[Token], lang: str) -> list[Repeat]:
    """Suspicious repeats of content words and phrases among the ``tokens`` of ``text``.

    A repeat is a maximal run of tokens that occurs again later in the sentence, containing at
    least one content word. Each later occurrence counts once, with its strongest earlier match,
    so a phrase said three times gives two repeats. Only the first ``MAX_REPEAT_TOKENS`` tokens
    are searched.
    """
    keys = [token.key for token in tokens[:MAX_REPEAT_TOKENS]]
    positions: dict[str, list[int]] = {}
    for index, key in enumerate(keys):
        positions.setdefault(key, []).append(index)
    # A pair whose preceding tokens match too extends back to the same maximal run as that
    # preceding pair, so only pairs that start a run are extended.
    matches = {
        _maximal_match(keys, i, j)
        for occurrences in positions.values()
        for a, i in enumerate(occurrences)
        for j in occurrences[a + 1 :]
        if i == 0 or keys[i - 1] != keys[j - 1]
    }
    strongest: dict[int, Repeat] = {}  # by the token where the second copy starts
    for first, second, length in matches:
        if not any(is_content_word(token, lang) for token in tokens[first : first + length]):
            continue
        weight, kind = _repeat_weight(text, tokens, first, second, length, lang)
        current = strongest.get(second)
        if weight > 0 and (current is None or (weight, first) > (current.weight, current.first)):
            strongest[second] = Repeat(first, second, length, weight, kind)
    repeats = list(strongest.values())
    # A repeat inside a longer repeat at the same place is the same evidence.
    repeats = [r for r in repeats if not any(_inside(r, other) for other in repeats if other != r)]
    return sorted(repeats, key=lambda r: (-r.weight, r.second))


def _maximal_match(keys: Sequence[str], i: int, j: int) -> tuple[int, int, int]:
    """Extend the equal tokens at ``i`` < ``j`` backwards and forwards without the two copies
    overlapping: (start of first copy, start of second copy, length)."""
    while i > 0 and keys[i - 1] == keys[j - 1]:
        i, j = i - 1, j - 1
    length = 1
    while j + length < len(keys) and i + length < j and keys[i + length] == keys[j + length]:
        length += 1
    return i, j, length


def _inside(inner: Repeat, outer: Repeat) -> bool:
    return (
        outer.length > inner.length
        and outer.second <= inner.second
        and inner.second + inner.length <= outer.second + outer.length
    )


def _repeat_weight(
    text: str, tokens: Sequence[Token], first: int, second: int, length: int, lang: str
) -> tuple[float, str]:
    """How strongly a repeat looks like a garble, in [0, 1], and what kind it is."""
    lang = base_lang(lang)
    copy = tokens[first : first + length]
    between = " ".join(token.key for token in tokens[first + length : second])
    gap = second - (first + length)
    plain = _is_plain(text[copy[-1].end : tokens[second].start])
    content = sum(is_content_word(token, lang) for token in copy)
    # A name said twice is the circular-name signal's business, not a repeat.
    is_name = all(token.is_capitalised for token in copy if is_content_word(token, lang)) or all(
        token.is_capitalised for token in tokens[second : second + length] if is_content_word(token, lang)
    )
    if gap == 0:
        # "the budget budget" and "the plan will the plan will" are garbles; "Sirhan Sirhan" a
        # name and "again, again" emphasis. No name is a phrase said twice in a row.
        return (0.9 if plain and (length >= 2 or not is_name) else 0.0), "double"
    if between in OF_LINKS.get(lang, ()):
        if is_name:  # "Ana Ferrer of Ferrer Logistics": a name around "of" is circular_name's to judge
            return 0.0, "name"
        if OF_IDIOMS & {token.key for token in copy}:
            return 0.0, "idiom"
        if length == 1 and _modifies_next(text, tokens, second + 1, lang):
            # "the swimming pool of pool connoisseur Iris Meder": the second copy modifies the
            # noun after it ("pool connoisseur"), so nothing is said twice around "of".
            return 0.2, "word"
        return 0.85, "of"
    # Two content words in a row said again a few words on ("the municipal sports centre, in
    # the sports centre"): lists and parallel clauses repeat single words, rarely a phrase so
    # near; amounts repeat their unit ("2 billion euros and 3 billion euros").
    near_phrase = length >= 2 and content >= 2 and gap <= REPEAT_NEAR and not is_name
    if near_phrase and _content_run(copy, lang) and not _after_a_figure(tokens, first) and not _after_a_figure(tokens, second):
        return 0.6, "phrase"
    if gap == 1 and between in IDIOM_LINKS.get(lang, ()):
        return 0.0, "idiom"
    # Lists, quotes and parallel clauses ("the Minister of Justice and the Minister of Defence",
    # "wind and solar panels and solar farms") repeat words legitimately.
    parallel = not plain or bool(COORDINATORS & {tokens[second - 1].key, copy[0].key})
    if length >= 2 and (parallel or is_name):
        return 0.25, "phrase"
    # Said again at a distance, a phrase is at most a warning: clean text does it too ("the
    # new water plan ... the new water plan"); only a double or an "X of X" is an error.
    if length >= 2 and content >= 2:
        return (0.6 if gap <= REPEAT_NEAR else 0.5 if gap <= REPEAT_MID else 0.35), "phrase"
    # One content word said again with its article ("the harbour master ... the harbour", "a security
    # guard from a security agency") is ordinary writing: at most a hint, below the check floor.
    if length >= 2 and is_content_word(copy[-1], lang):
        if all(token.key in _EDGE_WORDS for token in copy[:-1]):
            return (0.35 if gap <= SINGLE_NEAR else 0.2 if gap <= SINGLE_MID else 0.0), "word"
        # With a quantifier or a verb ("both sides ... both sides") it is a phrase, as rare in
        # clean text as a repeated content phrase when this near, unless the source repeats too.
        return (0.8 if gap <= REPEAT_NEAR else 0.35 if gap <= REPEAT_MID else 0.0), "phrase"
    if length >= 2:  # ends in a function word, like verb + preposition: "used in ... used in"
        return (0.4 if gap <= PHRASE_NEAR else 0.25 if gap <= SINGLE_MID else 0.0), "phrase"
    if gap <= SINGLE_NEAR:
        return (0.25 if parallel or is_name else 0.35), "word"
    return (0.2 if gap <= SINGLE_MID else 0.0), "word"


def _after_a_figure(tokens: Sequence[Token], index: int) -> bool:
    """Whether the token before ``index`` is a figure ("3 billion euros")."""
    return index > 0 and any(char.isdigit() for char in tokens[index - 1].text)


def _content_run(copy: Sequence[Token], lang: str) -> bool:
    """Whether a repeated phrase holds two content words in a row ("sports centre", "water
    plan"), not two content words a function word keeps apart ("Minister of Justice")."""
    return any(
        is_content_word(a, lang) and is_content_word(b, lang) for a, b in itertools.pairwise(copy)
    )


# Languages whose nouns modify the noun after them ("pool connoisseur", "security guard").
NOUN_ADJUNCT_LANGS = frozenset({"en"})


# Endings of participles and adverbs, which head no compound ("security related", "review looked").
_NOT_A_HEAD = ("ed", "ing", "ly")


def _modifies_next(text: str, tokens: Sequence[Token], following: int, lang: str) -> bool:
    """Whether the token at ``following`` is a noun that the word before it, as a noun adjunct,
    may modify, in a language that builds compounds so (a content word without the ending of a
    participle or an adverb, with only spaces between the two)."""
    if base_lang(lang) not in NOUN_ADJUNCT_LANGS or following >= len(tokens):
        return False
    word = tokens[following]
    if not text[tokens[following - 1].end : word.start].isspace():  # "the security of security: test"
        return False
    return is_content_word(word, lang) and not word.key.endswith(_NOT_A_HEAD)


# What a repeat the source makes too weighs at most: the translation is faithful to it.
FAITHFUL_REPEAT = 0.25


def repeats_content(text: str | None, lang: str) -> bool:
    """Whether ``text`` says some content word twice (accents and case aside)."""
    if not text:
        return False
    words = [fold_accents(t.key) for t in tokenize(text) if is_content_word(t, lang)]
    return len(set(words)) < len(words)


def _is_plain(text: str) -> bool:
    """Whether ``text`` holds only words and spaces: no punctuation, quotes or brackets."""
    return _PUNCTUATION.search(text) is None




def repetition(segment: Segment) -> Signal | None:
    """Content words or phrases the sentence says twice ("cooperation on both sides ... both
    sides", "the losses of losses"), legitimate idioms ("step by step") aside.

    ``value`` is the number of suspicious repeats; ``garble`` is strongest for a word repeated
    around "of" or doubled, strong for a repeated phrase close by, weak for a single word said
    twice a few words apart. The span is the second occurrence.
    """
    text = segment.target
    if not text:
        return None
    tokens = tokenize(text)
    repeats = find_repeats(text, tokens, segment.tgt_lang)
    if repeats and repeats_content(segment.source, segment.src_lang):
        # A source that repeats itself explains a repeat at a distance; not a double or "X of X".
        repeats = sorted(
            (r if r.kind in ("double", "of") else dataclasses.replace(r, weight=min(r.weight, FAITHFUL_REPEAT))
             for r in repeats),
            key=lambda r: (-r.weight, r.second),
        )
    if not repeats:
        return Signal("repetition", 0.0, 0.0, "no repeated content words")
    top = repeats[0]
    first = _trimmed(tokens, top.first, top.length)
    second = _trimmed(tokens, top.second, top.length)
    phrase = text[tokens[second[0]].start : tokens[second[1]].end]
    if top.kind in ("of", "double"):
        whole = text[tokens[first[0]].start : tokens[second[1]].end]
        explanation = f"'{whole}' repeats '{phrase}'"
    else:
        explanation = f"'{phrase}' appears twice"
    span = (tokens[second[0]].start, tokens[second[1]].end)
    return Signal("repetition", float(len(repeats)), combine([r.weight for r in repeats]), explanation, span)


# Articles and "of" at the edges of a repeated phrase are left out of what is shown.
_EDGE_WORDS = frozenset({"the", "a", "an", "of", "el", "la", "los", "las", "un", "una", "de", "del"})


def _trimmed(tokens: Sequence[Token], start: int, length: int) -> tuple[int, int]:
    """First and last token index of a repeated phrase without articles or "of" at its edges."""
    first, last = start, start + length - 1
    while first < last and tokens[first].key in _EDGE_WORDS:
        first += 1
    while last > first and tokens[last].key in _EDGE_WORDS:
        last -= 1
    return first, last


# --- circular names -------------------------------------------------------------------------------

# Lowercase words that join the parts of a name ("Ministry of the Interior", "Ministerio del
# Interior"). "and"/"y" are left out on purpose: they usually join two different names.
NAME_CONNECTORS: dict[str, frozenset[str]] = {
    "en": frozenset({"of", "for", "the", "on", "de", "del"}),
    "es": frozenset({"de", "del", "la", "las", "los", "el", "para"}),
}
# Modifiers that legitimately recur in one long name ("the National Council of the National
# Front"): repeating only these is weak evidence.
WEAK_NAME_WORDS = frozenset(
    ["general", "national", "federal", "central", "international", "state", "royal", "public", "social", "municipal", "regional", "new", "high", "supreme", "superior", "higher", "european", "united", "city", "provincial", "nacional", "federal", "internacional", "estatal", "real", "público", "pública", "social", "municipal", "regional", "nuevo", "nueva", "alto", "alta", "supremo", "suprema", "superior", "europeo", "europea", "unido", "unida", "provincial"]
)


@dataclass(frozen=True, slots=True)
class NameRun:
    """A run of capitalised words joined by connectors: tokens ``start`` to ``end`` (half-open)."""

    start: int
    end: int


def name_runs(text: str, tokens: Sequence[Token], lang: str) -> list[NameRun]:
    """Runs of capitalised words joined only by spaces and name connectors ("of the"), each
    starting and ending with a capitalised word. A possessive ("Portugal's") ends a run."""
    connectors = NAME_CONNECTORS.get(base_lang(lang), frozenset({"of", "de"}))
    runs: list[NameRun] = []
    start: int | None = None
    last_cap = -1
    for index, token in enumerate(tokens):
        joined = index > 0 and only_spaces_between(text, tokens[index - 1], token)
        if start is not None and not joined:
            runs.append(NameRun(start, last_cap + 1))
            start = None
        if token.is_capitalised and token.has_letters:
            if start is None:
                start = index
            last_cap = index
            if token.key != token.text.lower():  # possessive: the owner ends here
                runs.append(NameRun(start, index + 1))
                start = None
        elif start is not None and token.text not in connectors:
            runs.append(NameRun(start, last_cap + 1))
            start = None
    if start is not None:
        runs.append(NameRun(start, last_cap + 1))
    return [run for run in runs if run.end - run.start >= 3]


def _name_words(tokens: Sequence[Token], run: NameRun, lang: str) -> list[tuple[int, str]]:
    """(token index, folded word) of the capitalised content words of a run, hyphenated tokens
    split ("Directorate-General" gives two words)."""
    words = []
    for index in range(run.start, run.end):
        token = tokens[index]
        if not token.is_capitalised:
            continue
        for part in re.split(r"[-‐]", token.key):
            if part and not is_function_word(part, lang) and any(c.isalpha() for c in part):
                words.append((index, fold_accents(part)))
    return words


def circular_words(tokens: Sequence[Token], run: NameRun, lang: str) -> list[str]:
    """The words a name repeats with something in between ("water" in "Department of Water
    Resources of the Water Agency"); adjacent doubles ("Boutros Boutros-Ghali") are names, not
    circles."""
    words = _name_words(tokens, run, lang)
    repeated = []
    for position, (index, word) in enumerate(words):
        if word in repeated:
            continue
        later = [i for i, w in words[position + 1 :] if w == word]
        if any(i > index + 1 for i in later):
            repeated.append(word)
    return repeated



def circular_name(segment: Segment) -> Signal | None:
    """A name that contains itself: the same capitalised word twice within one run of name words
    ("the Interior Ministry of the Ministry of the Interior", "the Valdeoro Municipal Transport
    Company for the Municipal Transport of Valdeoro").

    ``value`` is the number of distinct words repeated inside names; ``garble`` is 0.8 for one
    repeated head word on both sides of a connector like "of" (0.7 without), 0.9 for two or more
    (or one said three times), 0.35 when only modifiers like "National" recur; halved in a
    title-case headline. The span is the whole name.
    """
    text = segment.target
    if not text:
        return None
    tokens = tokenize(text)
    findings: list[tuple[float, NameRun, list[str]]] = []
    for run in name_runs(text, tokens, segment.tgt_lang):
        repeated = circular_words(tokens, run, segment.tgt_lang)
        if repeated:
            weight = _circle_weight(tokens, run, repeated, segment.tgt_lang)
            if _source_repeats_all(segment.source, repeated):  # "Ana Ferrer of Ferrer Logistics"
                weight = min(weight, FAITHFUL_REPEAT)
            findings.append((weight, run, repeated))
    if not findings:
        return Signal("circular_name", 0.0, 0.0, "no name repeats itself")
    weight, run, repeated = max(findings, key=lambda finding: finding[0])
    if is_title_case(tokens, segment.tgt_lang):
        weight /= 2
    name = text[tokens[run.start].start : tokens[run.end - 1].end]
    quoted = " and ".join(f"'{_display(tokens, run, word)}'" for word in repeated)
    return Signal(
        "circular_name",
        float(sum(len(r) for _, _, r in findings)),
        weight,
        f"the name '{name}' repeats {quoted}",
        (tokens[run.start].start, tokens[run.end - 1].end),
    )


def _source_repeats_all(source: str | None, words: Sequence[str]) -> bool:
    """Whether the source says each of ``words`` (folded) twice too: names cross languages as
    they are, so a name that repeats a word in both texts was written that way."""
    if not source:
        return False
    folded = [fold_accents(token.key) for token in tokenize(source)]
    return all(folded.count(word) >= 2 for word in words)


PURPOSE_CONNECTORS = frozenset({"for", "para"})


def _circle_weight(tokens: Sequence[Token], run: NameRun, repeated: list[str], lang: str) -> float:
    strong = [word for word in repeated if word not in WEAK_NAME_WORDS]
    if not strong:
        return 0.35
    words = _name_words(tokens, run, lang)
    folded = [word for _, word in words]
    if len(strong) >= 2 or any(folded.count(word) >= 3 for word in strong) or len(repeated) >= 3:
        return 0.9
    # The word on both sides of an "of"/"for" is the circle proper ("Intelligence of ...
    # Intelligence"); without one it may be a title ("Gone Baby Gone").
    # "for" joins a purpose and reads as a title more often ("the Water Law for Clean Water
    # Access"): one word around it is a warning.
    places = [index for index, word in words if word == strong[0]]
    connectors = NAME_CONNECTORS.get(base_lang(lang), frozenset({"of", "de"})) - PURPOSE_CONNECTORS
    around = any(tokens[i].text in connectors for i in range(places[0] + 1, places[-1]))
    return 0.8 if around else 0.7


def _display(tokens: Sequence[Token], run: NameRun, folded: str) -> str:
    for token in tokens[run.start : run.end]:
        for part in re.split(r"[-‐]", token.key):
            if fold_accents(part) == folded:
                return token.text if part == token.key else part.capitalize()
    return folded


# --- oscillation ----------------------------------------------------------------------------------

MAX_PERIOD = 8
MIN_CYCLES = 3
# Emphasis in quotes ("no, no, no") separates its repeats with punctuation; a decoder loop does not.
MIN_CYCLES_PUNCTUATED = 5


@dataclass(frozen=True, slots=True)
class Loop:
    """``cycles`` consecutive copies of a ``period``-token unit ending at token ``end`` (exclusive)."""

    period: int
    cycles: int
    end: int

    @property
    def start(self) -> int:
        """Token index where the first full copy starts."""
        return self.end - self.period * self.cycles


def find_loops(text: str, tokens: Sequence[Token]) -> list[Loop]:
    """Units of 1 to :data:`MAX_PERIOD` tokens said three or more times in a row."""
    keys = [_loop_key(token) for token in tokens]
    loops = []
    for period in range(1, MAX_PERIOD + 1):
        run = 0
        for k in range(len(keys) - period + 1):
            matching = k + period < len(keys) and keys[k] == keys[k + period]
            if matching:
                run += 1
                continue
            if run:
                loop = Loop(period, (run + period) // period, k + period)
                if _is_loop(text, tokens, loop):
                    loops.append(loop)
            run = 0
    return loops


def _loop_key(token: Token) -> str:
    key = token.key
    return key[:-1] if len(key) > 3 and key.endswith("s") else key  # "season" ~ "seasons"


def _is_loop(text: str, tokens: Sequence[Token], loop: Loop) -> bool:
    if loop.cycles < MIN_CYCLES:
        return False
    joints = [
        text[tokens[loop.start + c * loop.period - 1].end : tokens[loop.start + c * loop.period].start]
        for c in range(1, loop.cycles)
    ]
    punctuated = any(not joint.isspace() for joint in joints)
    return loop.cycles >= MIN_CYCLES_PUNCTUATED or not punctuated


def oscillation(segment: Segment) -> Signal | None:
    """Looping output: a short unit repeated three or more times in a row ("of the season of the
    season of the season", "the the the").

    ``value`` is the number of copies in the longest loop; ``garble`` is 0.8 for three copies
    and 1.0 for four or more. The span covers the copies after the first.
    """
    text = segment.target
    if not text:
        return None
    tokens = tokenize(text)
    loops = find_loops(text, tokens)
    if not loops:
        return Signal("oscillation", 0.0, 0.0, "no looping repetition")
    loop = max(loops, key=lambda found: (found.cycles * found.period, -found.period))
    unit_start = tokens[loop.end - loop.period].start
    unit = text[unit_start : tokens[loop.end - 1].end]
    return Signal(
        "oscillation",
        float(loop.cycles),
        0.8 if loop.cycles == MIN_CYCLES else 1.0,
        f"'{unit}' repeats {loop.cycles} times in a row",
        (tokens[loop.start + loop.period].start, tokens[loop.end - 1].end),
    )


# --- length ratio ---------------------------------------------------------------------------------

# Characters of target per character of source in professional translation, by pair. es->en
# measured on WMT newstest2013 (human translations); the reverse is its inverse.
EXPECTED_LENGTH_RATIO: dict[tuple[str, str], float] = {("es", "en"): 0.9, ("en", "es"): 1 / 0.9}
# Characters added to both sides before taking the ratio, so a few words more or less in a
# short headline do not look like an omission.
LENGTH_SMOOTHING = 10
LENGTH_TOLERANCE = 0.5  # |log ratio| up to this is ordinary variation
LENGTH_FULL = 1.0  # |log ratio| at which garble reaches 1


def expected_length_ratio(src_lang: str, tgt_lang: str) -> float:
    """Expected target/source length in characters for a pair (1.0 when unknown)."""
    return EXPECTED_LENGTH_RATIO.get((base_lang(src_lang), base_lang(tgt_lang)), 1.0)


def length_ratio(segment: Segment) -> Signal | None:
    """How much longer or shorter the translation is than expected from its source.

    ``value`` is the natural log of (target length / source length), corrected by the pair's
    expected ratio (0 = as expected, -0.7 = half as long, +0.7 = twice as long); ``garble``
    is 0 up to |value| 0.5 and rises linearly to 1 at |value| 1. None without a source.
    """
    if not segment.source or not segment.target:
        return None
    source_length = len(segment.source.strip()) * expected_length_ratio(segment.src_lang, segment.tgt_lang)
    target_length = len(segment.target.strip())
    value = math.log((target_length + LENGTH_SMOOTHING) / (source_length + LENGTH_SMOOTHING))
    garble = min(1.0, max(0.0, (abs(value) - LENGTH_TOLERANCE) / (LENGTH_FULL - LENGTH_TOLERANCE)))
    if value < 0:
        explanation = f"the translation is {math.exp(-value):.1f} times shorter than expected"
    else:
        explanation = f"the translation is {math.exp(value):.1f} times longer than expected"
    return Signal("length_ratio", value, garble, explanation)


SPECS = (
    SignalSpec("repetition", repetition, "Repeated content words or phrases", "check", label="repetition"),
    SignalSpec("circular_name", circular_name, "An institution name that repeats itself", "check", label="circular name"),
    SignalSpec("oscillation", oscillation, "Text that loops back on itself", "check", label="loop"),
    # A check, and also what the fitted model's length features are derived from (qa.flag).
    SignalSpec("length_ratio", length_ratio, "A length far from the source's", "check", label="length"),
)
