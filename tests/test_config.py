"""Repository settings: where they are found, what wins, and the one-line errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qa.config import (
    KEYS,
    Settings,
    SettingsWarning,
    as_dict,
    describe,
    find_config,
    is_ignored,
    load_settings,
)
from qa.errors import InputError


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    """An empty repository folder (the .git bounds the search for a configuration file), the
    current folder."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "content" / "es").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def error_of(start: Path, overrides=None) -> str:
    with pytest.raises(InputError) as caught:
        load_settings(start, overrides or {})
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_defaults_without_a_file(repo):
    settings, sources = load_settings(repo / "content", {})
    assert settings == Settings()
    assert settings.config_file is None and settings.root == repo.resolve()
    assert set(sources) == set(KEYS) and set(sources.values()) == {"default"}


def test_command_line_wins_over_file_and_file_over_defaults(repo):
    write(repo / "qa.toml", 'engine = "apertium"\nthreshold = 0.5\nfail-on = "warning"\n')
    settings, sources = load_settings(repo / "content" / "es", {"engine": "none", "beam": None, "ignore": ()})
    assert (settings.engine, settings.threshold, settings.fail_on, settings.beam) == ("none", 0.5, "warning", 1)
    assert sources["engine"] == "command line"
    assert sources["threshold"] == sources["fail_on"] == "qa.toml"
    assert sources["beam"] == sources["ignore"] == "default"


def test_engine_ct2_with_its_threads_and_device(repo):
    write(repo / "qa.toml", 'engine = "ct2"\nthreads = 2\ndevice = "cpu"\n')
    settings, sources = load_settings(repo, {"threads": None, "device": None})
    assert (settings.engine, settings.threads, settings.device) == ("ct2", 2, "cpu")
    assert sources["threads"] == "qa.toml"
    settings, sources = load_settings(repo, {"threads": 1})
    assert settings.threads == 1 and sources["threads"] == "command line"


def test_file_is_found_by_walking_up_and_qa_toml_wins_over_pyproject(repo):
    write(repo / "pyproject.toml", '[project]\nname = "site"\n\n[tool.qa]\nsrc_lang = "fr"\n')
    nested = repo / "content" / "es" / "nota.md"
    settings, sources = load_settings(nested, {})
    assert settings.src_lang == "fr" and sources["src_lang"] == "pyproject.toml"
    write(repo / "qa.toml", 'src_lang = "pt"\n')
    assert find_config(nested) == repo / "qa.toml"
    assert load_settings(nested, {})[0].src_lang == "pt"


def test_a_settings_file_below_the_root_is_never_read_only_named(repo, recwarn):
    """Issue 26: a checked folder may come from a pull request, so its qa.toml or [tool.qa] is not
    read (before: the nearest file won, whole)."""
    write(repo / "qa.toml", 'engine = "apertium"\n')
    write(repo / "content" / "qa.toml", 'engine = "none"\nscheduler = "tcp://203.0.113.9:8786"\n')
    write(repo / "content" / "es" / "pyproject.toml", '[tool.qa]\nfail-on = "never"\n')
    write(repo / "content" / "es" / "nota.md", "# Nota\n")
    assert find_config(repo / "content" / "es") == repo / "qa.toml"
    settings, sources = load_settings(repo / "content" / "es" / "nota.md", {})
    assert (settings.engine, settings.scheduler, settings.fail_on) == ("apertium", None, "error")
    assert set(sources.values()) <= {"qa.toml", "default"}
    assert settings.refused == (repo / "content" / "es" / "pyproject.toml", repo / "content" / "qa.toml")
    assert [str(w.message) for w in recwarn if w.category is SettingsWarning] == [
        f"content/{name}: settings below the repository root are not read (qa reads only ./qa.toml); move them there"
        for name in ("es/pyproject.toml", "qa.toml")]
    assert describe(settings, sources).splitlines()[1] == "# not read (below the repository root): content/es/pyproject.toml"


def test_other_checked_paths_and_an_explicit_config_file(repo):
    write(repo / "content" / "qa.toml", 'engine = "none"\n')
    (repo / "other").mkdir()
    write(repo / "other" / "qa.toml", 'engine = "none"\n')
    with pytest.warns(SettingsWarning) as heard:
        settings, _ = load_settings(repo / "content", {}, checked=[repo / "other", repo / "content"])
    assert settings.refused == (repo / "content" / "qa.toml", repo / "other" / "qa.toml") and len(heard) == 2
    with pytest.warns(SettingsWarning, match="qa reads only ./other/qa.toml"):  # --config is read, not refused
        settings, _ = load_settings(repo / "content", {}, config_file=repo / "other" / "qa.toml",
                                    checked=[repo / "other"])
    assert settings.engine == "none" and settings.refused == (repo / "content" / "qa.toml",)


def test_qa_scheduler_in_the_environment_wins_over_the_file_and_loses_to_the_flag(repo, monkeypatch):
    write(repo / "qa.toml", 'scheduler = "tcp://10.0.0.1:8786"\n')
    monkeypatch.setenv("QA_SCHEDULER", "tls://10.0.0.2:8786")
    settings, sources = load_settings(repo, {})
    assert (settings.scheduler, sources["scheduler"]) == ("tls://10.0.0.2:8786", "$QA_SCHEDULER")
    settings, sources = load_settings(repo, {"scheduler": "tcp://10.0.0.3:8786"})
    assert (settings.scheduler, sources["scheduler"]) == ("tcp://10.0.0.3:8786", "command line")
    monkeypatch.setenv("QA_SCHEDULER", "http://host/path")
    assert error_of(repo) == ("$QA_SCHEDULER: scheduler 'http://host/path' is not a Dask scheduler address "
                              "such as tcp://127.0.0.1:8786")


def test_allow_empty_and_follow_symlinks_come_from_the_command_line_only(repo):
    assert "allow_empty" not in KEYS and "follow_symlinks" not in KEYS
    settings, _ = load_settings(repo, {"allow_empty": True, "follow_symlinks": True})
    assert settings.allow_empty and settings.follow_symlinks
    write(repo / "qa.toml", "follow-symlinks = true\n")
    assert error_of(repo) == ("qa.toml: 'follow-symlinks' is given on the command line only (--follow-symlinks), "
                              "not in a settings file")


def test_pyproject_without_a_qa_table_is_passed_over(repo):
    write(repo / "qa.toml", 'tgt_lang = "de"\n')
    write(repo / "content" / "pyproject.toml", '[tool.other]\nx = 1\n')
    assert find_config(repo / "content" / "es") == repo / "qa.toml"


def test_search_stops_at_the_repository_top(tmp_path, monkeypatch):
    write(tmp_path / "qa.toml", 'engine = "none"\n')
    inner = tmp_path / "project"
    (inner / ".git").mkdir(parents=True)
    monkeypatch.chdir(inner)
    assert find_config(inner) is None


def test_unknown_key_names_the_key_the_file_and_a_suggestion(repo):
    write(repo / "qa.toml", "treshold = 0.5\n")
    assert error_of(repo) == "qa.toml: unknown key 'treshold' (did you mean 'threshold'?)"


def test_unknown_key_without_a_close_match_lists_the_known_keys(repo):
    write(repo / "qa.toml", "colour = 'blue'\n")
    message = error_of(repo)
    assert message.startswith("qa.toml: unknown key 'colour'; known keys: src_lang, tgt_lang")


def test_wrong_choice_in_pyproject_names_the_table_key_and_value(repo):
    write(repo / "pyproject.toml", '[tool.qa]\nfail_on = "sometimes"\n')
    assert error_of(repo) == (
        "pyproject.toml: [tool.qa] 'fail_on' must be one of error, warning, info, never, not 'sometimes'"
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('beam = "three"', "qa.toml: 'beam' must be a whole number from 1 to 16, not 'three'"),
        ("beam = true", "qa.toml: 'beam' must be a whole number from 1 to 16, not true"),
        ("threshold = 1.5", "qa.toml: 'threshold' must be a number from 0 to 1, not 1.5"),
        ('ignore = "drafts/*"', "qa.toml: 'ignore' must be a list of glob patterns"),
        ('format = "pdf"', "qa.toml: 'format' must be one of"),
        ('models = "opus"', "qa.toml: 'models' must be a table"),
        ('[models]\nspanish = "x"', "qa.toml: 'models': 'spanish' is not a direction"),
        ("threads = 0", "qa.toml: 'threads' must be a whole number from 1 to 256, not 0"),
        ('device = "tpu"', "qa.toml: 'device' must be one of"),
        ('fetch-allow = "10.0.0.0/8"', "qa.toml: 'fetch-allow' must be a list of IP networks"),
        ('fetch-allow = ["intranet"]', "qa.toml: 'fetch-allow': 'intranet' is not an IP network"),
    ],
)
def test_wrong_types_are_one_line_naming_key_and_file(repo, line, expected):
    write(repo / "qa.toml", line + "\n")
    assert error_of(repo).startswith(expected)


def test_fetch_allow_reads_networks_in_their_canonical_form(repo):
    write(repo / "qa.toml", 'fetch-allow = ["10.1.2.3/8", "192.168.1.20", "::1"]\n')
    settings, _ = load_settings(repo, {})
    assert settings.fetch_allow == ("10.0.0.0/8", "192.168.1.20/32", "::1/128")


def test_invalid_toml_names_the_file(repo):
    write(repo / "qa.toml", "engine = \n")
    assert error_of(repo).startswith("qa.toml: invalid TOML")


def test_both_spellings_of_a_key_at_once_are_an_error(repo):
    write(repo / "qa.toml", 'fail-on = "info"\nfail_on = "error"\n')
    assert "'fail_on' is set twice" in error_of(repo)


def test_paths_are_relative_to_the_file_folder(repo, monkeypatch):
    monkeypatch.delenv("QA_CACHE_DIR", raising=False)  # it would win over the file's cache
    write(repo / "qa.toml", 'baseline = ".qa-baseline.json"\ncache = "cache/t.sqlite3"\nflagger = "qa/flagger.json"\n')
    monkeypatch.chdir(repo / "content")
    settings, _ = load_settings(repo / "content", {})
    assert settings.baseline == (repo / ".qa-baseline.json").resolve()
    assert settings.cache == (repo / "cache" / "t.sqlite3").resolve()
    assert settings.flagger == (repo / "qa" / "flagger.json").resolve()
    assert settings.root == repo.resolve()


def test_path_outside_the_repository_is_an_error(repo):
    write(repo / "qa.toml", 'baseline = "../elsewhere/baseline.json"\n')
    message = error_of(repo)
    assert message.startswith("qa.toml: 'baseline' = '../elsewhere/baseline.json' leads outside the repository")


def test_model_folders_resolve_and_hub_names_stay(repo):
    (repo / "models" / "es-en").mkdir(parents=True)
    write(repo / "qa.toml", '[models]\nes-en = "models/es-en"\nen-es = "Helsinki-NLP/opus-mt-en-es"\n')
    settings, sources = load_settings(repo, {})
    assert settings.models == {"es-en": str((repo / "models" / "es-en").resolve()), "en-es": "Helsinki-NLP/opus-mt-en-es"}
    assert sources["models"] == "qa.toml"
    write(repo / "qa.toml", '[models]\nes-en = "../outside"\n')
    assert "leads outside the repository" in error_of(repo)


def test_explicit_config_file_skips_the_search(repo):
    write(repo / "qa.toml", 'engine = "apertium"\n')
    other = write(repo / "content" / "ci.toml", 'engine = "none"\n')
    settings, sources = load_settings(repo, {}, config_file=other)
    assert settings.engine == "none" and sources["engine"] == "content/ci.toml"
    assert settings.root == (repo / "content").resolve()
    with pytest.raises(InputError, match="no such configuration file"):
        load_settings(repo, {}, config_file=repo / "missing.toml")


def test_unknown_command_line_setting_is_an_error(repo):
    with pytest.raises(InputError, match="unknown setting 'treshold'"):
        load_settings(repo, {"treshold": 0.3})


def test_describe_shows_each_key_value_and_source(repo):
    write(repo / "qa.toml", 'threshold = 0.5\nignore = ["drafts/*"]\n')
    settings, sources = load_settings(repo, {"fail-on": "never"})
    lines = describe(settings, sources).splitlines()
    assert lines[0] == "# configuration file: qa.toml"
    assert len(lines) == 1 + len(KEYS)
    assert "threshold = 0.5  (from qa.toml)" in lines
    assert 'ignore = ["drafts/*"]  (from qa.toml)' in lines
    assert 'fail_on = "never"  (from command line)' in lines
    assert "baseline = (none)  (default)" in lines


def test_as_dict_is_plain_json(repo):
    import json

    write(repo / "qa.toml", 'baseline = "b.json"\nignore = ["x"]\n[models]\nes-en = "Helsinki-NLP/opus-mt-es-en"\n')
    data = as_dict(load_settings(repo, {})[0])
    assert json.loads(json.dumps(data)) == data
    assert data["baseline"] == str((repo / "b.json").resolve()) and data["ignore"] == ["x"]
    assert set(data) == set(KEYS)


def test_ignore_patterns_match_paths_below_the_root(repo):
    write(repo / "qa.toml", 'ignore = ["content/drafts", "**/*.draft.md", "archive/*"]\n')
    settings, _ = load_settings(repo, {})
    assert is_ignored(repo / "content" / "drafts" / "nota.es.md", settings)
    assert is_ignored(repo / "nota.draft.md", settings)
    assert is_ignored(repo / "content" / "es" / "nota.draft.md", settings)
    assert is_ignored(repo / "archive" / "2020" / "x.md", settings)
    assert not is_ignored(repo / "content" / "es" / "nota.md", settings)
    assert not is_ignored(Path("/somewhere/else/archive/x.md"), settings)


def test_qa_cache_dir_in_the_environment_wins_over_the_files_cache(tmp_path, monkeypatch):
    from qa.session import open_cache

    (tmp_path / "qa.toml").write_text('cache = ".cache/qa/translations.sqlite3"\n', encoding="utf-8")
    monkeypatch.delenv("QA_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    settings, _ = load_settings(tmp_path, {})
    assert settings.cache == tmp_path / ".cache/qa/translations.sqlite3"  # the file's, with no variable
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path / "ci-cache"))
    settings, sources = load_settings(tmp_path, {})
    assert settings.cache is None and sources["cache"] == "$QA_CACHE_DIR"
    with open_cache(settings) as cache:
        assert cache.path == tmp_path / "ci-cache" / "translations.sqlite3"
    flagged, _ = load_settings(tmp_path, {"cache": str(tmp_path / "flag.sqlite3")})
    assert flagged.cache == tmp_path / "flag.sqlite3"  # --cache still wins over both


# The user file (~/.config/qa/qa.toml): machine settings, paths anywhere, below the repository's file.


@pytest.fixture
def user_file(tmp_path_factory) -> Path:
    """The user file's path (conftest points XDG_CONFIG_HOME at an empty temporary folder)."""
    from qa.config import user_settings_file

    path = user_settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    assert path.parent.parent == Path(os.environ["XDG_CONFIG_HOME"])
    return path


def test_the_user_file_may_name_a_models_folder_outside_any_repository(repo, user_file, tmp_path_factory):
    outside = tmp_path_factory.mktemp("opt-models")
    write(user_file, f'engine = "marian"\nmodels-dir = "{outside}"\n[models]\nes-en = "../es-en"\n')
    settings, sources = load_settings(repo / "content", {})
    assert settings.models_dir == outside.resolve() and settings.engine == "marian"
    # Relative paths are relative to the user file's folder, and may lead out of it.
    assert settings.models == {"es-en": str((user_file.parent.parent / "es-en").resolve())}
    assert sources["models_dir"] == sources["engine"] == str(user_file.resolve())
    assert settings.user_file == user_file.resolve() and settings.config_file is None
    # The repository's file may not do the same: a pull request could point qa anywhere.
    write(repo / "qa.toml", f'models-dir = "{outside}"\n')
    assert error_of(repo).startswith(f"qa.toml: 'models-dir' = '{outside}' leads outside the repository")


def test_the_repository_file_wins_over_the_user_file_and_flags_over_both(repo, user_file):
    write(user_file, 'engine = "apertium"\nbeam = 4\nthreads = 2\n')
    write(repo / "qa.toml", 'engine = "none"\nmodels-dir = "models"\n')
    settings, sources = load_settings(repo, {"threads": 3})
    assert (settings.engine, settings.beam, settings.threads) == ("none", 4, 3)
    assert settings.models_dir == (repo / "models").resolve()
    assert sources["engine"] == sources["models_dir"] == "qa.toml"
    assert sources["beam"] == str(user_file.resolve()) and sources["threads"] == "command line"


def test_the_environment_wins_over_the_user_files_cache(repo, user_file, monkeypatch):
    write(user_file, 'cache = "translations.sqlite3"\n')
    monkeypatch.delenv("QA_CACHE_DIR", raising=False)
    assert load_settings(repo, {})[0].cache == user_file.parent / "translations.sqlite3"
    monkeypatch.setenv("QA_CACHE_DIR", str(repo / "ci-cache"))
    settings, sources = load_settings(repo, {})
    assert settings.cache is None and sources["cache"] == "$QA_CACHE_DIR"


@pytest.mark.parametrize("line", ['ignore = ["drafts/*"]', 'fail-on = "never"', "threshold = 0.9",
                                  'baseline = "b.json"', 'flagger = "f.json"', 'format = "json"'])
def test_a_repository_setting_in_the_user_file_is_refused_in_one_line(repo, user_file, line):
    write(user_file, line + "\n")
    message = error_of(repo)
    key = line.split(" = ")[0]
    assert message.startswith(f"{user_file.resolve()}: {key!r} is a repository setting, not read from the user file")
    assert "models-dir" in message


def test_qa_config_names_the_user_file_as_the_source(repo, user_file):
    write(user_file, 'device = "cuda"\n')
    settings, sources = load_settings(repo, {})
    lines = describe(settings, sources).splitlines()
    assert lines[:2] == ["# configuration file: none", f"# user file: {user_file.resolve()}"]
    assert f'device = "cuda"  (from {user_file.resolve()})' in lines
    assert "models_dir = (none)  (default)" in lines


def test_models_dir_from_the_command_line_is_made_absolute(repo):
    settings, sources = load_settings(repo / "content", {"models-dir": "models"})
    assert settings.models_dir == (repo / "models").resolve() and sources["models_dir"] == "command line"


def test_every_report_format_has_a_setting_name():
    from qa.config import FORMAT_NAMES
    from qa.report import FORMATS

    assert set(FORMATS) == set(FORMAT_NAMES)


def test_model_values_per_direction_for_every_direction_or_from_a_models_folder(tmp_path):
    from qa.config import parse_model_values

    both = [("en", "es"), ("es", "en")]
    one = tmp_path / "one-model"
    one.mkdir()
    shelf = tmp_path / "models"
    (shelf / "opus-mt-es-en").mkdir(parents=True)
    assert parse_model_values(["org/name"], both) == {"en-es": "org/name", "es-en": "org/name"}
    assert parse_model_values([f"es-en={one}"], both) == {"es-en": str(one)}
    assert parse_model_values([str(one)], [("es", "en")]) == {"es-en": str(one)}
    from_shelf = {"en-es": str(shelf / "opus-mt-en-es"), "es-en": str(shelf / "opus-mt-es-en")}
    assert parse_model_values([str(shelf)], both) == from_shelf  # a folder of opus-mt folders
    assert parse_model_values([], both, models_dir=shelf) == from_shelf
    assert parse_model_values([f"es-en={one}"], both, models_dir=shelf) == {**from_shelf, "es-en": str(one)}


def test_one_model_folder_for_two_directions_is_refused_in_one_line(tmp_path):
    from qa.config import parse_model_values

    folder = tmp_path / "one-model"
    folder.mkdir()
    with pytest.raises(InputError) as caught:
        parse_model_values([str(folder)], [("en", "es"), ("es", "en")])
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"--model {folder}: a model folder translates one way")
    assert "en-es, es-en are needed" in message
    assert "pass --models-dir DIR (opus-mt-SRC-TGT folders) or --model SRC-TGT=PATH" in message


def test_the_readme_describes_every_key_and_what_the_user_file_takes():
    from qa.config import COMMAND_LINE_ONLY, MACHINE_KEYS

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    reference = readme[readme.index("## Configuration"):]
    rows = [line for line in reference.splitlines() if line.startswith("| ")]
    for key in KEYS:
        assert any(f"`{key.replace('_', '-')}`" in row.split(" | ")[0] for row in rows), key
    for key in COMMAND_LINE_ONLY:
        assert f"`--{key.replace('_', '-')}`" in reference, key
    user_file_paragraph = reference[reference.index("The user settings file"):]
    for key in MACHINE_KEYS:
        assert f"`{key.replace('_', '-')}`" in user_file_paragraph.split("\n\n")[0], key
