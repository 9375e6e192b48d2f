"""Source–target agreement on what a translation copies as it is: figures, names and the marks
that shape a sentence (a question, a quotation, a bracket). It needs no engine and no word list
of either language, so it works for any language pair, ``--engine none`` included.

A garbled or unrelated sentence loses these or brings in others; a faithful one, however freely
worded, keeps them.
"""

from __future__ import annotations

import re
from collections import Counter

from qa.signals.base import Segment, Signal, SignalSpec
from qa.signals.text import fold_accents, is_function_word, tokenize

_DIGITS = re.compile(r"\d+")
# Quotation marks of every kind count as one; Spanish opening ¿ and ¡ have no English partner.
_MARKS = {"?": "?", "!": "!", "(": "(", ")": ")", ":": ":", ";": ";", "%": "%",
          '"': '"', "“": '"', "”": '"', "«": '"', "»": '"', "„": '"'}
# Names are compared by their first letters, so that spellings of one name match ("Lisboa" and
# "Lisbon", "Berlín" and "Berlin").
NAME_PREFIX = 5
# Below this many invariants on both sides together, agreement says too little to weigh.
MIN_INVARIANTS = 3


def invariants(text: str, lang: str) -> Counter[str]:
    """What ``text`` should carry unchanged into any translation: its digit groups ("1.500" and
    "1,500" both give 1 and 500), its capitalised words except the first (accents folded) and
    its shaping punctuation. Names are keyed by their first NAME_PREFIX letters."""
    found: Counter[str] = Counter(_DIGITS.findall(text))
    for token in tokenize(text)[1:]:
        if token.is_capitalised and token.has_letters and not is_function_word(token.key, lang):
            found["w:" + fold_accents(token.key)[:NAME_PREFIX]] += 1
    found.update(_MARKS[char] for char in text if char in _MARKS)
    return found


def agreement(source: Counter[str], target: Counter[str]) -> float:
    """The F-measure of the two multisets, in [0, 1]."""
    total = sum(source.values()) + sum(target.values())
    return 2 * sum((source & target).values()) / total if total else 1.0


def invariants_signal(segment: Segment) -> Signal | None:
    """How much of what crosses languages unchanged the source and the translation share.

    ``value`` is the F-measure in [0, 100] (100: the same figures, names and marks); ``garble``
    is 1 - F/100. None without both sides, or with fewer than MIN_INVARIANTS on the two together.
    """
    if not segment.source or not segment.target:
        return None
    source = invariants(segment.source, segment.src_lang)
    target = invariants(segment.target, segment.tgt_lang)
    if sum(source.values()) + sum(target.values()) < MIN_INVARIANTS:
        return None
    score = agreement(source, target)
    differing = list(((source - target) + (target - source)).elements())
    explanation = f"the figures, names and marks of the source and the translation agree at {100 * score:.0f}%"
    if differing:
        kinds = Counter(_kind(item) for item in differing)
        explanation += " (differing: " + ", ".join(f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in sorted(kinds.items())) + ")"
    return Signal("invariants", round(100 * score, 4), 1 - score, explanation)


def _kind(item: str) -> str:
    return "name" if item.startswith("w:") else "figure" if item.isdigit() else "mark"


SPECS = (
    SignalSpec("invariants", invariants_signal,
               "Figures, names and marks of the source that the translation does not carry, or the reverse", "feature", label="figures and marks"),
)
