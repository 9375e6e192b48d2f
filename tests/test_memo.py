"""qa.memo: alignments and signals kept in the translation cache, so that re-checking an unchanged
article computes nothing again and gives the same report byte for byte."""

from __future__ import annotations

import sqlite3

import pytest
from test_faults import write_corpus

import qa.memo
import qa.pipeline
from qa.corpus import read_paths
from qa.pipeline import check_corpus
from qa.report import renderer
from qa.translate import EngineOptions
from qa.translate.apertium import ApertiumEngine
from qa.translate.cache import CachedEngine, TranslationCache


def checked_json(corpus, cache_path) -> str:
    """The JSON report of a check of ``corpus`` with Apertium through a cache at ``cache_path``."""
    with TranslationCache(cache_path) as cache:
        engine = CachedEngine(ApertiumEngine(EngineOptions()), cache)
        report = check_corpus(read_paths([corpus]).pairs, engine=engine, cache=cache)
    return renderer("json")(report)


def counting(monkeypatch, module, name: str) -> list:
    """Count the calls of ``module.name`` (the real function still runs)."""
    real = getattr(module, name)
    calls = []

    def wrapper(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def test_an_unchanged_article_is_not_aligned_or_scored_again(apertium_available, tmp_path, monkeypatch):
    corpus = write_corpus(tmp_path / "content")
    cache = tmp_path / "cache.sqlite3"
    first = checked_json(corpus, cache)
    alignments, signals = counting(monkeypatch, qa.pipeline, "align_sentences"), counting(
        monkeypatch, qa.memo, "compute_signals"
    )
    assert checked_json(corpus, cache) == first
    assert alignments == [] and signals == []
    # An edited sentence is aligned and scored again; the rest of the article is not.
    article = corpus / "en" / "agua.md"
    article.write_text(article.read_text(encoding="utf-8").replace("Tuesday", "Wednesday"), encoding="utf-8")
    checked_json(corpus, cache)
    assert 0 < len(signals) < first.count('"kind"')


def test_a_change_to_qa_code_makes_fresh_entries(apertium_available, tmp_path, monkeypatch):
    corpus = write_corpus(tmp_path / "content")
    cache = tmp_path / "cache.sqlite3"
    first = checked_json(corpus, cache)
    monkeypatch.setattr(qa.memo, "code_fingerprint", lambda: "another-version")
    signals = counting(monkeypatch, qa.memo, "compute_signals")
    assert checked_json(corpus, cache) == first
    assert len(signals) == first.count('"kind"')


@pytest.mark.parametrize(("damage", "kinds"), [
    ("not json", ("alignment", "signals")),
    ("[[1, 2]]", ("alignment", "signals")),
    ("{}", ("alignment", "signals")),
    ("[]", ("alignment",)),  # an alignment that leaves sentences out
])
def test_a_damaged_entry_is_computed_again(apertium_available, tmp_path, damage, kinds):
    corpus = write_corpus(tmp_path / "content")
    cache = tmp_path / "cache.sqlite3"
    first = checked_json(corpus, cache)
    with sqlite3.connect(cache) as connection:
        changed = connection.execute(f"UPDATE entries SET value = ? WHERE kind IN ({', '.join('?' * len(kinds))})",
                                     (damage, *kinds)).rowcount
    assert changed > 0
    assert checked_json(corpus, cache) == first
    assert checked_json(corpus, cache) == first  # and the entries were rewritten sound


def test_code_fingerprint_follows_the_sources():
    fingerprint = qa.memo.code_fingerprint()
    assert len(fingerprint) == 16 and fingerprint == qa.memo.code_fingerprint()


def test_qa_score_keeps_signals_in_the_cache_too(apertium_available, tmp_path, monkeypatch):
    from qa.score import score_pairs

    pairs = [("El plan se aprobó el martes.", "The plan was approved on Tuesday."),
             ("Ambas partes estudiarán la cooperación.", "Both sides will consider cooperation on both sides.")]
    with TranslationCache(tmp_path / "cache.sqlite3") as cache:
        engine = CachedEngine(ApertiumEngine(EngineOptions()), cache)
        first = [r.to_dict() for r in score_pairs(pairs, src_lang="es", tgt_lang="en", engine=engine, cache=cache)]
        signals = counting(monkeypatch, qa.memo, "compute_signals")
        assert [r.to_dict() for r in score_pairs(pairs, src_lang="es", tgt_lang="en", engine=engine, cache=cache)] == first
        assert signals == []


def test_results_are_memoised_without_an_engine_too(tmp_path, monkeypatch):
    """The cache is passed to the check, not reached through the engine: with engine none (the
    pre-commit default) a second check of an unchanged corpus aligns and scores nothing."""
    corpus = write_corpus(tmp_path / "content")
    with TranslationCache(tmp_path / "cache.sqlite3") as cache:
        first = renderer("json")(check_corpus(read_paths([corpus]).pairs, engine=None, cache=cache))
        alignments = counting(monkeypatch, qa.pipeline, "align_sentences")
        signals = counting(monkeypatch, qa.memo, "compute_signals")
        assert renderer("json")(check_corpus(read_paths([corpus]).pairs, engine=None, cache=cache)) == first
        assert alignments == [] and signals == []
        # Without a cache, everything is computed.
        assert renderer("json")(check_corpus(read_paths([corpus]).pairs, engine=None)) == first
        assert alignments and signals


def test_qa_check_with_engine_none_fills_the_configured_cache(tmp_path):
    import subprocess
    import sys

    corpus = write_corpus(tmp_path / "content")
    cache = tmp_path / "cache.sqlite3"
    done = subprocess.run([sys.executable, "-m", "qa", "check", "--engine", "none", "--cache", str(cache), "-q",
                           "--", str(corpus)], capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    with sqlite3.connect(cache) as connection:
        kinds = {kind for (kind,) in connection.execute("SELECT DISTINCT kind FROM entries")}
    assert kinds == {"alignment", "signals"}


def test_texts_that_cannot_be_stored_are_still_scored(tmp_path):
    from qa.score import score_pairs
    from qa.translate.base import Engine, EngineInfo

    class Echo(Engine):
        """Stand-in engine (no model needed): a translation is the text itself."""

        name = "echo"

        def info(self, src, tgt):
            return EngineInfo("echo", "echo", "1")

        def translate(self, texts, src, tgt):
            return list(texts)

    pairs = [("Hola \ud800 mundo.", "Hello \ud800 world."), ("Adiós.", "Goodbye.")]
    with TranslationCache(tmp_path / "cache.sqlite3") as cache:
        engine = CachedEngine(Echo(), cache)
        first = [r.to_dict() for r in score_pairs(pairs, src_lang="es", tgt_lang="en", engine=engine, cache=cache)]
        assert [r.to_dict() for r in score_pairs(pairs, src_lang="es", tgt_lang="en", engine=engine, cache=cache)] == first
    assert len(first) == 2


# Well-formed signals for any segment, flagging it, with a 60 MB explanation.
SIXTY_MB_OF_SIGNALS = "json_array(json_array('repetition', 1.0, 1.0, hex(zeroblob(30 * 1024 * 1024)), NULL))"


@pytest.mark.parametrize(("value_sql", "where"), [
    (SIXTY_MB_OF_SIGNALS, "key IN (SELECT key FROM entries WHERE kind = 'signals' ORDER BY key LIMIT 3)"),
    ("CAST(value AS BLOB)", "kind IN ('alignment', 'signals')"),
], ids=["three 60 MB well-formed signals", "the right JSON as a BLOB"])
def test_a_planted_entry_is_computed_again(tmp_path, monkeypatch, value_sql, where):
    """Entries no result can be, planted in the file, are never decoded (before, both were read as
    the result: the report changed), but computed again and replaced."""
    corpus = write_corpus(tmp_path / "content")
    path = tmp_path / "cache.sqlite3"
    with TranslationCache(path) as cache:
        first = renderer("json")(check_corpus(read_paths([corpus]).pairs, engine=None, cache=cache))
    with sqlite3.connect(path) as connection:
        planted = connection.execute(f"UPDATE entries SET value = {value_sql} WHERE {where}").rowcount
    connection.close()
    alignments = counting(monkeypatch, qa.pipeline, "align_sentences")
    signals = counting(monkeypatch, qa.memo, "compute_signals")
    with TranslationCache(path) as cache:
        assert renderer("json")(check_corpus(read_paths([corpus]).pairs, engine=None, cache=cache)) == first
    assert len(alignments) + len(signals) == planted
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT typeof(value), max(length(value)) < 10000 FROM entries GROUP BY 1").fetchall() \
            == [("text", 1)]
    connection.close()


def test_a_result_longer_than_its_inputs_allow_is_not_kept(tmp_path):
    path = tmp_path / "cache.sqlite3"
    items = ["short", "long"]
    results = {"short": "a result", "long": "x" * (qa.memo.longest_result('"long"') + 1)}
    with TranslationCache(path) as cache:
        memo = qa.memo.Memo(cache, "test", "es", "en")
        computed = memo.many(items, lambda item: item, results.__getitem__, lambda result: result,
                             lambda data, _: data)
    assert computed == ["a result", results["long"]]
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT value FROM entries").fetchall() == [('"a result"',)]
    connection.close()
