"""Words of the translation that its language does not know: misspellings, garbled words and
source-language words left in. A word counts when the engine's morphological analyser does not
know it (Apertium marks it ``*``) and wordfreq's word list for the language does not know it
either, as a word of that language: Apertium's dictionaries lack many real words ("drizzle",
"hikers"), which say nothing of a garble. Words the source also has (names, acronyms) do not
count, nor, on a page without a source, names and quoted titles (capitalised words, words in
quotes or inside a name)."""

from __future__ import annotations

from functools import cache, lru_cache

from qa.langid import language_name
from qa.signals.base import Segment, Signal, SignalSpec
from qa.signals.names import look_alike
from qa.signals.text import fold_accents, function_words, opens_sentence, tokenize
from qa.signals.untranslated import inside_name, inside_quotes

# A garble score that grows with each unknown word and is full at this many.
FULL_AT = 3
# A word used at least this often in the language (Zipf scale: 2 is once in 10 million words) is a
# word of the language, unless it is used more often still in the source language (an English
# word left in a Spanish translation is common in Spanish text too).
KNOWN_ZIPF = 2.0


def novel_unknown_words(segment: Segment) -> list[str]:
    """The target's unknown words that the source does not have and the target language's word
    list does not know, words of two letters or more. A capitalised word that looks like a name
    of the source (``names.look_alike``; capitalised inside a sentence and not a word of the
    source language) is that name carried over in another spelling or case ("Trebic" for
    "Třebíči"), so it does not count either; one that looks like a word of the source
    language ("Goverment" for "Government") still does."""
    if not segment.target_unknown:
        return []
    if segment.source is None and segment.target:
        return _plain_unknown_words(segment)
    text = segment.source or ""
    tokens = tokenize(text)
    source = {fold_accents(token.key) for token in tokens}
    candidates = [word for word in segment.target_unknown
                  if sum(char.isalpha() for char in word) >= 2 and fold_accents(word) not in source
                  and not known_word(word, segment.tgt_lang, segment.src_lang)]
    if not any(word[:1].isupper() for word in candidates):
        return candidates
    names = {fold_accents(token.key) for token in tokens
             if token.is_capitalised and not opens_sentence(text, token.start)
             and not known_word(token.key, segment.src_lang, segment.tgt_lang)}
    return [word for word in candidates
            if not (word[:1].isupper() and any(look_alike(fold_accents(word.lower()), name) for name in names))]


def _plain_unknown_words(segment: Segment) -> list[str]:
    """The unknown words of a text without a source that are plain text: a capitalised word is a
    name ("Castillo", "Dakhla"), a word in quotes part of a title ('De cara al mundo'), and a
    lowercase word between capitalised ones part of a name ("Asociación de Empresas"): an
    English page keeps the names of its people, places, programmes and organisations as they
    are. A lowercase word counts when it stands as plain text at least once (or the analyser
    cut it out of a longer token)."""
    text = segment.target or ""
    tokens = tokenize(text)
    connectors = (function_words(segment.src_lang) or frozenset()) | (function_words(segment.tgt_lang) or frozenset())
    plain = {token.text for index, token in enumerate(tokens)
             if not token.is_capitalised and not inside_quotes(text, token.start, token.end)
             and not inside_name(tokens, index, connectors)}
    whole = {token.text for token in tokens}
    return [word for word in segment.target_unknown or ()
            if sum(char.isalpha() for char in word) >= 2 and not word[:1].isupper()
            and (word in plain or word not in whole) and not known_word(word, segment.tgt_lang, segment.src_lang)]


@lru_cache(maxsize=65536)
def known_word(word: str, lang: str, other: str) -> bool:
    """Whether ``word`` is a word of ``lang`` by wordfreq's list: used at least KNOWN_ZIPF and at
    least as often as in ``other``, the source language. False for a language wordfreq lacks."""
    frequencies = _common_words(lang.split("-")[0].lower())
    if frequencies is None:
        return False
    key = word.casefold()
    frequency = frequencies.get(key, 0.0)
    return frequency >= KNOWN_ZIPF and frequency >= (_common_words(other.split("-")[0].lower()) or {}).get(key, 0.0)


def word_zipf(word: str, lang: str) -> float:
    """How often ``word`` (any case) is used in ``lang``, on wordfreq's Zipf scale, from the list
    :func:`known_word` reads: 0.0 below KNOWN_ZIPF, for an unknown word, or for a language
    wordfreq has no list for."""
    return (_common_words(lang.split("-")[0].lower()) or {}).get(word.casefold(), 0.0)


@cache
def _common_words(lang: str) -> dict[str, float] | None:
    """The Zipf frequency of each word of ``lang`` used at least KNOWN_ZIPF, from wordfreq's
    list; None for a language it has no list for. Only the words above the floor are kept: a
    third of the list, read without building wordfreq's dictionary of every word."""
    # Imported here: a run whose signals all come from the cache never needs it.
    from wordfreq import available_languages, get_frequency_list

    if lang not in available_languages():
        return None
    # The list's bucket i holds the words of frequency 10^(-i/100), Zipf 9 - i/100.
    buckets = get_frequency_list(lang)[: round((9 - KNOWN_ZIPF) * 100) + 1]
    common = {word: 9 - index / 100 for index, bucket in enumerate(buckets) for word in bucket}
    get_frequency_list.cache_clear()  # wordfreq keeps each whole list otherwise: some 30 MB a language
    return common


SHOWN_WORDS = 4


def listed(words: list[str]) -> str:
    """The first SHOWN_WORDS distinct words, quoted, with "…" when there are more."""
    distinct = list(dict.fromkeys(words))
    shown = ", ".join(f"'{word}'" for word in distinct[:SHOWN_WORDS])
    return shown + (", …" if len(distinct) > SHOWN_WORDS else "")


def unknown_words(segment: Segment) -> Signal | None:
    """How many words of the translation its language does not know: neither its analyser nor
    its word list (:func:`novel_unknown_words`).

    ``value`` is that count (words the source has aside); ``garble`` grows to 1 at FULL_AT words.
    None when the engine has no analyser (only Apertium has one) or there is no target.
    """
    if segment.target_unknown is None or not segment.target:
        return None
    words = novel_unknown_words(segment)
    if not words:
        return Signal("unknown_words", 0.0, 0.0, f"every word is in the {language_name(segment.tgt_lang)} dictionary")
    return Signal(
        "unknown_words", float(len(words)), min(1.0, len(words) / FULL_AT),
        f"{len(words)} word{'s' if len(words) > 1 else ''} not in the {language_name(segment.tgt_lang)} dictionary: "
        f"{listed(words)}",
    )


SPECS = (
    SignalSpec("unknown_words", unknown_words, "Words the target language's dictionary does not know", "feature",
               label="unknown words", needs=frozenset({"target_unknown"})),
)
