"""Negation that does not survive translation: a negated clause of the source whose translation
says the opposite ("no presentó enmiendas" / "presented several amendments"), or the reverse.

Negation is judged within one language at a time, through the engine: the engine's translation of
the source against the translation, and the source against the engine's back-translation. Each
negation word ("not", "no", "never", "sin", "without"...) is tied to the first content word it
negates ("present" in "did not present"); the negation is dropped when the other text uses that
word without any negation near it, and has fewer negations overall. A translation that rephrases
("sin contacto" / "contactless", "no ... más que" / "only", "nunca ... vergüenza" / "shameless")
keeps a negation near the word, or does not use the word at all, and raises nothing.

Both directions must agree: on clean human translations, one direction alone mistakes a
rephrasing for a dropped negation about three times as often. Without an engine the check does
not run: across two languages the words cannot be tied to each other reliably enough, and clean
translations reword negation in one sentence out of twenty.

A clause negated twice in English ("I will not accept that not a single drop...") is Spanish
negative concord carried over word for word, and needs no source (:func:`double_negative`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa.signals.base import Segment, Signal, SignalSpec
from qa.signals.lexicon import Lexicon, lexicon
from qa.signals.text import Token, base_lang, fold_accents, is_content_word, tokenize

SCOPE = 4  # words after a negation in which the word it negates stands
LIMITER_SCOPE = 12  # words after a negation in which "más que", "until"... make it a limit, not a negation
NEAR_BEFORE = 5  # words before a word in which a negation negates it
NEAR_AFTER = 2  # ...and after ("was short-lived", "remains unclear")
STEM = 5  # letters that make two forms the same word ("present" ~ "presented")
WEIGHT = 0.75  # a warning: an editor must read the sentence, but rephrasing is never excluded


@dataclass(frozen=True, slots=True)
class Negation:
    """A negation word of a text and the stem of the word it negates."""

    token: Token
    head: str  # the stem of the first content word after it ("" without one)


def stem(word: str) -> str:
    """The first STEM letters of a folded word."""
    return fold_accents(word)[:STEM]


def _is_negation(tokens: Sequence[Token], index: int, words: Lexicon) -> bool:
    """Whether the token at ``index`` negates what follows: a negation word that is not part of
    a fixed phrase ("sin embargo", "not only", "si no") and does not open a limit ("no ... más
    que", "not until")."""
    token = tokens[index]
    key = token.key.replace("’", "'")
    if not words.is_negation(key) or key in words.negation_coordinators or (token.text.isupper() and len(key) > 1):
        return False  # "ni" and "nor" join what another word negates; "AP/SIN/CLN" is a code
    following = [t.key for t in tokens[index + 1 : index + 1 + LIMITER_SCOPE]]
    if following and (following[0] in words.not_negation_after or words.is_negation(following[0])):
        return False  # "not only", "sin embargo", "not without"
    if index > 0 and (
        tokens[index - 1].key in words.not_negation_before.get(key, frozenset()) or words.is_negation(tokens[index - 1].key)
    ):
        return False
    rest = " " + " ".join(following) + " "
    return not any(f" {limiter} " in rest for limiter in words.negation_limiters)


def negations(text: str, lang: str) -> list[Negation]:
    """The negations of ``text``, each with the first content word after it (within SCOPE
    words, before another negation)."""
    words = lexicon(lang)
    if words is None:
        return []
    tokens = tokenize(text)
    found = []
    for index in range(len(tokens)):
        if not _is_negation(tokens, index, words):
            continue
        head = ""
        for token in tokens[index + 1 : index + 1 + SCOPE]:
            if words.is_negation(token.key) or token.is_capitalised:
                break  # a name is not what a negation denies ("sin que Rusia los conozca")
            if is_content_word(token, lang):
                head = stem(token.key)
                break
        found.append(Negation(tokens[index], head))
    return found


def _negated_form(word: str, head: str, words: Lexicon) -> bool:
    """Whether ``word`` is ``head`` with a negative prefix or suffix ("unclear", "contactless")."""
    folded = fold_accents(word)
    if len(head) < 4 or len(folded) <= len(head):
        return False
    if any(folded.endswith(suffix) and folded[: len(head)] == head for suffix in words.negative_suffixes):
        return True
    return any(folded.startswith(prefix) and folded[len(prefix) :][: len(head)] == head for prefix in words.negative_prefixes)


def _used_plainly(text: str, lang: str, head: str) -> bool:
    """Whether ``text`` uses the word ``head`` stands for with no negation near it, and never
    with one."""
    words = lexicon(lang)
    assert words is not None
    tokens = tokenize(text)
    plain = negated = False
    for index, token in enumerate(tokens):
        if _negated_form(token.key, head, words):  # "contactless", "shameless", "unclear"
            negated = True
            continue
        if stem(token.key) != head or not is_content_word(token, lang):
            continue
        near = tokens[max(0, index - NEAR_BEFORE) : index] + tokens[index + 1 : index + 1 + NEAR_AFTER]
        if any(words.is_negation(t.key) or t.key in words.negative_words for t in near):
            negated = True
        else:
            plain = True
    return plain and not negated


def dropped(text: str, other: str, lang: str) -> Negation | None:
    """A negation of ``text`` whose word ``other`` (the same language) uses plainly, when
    ``other`` has fewer negations."""
    own = negations(text, lang)
    if len(own) <= len(negations(other, lang)):
        return None
    return next((n for n in own if n.head and _used_plainly(other, lang, n.head)), None)


def negation(segment: Segment) -> Signal | None:
    """A negation of the source the translation drops, or one it adds, seen in both languages:
    the engine's translation of the source against the translation, and the source against the
    back-translation.

    ``value`` is 1 for a dropped negation, -1 for an added one, 0 for neither; ``garble`` is 0.75
    when both comparisons agree. The span is the negation the translation adds, or the word
    whose negation it dropped. None without a source, without the engine's translations, or for
    a language qa has no negation words for.
    """
    if not segment.source or not segment.target:
        return None
    if segment.forward_translation is None or segment.back_translation is None:
        return None
    if lexicon(segment.src_lang) is None or lexicon(segment.tgt_lang) is None:
        return None
    source, target = segment.source, segment.target
    forward, back = segment.forward_translation, segment.back_translation
    lost = dropped(forward, target, segment.tgt_lang)
    if lost and dropped(source, back, segment.src_lang):
        word = _word_in(target, segment.tgt_lang, lost.head)
        negated = _word_in(forward, segment.tgt_lang, lost.head)
        said = f"{lost.token.text} {negated.text}" if negated else lost.token.text
        return Signal(
            "negation", 1.0, WEIGHT,
            f"the source is negated (the engine says '{said}') but the translation says "
            f"'{word.text if word else said}' without a negation",
            (word.start, word.end) if word else None,
        )
    added = dropped(target, forward, segment.tgt_lang)
    if added and dropped(back, source, segment.src_lang):
        return Signal(
            "negation", -1.0, WEIGHT,
            f"the translation adds '{added.token.text}', which the source does not say",
            (added.token.start, added.token.end),
        )
    return Signal("negation", 0.0, 0.0, "negation as in the source")


def _word_in(text: str, lang: str, head: str) -> Token | None:
    return next((t for t in tokenize(text) if stem(t.key) == head and is_content_word(t, lang)), None)


# --- Spanish negative concord carried into English ------------------------------------------------

# Spanish negates twice in one clause ("no aceptaré que ni una gota...", "no dijo nada"); English
# negates once, so a translation that keeps both says the opposite ("I will not accept that not a
# single drop is spilled"). A second negation after "not", "n't" or "never" in the same clause:
_CONCORD = re.compile(
    r"(?:\b(?:not|never)\b|n[’']t\b)"
    r"(?P<between>(?:[^\W\d_]|[\s’'-])*?)"  # words only: a comma, colon or dash ends the clause
    r"\b(?P<second>nothing|nobody|no one|none|nowhere|not a single|not one|never|no(?! (?:matter|longer|less|more|doubt)\b))\b",
    re.IGNORECASE,
)
CONCORD_WORDS = 8  # words between the two negations within which they share a clause
# Fixed phrases whose negation is not a second one: "not for nothing", "not without".
CONCORD_IDIOMS = ("for nothing", "no-one")
CONCORD_WEIGHT = 0.7
# Words that open a clause of its own, where English may negate again ("would not rule out that
# no agreement is reached", "does not matter since nobody came", "are not elected and have no").
CLAUSE_OPENERS = frozenset({
    "that", "whether", "if", "since", "because", "as", "when", "while", "although", "though", "so",
    "where", "who", "which", "and", "or", "but", "is", "are", "was", "were",
})
PLAIN_NO_WORDS = 2  # "no" right after the negated verb is concord ("did not have no"); further on, a clause of its own


def _negates_a_clause_of_its_own(match: re.Match[str]) -> bool:
    """Whether the second negation stands in a clause of its own (after "that", "since", "and"...:
    CLAUSE_OPENERS), where English negates again; only "not a single" and "not one" there are
    still Spanish ("ni una"). A plain "no" counts only right after the first negation's verb."""
    words = [word.lower() for word in match.group("between").split()]
    second = match.group("second").lower()
    if second in ("not a single", "not one"):
        return False
    return bool(set(words) & CLAUSE_OPENERS) or (second == "no" and len(words) > PLAIN_NO_WORDS)


def double_negative(segment: Segment) -> Signal | None:
    """Two negations in one English clause ("I will not accept that not a single drop of blood is
    spilled", "he did not say nothing"): Spanish negative concord translated word for word, which
    reverses the meaning. Needs no source.

    ``value`` is the number of such clauses, ``garble`` 0.7 when there is one; the span runs from
    the first negation to the second. None unless the translation is English.
    """
    text = segment.target
    if not text or base_lang(segment.tgt_lang) != "en":
        return None
    found = [
        match for match in _CONCORD.finditer(text)
        if len(match.group("between").split()) <= CONCORD_WORDS
        and not any(idiom in match.group().lower() for idiom in CONCORD_IDIOMS)
        and not _negates_a_clause_of_its_own(match)
    ]
    if not found:
        return Signal("double_negative", 0.0, 0.0, "no clause negated twice")
    first = found[0]
    return Signal("double_negative", float(len(found)), CONCORD_WEIGHT,
                  f"'{first.group()}' negates the clause twice: in English that reverses the meaning",
                  first.span())


SPECS = (
    SignalSpec("negation", negation, "A negation of the source dropped in the translation, or one added", "check",
               label="negation", needs=frozenset({"back_translation", "forward_translation"})),
    SignalSpec("double_negative", double_negative, "A clause negated twice, as Spanish does", "check",
               label="negated twice"),
)
