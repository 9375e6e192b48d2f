"""Shared fixtures. Tests that need Apertium or ../shared skip on a user's machine when those are
absent, but fail under CI=true, where .ci/run installs them and ../shared lies beside the clone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SAMPLE_PAGE = SHARED / "samples" / "morocco-us-security.en.txt"
SAMPLE_LABELS = SHARED / "samples" / "morocco-us-security.labels.jsonl"
EVAL = SHARED / "eval"
IN_CI = os.environ.get("CI", "").lower() == "true"


# `make test-fast` runs `pytest -m "not slow"`; `make test` (and CI) runs everything. A test is
# slow when it builds a venv, drives a browser or a kernel, spawns workers or a cluster, converts
# models, checks whole corpora, or takes 3 s or more by `pytest --durations` on 2 cores. Whole modules:
SLOW_MODULES = frozenset({
    "test_baseline_ref",  # a git repository and CLI runs per test
    "test_calibrate",  # labelled files scored with Apertium, fits
    "test_ci_repository",
    "test_ct2",
    "test_ct2_kernels",
    "test_distribute",
    "test_faults",
    "test_interrupts",
    "test_library_parity",
    "test_report_html",  # Playwright driving Chromium
    "test_serve_api",  # a uvicorn server per test, and `qa serve` processes
    "test_serve_fetch",  # a uvicorn server and a page server per test
    "test_serve_browser",  # Playwright driving Chromium on a qa serve on loopback
    "test_signals_linear",
    "test_worker_faults",
})
# Single tests in otherwise fast modules (module::test, every parametrization); the test files
# that are D's (report_ci, demo, packaging, notebook) mark theirs with @pytest.mark.slow instead.
SLOW_TESTS = frozenset({
    "test_align::test_recovers_95_percent_of_true_links_on_newstest2013",
    "test_align::test_the_counter_sees_the_old_quadratic_band",
    "test_apertium::test_every_package_a_hint_can_name_is_in_debian",
    "test_check::test_marian_engine_adds_log_probabilities",
    "test_check::test_a_sentence_too_long_to_score_is_checked_without_its_score",
    "test_cli::test_translate_with_a_tiny_marian_model_hits_the_cache_the_second_time",
    "test_cli::test_no_cache_translates_every_time",
    "test_hostile_inputs::test_qa_changes_no_input_file",
    "test_hostile_inputs::test_a_file_name_that_is_not_utf8",
    "test_cache::test_three_60_mb_values_are_recomputed_in_little_memory",
    "test_cache::test_blob_values_are_recomputed_and_the_report_is_unchanged",
    "test_cache::test_an_oversized_value_never_reaches_python",
    "test_align::test_work_grows_in_proportion_to_the_sentences_whatever_the_gap",
    "test_align::test_memory_grows_in_proportion_to_the_sentences_whatever_the_gap",
    "test_properties::test_thousands_of_paragraphs",
    "test_signals_clean_text::test_signals_rarely_fire_on_clean_english_to_spanish",
    "test_signals_clean_text::test_signals_rarely_fire_on_clean_spanish_to_english",
    "test_untrusted_repository::test_a_tls_scheduler_works_with_dasks_own_tls_settings",
    "test_untrusted_repository::test_1300_nested_folders_are_walked_without_recursion",
})


def pytest_collection_modifyitems(config, items) -> None:
    """Mark the slow tests (see SLOW_MODULES and SLOW_TESTS) and those using realistic_marian."""
    for item in items:
        module = item.path.stem
        name = f"{module}::{item.originalname}"
        if module in SLOW_MODULES or name in SLOW_TESTS or "realistic_marian" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


def need(condition: bool, why: str) -> None:
    """Skip the calling test when ``condition`` is false, or fail it under CI=true."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required under CI=true: {why}")
    pytest.skip(why)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium driven by Playwright (skipped, or failed under CI=true, without them)."""
    import importlib.util

    need(importlib.util.find_spec("playwright") is not None, "playwright is not installed")
    need(CHROMIUM.is_file(), f"{CHROMIUM} is absent (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def git_identity(tmp_path, monkeypatch):
    """A predictable git: no user or system configuration, a fixed identity, and no repository
    above the test folder."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "test@example.org")


def git(repo: Path, *arguments: str) -> str:
    """Run git in ``repo``; its standard output."""
    return subprocess.run(["git", *arguments], cwd=repo, check=True, capture_output=True, text=True).stdout


# At most this share of the sentences of clean human translations may fire a page check.
CLEAN_RATE = 0.001


def clean_english_fire_rate(check) -> tuple[int, int]:
    """How many sentences of the English side of both newstest years make ``check`` fire (garble
    0.5 or more), and how many were read: each sentence read after the ones before it in its
    article, as a page without a Spanish source; the headline as a heading."""
    import json

    from qa.signals.base import Segment

    paths = [EVAL / f"newstest{year}-articles.jsonl" for year in (2012, 2013)]
    need(all(path.exists() for path in paths), "needs ../shared/eval")
    fired = total = 0
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            side = json.loads(line)["en"]
            before: list[str] = []
            sentences = [side["headline"], *(s for paragraph in side["paragraphs"] for s in paragraph)]
            for number, sentence in enumerate(sentences):
                if sentence:
                    segment = Segment(None, sentence, "es", "en", preceding_targets=tuple(before), heading=number == 0)
                    signal = check(segment)
                    fired += signal is not None and signal.garble >= 0.5
                    total += 1
                    before.append(sentence)
    return fired, total


@pytest.fixture(autouse=True)
def _isolated_caches(tmp_path_factory, monkeypatch):
    """Keep every test away from the user's caches and from any model hub: the translation cache
    goes to a temporary folder and Hugging Face may only read an empty local cache."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("QA_CACHE_DIR", str(home / "qa-cache"))
    monkeypatch.setenv("HF_HOME", str(home / "hf"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(autouse=True)
def _isolated_user_settings(tmp_path_factory, monkeypatch):
    """Keep every test away from the developer's own settings (~/.config/qa/qa.toml): the folder
    platformdirs' user_config_dir reads is an empty temporary one. XDG_CONFIG_HOME is what it reads
    on Linux; APPDATA/LOCALAPPDATA on Windows and HOME on macOS are set too, though only Linux runs
    the suite today."""
    config_home = tmp_path_factory.mktemp("config-home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    if sys.platform == "win32":
        monkeypatch.setenv("APPDATA", str(config_home))
        monkeypatch.setenv("LOCALAPPDATA", str(config_home))
    elif sys.platform == "darwin":
        monkeypatch.setenv("HOME", str(config_home))


@pytest.fixture
def apertium_available():
    """The Apertium binary with the es-en pair installed (skip or, in CI, fail without it)."""
    need(shutil.which("apertium") is not None, "apertium is not installed (apt-get install apertium-eng-spa)")


@pytest.fixture
def sample_page() -> Path:
    """The brief's sample English page with its Spanish headline (from ../shared)."""
    need(SAMPLE_PAGE.is_file(), f"{SAMPLE_PAGE} is absent")
    return SAMPLE_PAGE


@pytest.fixture
def sample_labels() -> list[dict]:
    """The labels of the sample page's lines, read from ../shared at run time."""
    import json

    need(SAMPLE_LABELS.is_file(), f"{SAMPLE_LABELS} is absent")
    return [json.loads(line) for line in SAMPLE_LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def tiny_marian(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """A tiny real Marian model pair (es->en and en->es) with random weights, built once per run."""
    from qa.testing.tiny_marian import build_tiny_marian_pair

    return build_tiny_marian_pair(tmp_path_factory.mktemp("tiny-marian"))


@pytest.fixture(scope="session")
def realistic_marian(tmp_path_factory) -> Path:
    """An es->en Marian model with opus-mt's width (d_model 512, feed-forward 2048) and weights
    of the scale a trained model keeps (1/sqrt(d_model)), for bounds that quantisation must meet.
    One layer and a 500-token vocabulary keep it at 30 MB."""
    from qa.testing.tiny_marian import build_tiny_marian, realistic_std

    folder = tmp_path_factory.mktemp("realistic-marian") / "es-en"
    return build_tiny_marian(
        folder, "es", "en", d_model=512, heads=8, ffn_dim=2048, layers=1, init_std=realistic_std(512)
    )
