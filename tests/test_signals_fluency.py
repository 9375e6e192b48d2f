"""Fluency signals (qa/signals/fluency.py): the English word trigram model of pocketsphinx and the
part-of-speech trigram models over Apertium's tags. Every sentence here is made up."""

from __future__ import annotations

import gzip
import json
import os
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from qa.calibrate import CANDIDATE_FEATURES
from qa.flag import FEATURE_SIGNS
from qa.signals import fluency as fl
from qa.signals import specs
from qa.signals.base import Segment

REPO = Path(__file__).resolve().parent.parent
FLUENCY_SIGNALS = ("fluency", "fluency_window", "source_fluency", "pos_fluency", "pos_window", "source_pos_fluency")
ENGLISH = "The harbour committee agreed on Friday to repair the old pier before the summer season begins."
SPANISH = "La comisión del puerto acordó el viernes reparar el viejo muelle antes de que empiece la temporada de verano."


def _known(vocabulary):
    return lambda word: word in vocabulary


def _scrambled(sentence: str, seed: int) -> str:
    words = sentence.rstrip(".").split()
    random.Random(seed).shuffle(words)
    return " ".join(words) + "."


# --- tokenisation for the English model ---------------------------------------------------------


def test_names_unknown_words_and_numbers_are_not_scored():
    vocabulary = {"the", "mayor", "of", "met", "on"}
    tokens = fl.lm_tokens("The mayor of Zubrowka met 3,500 voters on 21st May.", _known(vocabulary))
    kinds = [(token.word, token.kind) for token in tokens]
    assert kinds == [("the", "word"), ("mayor", "word"), ("of", "word"), (None, "name"), ("met", "word"),
                     (None, "num"), (None, "oov"), ("on", "word"), (None, "num"), (None, "name")]


def test_british_spellings_are_read_in_us_spelling_when_the_model_knows_them():
    vocabulary = {"organized", "center", "program", "analyzed", "labor", "defense"}
    words = [t.word for t in fl.lm_tokens("organised centre programme analysed labour defence", _known(vocabulary))]
    assert words == ["organized", "center", "program", "analyzed", "labor", "defense"]
    # A rewrite the model does not know is not made: the word stays unknown.
    assert [t.kind for t in fl.lm_tokens("zorganise", _known(vocabulary))] == ["oov"]


def test_accents_possessives_hyphens_and_symbols():
    vocabulary = {"jose", "city", "well", "known", "percent", "and"}
    tokens = fl.lm_tokens("José city's well-known 5% & ’", _known(vocabulary))
    assert [t.word for t in tokens] == ["jose", "city", "well", "known", None, "percent", "and"]
    assert tokens[2].start == tokens[3].start  # the parts of a hyphenated word share its span


def test_the_real_model_maps_british_spelling_and_reads_names():
    model = fl.english_model()
    assert model is not None
    tokens = fl.lm_tokens("The analysed programmes of neighbouring Xylandor", model.known)
    assert [(t.word, t.kind) for t in tokens][1:5] == [("analyzed", "word"), ("programs", "word"), ("of", "word"),
                                                       ("neighboring", "word")]
    assert tokens[-1].kind == "name"


# --- the English model --------------------------------------------------------------------------


def test_a_scrambled_sentence_reads_less_like_english_than_the_same_words_in_order():
    fluent = fl.fluency(Segment("x", ENGLISH, "es", "en"))
    assert fluent is not None
    for seed in range(5):
        salad = fl.fluency(Segment("x", _scrambled(ENGLISH, seed), "es", "en"))
        window = fl.fluency_window(Segment("x", _scrambled(ENGLISH, seed), "es", "en"))
        assert salad is not None and window is not None
        assert salad.value > fluent.value
        assert window.value > fl.fluency_window(Segment("x", ENGLISH, "es", "en")).value


def test_the_flag_points_at_the_worst_three_words_and_says_so():
    text = "The committee agreed on Friday to repair the of pier the before summer."
    signal = fl.fluency_window(Segment("x", text, "es", "en"))
    assert signal is not None and signal.span is not None
    start, end = signal.span
    assert len(text[start:end].split()) <= 3
    if signal.garble > 0:
        assert f"'{text[start:end]}'" in signal.explanation and "reads unlike English" in signal.explanation


def test_an_unknown_lower_case_word_costs_more_than_a_name():
    named = fl.fluency(Segment("x", "The minister met Zorblatt in the capital.", "es", "en"))
    unknown = fl.fluency(Segment("x", "The minister met zorblatt in the capital.", "es", "en"))
    assert named is not None and unknown is not None and unknown.value > named.value


def test_only_english_text_that_is_not_a_heading_is_scored():
    assert fl.fluency(Segment("x", SPANISH, "en", "es")) is None
    assert fl.fluency(Segment("x", ENGLISH, "es", "en", heading=True)) is None
    assert fl.fluency(Segment("x", "Zorblatt 2024", "es", "en")) is None  # nothing but a name and a number
    source = fl.source_fluency(Segment(ENGLISH, SPANISH, "en", "es"))
    assert source is not None and source.garble == 0.0
    assert fl.source_fluency(Segment(SPANISH, ENGLISH, "es", "en")) is None


# --- the part-of-speech models ------------------------------------------------------------------


def test_tagged_words_are_read_with_contractions_and_escapes():
    assert fl.read_unit("al/a<pr>+el<det><def><m><sg>") == ("al", [("a", ["pr"]), ("el", ["det", "def", "m", "sg"])])
    assert fl.read_unit("Zorblatt/*Zorblatt") == ("Zorblatt", [])
    assert fl.read_unit(r"\[/\[<lpar>") == ("[", [("[", ["lpar"])])
    tokens = [t.token for t in fl.pos_tokens(["al/a<pr>+el<det><def><m><sg>", "muelle/muelle<n><m><sg>",
                                              "Zorblatt/*Zorblatt", "3/*3", "./.<sent>"], "es")]
    assert tokens == ["a", "el", "n.m.sg", "UNKCAP", "UNKNUM", "."]


def test_a_closed_class_word_missing_from_the_list_is_kept_as_its_tag():
    assert [t.token for t in fl.pos_tokens(["umpteenth/umpteenth<det><ord><sp>"], "en")] == ["det"]


def _model_tokens(path: Path) -> set[str]:
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        data = json.load(stream)
    return {token for *trigram, _ in data["trigrams"] for token in trigram}


@pytest.mark.parametrize("lang", fl.POS_LANGUAGES)
def test_the_shipped_counts_hold_no_words_outside_the_closed_class_list(lang):
    path = fl.PACKAGED_MODELS / f"pos-{lang}.json.gz"
    tokens = _model_tokens(path)
    tag_names = fl.OPEN_TAGS | fl.KEPT_TAGS | {"other"}
    for token in tokens:
        is_tag = all(part in tag_names for part in token.split("."))
        is_mark = len(token) <= 3 and not any(char.isalnum() for char in token)
        assert (token in fl.CLOSED_WORDS[lang] or token in fl.UNKNOWN_TOKENS or token in ("<s>", "</s>")
                or is_tag or is_mark), f"{token!r} in {path.name} is neither a closed-class word nor a tag"
    assert len(tokens) < 1000


def test_a_model_survives_its_data_file():
    model = fl.KneserNey.fit([["det", "n.sg", "vblex.past", "."], ["det", "adj", "n.sg", "."]], 0.5)
    again = fl.model_from_json(json.loads(json.dumps(fl.model_to_json("en", model, {"pos_fluency": (0.0, 1.0)}, {}))))
    assert again.model.surprisals(["det", "n.sg", "."]) == pytest.approx(model.surprisals(["det", "n.sg", "."]))
    # Probabilities of every next token given a context sum to one.
    vocabulary = {w for trigram in model.trigrams for w in trigram} - {"<s>"}
    assert sum(model.probability("det", "n.sg", w) for w in vocabulary) <= 1.0 + 1e-9


def _tagged(texts, lang):
    from qa.translate.apertium import ApertiumEngine

    engine = ApertiumEngine()
    try:
        return engine.tagged_words(texts, lang, "en" if lang == "es" else "es")
    finally:
        engine.close()


def test_a_spanish_word_salad_reads_worse_than_a_fluent_sentence(apertium_available):
    salads = [_scrambled(SPANISH, seed) for seed in range(4)]
    tagged = _tagged([SPANISH, *salads], "es")
    fluent = fl.pos_fluency(Segment("x", SPANISH, "en", "es", target_tags=tagged[0]))
    assert fluent is not None
    for salad, tags in zip(salads, tagged[1:], strict=True):
        scored = fl.pos_fluency(Segment("x", salad, "en", "es", target_tags=tags))
        assert scored is not None and scored.value > fluent.value
        window = fl.pos_window(Segment("x", salad, "en", "es", target_tags=tags))
        assert window is not None and window.span is not None and window.span[1] <= len(salad)


def test_tags_do_not_depend_on_the_sentences_tagged_before(apertium_available):
    texts = ["Qzxvy dijo que el puerto abrirá.", SPANISH, "El muelle de Wplkt cerró ayer."]
    together = _tagged(texts, "es")
    assert together == [_tagged([text], "es")[0] for text in texts]
    assert all(tags for tags in together)


def test_scoring_pairs_tags_both_sides_and_caches_the_tags(apertium_available, tmp_path):
    from qa.score import score_pairs
    from qa.translate.apertium import ApertiumEngine
    from qa.translate.cache import CachedEngine, TranslationCache

    cache = TranslationCache(tmp_path / "cache.sqlite3")
    engine = CachedEngine(ApertiumEngine(), cache)
    try:
        first = score_pairs([(SPANISH, ENGLISH)], src_lang="es", tgt_lang="en", engine=engine)
        calls = engine.analysis_stats.engine_calls
        again = score_pairs([(SPANISH, ENGLISH)], src_lang="es", tgt_lang="en", engine=engine)
    finally:
        engine.close()
    assert {"pos_fluency", "pos_window", "source_pos_fluency", "fluency", "fluency_window"} <= set(first[0].signals)
    assert "source_fluency" not in first[0].signals  # the source is Spanish
    assert engine.analysis_stats.engine_calls == calls
    assert again[0].signals["pos_fluency"].value == first[0].signals["pos_fluency"].value


def test_without_apertium_the_part_of_speech_signals_are_absent_not_an_error(tmp_path):
    script = f"""
import sys
sys.path.insert(0, {str(REPO)!r})
from qa.score import score_pairs
from qa.translate.apertium import ApertiumEngine
from qa.translate.base import Engine, EngineInfo

class Echo(Engine):
    # Translates nothing (gives the text back) and tags through Apertium, which PATH hides.
    name = "echo"
    def __init__(self):
        self.apertium = ApertiumEngine()
    def info(self, src, tgt):
        return EngineInfo("echo", "echo", "1")
    def translate(self, texts, src, tgt):
        return list(texts)
    @property
    def can_tag(self):
        return self.apertium.can_tag
    def tagged_words(self, texts, src, tgt):
        return self.apertium.tagged_words(texts, src, tgt)

engine = Echo()
assert not engine.can_tag
result = score_pairs([({SPANISH!r}, {ENGLISH!r})], src_lang="es", tgt_lang="en", engine=engine)[0]
print(sorted(name for name in result.signals if "fluency" in name or "window" in name))
"""
    environment = {**os.environ, "PATH": "", "QA_CACHE_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=environment, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[0] == "['fluency', 'fluency_window']"


def test_the_signal_cache_fingerprint_covers_the_models(tmp_path, monkeypatch):
    from qa.memo import code_fingerprint

    packaged = code_fingerprint.__wrapped__()
    for lang in fl.POS_LANGUAGES:
        data = fl.model_to_json(lang, fl.KneserNey.fit([["det", "n.sg", "."]], 0.5), {}, {})
        (tmp_path / f"pos-{lang}.json.gz").write_bytes(gzip.compress(json.dumps(data).encode()))
    monkeypatch.setenv(fl.MODEL_DIR_VARIABLE, str(tmp_path))
    assert fl.model_files() == [tmp_path / "pos-en.json.gz", tmp_path / "pos-es.json.gz"]
    assert code_fingerprint.__wrapped__() != packaged


def test_without_a_model_a_language_is_not_tagged(tmp_path, monkeypatch):
    monkeypatch.setenv(fl.MODEL_DIR_VARIABLE, str(tmp_path))
    assert fl.tagged_languages() == frozenset()
    assert fl.pos_fluency(Segment("x", ENGLISH, "es", "en", target_tags=("The/the<det><def><sp>",))) is None


# --- the flagger's view ---------------------------------------------------------------------------


def test_every_fluency_signal_is_a_feature_that_can_only_raise_the_score():
    for name in FLUENCY_SIGNALS:
        assert specs()[name].role == "feature"
        assert FEATURE_SIGNS[name] == +1
        assert name in CANDIDATE_FEATURES


def test_source_signals_never_explain_a_flag():
    signals = [fl.source_fluency(Segment(_scrambled(ENGLISH, 1), SPANISH, "en", "es"))]
    assert all(signal is not None and signal.garble == 0.0 for signal in signals)


def test_the_model_tokens_of_clean_text_are_mostly_known(apertium_available):
    model = fl.pos_model("en")
    assert model is not None
    tokens = fl.pos_tokens(_tagged([ENGLISH], "en")[0], "en")
    seen = {w for trigram in model.model.trigrams for w in trigram}
    assert Counter(token.token in seen for token in tokens)[True] == len(tokens)
