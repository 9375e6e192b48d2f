"""Text damaged on its way to the page, visible without the source: a letter lost with its
accent ("Hctor" for Héctor, "Poesa" for Poesía: the page lost its accented letters), two words run together ("2025at", "SIRTAPa": a space lost), a sentence that opens in lowercase
(its start lost or split off), and a sentence or headline that stops on an article or a
conjunction ("…the threats in the": cut off).

Each is a check of an English translation; the accent check also needs a Spanish source
language, whose names and words it restores. None needs a model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from qa.signals.base import Segment, Signal, SignalSpec
from qa.signals.lexicon import spanish_names
from qa.signals.text import Token, base_lang, tokenize
from qa.signals.vocabulary import word_zipf

DAMAGE = 0.7  # each kind is a warning: the editor looks, the sentence may be fine

# --- a letter lost with its accent ---------------------------------------------------------------

ACCENTED = "áéíóúñü"
MIN_LETTERS = 4  # "Jos" (José) is also a Dutch name and a Nigerian city: too short to tell alone
SHORT_LETTERS = 2  # on a page that shows the damage elsewhere, names this short count ("Po" for Pío)
ENGLISH_AT_MOST = 2.5  # the damaged word is no common English word ("Mara", "Luca" are names)
SPANISH_WORD = 3.0  # a restoration this common in Spanish is a Spanish word
SPANISH_MARGIN = 1.0  # and far more common than the damaged form (wordfreq has such forms too)


@cache
def _accented_names() -> frozenset[str]:
    """Listed Spanish given names and surnames that carry an accented letter, lowercase."""
    return frozenset(name for name in spanish_names().written if any(char in ACCENTED for char in name))


def restored(word: str) -> str | None:
    """The Spanish name or word ``word`` is with one accented letter put back ("Hctor" ->
    "héctor"), or None. The word must have MIN_LETTERS letters, be no common English word, and
    the restoration must be a listed name (for a capitalised word) or a common Spanish word far
    more frequent than the damaged form (which must then be unknown in English). A letter is
    never put back before the first one."""
    lower = word.lower()
    if len(lower) < MIN_LETTERS or not lower.isalpha() or word_zipf(lower, "en") >= ENGLISH_AT_MOST:
        return None
    if word[0].isupper() and (name := _listed_name_with_accent(lower)):
        return name
    # A restored common word needs a damaged form unknown in English (below wordfreq's floor):
    # "Rehn" (a Finnish name) is not "rehén".
    if word_zipf(lower, "en") > 0.0:
        return None
    damaged = word_zipf(lower, "es")
    for position in range(1, len(lower) + 1):
        for letter in ACCENTED:
            candidate = lower[:position] + letter + lower[position:]
            frequency = word_zipf(candidate, "es")
            if frequency >= SPANISH_WORD and frequency >= damaged + SPANISH_MARGIN:
                return candidate
    return None


@lru_cache(maxsize=4096)  # every later sentence of the page reads the earlier ones again
def damaged_words(text: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, restoration) of each word of ``text`` that lost an accented letter
    (:func:`restored`)."""
    return tuple((token.start, token.end, fixed) for token in tokenize(text) if (fixed := restored(token.text)))


def _short_damaged_names(text: str) -> list[tuple[int, int, str]]:
    """Words too short to judge alone that are a listed given name or surname with one accented
    letter put back and stand next to another capitalised word or an initial ("Jos Abreu",
    "Po E. Serrano", "Zo Valds")."""
    tokens = tokenize(text)
    found = []
    for index, token in enumerate(tokens):
        lower = token.text.lower()
        if SHORT_LETTERS <= len(lower) < MIN_LETTERS and token.is_capitalised and lower.isalpha():
            fixed = _listed_name_with_accent(lower)
            if fixed and _beside_capitalised(text, tokens, index):
                found.append((token.start, token.end, fixed))
    return found


def _listed_name_with_accent(lower: str) -> str | None:
    """The listed name ``lower`` is with one accented letter put back (not before the first)."""
    names = _accented_names()
    candidates = (lower[:i] + letter + lower[i:] for i in range(1, len(lower) + 1) for letter in ACCENTED)
    return next((candidate for candidate in candidates if candidate in names), None)


def _beside_capitalised(text: str, tokens: Sequence[Token], index: int) -> bool:
    """Whether a capitalised word (or an initial) stands right before or after token ``index``."""
    pairs = [(tokens[index - 1], tokens[index])] if index else []
    if index + 1 < len(tokens):
        pairs.append((tokens[index], tokens[index + 1]))
    return any(
        text[left.end : right.start] in (" ", ". ") and (right if left is tokens[index] else left).is_capitalised
        for left, right in pairs
    )


def lost_accent(segment: Segment) -> Signal | None:
    """Words that lost a letter with its accent ("Hctor Santiago", "Zo Valds"), seen as a word
    that is neither English nor Spanish and becomes a listed Spanish name or a common Spanish word
    when one accented letter is put back (:func:`restored`). Once an earlier sentence of the page
    shows such a word, the page has lost its accented letters, and shorter names count too ("Jos
    Abreu" for José Abreu), beside another capitalised word.

    ``value`` is the number of such words, ``garble`` 0.7 when there is one; the span is the first.
    None unless the pair is Spanish to English.
    """
    text = segment.target
    if not text or base_lang(segment.src_lang) != "es" or base_lang(segment.tgt_lang) != "en":
        return None
    found = list(damaged_words(text))
    if any(damaged_words(earlier) for earlier in segment.preceding_targets):
        found = sorted(found + _short_damaged_names(text))
    if not found:
        return Signal("lost_accent", 0.0, 0.0, "no word lost an accented letter")
    start, end, fixed = found[0]
    word = text[start:end]
    shown = fixed if word.islower() else fixed[0].upper() + fixed[1:]
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    return Signal("lost_accent", float(len(found)), DAMAGE,
                  f"'{word}' looks like '{shown}' with its accented letter lost{more}", (start, end))


# --- words run together ----------------------------------------------------------------------------

# Short words that stick to a number or an acronym when the space before them is lost, and are no
# unit or ordinal ending ("5km", "3rd", "10am": not these).
GLUED_TO_NUMBER = frozenset({"at", "the", "and", "for", "was", "is", "of", "to", "on", "by", "de", "en", "el", "la", "y"})
GLUED_TO_ACRONYM = frozenset({"a", "y", "e", "o", "u", "at", "in", "on", "to", "of", "de", "en", "el", "la"})
_NUMBER_WORD = re.compile(r"(?<![\w.,])(\d+)([a-z]+)\b")
_ACRONYM_WORD = re.compile(r"\b([A-Z]{3,})([a-z]{1,2})\b")
YEAR_WORD = 4.0  # a common English word glued to a year ("2025when") counts from this Zipf


@dataclass(frozen=True, slots=True)
class Joined:
    """Two words run together: where, and the words as they should read."""

    start: int
    end: int
    left: str
    right: str


def joined(text: str) -> list[Joined]:
    """Words run together: a number and a short word ("2025at"), a year and a common English word
    ("2025when"), an acronym and a short function word ("SIRTAPa")."""
    found = []
    for match in _NUMBER_WORD.finditer(text):
        number, word = match.groups()
        if word in GLUED_TO_NUMBER or (len(number) == 4 and len(word) >= 4 and word_zipf(word, "en") >= YEAR_WORD):
            found.append(Joined(match.start(), match.end(), number, word))
    for match in _ACRONYM_WORD.finditer(text):
        acronym, word = match.groups()
        if word in GLUED_TO_ACRONYM:
            found.append(Joined(match.start(), match.end(), acronym, word))
    return sorted(found, key=lambda j: j.start)


def joined_words(segment: Segment) -> Signal | None:
    """Two words run together where a space was lost ("2025at the trial centre", "the first
    SIRTAPa New Generation drone").

    ``value`` is the number of such words, ``garble`` 0.7 when there is one; the span is the
    first. None unless the translation is English.
    """
    text = segment.target
    if not text or base_lang(segment.tgt_lang) != "en":
        return None
    found = joined(text)
    if not found:
        return Signal("joined_words", 0.0, 0.0, "no words run together")
    first = found[0]
    return Signal("joined_words", float(len(found)), DAMAGE,
                  f"'{text[first.start:first.end]}' looks like two words run together: '{first.left} {first.right}'",
                  (first.start, first.end))


# --- a sentence that opens in lowercase ----------------------------------------------------------------

# Lowercase words that open a name or a sentence legitimately: name particles ("de Guindos said"),
# and brand names written in lowercase ("iPhone", "eBay" have a capital inside and pass anyway).
NAME_PARTICLES = frozenset({"de", "del", "della", "di", "da", "van", "von", "der", "al", "el", "bin", "ibn", "le", "la", "du", "dos", "das"})
_FINAL_MARK = re.compile(r"[.!?…][\"”’'»)]*\s*$")


def lowercase_start(segment: Segment) -> Signal | None:
    """A body sentence that opens on a lowercase word ("if the government meet the proposal…"):
    the start of a sentence lost, or a clause split off its sentence. Only after a sentence that
    ended with its final mark: after "...the taxes Turks pay," a lowercase word goes on the same
    sentence. Headings and sentences opening on punctuation (a quote's continuation, an ellipsis,
    a list marker) are not judged.

    ``value`` is 1.0 when it does, ``garble`` 0.7. None unless the translation is English.
    """
    text = segment.target
    if not text or base_lang(segment.tgt_lang) != "en":
        return None
    first = tokenize(text)[:1]
    opens_lower = (
        not segment.heading and bool(first) and first[0].start == 0 and first[0].text.islower()
        and first[0].text.isalpha() and first[0].key not in NAME_PARTICLES
        and len(tokenize(text)) >= MIN_WORDS and _FINAL_MARK.search(text) is not None
        and all(_FINAL_MARK.search(before) for before in segment.preceding_targets[-1:])
    )
    if not opens_lower:
        return Signal("lowercase_start", 0.0, 0.0, "the sentence opens as a sentence does")
    word = first[0]
    return Signal("lowercase_start", 1.0, DAMAGE,
                  f"the sentence opens on '{word.text}' in lowercase: its beginning looks lost or split off",
                  (word.start, word.end))


# --- a sentence cut off ---------------------------------------------------------------------------

# Words no English sentence ends on: articles, possessive determiners, coordinating conjunctions.
# Not prepositions ("what he asked for"), nor "her", "his" or "this", which are pronouns too.
DANGLING = frozenset({"the", "a", "an", "and", "or", "nor", "but", "my", "your", "its", "our", "their"})
_LAST_WORD = re.compile(r"([A-Za-z]+)[^\w]*$")
MIN_WORDS = 4


def dangling_end(segment: Segment) -> Signal | None:
    """A sentence or headline that ends on an article, a possessive or a conjunction ("NATO lists
    for the first time the threats in the"): cut off or garbled.

    ``value`` is 1.0 when it does, ``garble`` 0.7. None unless the translation is English.
    """
    text = segment.target
    if not text or base_lang(segment.tgt_lang) != "en":
        return None
    match = _LAST_WORD.search(text)
    if match is None or match.group(1) not in DANGLING or len(tokenize(text)) < MIN_WORDS:
        return Signal("dangling_end", 0.0, 0.0, "the sentence ends on a full word")
    return Signal("dangling_end", 1.0, DAMAGE, f"the sentence ends on '{match.group(1)}': it looks cut off",
                  match.span(1))


SPECS = (
    SignalSpec("lost_accent", lost_accent, "A word that lost a letter with its accent", "check",
               label="letter lost with its accent"),
    SignalSpec("joined_words", joined_words, "Two words run together", "check", label="words run together"),
    SignalSpec("lowercase_start", lowercase_start, "A sentence that opens on a lowercase word", "check",
               label="opens in lowercase"),
    SignalSpec("dangling_end", dangling_end, "A sentence that ends on an article or a conjunction", "check",
               label="ends on an article"),
)
