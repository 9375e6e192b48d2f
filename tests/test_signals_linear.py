"""Every model-free check does work linear in the text's length (issue 15, item 9).

The numbers check once searched all the text before each figure: 8,000 figures in a paragraph
took half a minute, and a 5 MB sentence went past two minutes. Tests here never time anything
(timings are for benchmarks); they count work instead, deterministically:

- every Python line the checks execute (``sys.settrace``), and
- every character handed to a regular expression that scans it (``search``, ``finditer``,
  ``findall``, ``sub``, ``split``: from ``pos`` to ``endpos``; ``match`` counts what it matched),
  since a regular expression's work happens in C where no trace sees it.

A text made of one block said k times and 4k times must cost at most 1.5 × 4 as much: a linear
check costs 4 times as much, a quadratic one 16 times. The repeat finder reads only the first
``MAX_REPEAT_TOKENS`` tokens (bounded work, quadratic within them), so the smaller text already
holds more than that. Hypothesis draws the block from figures,
scale words, names, repeated words and punctuation, the material the checks read.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qa.segment
import qa.signals
from qa.signals import compute_signals, registry
from qa.signals.base import Segment
from qa.signals.intrinsic import MAX_REPEAT_TOKENS

SCANNING = ("search", "finditer", "findall", "sub", "subn", "split")
GROWTH = 4
SLACK = 1.5


class Work:
    """Lines executed and characters scanned by regular expressions."""

    def __init__(self) -> None:
        self.lines = 0
        self.scanned = 0

    @property
    def total(self) -> int:
        return self.lines + self.scanned


class CountingPattern:
    """A compiled pattern that counts the characters each call is given to scan."""

    def __init__(self, pattern: re.Pattern, work: Work) -> None:
        self._pattern = pattern
        self._work = work

    def __getattr__(self, name: str):
        attribute = getattr(self._pattern, name)
        if name in SCANNING:
            return self._scanning(attribute, name)
        if name in ("match", "fullmatch"):
            return self._anchored(attribute)
        return attribute

    def _scanning(self, method: Callable, name: str) -> Callable:
        def counted(*args, **kwargs):
            text = args[1] if name in ("sub", "subn") else args[0]
            if isinstance(text, str):
                start = args[1] if name not in ("sub", "subn") and len(args) > 1 else kwargs.get("pos", 0)
                end = args[2] if name in ("search", "finditer", "findall") and len(args) > 2 else len(text)
                self._work.scanned += max(1, min(end, len(text)) - start)
            return method(*args, **kwargs)

        return counted

    def _anchored(self, method: Callable) -> Callable:
        def counted(*args, **kwargs):
            found = method(*args, **kwargs)
            self._work.scanned += 1 + (found.end() - found.start() if found else 0)
            return found

        return counted


def check_modules() -> list[ModuleType]:
    """The modules whose functions the checks run: every signal's module, the text toolkit they
    share and the segmenter."""
    names = {function.__module__ for function in registry().values()}
    names |= {"qa.signals.text", "qa.signals.folding", "qa.signals.base", qa.segment.__name__}
    return [importlib.import_module(name) for name in sorted(names)]


@contextmanager
def counting(work: Work) -> Iterator[None]:
    """Count the work of the checks: patterns at module level are wrapped, ``re``'s own
    functions count their text, and every line executed in qa is traced."""
    saved: list[tuple[object, str, object]] = []
    for module in check_modules():
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern):
                saved.append((module, name, value))
    for name in SCANNING:
        saved.append((re, name, getattr(re, name)))
    try:
        for module, name, value in saved:
            if module is re:
                setattr(re, name, _counting_function(value, work))
            else:
                setattr(module, name, CountingPattern(value, work))

        def trace(frame, event, _arg):
            if not frame.f_code.co_filename.startswith(QA_ROOT):
                return None
            if event == "line":
                work.lines += 1
            return trace

        sys.settrace(trace)
        yield
    finally:
        sys.settrace(None)
        for module, name, value in saved:
            setattr(module, name, value)


QA_ROOT = qa.signals.__file__.rsplit("/signals/", 1)[0]


def _counting_function(function: Callable, work: Work) -> Callable:
    def counted(pattern, string, *args, **kwargs):
        if isinstance(string, str):
            work.scanned += max(1, len(string))
        return function(pattern, string, *args, **kwargs)

    return counted


def cost(source: str, target: str) -> int:
    """The work of every model-free check on one es→en segment."""
    segment = Segment(source=source, target=target, src_lang="es", tgt_lang="en")
    work = Work()
    with counting(work):
        compute_signals(segment)
    return work.total


SPANISH_PIECES = st.sampled_from([
    "1.500", "3,5 millones", "12 %", "mil millones", "entre 265 y 275 millones de dólares", "2024",
    "el Ministerio de Hacienda", "Madrid", "dijo", "la", "seguridad", "de", ",", ".", "«hoy»",
    "450.000 pisos", "US$ 20", "el 5 de mayo", "un", "3", "a las 10.30",
])
ENGLISH_PIECES = st.sampled_from([
    "1,500", "3.5 million", "12%", "a thousand million", "between $265 million and $275 million",
    "2024", "the Ministry of Finance", "Madrid", "said", "the", "security", "of", ",", ".",
    "\"today\"", "450 thousand flats", "$20", "on 5 May", "a", "three", "at 10:30", "Ministry of Finance",
])


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    spanish=st.lists(SPANISH_PIECES, min_size=4, max_size=30),
    english=st.lists(ENGLISH_PIECES, min_size=4, max_size=30),
)
def test_checks_cost_grows_linearly_with_the_text(spanish, english):
    source_block, target_block = " ".join(spanish) + " ", " ".join(english) + " "
    shortest = min(len(source_block.split()), len(target_block.split()))
    copies = -(-MAX_REPEAT_TOKENS // shortest)
    small = cost(source_block * copies, target_block * copies)
    large = cost(source_block * copies * GROWTH, target_block * copies * GROWTH)
    assert large <= SLACK * GROWTH * small, f"{GROWTH}× the text cost {large / small:.1f}× the work"


def test_the_counter_sees_a_quadratic_check():
    # The measure must be able to fail: a check that searches the text before each figure, as
    # the numbers check once did, costs far more than 4 times as much on 4 times the text.
    def quadratic(segment: Segment) -> None:
        for figure in re.finditer(r"\d+", segment.target):
            re.search(r"\$\s*$", segment.target[: figure.start()])

    def work_of(text: str) -> int:
        work = Work()
        with counting(work):
            quadratic(Segment(source="", target=text, src_lang="es", tgt_lang="en"))
        return work.total

    text = "costs 12 and 40, " * 40
    assert work_of(text * GROWTH) > SLACK * GROWTH * work_of(text)
