"""unknown_words: words of the translation that neither its language's analyser nor wordfreq's
word list knows."""

from __future__ import annotations

from qa.signals.base import Segment
from qa.signals.vocabulary import known_word, unknown_words


def segment(target: str, unknown: tuple[str, ...] | None, source: str | None = None,
            src_lang: str = "es", tgt_lang: str = "en") -> Segment:
    return Segment(source, target, src_lang, tgt_lang, target_unknown=unknown)


def test_counts_unknown_words_the_source_does_not_have():
    signal = unknown_words(segment("Tymoshenko said the vaccin is safe.", ("Tymoshenko", "vaccin"),
                                   source="Tymoshenko dijo que la vacuna es segura."))
    assert signal.value == 1 and "'vaccin'" in signal.explanation and "Tymoshenko" not in signal.explanation
    assert 0 < signal.garble < 1


def test_nothing_unknown_and_no_analyser():
    assert unknown_words(segment("The vaccine is safe.", ())).value == 0
    assert unknown_words(segment("The vaccine is safe.", None)) is None
    assert unknown_words(segment("The vaccine is safe.", ("x", "é"))).value == 0  # single letters
    assert unknown_words(segment("a b c d", ("qzxv", "vvrtk", "jjqp", "xkcdq"))).garble == 1.0


def test_real_words_the_analyser_lacks_do_not_count():
    # Words an analyser's dictionary may lack that are plain English, no sign of a garble.
    signal = unknown_words(segment("The drizzle kept the hikers in the hut.",
                                   ("drizzle", "hikers"), source="La llovizna retuvo a los excursionistas en el refugio."))
    assert signal.value == 0 and signal.garble == 0
    signal = unknown_words(segment("The drizzle kept the hikkers in.", ("drizzle", "hikkers")))
    assert signal.value == 1 and "'hikkers'" in signal.explanation and "drizzle" not in signal.explanation


def test_a_source_language_word_left_in_counts_though_the_target_language_uses_it_too():
    # "house" turns up in Spanish text too, but far more in English: in a Spanish translation of an
    # English source it is a word left untranslated.
    assert not known_word("house", "es", "en")
    assert known_word("casa", "es", "en") and known_word("house", "en", "es")
    signal = unknown_words(segment("La house del alcalde ardió anoche.", ("house",),
                                   source="The mayor's home burned down last night.", src_lang="en", tgt_lang="es"))
    assert signal.value == 1


def test_a_language_without_a_word_list_keeps_the_analysers_verdict():
    assert not known_word("etxea", "eu", "es")  # wordfreq has no Basque list
    signal = unknown_words(segment("Etxea handia da.", ("handia",), source="La casa es grande.", src_lang="es", tgt_lang="eu"))
    assert signal.value == 1


def test_a_name_of_the_source_in_another_spelling_does_not_count_a_misspelt_word_does():
    signal = unknown_words(segment("The festival in Trebic opened yesterday.", ("Trebic",),
                                   source="El festival de Třebíči abrió ayer."))
    assert signal.value == 0
    # "Government" is an English word, not a name: its look-alike in Spanish is a garble.
    signal = unknown_words(segment("El Goverment se reunió ayer.", ("Goverment",),
                                   source="The Government met yesterday.", src_lang="en", tgt_lang="es"))
    assert signal.value == 1 and "'Goverment'" in signal.explanation


def test_without_a_source_names_are_not_unknown_words():
    # An English page keeps the names of its people, places and organisations.
    text = "Yesterday Xalbadora Mendikoetxea met the mayor of Tzintzuntla."
    signal = unknown_words(segment(text, ("Xalbadora", "Mendikoetxea", "Tzintzuntla")))
    assert signal.value == 0 and signal.garble == 0
    # The same words with a source that lacks them still count.
    with_source = unknown_words(segment(text, ("Xalbadora", "Mendikoetxea", "Tzintzuntla"),
                                        source="Ayer se reunió con el alcalde."))
    assert with_source.value == 3


def test_without_a_source_a_quoted_title_and_an_organisations_name_are_not_unknown_words():
    quoted = "She spoke to the programme 'Hablando claro' on Radio Norte, and to \"Mirando al sur\"."
    assert unknown_words(segment(quoted, ("Hablando", "claro", "Mirando", "al", "sur"))).value == 0
    named = "The forum of the Asociación de Empresarios con las Cámaras del Norte opened."
    assert unknown_words(segment(named, ("Asociación", "de", "Empresarios", "con", "las", "Cámaras", "del"))).value == 0


def test_without_a_source_a_lowercase_word_outside_quotes_and_names_still_counts():
    text = "The cayucoz reached the islands while the 'Hablando claro' team watched."
    signal = unknown_words(segment(text, ("cayucoz", "Hablando", "claro")))
    assert signal.value == 1 and "'cayucoz'" in signal.explanation
    # A word that stands both inside and outside quotes counts: it is plain text somewhere.
    text = "The qzvort said 'qzvort' twice."
    assert unknown_words(segment(text, ("qzvort", "qzvort"))).value == 2


def test_the_explanation_marks_words_left_out_of_the_list():
    words = ("qzxv", "vvrtk", "jjqp", "xkcdq", "zzvq")
    signal = unknown_words(segment("qzxv vvrtk jjqp xkcdq zzvq", words))
    assert signal.explanation.endswith("'qzxv', 'vvrtk', 'jjqp', 'xkcdq', …")
    assert signal.explanation.startswith("5 words")
    four = unknown_words(segment("qzxv vvrtk jjqp xkcdq qzxv", ("qzxv", "vvrtk", "jjqp", "xkcdq", "qzxv")))
    assert four.explanation.startswith("5 words") and not four.explanation.endswith("…")
