"""The text toolkit the signals share: a tokenizer with character offsets, per-language function
words, accent folding, sentence openings, headline case, and how several pieces of evidence
combine into one garble.

Pure functions over strings and :class:`Token`; nothing here judges a translation.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

# Function words (articles, prepositions, pronouns, auxiliaries, conjunctions, common adverbs and
# titles): repeating them means nothing, and spotting them tells one language from another.
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        ["a", "about", "above", "across", "after", "against", "all", "almost", "along", "already", "also", "although", "always", "am", "among", "an", "and", "another", "any", "anyone", "anything", "are", "around", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "cannot", "could", "did", "do", "does", "doing", "done", "down", "during", "each", "either", "else", "enough", "even", "ever", "every", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "however", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "least", "less", "many", "may", "me", "might", "more", "most", "much", "must", "my", "myself", "neither", "never", "no", "nor", "not", "now", "of", "off", "often", "on", "once", "only", "or", "other", "others", "ought", "our", "ours", "ourselves", "out", "over", "own", "per", "perhaps", "quite", "rather", "same", "several", "shall", "she", "should", "since", "so", "some", "someone", "something", "still", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "though", "through", "thus", "to", "too", "toward", "towards", "under", "until", "up", "upon", "us", "very", "via", "was", "we", "were", "what", "whatever", "when", "whenever", "where", "whereas", "whether", "which", "while", "who", "whom", "whose", "why", "will", "with", "within", "without", "would", "yet", "you", "your", "yours", "yourself", "mr", "mrs", "ms", "dr", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "don't", "doesn't", "didn't", "can't", "couldn't", "won't", "wouldn't", "isn't", "aren't", "wasn't", "weren't", "haven't", "hasn't", "hadn't", "shouldn't", "mustn't", "i'm", "i've", "i'll", "i'd", "you're", "you've", "it's", "that's", "there's", "we're", "we've", "they're", "they've", "he's", "she's", "let's"]
    ),
    "es": frozenset(
        ["a", "al", "algo", "algún", "alguna", "algunas", "alguno", "algunos", "ante", "antes", "aquel", "aquella", "aquellas", "aquellos", "aquí", "así", "aún", "aunque", "bajo", "bien", "cada", "casi", "como", "cómo", "con", "contra", "cual", "cuál", "cuales", "cuando", "cuándo", "cuanto", "cuánto", "de", "del", "desde", "después", "donde", "dónde", "durante", "e", "el", "él", "ella", "ellas", "ello", "ellos", "en", "entre", "era", "eran", "es", "esa", "esas", "ese", "eso", "esos", "esta", "está", "están", "estas", "este", "esto", "estos", "estaba", "estaban", "estar", "fue", "fueron", "ha", "había", "habían", "han", "has", "hasta", "hay", "he", "incluso", "la", "las", "le", "les", "lo", "los", "más", "me", "menos", "mi", "mientras", "mis", "misma", "mismas", "mismo", "mismos", "mucho", "muchos", "muy", "nada", "ni", "no", "nos", "nosotros", "nuestra", "nuestras", "nuestro", "nuestros", "o", "otra", "otras", "otro", "otros", "para", "pero", "poco", "por", "porque", "pues", "que", "qué", "quien", "quién", "quienes", "se", "sea", "según", "ser", "si", "sí", "sido", "siempre", "sin", "sino", "sobre", "son", "su", "sus", "también", "tan", "tanto", "te", "tiene", "tienen", "toda", "todas", "todo", "todos", "tras", "tu", "tus", "u", "un", "una", "unas", "uno", "unos", "usted", "ustedes", "ya", "y", "yo", "sr", "sra", "dr", "dra", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez"]
    ),
}

# Without a list for a language, words this short are taken for function words.
GENERIC_CONTENT_MIN_LETTERS = 4

_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_POSSESSIVE = re.compile(r"['’]s$")


@dataclass(frozen=True, slots=True)
class Token:
    """A word of a text with its half-open character offsets."""

    text: str
    start: int
    end: int

    @property
    def key(self) -> str:
        """The word for comparison: lowercase, without a possessive ’s."""
        return _POSSESSIVE.sub("", self.text.lower())

    @property
    def is_capitalised(self) -> bool:
        """Whether the word starts with a capital letter."""
        return self.text[0].isupper()

    @property
    def has_letters(self) -> bool:
        """Whether the word has any letter (it is not a bare number)."""
        return any(char.isalpha() for char in self.text)


# What may stand between a sentence's start and its first word.
_BEFORE_A_SENTENCE = frozenset(" \t\n\"“‘'«¿¡([—–-*_")


def opens_sentence(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens a sentence: only spaces and opening marks lie
    between it and a full stop, a question or exclamation mark, a colon or the text's start."""
    # Walks back over the marks instead of slicing the text before the word, which would copy
    # the whole text for each capitalised word.
    while start > 0 and text[start - 1] in _BEFORE_A_SENTENCE:
        start -= 1
    return start == 0 or text[start - 1] in ".!?:"


@lru_cache(maxsize=4096)  # every signal tokenizes the same sentence
def tokenize(text: str) -> tuple[Token, ...]:
    """The words of ``text`` (hyphenated and apostrophe compounds kept whole), with offsets."""
    return tuple(Token(m.group(), m.start(), m.end()) for m in _WORD.finditer(text))


def base_lang(lang: str) -> str:
    """The language part of a code ("es-ES" -> "es"), lowercase."""
    return lang.split("-")[0].split("_")[0].strip().lower()


def function_words(lang: str) -> frozenset[str] | None:
    """The function words of ``lang``, or None when the language has no list."""
    return FUNCTION_WORDS.get(base_lang(lang))


def is_function_word(word: str, lang: str) -> bool:
    """Whether ``word`` (any case) is a function word of ``lang``; for a language without a list,
    whether it is shorter than :data:`GENERIC_CONTENT_MIN_LETTERS` letters."""
    words = function_words(lang)
    if words is None:
        return sum(char.isalpha() for char in word) < GENERIC_CONTENT_MIN_LETTERS
    return word.lower().replace("’", "'") in words


def is_content_word(token: Token, lang: str) -> bool:
    """Whether ``token`` carries meaning: it has letters and is not a function word."""
    return token.has_letters and not is_function_word(token.key, lang)


@lru_cache(maxsize=65536)
def fold_accents(text: str) -> str:
    """``text`` lowercased without diacritics ("Peñarrubia" -> "penarrubia")."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def only_spaces_between(text: str, left: Token, right: Token) -> bool:
    """Whether nothing but whitespace separates two tokens (no punctuation)."""
    return text[left.end : right.start].isspace()


# --- headline case --------------------------------------------------------------------------------

TITLE_CASE_SHARE = 0.7


def is_title_case(tokens: Sequence[Token], lang: str) -> bool:
    """Whether most words of a sentence are capitalised, as in an English headline."""
    words = [t for t in tokens if t.has_letters]
    if len(words) < 4:
        return False
    return sum(t.is_capitalised for t in words) / len(words) >= TITLE_CASE_SHARE


# --- combining evidence ---------------------------------------------------------------------------

MODERATE = 0.3


def combine(weights: Sequence[float]) -> float:
    """Several pieces of evidence as one garble: the strongest, plus 0.1 for each other piece
    of at least moderate strength."""
    if not weights:
        return 0.0
    strongest, *others = sorted(weights, reverse=True)
    return min(1.0, strongest + 0.1 * sum(1 for w in others if w >= MODERATE))
