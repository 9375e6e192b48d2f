"""What a signal is: a named number about one aligned segment, with a human explanation, and how
one is registered (:class:`SignalSpec`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

from qa.translate.base import TokenScores


@dataclass(frozen=True, slots=True)
class Segment:
    """One aligned unit to score: target sentence(s) with the source sentence(s) they translate
    and whatever translations of them the engine produced.

    ``source`` is None when the target has no source (an addition, or a page with no source
    text); ``target`` is None for an omission. Translations are None when the engine could not
    give them (engine ``none``, or no scoring support).
    """

    source: str | None
    target: str | None
    src_lang: str
    tgt_lang: str
    back_translation: str | None = None  # target translated into the source language
    forward_translation: str | None = None  # source translated into the target language
    round_trip: str | None = None  # target -> source language -> target language
    target_scores: TokenScores | None = None  # forced decoding of target given source
    source_scores: TokenScores | None = None  # forced decoding of source given target
    preceding_targets: tuple[str, ...] = ()  # the article's target sentences before this one
    target_unknown: tuple[str, ...] | None = None  # target words the engine's analyser does not know
    heading: bool = False  # a headline or subtitle: short, freely worded, often without a final mark
    # Each word as the engine's tagger reads it (qa.translate.apertium.ApertiumEngine.tagged_words),
    # asked for only in languages a part-of-speech fluency model covers (qa.signals.fluency).
    target_tags: tuple[str, ...] | None = None
    source_tags: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Signal:
    """The value of one signal on one segment.

    ``value`` is on the signal's own scale (documented with the signal); ``garble`` is the same
    evidence mapped to [0, 1], 0 meaning nothing wrong seen and 1 the strongest evidence of a
    garbled passage, which is what the flagger combines. ``span`` is a half-open character
    range in the target text to highlight, when the signal can point at one.
    """

    name: str
    value: float
    garble: float
    explanation: str
    span: tuple[int, int] | None = None


SignalFunction = Callable[[Segment], "Signal | None"]

# What an engine adds to a segment (the fields of :class:`Segment` it fills), which a signal may
# read: a signal declares those it reads (``SignalSpec.needs``), and scoring asks the engine only
# for what the chosen signals need (``qa.signals.needs_of``). A round trip is made from the
# back-translation, so needing it needs that too.
Input = Literal[
    "back_translation", "forward_translation", "round_trip", "target_scores", "source_scores", "target_unknown",
    "target_tags", "source_tags",
]
INPUTS: tuple[Input, ...] = get_args(Input)

# How the flagger (qa.flag) uses a signal:
# - "check": model-free evidence, weighed by a confidence (a flagger file's ``checks``) and
#   combined by noisy-OR; it explains a flag when its evidence is strong;
# - "feature": a translation metric or a size, weighed by the fitted logistic part (the names
#   qa.flag.FEATURE_SIGNS reads); it explains a flag only when it pushed the model's score up.
SignalRole = Literal["check", "feature"]
SIGNAL_ROLES: tuple[SignalRole, ...] = get_args(SignalRole)


@dataclass(frozen=True, slots=True)
class SignalSpec:
    """A registered signal: its name, the function computing it from a segment, a one-sentence
    description of what it flags (a report's name for it, as the SARIF rule text), its
    :data:`SignalRole` and a ``label`` of a few words an editor reads where the name is too
    terse (the HTML page's filters: "back-translation differs", not ``bt_chrf``), and the
    :data:`Input` fields of the segment its function reads (``needs``; none for a check that reads
    only the texts).

    ``function`` is None for a signal no function of a segment computes: omission and addition
    are made by the pipeline from the alignment. Their specs make the names known to flagger
    files and reports; :func:`qa.signals.compute_signals` skips them.
    """

    name: str
    function: SignalFunction | None
    description: str
    role: SignalRole
    label: str
    needs: frozenset[Input] = frozenset()

    def __post_init__(self) -> None:
        unknown = sorted(set(self.needs) - set(INPUTS))
        if unknown:
            raise ValueError(f"signal {self.name!r} needs {', '.join(unknown)}, not among {', '.join(INPUTS)}")
        if self.role not in SIGNAL_ROLES:
            raise ValueError(f"signal {self.name!r}: role {self.role!r} is not one of {', '.join(SIGNAL_ROLES)}")
        if not self.description.strip():
            raise ValueError(f"signal {self.name!r} has no description")
        if not self.label.strip() or "_" in self.label:
            raise ValueError(f"signal {self.name!r} needs a label of plain words, not {self.label!r}")
