"""Names translated word for word: what machine translation of Spanish news does to names that
an English page reads without its source.

* A surname that is also a Spanish word comes out as that word in English: "Pedro Duke" for
  Pedro Duque, "Pablo Churches" for Pablo Iglesias. Seen as a Spanish given name followed by a
  capitalised English word that renders a Spanish surname (a list, ``qa/data/spanish_names.json``),
  or, with an engine, whose back-translation puts a listed surname there.
* An outlet, party or institution comes out word for word: "The Country" for the newspaper
  El País, "SER chain" for Cadena SER, "National Audience" for the Audiencia Nacional. Each has an
  established English name; the renderings are listed in ``qa/data/literal_names.json``, with
  the renderings that are ordinary English too ("The Spanish") accepted unless a word such as
  "newspaper" comes right before. Established English forms ("Civil Guard") are not renderings.
* The article "El" read as the pronoun "Él": "He Congress of Peru dismissed…", "He El Ateje
  Award…": a sentence opening on He, She or It followed by a capitalised noun.

Each is a check for a Spanish source and an English translation; none needs a model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from qa.signals.base import Segment, Signal, SignalSpec
from qa.signals.lexicon import SpanishNames, spanish_names
from qa.signals.text import Token, base_lang, fold_accents, is_title_case, tokenize
from qa.signals.vocabulary import word_zipf

# The garble of each kind of hit: an outlet's or a surname's listed rendering is an error; a
# rendering that is an English surname too ("Pedro Duke": there are Dukes) or a surname only the
# engine's back-translation shows, a warning.
LISTED_RENDERING = 1.0
LISTED_SURNAME = 0.9
UNSURE_SURNAME = 0.7
ARTICLE_AS_PRONOUN = 1.0  # "He El …": the Spanish article itself follows
PRONOUN_BEFORE_NOUN = 0.9  # "He Congress …"
# A word used at least this often in English (Zipf) is a common English word, not a name.
COMMON_ENGLISH = 3.0
# Words before a given name that make the run a place or a church, not a person ("Santa María Church").
SAINTS = frozenset({"san", "santa", "santo", "sant", "saint", "st", "são"})
SPANISH_ARTICLES = frozenset({"El", "La", "Los", "Las"})
PRONOUNS = frozenset({"He", "She", "It"})
CUE_WINDOW = 3  # a cue word must stand among the words right before a rendering


def applies(segment: Segment) -> bool:
    """Whether the segment is an English translation of Spanish: the lists are of Spanish names."""
    return base_lang(segment.src_lang) == "es" and base_lang(segment.tgt_lang) == "en"


@dataclass(frozen=True, slots=True)
class LiteralForm:
    """One word-for-word rendering of a listed name: "The Country" for El País."""

    text: str
    name: str  # the established name, "El País"
    what: str  # "the newspaper"
    cues: frozenset[str]  # words one of which must come right before it; empty: none needed
    pattern: re.Pattern[str]
    plain_phrase: bool  # made of common English words: ordinary in a title-case headline


@cache
def literal_forms() -> tuple[LiteralForm, ...]:
    """Every listed rendering of an outlet's, party's or institution's name."""
    data = json.loads(resources.files("qa.data").joinpath("literal_names.json").read_text(encoding="utf-8"))
    forms = []
    for entry in data["names"]:
        cues = frozenset(data["cues"][entry["cue"]]) if "cue" in entry else frozenset()
        for text, needs in [*((t, frozenset()) for t in entry.get("literal", ())),
                            *((t, cues) for t in entry.get("literal_after_cue", ()))]:
            pattern = re.compile(rf"(?<![\w'’-]){re.escape(text)}(?![\w-])")
            forms.append(LiteralForm(text, entry["name"], entry["what"], needs, pattern, _plain_phrase(text)))
    return tuple(forms)


def _plain_phrase(text: str) -> bool:
    """Whether every word of ``text`` but "The" and "of" is a common English word in lowercase
    letters once lowered (no acronym, no figure)."""
    words = [w for w in re.split(r"[\s-]+", text) if w not in ("The", "the", "of")]
    return all(w.isalpha() and not w.isupper() and word_zipf(w, "en") >= COMMON_ENGLISH for w in words)


@dataclass(frozen=True, slots=True)
class Hit:
    """A name rendered word for word: where, how sure (garble) and what to tell the editor."""

    start: int
    end: int
    garble: float
    explanation: str


def literal_institutions(text: str) -> list[Hit]:
    """The listed word-for-word renderings of outlets, parties and institutions in ``text``.

    A rendering does not count when it is part of a longer name (a capitalised word joined to it
    on either side: "The World Bank", "Yes We Can"), when it is made of ordinary English words
    inside a title-case headline (where no other rendering is read as part of a longer name), or
    when it needs a cue ("newspaper") that is not right before it.
    """
    hits = []
    title_case = is_title_case(tokenize(text), "en")
    for form in literal_forms():
        for match in form.pattern.finditer(text):
            start, end = match.span()
            # In a title-case headline every word is capitalised: only a rendering that is no
            # ordinary English phrase tells, wherever it stands.
            if form.plain_phrase if title_case else _joined_to_capitalised(text, start, end):
                continue
            if form.cues and not form.cues & set(_words_before(text, start, CUE_WINDOW)):
                continue
            hits.append(Hit(start, end, LISTED_RENDERING,
                            f"'{form.text}' is {form.what} {form.name} translated word for word; "
                            f"English news calls it {form.name}"))
    return hits


_CAPITALISED_AFTER = re.compile(r"\s+[A-ZÁÉÍÓÚÑ]")
_CAPITALISED_BEFORE = re.compile(r"[A-ZÁÉÍÓÚÑ][\w'’]*\s+$")


def _joined_to_capitalised(text: str, start: int, end: int) -> bool:
    """Whether a capitalised word follows or precedes ``text[start:end]`` across spaces only."""
    return bool(_CAPITALISED_AFTER.match(text, end)) or bool(_CAPITALISED_BEFORE.search(text[max(0, start - 40) : start]))


def _words_before(text: str, start: int, count: int) -> list[str]:
    """The last ``count`` words before ``start``, lowercase."""
    return [token.key for token in tokenize(text[max(0, start - 80) : start])[-count:]]


def literal_surnames(text: str, back_translation: str | None = None) -> list[Hit]:
    """Spanish given names followed by a surname rendered as an English word ("Pedro Duke").

    The word after the given name (and a second given name or an initial, "José Luis",
    "Pío E.") is a listed rendering of a Spanish surname, or a common English word that the
    back-translation, given the same given name, renders as a listed surname.
    """
    names = spanish_names()
    tokens = tokenize(text)
    hits = []
    engine_words = _back_translated_surnames(tokens, text, back_translation, names)
    for index, token in enumerate(tokens):
        if token.text not in names.given or _after_saint(tokens, index) or _after_given_name(text, tokens, index, names):
            continue
        following = _surname_position(text, tokens, index, names)
        if following is None:
            continue
        word = tokens[following]
        rendered, end = _listed_rendering(text, tokens, following, names)
        if rendered and not _common_word_after(text, end):
            rendering, surnames = text[word.start : end], " or ".join(rendered)
            if rendering in names.english_surnames:
                hits.append(Hit(token.start, end, UNSURE_SURNAME,
                                f"'{text[token.start:end]}' may be the surname {surnames} translated word for word "
                                f"(unless {rendering} is the person's own surname)"))
            else:
                hits.append(Hit(token.start, end, LISTED_SURNAME,
                                f"'{text[token.start:end]}' looks like the surname {surnames} translated word for word"))
        elif following in engine_words:
            surname = engine_words[following]
            hits.append(Hit(token.start, word.end, UNSURE_SURNAME,
                            f"'{text[token.start:word.end]}': '{word.text}' reads as the Spanish surname {surname} "
                            "translated word for word"))
    return hits


@lru_cache(maxsize=4096)  # every later sentence of the page reads the earlier ones again
def _capitalised_words(text: str) -> frozenset[str]:
    """The capitalised words of ``text``, accents folded."""
    return frozenset(fold_accents(token.text) for token in tokenize(text) if token.is_capitalised)


def _singulars(word: str) -> tuple[str, ...]:
    """``word`` and the singulars it may be the plural of ("Notaries" -> "Notary")."""
    forms = [word]
    if word.endswith("ies"):
        forms.append(word[:-3] + "y")
    if word.endswith("es"):
        forms.append(word[:-2])
    if word.endswith("s"):
        forms.append(word[:-1])
    return tuple(forms)


def named_surname_renderings(text: str, earlier: Sequence[str]) -> list[Hit]:
    """Capitalised words that render a listed surname the page itself names ("The Notaries have
    had to go into debt" on a page about the Escribano brothers): the family or person called by
    their surname elsewhere is called by its English meaning here.

    Renderings that are English surnames too ("Church", "White") do not count, nor a rendering
    that opens a longer name ("White House"), a sentence's first word, or a word after another
    capitalised one (:func:`literal_surnames` judges those).
    """
    names = spanish_names()
    named = frozenset().union(*(_capitalised_words(page_text) for page_text in (*earlier, text)))
    tokens = tokenize(text)
    hits = []
    for index, token in enumerate(tokens):
        if not token.is_capitalised or not token.text.isalpha() or token.text.isupper():
            continue
        if index == 0 or (tokens[index - 1].is_capitalised and tokens[index - 1].text != "The"):
            continue  # a sentence's first word is capitalised anyway; after a name, literal_surnames judges
        surnames = [
            surname for form in _singulars(token.text) if form not in names.english_surnames
            for surname in names.renderings.get(form, ()) if fold_accents(surname) in named
        ]
        if surnames and not _common_word_after(text, token.end):
            hits.append(Hit(token.start, token.end, UNSURE_SURNAME,
                            f"'{token.text}' looks like the surname {surnames[0]}, which the page names, "
                            "translated word for word"))
    return hits


def _listed_rendering(
    text: str, tokens: Sequence[Token], position: int, names: SpanishNames
) -> tuple[tuple[str, ...], int]:
    """The surnames whose listed rendering starts at token ``position`` (two words first: "Apple
    Tree"), and where that rendering ends; no surnames when none does."""
    word = tokens[position]
    if position + 1 < len(tokens) and text[word.end : tokens[position + 1].start] == " ":
        pair = f"{word.text} {tokens[position + 1].text}"
        if pair in names.renderings:
            return names.renderings[pair], tokens[position + 1].end
    return names.renderings.get(word.text, ()), word.end


def _after_given_name(text: str, tokens: Sequence[Token], index: int, names: SpanishNames) -> bool:
    """Whether the token at ``index`` is the second given name of a pair ("José Luis")."""
    return index > 0 and tokens[index - 1].text in names.given and _spaced(text, tokens[index - 1], tokens[index])


_NEXT_WORD = re.compile(r" ([A-Z][a-z]+)\b")


def _common_word_after(text: str, end: int) -> bool:
    """Whether a capitalised common English word follows: the rendering is then part of a longer
    name ("María Church Street"), where a second surname ("Juan Brown Bonilla") is not."""
    match = _NEXT_WORD.match(text, end)
    return match is not None and word_zipf(match.group(1), "en") >= COMMON_ENGLISH


def _after_saint(tokens: Sequence[Token], index: int) -> bool:
    return index > 0 and tokens[index - 1].key.rstrip(".") in SAINTS


def _surname_position(text: str, tokens: Sequence[Token], index: int, names: SpanishNames) -> int | None:
    """The token after a given name (past one more given name or an initial) when it is a
    capitalised word joined by a single space, else None."""
    position = index + 1
    if position < len(tokens) and _spaced(text, tokens[position - 1], tokens[position]) and (
        tokens[position].text in names.given or _initial(text, tokens[position])
    ):
        position += 1
    if position >= len(tokens) or not _spaced(text, tokens[position - 1], tokens[position]):
        return None
    word = tokens[position]
    return position if word.is_capitalised and word.text.isalpha() and not word.text.isupper() else None


def _spaced(text: str, left: Token, right: Token) -> bool:
    between = text[left.end : right.start]
    return between == " " or (between == ". " and len(left.text) == 1)


def _initial(text: str, token: Token) -> bool:
    return len(token.text) == 1 and token.text.isupper() and text[token.end : token.end + 1] == "."


def _back_translated_surnames(
    tokens: Sequence[Token], text: str, back_translation: str | None, names: SpanishNames
) -> dict[int, str]:
    """Token positions of common English words after a given name that the back-translation,
    after the same occurrence of that given name, renders as a listed Spanish surname."""
    if not back_translation:
        return {}
    back = tokenize(back_translation)
    found = {}
    for given in {t.text for t in tokens if t.text in names.given}:
        ours = [i for i, t in enumerate(tokens) if t.text == given and not _after_saint(tokens, i)]
        theirs = [i for i, t in enumerate(back) if t.text == given]
        if len(ours) != len(theirs):
            continue  # occurrences cannot be paired
        for i, j in zip(ours, theirs, strict=True):
            position = _surname_position(text, tokens, i, names)
            if position is None or j + 1 >= len(back):
                continue
            word, rendered = tokens[position], back[j + 1]
            if (
                rendered.is_capitalised
                and fold_accents(rendered.text) in names.surnames
                and fold_accents(rendered.text) != fold_accents(word.text)
                and fold_accents(word.text) not in names.surnames
                and word_zipf(word.text, "en") >= COMMON_ENGLISH
            ):
                found[position] = rendered.text
    return found


def literal_name(segment: Segment) -> Signal | None:
    """A name translated word for word: a listed rendering of an outlet, party or institution
    ("The Country" for El País), or a Spanish given name followed by a surname rendered as an
    English word ("Pedro Duke").

    ``value`` is the number of such names; ``garble`` is 1.0 for a listed outlet or institution,
    0.9 for a listed surname rendering, 0.7 for one that is an English surname too ("Duke") or
    for a surname only the back-translation shows. The span is the strongest hit. None unless
    the pair is Spanish to English.
    """
    text = segment.target
    if not text or not applies(segment):
        return None
    hits = literal_institutions(text) + literal_surnames(text, segment.back_translation)
    judged = {hit.start for hit in hits} | {hit.end for hit in hits}
    hits += [hit for hit in named_surname_renderings(text, segment.preceding_targets) if hit.end not in judged]
    if not hits:
        return Signal("literal_name", 0.0, 0.0, "no name translated word for word")
    best = max(hits, key=lambda hit: (hit.garble, -hit.start))
    return Signal("literal_name", float(len(hits)), best.garble, best.explanation, (best.start, best.end))


_FIRST_WORD = re.compile(r"\W*\w")


def article_pronoun(segment: Segment) -> Signal | None:
    """The Spanish article El or La rendered as the pronoun He or She (read as "Él", "Ella"):
    a sentence that opens on He, She or It followed by a Spanish article ("He El Ateje Award") or
    by a capitalised common English word ("He Congress of Peru dismissed…"), in a sentence that
    is not a title-case headline.

    ``value`` is 1.0 when found; ``garble`` 1.0 before a Spanish article, 0.9 before a noun.
    None unless the pair is Spanish to English.
    """
    text = segment.target
    if not text or not applies(segment):
        return None
    tokens = tokenize(text)
    found = _pronoun_before_name(text, tokens)
    if found is None:
        return Signal("article_pronoun", 0.0, 0.0, "no Spanish article read as a pronoun")
    pronoun, noun, garble = found
    return Signal(
        "article_pronoun", 1.0, garble,
        f"'{pronoun.text} {noun.text}' opens the sentence: the Spanish article (El, La) seems translated as the "
        f"pronoun '{pronoun.text}'",
        (pronoun.start, noun.end),
    )


def _pronoun_before_name(text: str, tokens: Sequence[Token]) -> tuple[Token, Token, float] | None:
    first = _FIRST_WORD.match(text)
    if len(tokens) < 3 or tokens[0].text not in PRONOUNS or first is None or tokens[0].start != first.end() - 1:
        return None
    pronoun, noun = tokens[0], tokens[1]
    if text[pronoun.end : noun.start] != " " or not noun.is_capitalised:
        return None
    if noun.text in SPANISH_ARTICLES:
        return pronoun, noun, ARTICLE_AS_PRONOUN
    if noun.text == "I" or noun.text.isupper() or is_title_case(tokens, "en"):
        return None
    if word_zipf(noun.text, "en") >= COMMON_ENGLISH:
        return pronoun, noun, PRONOUN_BEFORE_NOUN
    return None


SPECS = (
    SignalSpec("literal_name", literal_name, "A name translated word for word (a surname, an outlet, a party)",
               "check", label="name translated word for word", needs=frozenset({"back_translation"})),
    SignalSpec("article_pronoun", article_pronoun, "A Spanish article translated as the pronoun He or She",
               "check", label="article read as a pronoun"),
)
