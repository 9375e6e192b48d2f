"""A man's pronoun for a woman: Spanish leaves the subject out ("Calificó el evento de..."), and
machine translation supplies "he" whatever the person's sex. An English page then says "He
described the event" where every sentence before speaks of a woman, and the reader looks for a
man who was never named.

Seen without the source: a sentence of an English translation of Spanish whose "he", "him" or
"his" has, as its nearest gendered mention before it (in the sentence, then up to
:data:`LOOK_BACK` sentences back), a woman: "she", "her", a woman's Spanish given name or a
woman's title ("Mrs", "spokeswoman"). Any mention of a man in between ("he", a man's given name,
"Mr"), or a full name of unknown sex ("Ekrem Kharief"), ends the search without a flag. None
needs a model.
"""

from __future__ import annotations

from collections.abc import Sequence

from qa.signals.base import Segment, Signal, SignalSpec
from qa.signals.lexicon import spanish_names
from qa.signals.text import Token, base_lang, tokenize
from qa.signals.vocabulary import word_zipf

LOOK_BACK = 2  # sentences before this one in which the person "he" stands for is looked for
WEIGHT = 0.7  # a warning: "he" may stand for a man the page named further back
# A capitalised word used at least this often in English (Zipf) is no person's name to reckon with
# ("European", "Secretary"); common first names ("John") are, by the lists below.
COMMON_ENGLISH = 4.0

MALE_PRONOUNS = frozenset({"he", "him", "his", "himself"})
FEMALE_PRONOUNS = frozenset({"she", "her", "hers", "herself"})
FEMALE_WORDS = frozenset({
    "mrs", "ms", "madam", "queen", "princess", "duchess", "countess", "actress", "mother", "daughter",
    "wife", "sister", "grandmother", "widow", "woman", "businesswoman", "spokeswoman", "chairwoman",
    "congresswoman", "councilwoman", "sportswoman", "doña", "señora",
})
MALE_WORDS = frozenset({
    "mr", "sir", "king", "prince", "duke", "count", "actor", "father", "son", "husband", "brother",
    "grandfather", "widower", "man", "businessman", "spokesman", "chairman", "congressman",
    "councilman", "sportsman", "don", "señor",
})
# Common English given names, of either sex: a man's or a woman's, the person may be the one "he"
# stands for, so any of them ends the search.
ENGLISH_GIVEN_NAMES = frozenset({
    "John", "James", "David", "Michael", "Robert", "William", "Richard", "Thomas", "Mark", "Paul",
    "Peter", "George", "Charles", "Joseph", "Daniel", "Steven", "Stephen", "Andrew", "Christopher",
    "Matthew", "Anthony", "Donald", "Joe", "Barack", "Bill", "Tony", "Boris", "Emmanuel", "Vladimir",
    "Mary", "Elizabeth", "Sarah", "Anne", "Jane", "Susan", "Karen", "Laura", "Emma", "Kate",
    "Angela", "Hillary", "Theresa", "Kamala", "Ursula", "Christine", "Nancy", "Margaret", "Helen",
})


def _sex(tokens: Sequence[Token], index: int) -> str | None:
    """'f' or 'm' when the token at ``index`` mentions a woman or a man, '?' when it may name a
    person of unknown sex (a capitalised word inside the sentence that is no common English word,
    "Kharief", unless a woman's given name or title comes right before it), else None."""
    names = spanish_names()
    token = tokens[index]
    key = token.key.rstrip(".")
    if key in FEMALE_PRONOUNS or key in FEMALE_WORDS or token.text in names.female:
        return "f"
    if key in MALE_PRONOUNS or key in MALE_WORDS or token.text in names.given or token.text in ENGLISH_GIVEN_NAMES:
        return "m"
    after_a_woman = index > 0 and _sex(tokens, index - 1) == "f"
    if token.is_capitalised and word_zipf(token.text, "en") < COMMON_ENGLISH and not after_a_woman:
        return "?"
    return None


def _only_women(texts: Sequence[str]) -> bool:
    """Whether ``texts`` mention a woman and no man nor anyone whose sex is unknown."""
    mentions = {_sex(tokens, index) for text in texts for tokens in [tokenize(text)] for index in range(len(tokens))}
    return mentions - {None} == {"f"}


def pronoun_gender(segment: Segment) -> Signal | None:
    """A "he", "him" or "his" whose nearest gendered mention before it is a woman (see the
    module's docstring).

    ``value`` is the number of such pronouns, ``garble`` 0.7 when there is one; the span is the
    first. None unless the pair is Spanish to English; 0 for a heading.
    """
    text = segment.target
    if not text or base_lang(segment.src_lang) != "es" or base_lang(segment.tgt_lang) != "en":
        return None
    if segment.heading:
        return Signal("pronoun_gender", 0.0, 0.0, "a heading")
    tokens = tokenize(text)
    opening = tokens[0] if tokens else None
    if opening is None or opening.text != "He" or not _only_women(segment.preceding_targets[-LOOK_BACK:]):
        return Signal("pronoun_gender", 0.0, 0.0, "every pronoun agrees with the person before it")
    first = opening
    return Signal("pronoun_gender", 1.0, WEIGHT,
                  f"'{first.text}' follows mentions of a woman only: the translation may have given her "
                  "a man's pronoun (Spanish leaves the subject out)", (first.start, first.end))


SPECS = (
    SignalSpec("pronoun_gender", pronoun_gender, "A man's pronoun where the person before it is a woman", "check",
               label="pronoun for a woman"),
)
