"""Shared fixtures. Tests that need Apertium or ../shared skip on a user's machine when those are
absent, but fail under CI=true, where .ci/run installs them and ../shared lies beside the clone."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SAMPLE_PAGE = SHARED / "samples" / "morocco-us-security.en.txt"
SAMPLE_LABELS = SHARED / "samples" / "morocco-us-security.labels.jsonl"
EVAL = SHARED / "eval"
IN_CI = os.environ.get("CI", "").lower() == "true"


def need(condition: bool, why: str) -> None:
    """Skip the calling test when ``condition`` is false, or fail it under CI=true."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required under CI=true: {why}")
    pytest.skip(why)


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
