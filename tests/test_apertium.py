"""ApertiumEngine on the real apertium binary, plus the language-code mapping it relies on."""

from __future__ import annotations

import shutil
import stat
import subprocess
import textwrap
import time
from pathlib import Path

import pytest
from conftest import need

import qa.translate.apertium as apertium_module
from qa.errors import EngineError, EngineUnavailable, InputError
from qa.translate import EngineOptions, create_engine
from qa.translate.apertium import ApertiumEngine, one_line
from qa.translate.languages import apertium_mode, normalize_code, to_iso639_1, to_iso639_3

HEADLINE = "Marruecos-Estados Unidos: nuevos acuerdos para garantizar la estabilidad del Sahel"


def test_language_codes():
    assert (to_iso639_3("es"), to_iso639_3("EN")) == ("spa", "eng")
    assert (to_iso639_1("spa"), to_iso639_1("eng")) == ("es", "en")
    assert apertium_mode("es", "en") == "spa-eng" and apertium_mode("en", "es") == "eng-spa"
    assert normalize_code(" Es ") == "es"
    for bad in ("xx", "", "spa", "español"):
        with pytest.raises(InputError, match="ISO 639-1"):
            to_iso639_3(bad)
    with pytest.raises(InputError, match="ISO 639-3"):
        to_iso639_1("zzz")


def test_one_line():
    assert one_line("a\nb\r\nc\u2028d\x00e") == "a b c d e"


@pytest.mark.apertium
def test_headline(apertium_available):
    [english] = ApertiumEngine().translate([HEADLINE], "es", "en")
    assert "Morocco" in english and "Sahel" in english


@pytest.mark.apertium
def test_many_lines_keep_count_and_order(apertium_available):
    texts = [f"El perro come {number} manzanas." for number in range(300)]
    texts[3] = ""
    result = ApertiumEngine().translate(texts, "es", "en")
    assert len(result) == len(texts)
    assert result[3] == ""
    for number, english in enumerate(result):
        if number != 3:
            assert english == f"The dog eats {number} apples."


@pytest.mark.apertium
def test_text_with_newlines_stays_one_segment(apertium_available):
    texts = ["Hola mundo.", "Buenos días.\nAdiós, amigos.\n", "La casa es grande."]
    result = ApertiumEngine().translate(texts, "es", "en")
    assert len(result) == 3
    assert "\n" not in result[1]
    assert "Goodbye" in result[1] and "house" in result[2]


@pytest.mark.apertium
def test_final_full_stops_survive(apertium_available):
    result = ApertiumEngine().translate(["Uno. Dos.", "Hola.", "Tres."], "es", "en")
    assert all(line.endswith(".") for line in result), result


@pytest.mark.apertium
def test_other_direction_and_info(apertium_available):
    engine = ApertiumEngine()
    assert "casa" in engine.translate(["The house is big."], "en", "es")[0]
    info = engine.info("es", "en")
    assert (info.engine, info.model) == ("apertium", "apertium-spa-eng")
    assert info.revision and info.revision != "unknown"
    assert engine.info("es", "en") == info
    assert not engine.can_score
    with pytest.raises(NotImplementedError):
        engine.score(["Hola"], ["Hello"], "es", "en")


@pytest.mark.apertium
def test_missing_mode(apertium_available):
    engine = ApertiumEngine()
    with pytest.raises(
        EngineUnavailable, match="no spa-fra pair installed; apt-get install apertium-fr-es$"
    ):
        engine.translate(["Hola"], "es", "fr")
    with pytest.raises(EngineUnavailable):
        create_engine("apertium", EngineOptions(), [("es", "en"), ("es", "fr")])


@pytest.mark.parametrize(("mode", "hint"), [
    ("spa-eng", "apt-get install apertium-eng-spa"),
    ("spa-fra", "apt-get install apertium-fr-es"),  # not "apertium-fra-spa", which Debian lacks
    ("cat-spa", "apt-get install apertium-spa-cat"),  # Debian's order, not the sorted one
    ("glg-por", "apt-get install apertium-pt-gl"),
    ("spa-deu", "Debian has no Apertium package for spa-deu; see https://wiki.apertium.org/wiki/Installation"),
])
def test_install_hints_name_only_real_debian_packages(mode, hint):
    assert apertium_module.install_hint(mode) == hint


def test_every_package_a_hint_can_name_is_in_debian():
    need(shutil.which("apt-cache") is not None, "apt-cache is not installed (not a Debian machine)")
    missing = [name for name in apertium_module.DEBIAN_PAIR_PACKAGES
               if subprocess.run(["apt-cache", "show", f"apertium-{name}"], capture_output=True).returncode != 0]
    assert missing == []


def test_missing_binary(tmp_path):
    engine = ApertiumEngine(binary=str(tmp_path / "apertium"))
    with pytest.raises(EngineUnavailable) as error:
        engine.check("es", "en")
    assert str(error.value) == "apertium is not installed; apt-get install apertium-eng-spa"


def test_a_mode_runs_as_its_stages_and_other_shell_syntax_is_refused(tmp_path):
    from qa.translate.apertium import _pipeline_commands

    mode = tmp_path / "spa-eng.mode"
    script = "lt-proc -z '/a b/x.bin' | apertium-tagger -z -g $2 '/m.prob' | lt-proc -z $1 '/g.bin'\n"
    assert _pipeline_commands(script, mode) == [
        ["lt-proc", "-z", "/a b/x.bin"], ["apertium-tagger", "-z", "-g", "/m.prob"], ["lt-proc", "-z", "-n", "/g.bin"]]
    for script in ["a | b 2>/dev/null", "a; b", "a | $HOME/b", "a || b", "a | | b", "a &"]:
        with pytest.raises(EngineUnavailable, match=f"the Apertium mode {mode} "):
            _pipeline_commands(script, mode)


def _fake_pair(tmp_path, stage: str) -> ApertiumEngine:
    """An engine whose spa-eng mode (a stand-in ``apertium -l`` lists it) is one pipeline stage,
    the shell script ``stage``, to provoke failures."""
    lister = tmp_path / "apertium"
    lister.write_text('#!/bin/sh\necho "  spa-eng"\n')
    script = tmp_path / "fake-stage"
    script.write_text("#!/bin/sh\n" + textwrap.dedent(stage))
    for program in (lister, script):
        program.chmod(program.stat().st_mode | stat.S_IXUSR)
    (tmp_path / "spa-eng.mode").write_text(f"'{script}'\n")
    return ApertiumEngine(binary=str(lister), modes_dir=tmp_path)


@pytest.mark.apertium
def test_failure_reports_the_first_stderr_line(apertium_available, tmp_path):
    engine = _fake_pair(tmp_path, 'echo "Error: something broke" >&2\necho "more" >&2\nexit 3\n')
    with pytest.raises(EngineError, match=r"apertium spa-eng failed: stage fake-stage exited \(exit status 3\): "
                                          r"Error: something broke$"):
        engine.translate(["Hola"], "es", "en")


@pytest.mark.apertium
def test_wrong_line_count_is_an_error(apertium_available, tmp_path):
    # Answers every block with an empty one: its line is missing.
    engine = _fake_pair(tmp_path, "exec sed -u -z 's/.*/x/'\n")
    with pytest.raises(EngineError, match="returned 0 lines for 1 input line$"):
        engine.translate(["Hola", "Adiós"], "es", "en")


@pytest.mark.apertium
def test_timeout_kills_the_whole_pipeline(apertium_available, tmp_path, monkeypatch):
    monkeypatch.setattr(apertium_module, "line_timeout", lambda line: 0.5)
    # The sleeping child holds stdout open: only killing the process group ends the wait.
    engine = _fake_pair(tmp_path, "sleep 30 | cat\n")
    started = time.monotonic()
    with pytest.raises(EngineError, match="took longer than 0.5 s on 1 line"):
        engine.translate(["Hola"], "es", "en")
    assert time.monotonic() - started < 10


@pytest.mark.apertium
def test_a_broken_pipeline_is_replaced_by_a_new_one(apertium_available):
    engine = ApertiumEngine()
    first = engine.translate_chunks(["Hola.", "Adiós."], "es", "en", size=1)
    assert next(first) == ["Hello."]
    first.close()  # stopped early: the pipeline is out of step and must not be used again
    assert engine.translate(["La casa."], "es", "en") == ["The house."]
    engine.close()


@pytest.mark.apertium
def test_close_stops_every_pipeline_and_each_of_its_stages(apertium_available):
    engine = ApertiumEngine()
    assert engine.translate(["La casa."], "es", "en") == ["The house."]
    assert engine.translate(["The house."], "en", "es") == ["La casa."]
    engine.unknown_words(["The hosue."], "en", "es")
    pipelines = [process for started in engine._pipelines.values() for process in started]
    assert len(pipelines) == 3  # two directions and an analyser
    stages = [pid for pipeline in pipelines for pid in pipeline.pids]
    assert len(stages) == 12 + 13 + 1  # spa-eng's stages, eng-spa's (two transfers) and lt-proc
    everything = stages + _stages_of(stages)  # and the apertium-tagger each fresh tagger runs
    assert len(everything) == len(stages) + 2
    engine.close()
    assert not [pid for pid in everything if _running(pid)]


def _stages_of(pids: list[int]) -> list[int]:
    """Every descendant of ``pids`` (Linux /proc)."""
    found, seen = [], list(pids)
    while seen:
        parent = seen.pop()
        children = Path(f"/proc/{parent}/task/{parent}/children")
        for child in map(int, children.read_text().split()) if children.exists() else ():
            found.append(child)
            seen.append(child)
    return found


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (not gone, not a zombie awaiting its parent)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return False
    return fields[0] != "Z"


@pytest.mark.apertium
def test_the_same_text_gets_the_same_translation_whatever_is_around_it(apertium_available):
    # In one stream of lines Apertium reads a multiword across a line end that has no full stop:
    # "Comimos nada en los Expertos" / "de tarde dice esto es malo." Every line is its own block,
    # so a headline keeps its words and a cached translation holds in any context.
    sentences = ["We ate nothing in the evening", "Experts say this is bad."]
    engine = ApertiumEngine()
    together = engine.translate(sentences, "en", "es")
    assert together == [engine.translate([sentence], "en", "es")[0] for sentence in sentences]
    assert together == ["Comimos nada en la tarde", "Los expertos dicen que esto es malo."]
    engine.close()


@pytest.mark.apertium
def test_unknown_words_are_what_the_analyser_marks(apertium_available, tmp_path):
    from qa.translate.cache import CachedEngine, TranslationCache

    texts = ["The vaccin is safe, said [Ana] with a *star^ and 5 %.", "", "Ministerio del Interior."]
    engine = ApertiumEngine()
    assert engine.can_analyse
    words = engine.unknown_words(texts, "en", "es")
    assert words[1] == () and "vaccin" in words[0] and "safe" not in words[0]
    assert "Ministerio" in words[2]
    # Stream-format characters reach the analyser as plain text and come back unescaped.
    assert all("\\" not in word for word in words[0])
    cached = CachedEngine(engine, TranslationCache(tmp_path / "cache.sqlite3"))
    assert cached.unknown_words(texts, "en", "es") == words
    assert cached.unknown_words(texts, "en", "es") == words
    assert cached.analysis_stats.hits == len(texts) and cached.hits == 0  # not counted as translations


@pytest.mark.apertium
@pytest.mark.parametrize(("src", "tgt", "texts"), [
    ("es", "en", ["El perro come.", "Dijo: «a ~ b» [nota] con\ttabulador.", "Comimos nada por la tarde",
                  "^signo$ /barra/ <menor> @arroba *estrella {llave} #almohadilla +más \\barra", "El 3,5 % de 1.000 euros."]),
    ("en", "es", ["We ate nothing in the evening", "Experts say [sic] this ~ that.", "It costs $5 (or 4 €).",
                  # "worn" has an ambiguity class the tagger's model lacks: a tagger that met it tags
                  # the unknown "Otherwise" with a narrowed class ("Nosotros no cabidos en la furgoneta").
                  "The coat may be worn.", "Otherwise we would not fit in the van."]),
])
def test_each_line_is_translated_as_apertium_translates_it_alone(apertium_available, src, tgt, texts):
    engine = ApertiumEngine()
    mode = apertium_mode(src, tgt)
    alone = [subprocess.run(["apertium", "-u", mode], input=f"{text}\n", capture_output=True, text=True,
                            check=True).stdout.strip() for text in texts]
    assert engine.translate(texts, src, tgt) == alone
    engine.close()
