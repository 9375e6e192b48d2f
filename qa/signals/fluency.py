"""Fluency of the text: how much a sentence reads like the language it is written in, by two
models. Neither is evidence of a garble on its own (clean news has unusual sentences too); they are
features the fitted model weighs with the others (qa.flag.FEATURE_SIGNS).

- **English word trigrams**: the general US English trigram model pocketsphinx ships
  (``en-us.lm.bin``, 72,547 words). A sentence's score is its mean SLOR with the sign flipped:
  how many bits each word costs in context beyond what the word costs alone, so rare words and
  names do not count against it; a lower-case word the model does not know costs
  :data:`OOV_PENALTY` bits. Names (capitalised unknown words) and numbers are skipped.
- **Part-of-speech trigrams** over the tags Apertium's tagger gives each word, English and
  Spanish: closed-class words (articles, prepositions, pronouns, auxiliaries, conjunctions,
  determiners, a few adverbs; :data:`CLOSED_WORDS`) are kept as words, every other word becomes
  its tags ("vblex.past", "n.f.sg"). The trigram counts, fitted on the newstest articles by
  ``scripts/train_fluency.py`` with interpolated Kneser-Ney smoothing, ship in
  ``qa/data/pos-LANG.json.gz``: tag sequences and closed-class words, never text. The words'
  tags come from the engine (``Segment.target_tags``/``source_tags``): without Apertium's
  tagger these signals are absent.

The target's scores say whether the translation reads badly; the source's, how hard the sentence
was to translate. Headlines and subheadings are worded freely and are not scored.
"""

from __future__ import annotations

import functools
import gzip
import json
import math
import os
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.signals.base import Segment, Signal, SignalSpec
from qa.signals.text import base_lang

# A lower-case word the English model does not know costs this many bits (as a word that
# appears once in a thousand in an unlikely place does).
OOV_PENALTY = 10.0
# Where the part-of-speech models are: qa/data, or the folder this variable names (to measure
# models trained on other years; see scripts/train_fluency.py).
MODEL_DIR_VARIABLE = "QA_FLUENCY_MODELS"
PACKAGED_MODELS = Path(__file__).resolve().parent.parent / "data"
POS_LANGUAGES = ("en", "es")
# The English model's scores on the clean newstest English sentences (2012 and 2013, 5,836
# sentences without headlines): 90th and 99th percentiles. A translation's score is evidence to
# show an editor (its garble) from the first, full at the second.
LM_NORMS = {"fluency": (-0.9, 0.48), "fluency_window": (1.67, 2.59)}

# ------------------------------------------------------------------------------------------------
# English word trigrams (pocketsphinx)

_LOG_ZERO = -536870912  # pocketsphinx's log of 0: what it gives for a word it does not know
_BITS_PER_UNIT = math.log2(1.0001)  # its log probabilities are integers in base 1.0001
_LM_TOKEN = re.compile(
    r"(?P<num>\d+(?:[.,:]\d+)*(?:st|nd|rd|th|s)?)"  # 2,500  8:15  1990s  21st
    r"|(?P<word>[^\W\d_]+(?:['’][^\W\d_]+)*(?:[-‑][^\W\d_]+)*(?:['’]s)?)"  # o'clock, well-known, Morocco's
    r"|(?P<spelt>[%&])",
)
_SPELT = {"%": "percent", "&": "and"}  # the speech model writes them out
# British spellings and their US forms: the model is US English, news pages are often British.
# A rewrite counts only when the model knows its result.
_US_SPELLINGS = (
    (re.compile(r"is(e|es|ed|ing|er|ers|ation|ations|ational)$"), r"iz\1"),  # organise, organisation
    (re.compile(r"ys(e|es|ed|ing)$"), r"yz\1"),  # analyse
    (re.compile(r"our(s|ed|ing|ite|ites|able|ful|hood)?$"), r"or\1"),  # labour, favourite
    (re.compile(r"(?<=[^aeiou])re(s|d)?$"), r"er\1"),  # centre, metres
    (re.compile(r"mme(s)?$"), r"m\1"),  # programme
    (re.compile(r"ll(ed|ing|er|ers)$"), r"l\1"),  # travelled
    (re.compile(r"ogue(s)?$"), r"og\1"),  # catalogue
    (re.compile(r"ence$"), r"ense"),  # defence, licence
)
_KNOWN_WORDS_KEPT = 200_000  # bound on the per-process memo of which words the model knows


@dataclass(frozen=True, slots=True)
class LmToken:
    """A token of a sentence for the English model: its offsets, the word the model scores (None
    when it is not scored) and its kind: ``word`` (scored), ``name`` (a capitalised word the
    model does not know), ``oov`` (a lower-case one) or ``num``."""

    start: int
    end: int
    word: str | None
    kind: str


def _plain_ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def us_spelling(word: str, known: Callable[[str], bool]) -> str | None:
    """The US spelling of a British-spelt word when the model knows it ("organised" ->
    "organized"), else None."""
    for pattern, replacement in _US_SPELLINGS:
        respelt = pattern.sub(replacement, word)
        if respelt != word and known(respelt):
            return respelt
    return None


def lm_tokens(text: str, known: Callable[[str], bool]) -> list[LmToken]:
    """The tokens of ``text`` as the English model reads it: lower case, without accents, "’" as
    "'", % and & written out; a word the model does not know is tried without its "'s", in US
    spelling, then split at its hyphens. Punctuation is dropped."""
    tokens: list[LmToken] = []
    for match in _LM_TOKEN.finditer(text):
        start, end = match.span()
        if match.lastgroup == "num":
            tokens.append(LmToken(start, end, None, "num"))
            continue
        if match.lastgroup == "spelt":
            tokens.append(LmToken(start, end, _SPELT[match.group()], "word"))
            continue
        written = match.group()
        word = _plain_ascii(written.replace("’", "'")).lower()
        parts = [word]
        if not known(word):
            bare = word[:-2] if word.endswith("'s") else word
            respelt = us_spelling(bare, known)
            if known(bare):
                parts = [bare]
            elif respelt:
                parts = [respelt]
            else:
                parts = [part for part in re.split(r"[-‑]", bare) if part] or [bare]
        for part in parts:
            if known(part):
                tokens.append(LmToken(start, end, part, "word"))
            else:  # a capitalised unknown word is a name, at the start of a sentence too
                tokens.append(LmToken(start, end, None, "name" if written[:1].isupper() else "oov"))
    return tokens


@dataclass(frozen=True, slots=True)
class LmScore:
    """The English model's reading of a sentence: for each scored word (then the sentence's
    end) its surprisal in context and alone, in bits, and the token it came from (-1: the end)."""

    tokens: tuple[LmToken, ...]
    surprisal: tuple[float, ...]
    unigram: tuple[float, ...]
    positions: tuple[int, ...]

    @property
    def excess(self) -> list[float]:
        """Each scored word's surprisal beyond its own (negative SLOR per word)."""
        return [s - u for s, u in zip(self.surprisal, self.unigram, strict=True)]

    @property
    def unknown(self) -> int:
        """How many lower-case words the model does not know."""
        return sum(token.kind == "oov" for token in self.tokens)

    def mean_excess(self) -> float | None:
        """Mean surprisal beyond each word's own, an unknown lower-case word counting as one more
        word of OOV_PENALTY bits (SLOR with its sign flipped); None when nothing was scored."""
        count = len(self.surprisal) + self.unknown
        if not any(position >= 0 for position in self.positions) and not self.unknown:
            return None  # no word scored (only names, numbers or punctuation)
        return (sum(self.excess) + OOV_PENALTY * self.unknown) / count

    def worst_window(self) -> tuple[float, tuple[int, int]] | None:
        """The mean excess of the worst 3 consecutive scored words (fewer in a shorter
        sentence) and its character span; None when no word was scored."""
        if not any(position >= 0 for position in self.positions):
            return None
        return _worst_window(self.excess, self.positions, self.tokens)


def _worst_window(values: Sequence[float], positions: Sequence[int], tokens: Sequence[Any],
                  width: int = 3) -> tuple[float, tuple[int, int]] | None:
    """The highest mean of ``width`` consecutive values and the span of the tokens they score
    (position -1, the sentence's end, points at the last token)."""
    if not values:
        return None
    width = min(width, len(values))
    best = max(range(len(values) - width + 1), key=lambda k: sum(values[k : k + width]))
    spanned = [p for p in positions[best : best + width] if p >= 0] or [len(tokens) - 1]
    if not tokens or spanned[0] < 0:
        return sum(values[best : best + width]) / width, (0, 0)
    return sum(values[best : best + width]) / width, (tokens[spanned[0]].start, tokens[spanned[-1]].end)


class EnglishModel:
    """pocketsphinx's US English trigram model, scoring one sentence at a time. Calls into the
    model are serialised: the C library makes no promise about threads."""

    def __init__(self, path: Path) -> None:
        from pocketsphinx import NGramModel  # a dependency; imported here to load only when used

        self._model = NGramModel.readfile(str(path))
        self._lock = threading.Lock()
        self._known: dict[str, bool] = {}

    def _log_prob(self, words: list[str]) -> int:
        # pocketsphinx takes the predicted word first, then its history nearest first.
        return self._model.prob(words)

    def known(self, word: str) -> bool:
        """Whether the model has ``word`` (lower case, ASCII)."""
        found = self._known.get(word)
        if found is None:
            if len(self._known) >= _KNOWN_WORDS_KEPT:
                self._known.clear()
            found = self._known[word] = self._log_prob([word]) > _LOG_ZERO
        return found

    def score(self, text: str) -> LmScore:
        """Each scored word's surprisal in context and alone. A word not scored (a name, an
        unknown word, a number) starts the context afresh; the sentence's end is scored too."""
        with self._lock:
            tokens = lm_tokens(text, self.known)
            surprisal: list[float] = []
            unigram: list[float] = []
            positions: list[int] = []
            history = ["<s>"]
            for k, token in enumerate(tokens):
                if token.word is None:
                    history = []
                    continue
                surprisal.append(-self._log_prob([token.word, *reversed(history[-2:])]) * _BITS_PER_UNIT)
                unigram.append(-self._log_prob([token.word]) * _BITS_PER_UNIT)
                positions.append(k)
                history.append(token.word)
            if history:
                surprisal.append(-self._log_prob(["</s>", *reversed(history[-2:])]) * _BITS_PER_UNIT)
                unigram.append(-self._log_prob(["</s>"]) * _BITS_PER_UNIT)
                positions.append(-1)
        return LmScore(tuple(tokens), tuple(surprisal), tuple(unigram), tuple(positions))


def english_model_path() -> Path | None:
    """Where pocketsphinx keeps its US English trigram model, or None without pocketsphinx."""
    try:
        from pocketsphinx import get_model_path
    except ImportError:
        return None
    path = Path(get_model_path()) / "en-us" / "en-us.lm.bin"
    return path if path.is_file() else None


_LOADING = threading.Lock()


@functools.cache
def _english_model() -> EnglishModel | None:
    path = english_model_path()
    return EnglishModel(path) if path is not None else None


def english_model() -> EnglishModel | None:
    """The English model, loaded once per process on first use (0.04 s, 34 MB); None when
    pocketsphinx is not installed."""
    with _LOADING:
        return _english_model()


@functools.lru_cache(maxsize=1024)
def english_score(text: str) -> LmScore | None:
    """The English model's reading of ``text`` (kept for the few signals that read it)."""
    model = english_model()
    return model.score(text) if model is not None else None


# ------------------------------------------------------------------------------------------------
# Part-of-speech trigrams (Apertium's tags)

# Tags of closed-class words (kept as the word when it is in CLOSED_WORDS, else as the tag).
CLOSED_TAGS = frozenset({
    "det", "pr", "prn", "cnjcoo", "cnjsub", "cnjadv", "vbser", "vbhaver", "vbdo", "vaux", "vbmod", "rel", "preadv",
    "gen",
})
CLOSED_LEMMAS = frozenset({"estar"})  # a vblex in Apertium's Spanish, an auxiliary in use
PUNCTUATION_TAGS = frozenset({"sent", "cm", "lquot", "rquot", "lpar", "rpar", "guio", "apos", "quot", "percent"})
VERB_TAGS = frozenset({"vblex", "vbser", "vbhaver", "vbdo", "vaux", "vbmod"})
FINITE_TAGS = frozenset({"past", "pres", "pri", "ifi", "pii", "fti", "cni", "prs", "pis", "fts", "imp"})
NONFINITE_TAGS = frozenset({"inf", "ger", "pp", "pprs"})
# The tags an open-class word's token keeps after its first one (English nouns and adjectives keep
# only their number).
KEPT_TAGS = FINITE_TAGS | NONFINITE_TAGS | {"sg", "pl", "m", "f", "p1", "p2", "p3"}
# First tags of open-class words that stand for themselves; any other becomes "other".
OPEN_TAGS = frozenset({
    "n", "np", "adj", "adv", "vblex", "num", "ij", "abbr", "acr", "ord", "atn", "sym", "predet", "preadv", "cm", "sent",
}) | VERB_TAGS | CLOSED_TAGS | PUNCTUATION_TAGS
UNKNOWN_TOKENS = ("UNK", "UNKCAP", "UNKNUM")  # a word the analyser does not know: lower case, capitalised, digits

# The closed-class words kept as themselves, written out here (general knowledge of each language,
# never read from data). A closed-class word not listed is kept as its tag.
CLOSED_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(["a", "an", "the", "this", "that", "these", "those", "some", "any", "each", "every", "no", "all", "both", "either", "neither", "many", "much", "more", "most", "few", "several", "other", "another", "such", "what", "which", "whose", "whatever", "whichever", "my", "your", "his", "her", "its", "our", "their", "own", "enough", "less", "least", "half", "of", "in", "to", "for", "on", "with", "at", "by", "from", "about", "as", "into", "like", "through", "after", "over", "between", "out", "against", "during", "without", "before", "under", "around", "among", "within", "along", "across", "behind", "beyond", "above", "below", "up", "down", "off", "near", "since", "until", "upon", "toward", "towards", "per", "via", "despite", "than", "except", "amid", "onto", "past", "including", "i", "you", "he", "she", "it", "we", "they", "me", "him", "us", "them", "myself", "yourself", "himself", "herself", "itself", "ourselves", "themselves", "mine", "yours", "hers", "ours", "theirs", "who", "whom", "one", "something", "anything", "nothing", "everything", "someone", "anyone", "everyone", "nobody", "somebody", "anybody", "everybody", "there", "and", "or", "but", "nor", "so", "yet", "because", "although", "though", "while", "if", "unless", "whether", "when", "where", "whereas", "once", "be", "is", "are", "was", "were", "been", "being", "am", "'s", "'re", "'m", "have", "has", "had", "having", "'ve", "'d", "do", "does", "did", "doing", "done", "will", "would", "can", "could", "may", "might", "must", "shall", "should", "ought", "'ll", "not", "n't", "never", "also", "more", "most", "very", "too", "only", "already", "still", "just", "even"]) | {  # multiword units Apertium tags as one closed-class word
        "according to", "such as", "more than", "less than", "due to", "in order to", "out of", "up to",
        "because of", "thanks to", "in front of", "as well as", "so that", "no one", "a few", "a lot of",
        "have to", "has to", "had to",
    },
    "es": frozenset(["el", "la", "los", "las", "lo", "un", "una", "unos", "unas", "uno", "este", "esta", "estos", "estas", "esto", "ese", "esa", "esos", "esas", "eso", "aquel", "aquella", "aquellos", "aquellas", "aquello", "mi", "mis", "tu", "tus", "su", "sus", "nuestro", "nuestra", "nuestros", "nuestras", "vuestro", "vuestra", "vuestros", "vuestras", "algún", "alguno", "alguna", "algunos", "algunas", "ningún", "ninguno", "ninguna", "otro", "otra", "otros", "otras", "todo", "toda", "todos", "todas", "mucho", "mucha", "muchos", "muchas", "poco", "poca", "pocos", "pocas", "varios", "varias", "cada", "cualquier", "cualquiera", "ambos", "ambas", "demasiado", "demasiada", "demasiados", "demasiadas", "tanto", "tanta", "tantos", "tantas", "cuanto", "cuanta", "cuantos", "cuantas", "bastante", "bastantes", "mismo", "misma", "mismos", "mismas", "tal", "tales", "qué", "cuál", "cuáles", "a", "ante", "bajo", "con", "contra", "de", "desde", "durante", "en", "entre", "hacia", "hasta", "mediante", "para", "por", "según", "sin", "sobre", "tras", "excepto", "salvo", "incluso", "yo", "tú", "él", "ella", "ello", "nosotros", "nosotras", "vosotros", "vosotras", "ellos", "ellas", "usted", "ustedes", "me", "te", "se", "nos", "os", "le", "les", "mí", "ti", "sí", "conmigo", "contigo", "consigo", "que", "quien", "quienes", "cual", "cuales", "cuyo", "cuya", "cuyos", "cuyas", "donde", "cuando", "como", "algo", "nada", "alguien", "nadie", "y", "e", "o", "u", "ni", "pero", "sino", "porque", "aunque", "si", "mientras", "pues", "ser", "siendo", "sido", "soy", "eres", "es", "somos", "sois", "son", "era", "eras", "éramos", "erais", "eran", "fui", "fuiste", "fue", "fuimos", "fuisteis", "fueron", "seré", "serás", "será", "seremos", "seréis", "serán", "sería", "serías", "seríamos", "seríais", "serían", "sea", "seas", "seamos", "seáis", "sean", "fuera", "fueras", "fuéramos", "fuerais", "fueran", "fuese", "fueses", "fuésemos", "fueseis", "fuesen", "haber", "habiendo", "habido", "he", "has", "ha", "hemos", "habéis", "han", "hay", "había", "habías", "habíamos", "habíais", "habían", "hube", "hubiste", "hubo", "hubimos", "hubisteis", "hubieron", "habré", "habrás", "habrá", "habremos", "habréis", "habrán", "habría", "habrías", "habríamos", "habríais", "habrían", "haya", "hayas", "hayamos", "hayáis", "hayan", "hubiera", "hubieras", "hubiéramos", "hubierais", "hubieran", "hubiese", "hubiesen", "estar", "estando", "estado", "estoy", "estás", "está", "estamos", "estáis", "están", "estaba", "estabas", "estábamos", "estabais", "estaban", "estuve", "estuviste", "estuvo", "estuvimos", "estuvisteis", "estuvieron", "estaré", "estarás", "estará", "estaremos", "estaréis", "estarán", "estaría", "estarías", "estaríamos", "estaríais", "estarían", "esté", "estés", "estemos", "estéis", "estén", "estuviera", "estuvieras", "estuviéramos", "estuvierais", "estuvieran", "estuviese", "estuviesen", "no", "nunca", "jamás", "tampoco", "también", "más", "muy", "tan", "solo", "sólo", "ya", "todavía", "aún", "menos", "poder", "puede", "pueden", "podía", "podían", "pudo", "pudieron", "podrá", "podrán", "podría", "podrían", "pueda", "puedan", "pudiera", "deber", "debe", "deben", "debía", "debían", "debió", "debieron", "deberá", "deberán", "debería", "deberían", "deba", "deban"]) | {  # multiword units Apertium tags as one closed-class word
        "lo que", "de que", "la que", "el que", "los que", "las que", "para que", "ya que", "mientras que",
        "así que", "más de", "más que", "después de", "antes de", "a través de", "gracias a", "acerca de",
        "a partir de", "alrededor de", "a pesar de", "hay que", "tiene que", "tienen que", "tuvo que",
    },
}


@dataclass(frozen=True, slots=True)
class PosToken:
    """A token of the part-of-speech model and the word of the text it stands for."""

    token: str
    surface: str


_UNIT = re.compile(r"((?:\\.|[^/\\])*)/(.*)", re.DOTALL)
_UNESCAPE = re.compile(r"\\(.)")
_TAG = re.compile(r"<([^>]*)>")


def _split_unescaped(text: str, mark: str) -> list[str]:
    parts, current, k = [], [], 0
    while k < len(text):
        if text[k] == "\\" and k + 1 < len(text):
            current.append(text[k : k + 2])
            k += 2
            continue
        if text[k] == mark:
            parts.append("".join(current))
            current = []
        else:
            current.append(text[k])
        k += 1
    parts.append("".join(current))
    return parts


def read_unit(unit: str) -> tuple[str, list[tuple[str, list[str]]]]:
    """A tagged word (``surface/lemma<tag>...+lemma<tag>...``) as its surface and, for each part
    of it, the lemma and tags; an unknown word (``surface/*surface``) has no parts."""
    match = _UNIT.fullmatch(unit)
    if match is None:
        return _UNESCAPE.sub(r"\1", unit), []
    surface, analysis = _UNESCAPE.sub(r"\1", match.group(1)), match.group(2)
    if analysis.startswith("*") or not analysis:
        return surface, []
    parts = []
    for part in _split_unescaped(analysis, "+"):
        lemma, _, tags = part.partition("<")
        parts.append((_UNESCAPE.sub(r"\1", lemma), _TAG.findall("<" + tags) if tags else []))
    return surface, parts


def _open_token(first: str, tags: Sequence[str], lang: str) -> str:
    kept = [tag for tag in tags if tag in KEPT_TAGS]
    if first == "np":
        kept = []
    elif lang == "en" and first in ("n", "adj"):
        kept = [tag for tag in kept if tag in ("sg", "pl")]
    return ".".join([first if first in OPEN_TAGS else "other", *kept])


def pos_tokens(units: Iterable[str], lang: str) -> list[PosToken]:
    """The model's tokens for tagged words (``Segment.target_tags``): a closed-class word as
    itself when CLOSED_WORDS lists it (else its first tag), punctuation as its mark, every other
    word as its tags; each part of a contraction ("al" = a + el) is a token of its own."""
    closed = CLOSED_WORDS[lang]
    tokens = []
    for unit in units:
        surface, parts = read_unit(unit)
        if not parts:
            kind = "UNKCAP" if surface[:1].isupper() else "UNKNUM" if surface[:1].isdigit() else "UNK"
            tokens.append(PosToken(kind, surface))
            continue
        for lemma, tags in parts:
            word = (lemma if len(parts) > 1 else surface).lower()
            first = tags[0] if tags else "other"
            if first in PUNCTUATION_TAGS:
                mark = word if len(word) <= 3 and not any(char.isalnum() for char in word) else first
                tokens.append(PosToken(mark, surface))
            elif first in CLOSED_TAGS or lemma.lower() in CLOSED_LEMMAS or (first == "adv" and word in closed):
                tokens.append(PosToken(word if word in closed else first, surface))
            else:
                tokens.append(PosToken(_open_token(first, tags[1:], lang), surface))
    return tokens


class KneserNey:
    """An interpolated Kneser-Ney trigram model over tokens, with one absolute discount for every
    order; log probabilities in bits. A token never seen gets a small floor at the lowest order."""

    def __init__(self, trigrams: Counter[tuple[str, str, str]], discount: float) -> None:
        self.discount = discount
        self.trigrams = trigrams
        self.bigram_types: Counter[tuple[str, str]] = Counter()  # distinct u before (v, w)
        for _, v, w in trigrams:
            self.bigram_types[(v, w)] += 1
        self.word_types: Counter[str] = Counter(w for _, w in self.bigram_types)  # distinct v before w
        self.word_types_total = sum(self.word_types.values())
        self.context_counts: Counter[tuple[str, str]] = Counter()
        self.context_types: Counter[tuple[str, str]] = Counter()
        for (u, v, _), count in trigrams.items():
            self.context_counts[(u, v)] += count
            self.context_types[(u, v)] += 1
        self.middle_total: Counter[str] = Counter()
        self.middle_types: Counter[str] = Counter()
        for (v, _), count in self.bigram_types.items():
            self.middle_total[v] += count
            self.middle_types[v] += 1
        self.vocabulary_size = len({token for trigram in trigrams for token in trigram} - {"<s>"}) + 1
        self._memo: dict[tuple[str, str, str], float] = {}
        self._lock = threading.Lock()

    @classmethod
    def fit(cls, sentences: Iterable[Sequence[str]], discount: float) -> KneserNey:
        """The model of tokenised sentences (each padded with two <s> and one </s>)."""
        trigrams: Counter[tuple[str, str, str]] = Counter()
        for sentence in sentences:
            padded = ["<s>", "<s>", *sentence, "</s>"]
            trigrams.update(zip(padded, padded[1:], padded[2:]))
        return cls(trigrams, discount)

    def unigram(self, w: str) -> float:
        """The continuation probability of ``w`` (add-half floored for a token never seen)."""
        return (self.word_types.get(w, 0) + 0.5) / (self.word_types_total + 0.5 * self.vocabulary_size)

    def _bigram(self, v: str, w: str) -> float:
        total = self.middle_total.get(v, 0)
        if not total:
            return self.unigram(w)
        seen = max(self.bigram_types.get((v, w), 0) - self.discount, 0.0)
        return seen / total + self.discount * self.middle_types[v] / total * self.unigram(w)

    def probability(self, u: str, v: str, w: str) -> float:
        """P(w | u v)."""
        key = (u, v, w)
        found = self._memo.get(key)
        if found is not None:
            return found
        total = self.context_counts.get((u, v), 0)
        if not total:
            found = self._bigram(v, w)
        else:
            seen = max(self.trigrams.get(key, 0) - self.discount, 0.0)
            found = seen / total + self.discount * self.context_types[(u, v)] / total * self._bigram(v, w)
        with self._lock:
            if len(self._memo) > 500_000:
                self._memo.clear()
            self._memo[key] = found
        return found

    def surprisals(self, tokens: Sequence[str]) -> list[float]:
        """Bits of each token in its context, and of the sentence's end."""
        padded = ["<s>", "<s>", *tokens, "</s>"]
        return [-math.log2(self.probability(*padded[k - 2 : k + 1])) for k in range(2, len(padded))]

    def unigram_surprisals(self, tokens: Sequence[str]) -> list[float]:
        """Bits of each token (and of the end) by its continuation probability alone."""
        return [-math.log2(self.unigram(token)) for token in [*tokens, "</s>"]]


@dataclass(frozen=True)
class PosModel:
    """A language's part-of-speech model and its scores on clean news (90th and 99th percentiles
    of each signal, for the garble an editor is shown)."""

    lang: str
    model: KneserNey
    norms: dict[str, tuple[float, float]]
    trained_on: dict[str, Any]


def model_dir() -> Path:
    """The folder of the part-of-speech models: $QA_FLUENCY_MODELS, else the packaged one."""
    override = os.environ.get(MODEL_DIR_VARIABLE)
    return Path(override) if override else PACKAGED_MODELS


def model_path(lang: str) -> Path:
    """The file of a language's part-of-speech model."""
    return model_dir() / f"pos-{lang}.json.gz"


def model_files() -> list[Path]:
    """The part-of-speech model files there are, for the signal cache's fingerprint."""
    return [path for path in map(model_path, POS_LANGUAGES) if path.is_file()]


def tagged_languages() -> frozenset[str]:
    """The languages a part-of-speech model covers: their words are worth tagging."""
    return frozenset(lang for lang in POS_LANGUAGES if model_path(lang).is_file())


def model_to_json(lang: str, model: KneserNey, norms: dict[str, tuple[float, float]], trained_on: dict) -> dict:
    """A model's data file: the trigram counts (tokens of tags and closed-class words, sorted),
    its discount, its norms and what it was trained on."""
    return {
        "format": 1, "lang": lang, "discount": model.discount, "trained_on": trained_on,
        "norms": {name: list(values) for name, values in sorted(norms.items())},
        "trigrams": sorted([*trigram, count] for trigram, count in model.trigrams.items()),
    }


def model_from_json(data: dict) -> PosModel:
    """The model :func:`model_to_json` wrote."""
    trigrams: Counter[tuple[str, str, str]] = Counter({(u, v, w): int(c) for u, v, w, c in data["trigrams"]})
    norms = {name: (float(low), float(high)) for name, (low, high) in data["norms"].items()}
    return PosModel(data["lang"], KneserNey(trigrams, float(data["discount"])), norms, dict(data["trained_on"]))


@functools.cache
def _pos_model(path: Path) -> PosModel | None:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as stream:
            return model_from_json(json.load(stream))
    except FileNotFoundError:
        return None


def pos_model(lang: str) -> PosModel | None:
    """A language's part-of-speech model, read once per process on first use; None for a
    language without one."""
    if lang not in POS_LANGUAGES:
        return None
    with _LOADING:
        return _pos_model(model_path(lang))


@dataclass(frozen=True)
class PosScore:
    """The part-of-speech model's reading of a sentence."""

    tokens: tuple[PosToken, ...]
    surprisal: tuple[float, ...]  # each token's bits in context, then the end's
    unigram: tuple[float, ...]

    def mean_excess(self) -> float:
        """Mean bits per token beyond each token's own (SLOR with its sign flipped)."""
        return sum(s - u for s, u in zip(self.surprisal, self.unigram, strict=True)) / len(self.surprisal)

    def mean(self) -> float:
        """Mean bits per token."""
        return sum(self.surprisal) / len(self.surprisal)

    def worst_window(self) -> tuple[float, int, int]:
        """The mean bits of the worst 3 consecutive tokens, and the first and last token's index
        (the last may be the sentence's end: len(tokens))."""
        width = min(3, len(self.surprisal))
        best = max(range(len(self.surprisal) - width + 1), key=lambda k: sum(self.surprisal[k : k + width]))
        return sum(self.surprisal[best : best + width]) / width, best, best + width - 1


def pos_score(tags: Sequence[str] | None, lang: str) -> PosScore | None:
    """The part-of-speech model's reading of tagged words, or None without tags or a model."""
    if not tags:
        return None
    model = pos_model(lang)
    if model is None:
        return None
    tokens = pos_tokens(tags, lang)
    if not tokens:
        return None
    names = [token.token for token in tokens]
    return PosScore(tuple(tokens), tuple(model.model.surprisals(names)), tuple(model.model.unigram_surprisals(names)))


def word_spans(text: str, surfaces: Sequence[str]) -> list[tuple[int, int] | None]:
    """Where each tagged word's surface is in ``text``, found in order; None for one not found."""
    spans: list[tuple[int, int] | None] = []
    cursor = 0
    for surface in surfaces:
        at = text.find(surface, cursor) if surface else -1
        if at < 0 or at - cursor > 200:
            spans.append(None)
            continue
        spans.append((at, at + len(surface)))
        cursor = at + len(surface)
    return spans


# ------------------------------------------------------------------------------------------------
# Signals


def _garble(value: float, norms: tuple[float, float] | None) -> float:
    """0 up to clean news's 90th percentile, rising to 1 at its 99th."""
    if norms is None:
        return 0.0
    low, high = norms
    return min(1.0, max(0.0, (value - low) / (high - low))) if high > low else 0.0


def _quoted(text: str, span: tuple[int, int]) -> str:
    phrase = " ".join(text[span[0] : span[1]].split())
    return phrase if len(phrase) <= 60 else phrase[:57] + "…"


def _lm_explanation(garble: float, text: str, span: tuple[int, int]) -> str:
    if garble <= 0:
        return "reads like ordinary English"
    how = "very unlikely" if garble >= 0.5 else "unlikely"
    return f"reads unlike English: '{_quoted(text, span)}' is {how}"


def _english_target(segment: Segment) -> LmScore | None:
    if not segment.target or segment.heading or base_lang(segment.tgt_lang) != "en":
        return None
    return english_score(segment.target)


def fluency(segment: Segment) -> Signal | None:
    """How unlike English the translation reads, by the English word model: mean bits per word
    beyond the word's own (SLOR with its sign flipped), an unknown lower-case word counting
    OOV_PENALTY bits. The span is the worst 3-word window. None unless the target is English
    and not a heading."""
    score = _english_target(segment)
    value = score.mean_excess() if score is not None else None
    window = score.worst_window() if score is not None else None
    if value is None or window is None or segment.target is None:
        return None
    garble = _garble(value, LM_NORMS["fluency"])
    return Signal("fluency", value, garble, _lm_explanation(garble, segment.target, window[1]), window[1])


def fluency_window(segment: Segment) -> Signal | None:
    """The English word model's worst 3-word window of the translation: its mean bits per word
    beyond each word's own, with its span. None unless the target is English and not a heading."""
    score = _english_target(segment)
    window = score.worst_window() if score is not None else None
    if window is None or segment.target is None:
        return None
    value, span = window
    garble = _garble(value, LM_NORMS["fluency_window"])
    return Signal("fluency_window", value, garble, _lm_explanation(garble, segment.target, span), span)


def source_fluency(segment: Segment) -> Signal | None:
    """The English word model's score (as :func:`fluency`) of an English source: how unusual the
    sentence the translation had to render is. No garble: it says nothing against the
    translation by itself."""
    if not segment.source or not segment.target or segment.heading or base_lang(segment.src_lang) != "en":
        return None
    score = english_score(segment.source)
    value = score.mean_excess() if score is not None else None
    if value is None:
        return None
    return Signal("source_fluency", value, 0.0, f"the English source scores {value:.1f} bits per word above the usual")


def _pos_explanation(garble: float, lang: str, text: str, span: tuple[int, int] | None) -> str:
    from qa.langid import language_name

    name = language_name(lang)
    if garble <= 0:
        return f"its word order reads like ordinary {name}"
    how = "very unusual" if garble >= 0.5 else "unusual"
    where = f": '{_quoted(text, span)}'" if span is not None and span[1] > span[0] else ""
    return f"its word order is {how} for {name}{where}"


def _pos_window_span(text: str, score: PosScore, first: int, last: int) -> tuple[int, int] | None:
    spans = word_spans(text, [token.surface for token in score.tokens])
    chosen = [spans[k] for k in range(first, min(last, len(spans) - 1) + 1) if spans[k] is not None]
    if not chosen and spans:  # the window holds only the end: point at the last word
        chosen = [span for span in spans[-1:] if span is not None]
    found = [span for span in chosen if span is not None]
    return (found[0][0], found[-1][1]) if found else None


def _target_pos(segment: Segment) -> tuple[PosScore, PosModel] | None:
    if not segment.target or segment.heading:
        return None
    lang = base_lang(segment.tgt_lang)
    score = pos_score(segment.target_tags, lang)
    model = pos_model(lang)
    return (score, model) if score is not None and model is not None else None


def pos_fluency(segment: Segment) -> Signal | None:
    """How unusual the translation's sequence of word classes is for its language, by the
    part-of-speech model: mean bits per token beyond each token's own. The span is the worst
    3-token window. None without the engine's tags or a model for the language."""
    found = _target_pos(segment)
    if found is None or segment.target is None:
        return None
    score, model = found
    value = score.mean_excess()
    _, first, last = score.worst_window()
    span = _pos_window_span(segment.target, score, first, last)
    garble = _garble(value, model.norms.get("pos_fluency"))
    return Signal("pos_fluency", value, garble, _pos_explanation(garble, model.lang, segment.target, span), span)


def pos_window(segment: Segment) -> Signal | None:
    """The part-of-speech model's worst 3-token window of the translation: its mean bits per
    token, with its span."""
    found = _target_pos(segment)
    if found is None or segment.target is None:
        return None
    score, model = found
    value, first, last = score.worst_window()
    span = _pos_window_span(segment.target, score, first, last)
    garble = _garble(value, model.norms.get("pos_window"))
    return Signal("pos_window", value, garble, _pos_explanation(garble, model.lang, segment.target, span), span)


def source_pos_fluency(segment: Segment) -> Signal | None:
    """The part-of-speech model's mean bits per token of the source: how unusual the sentence
    the translation had to render is. No garble: it says nothing against the translation."""
    if not segment.source or not segment.target or segment.heading:
        return None
    score = pos_score(segment.source_tags, base_lang(segment.src_lang))
    if score is None:
        return None
    value = score.mean()
    return Signal("source_pos_fluency", value, 0.0, f"the source's word classes score {value:.1f} bits per token")


SPECS = (
    SignalSpec("fluency", fluency, "A translation that reads unlike English, by a word trigram model",
               "feature", label="reads unlike English"),
    SignalSpec("fluency_window", fluency_window, "A run of three words that is very unlikely in English",
               "feature", label="unlikely phrase"),
    SignalSpec("source_fluency", source_fluency, "An unusual English source sentence, by a word trigram model",
               "feature", label="unusual source"),
    SignalSpec("pos_fluency", pos_fluency, "A translation whose word classes come in an unusual order for its language",
               "feature", label="unusual word order", needs=frozenset({"target_tags"})),
    SignalSpec("pos_window", pos_window, "A run of three words whose classes rarely come in that order",
               "feature", label="unusual phrase", needs=frozenset({"target_tags"})),
    SignalSpec("source_pos_fluency", source_pos_fluency,
               "A source sentence whose word classes come in an unusual order", "feature",
               label="unusual source order", needs=frozenset({"source_tags"})),
)
