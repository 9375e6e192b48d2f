"""Combine a segment's signals into one garble score in [0, 1], a severity and reasons.

Two kinds of evidence are combined as independent causes (noisy-OR):

- a logistic model over the translation signals (chrF, BLEU, TER of back- and forward
  translation, log-probabilities), fitted by ``qa calibrate`` on labelled pairs;
- checks that need no model (circular names, repetition, untranslated text, wrong numbers...),
  each with a confidence: how often, when it fires at full strength, the passage is garbled.

The weights, confidences and thresholds are data (``qa/data/flagger.json`` by default).
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from qa.errors import InputError
from qa.signals.base import Signal

SEVERITIES = ("info", "warning", "error")
# A check contributes to the reasons when its own evidence reaches this.
REASON_MIN_EVIDENCE = 0.2


@dataclass(frozen=True)
class LogisticPart:
    """A fitted logistic model over signal values: standardise each, weigh, add, squash."""

    bias: float = 0.0
    weights: Mapping[str, float] = field(default_factory=dict)
    means: Mapping[str, float] = field(default_factory=dict)
    scales: Mapping[str, float] = field(default_factory=dict)
    base_rate: float | None = None  # share of positives in the (weighted) training data

    def contributions(self, values: Mapping[str, float]) -> dict[str, float]:
        """Each present feature's contribution to the logit."""
        return {
            name: weight * (values[name] - self.means.get(name, 0.0)) / (self.scales.get(name, 1.0) or 1.0)
            for name, weight in self.weights.items()
            if name in values
        }

    def probability(self, values: Mapping[str, float], prior: float | None = None) -> float | None:
        """The model's probability that the segment is garbled, or None when none of its
        features is present (nothing to judge by).

        With ``prior`` the probability is moved from the training data's base rate to that
        prior (a shift of the log-odds): labelled sets are far richer in bad translations than
        an edited newsroom text is.
        """
        contributions = self.contributions(values)
        if not contributions:
            return None
        # Missing features count as their training mean, i.e. contribute nothing.
        shift = _logit(prior) - _logit(self.base_rate) if prior and self.base_rate else 0.0
        return _sigmoid(self.bias + sum(contributions.values()) + shift)


ANY_DIRECTION = "*"


@dataclass(frozen=True)
class Flagger:
    """Weights, check confidences and severity thresholds; see the module docstring.

    ``models`` maps a direction ("es-en") to its logistic part; ``"*"`` serves the others.
    """

    models: Mapping[str, LogisticPart] = field(default_factory=dict)
    checks: Mapping[str, float] = field(default_factory=dict)
    thresholds: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType({"info": 0.4, "warning": 0.55, "error": 0.8})
    )
    source: str = "defaults"
    prior: float | None = None  # expected share of garbled segments in the texts checked
    # A check counts only from this strength: weak hints (a word said twice, a lone name) are
    # common in clean text and would drown the model's ranking.
    check_floor: float = 0.5

    @property
    def threshold(self) -> float:
        """The score from which a segment is flagged (the lowest severity's threshold)."""
        return self.thresholds["info"]

    def with_threshold(self, threshold: float) -> Flagger:
        """A copy that flags from ``threshold`` (severities above it keep their thresholds, and
        are raised to it when lower)."""
        if not 0 <= threshold <= 1:
            raise InputError(f"threshold must be between 0 and 1, not {threshold}")
        thresholds = {name: max(value, threshold) for name, value in self.thresholds.items()}
        thresholds["info"] = threshold
        return dataclasses.replace(self, thresholds=MappingProxyType(thresholds))

    def model_for(self, direction: str | None) -> LogisticPart:
        """The logistic part fitted for a direction, else the one for any direction."""
        return self.models.get(direction or "", self.models.get(ANY_DIRECTION, LogisticPart()))

    def signature(self) -> dict[str, object]:
        """What produced the flags, recorded in every output."""
        return {"flagger": self.source, "thresholds": dict(self.thresholds)}


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason a segment was scored as it was."""

    signal: str
    evidence: float
    explanation: str
    span: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """The flagger's judgement of one segment."""

    score: float
    flagged: bool
    severity: str | None
    reasons: tuple[Reason, ...]
    span: tuple[int, int] | None


def judge(signals: Mapping[str, Signal], flagger: Flagger, direction: str | None = None) -> Verdict:
    """Score one segment from its signals: noisy-OR of the direction's model and of each check."""
    values = {name: signal.value for name, signal in signals.items()}
    model = flagger.model_for(direction)
    model_probability = model.probability(values, flagger.prior)
    clean = 1.0 - (model_probability or 0.0)
    reasons: list[Reason] = []
    for name, confidence in flagger.checks.items():
        signal = signals.get(name)
        if signal is None or signal.garble < flagger.check_floor or signal.garble <= 0:
            continue
        evidence = confidence * signal.garble
        clean *= 1.0 - evidence
        if evidence >= REASON_MIN_EVIDENCE:
            reasons.append(Reason(name, evidence, signal.explanation, signal.span))
    if model_probability is not None and model_probability >= REASON_MIN_EVIDENCE:
        reasons += _model_reasons(signals, model, model_probability)
    score = 1.0 - clean
    severity = _severity(score, flagger.thresholds)
    reasons.sort(key=lambda reason: -reason.evidence)
    span = next((reason.span for reason in reasons if reason.span is not None), None)
    return Verdict(score, severity is not None, severity, tuple(reasons), span)


def _model_reasons(signals: Mapping[str, Signal], model: LogisticPart, probability: float) -> list[Reason]:
    """The translation signals that pushed the model's probability up, strongest first."""
    contributions = model.contributions({name: s.value for name, s in signals.items()})
    # A size prior (garble 0) weighs in the score but explains nothing to an editor.
    pushing = sorted(
        (value, name) for name, value in contributions.items() if value > 0 and signals[name].garble > 0
    )
    return [
        Reason(name, probability, signals[name].explanation, signals[name].span)
        for _, name in reversed(pushing[-2:])
    ]


def _severity(score: float, thresholds: Mapping[str, float]) -> str | None:
    for name in reversed(SEVERITIES):
        if score >= thresholds[name]:
            return name
    return None


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _part_to_dict(part: LogisticPart) -> dict:
    return {
        "bias": part.bias,
        "weights": dict(sorted(part.weights.items())),
        "means": dict(sorted(part.means.items())),
        "scales": dict(sorted(part.scales.items())),
        "base_rate": part.base_rate,
    }


def _part_from_dict(model: dict) -> LogisticPart:
    return LogisticPart(
        bias=float(model.get("bias", 0.0)),
        weights=MappingProxyType({k: float(v) for k, v in model.get("weights", {}).items()}),
        means=MappingProxyType({k: float(v) for k, v in model.get("means", {}).items()}),
        scales=MappingProxyType({k: float(v) for k, v in model.get("scales", {}).items()}),
        base_rate=_rate(model.get("base_rate")),
    )


def _rate(value: object) -> float | None:
    if value is None:
        return None
    rate = float(value)
    if not 0 < rate < 1:
        raise ValueError(f"rates must lie strictly between 0 and 1, not {rate}")
    return rate


def flagger_to_dict(flagger: Flagger) -> dict:
    """The data-file form of a flagger (see :func:`load_flagger`)."""
    return {
        "models": {direction: _part_to_dict(part) for direction, part in sorted(flagger.models.items())},
        "prior": flagger.prior,
        "check_floor": flagger.check_floor,
        "checks": dict(sorted(flagger.checks.items())),
        "thresholds": dict(flagger.thresholds),
    }


def parse_flagger(document: object, source: str) -> Flagger:
    """Build a Flagger from the parsed data file, with clear errors naming ``source``."""
    if not isinstance(document, dict):
        raise InputError("flagger file must hold a JSON object", source)
    unknown = set(document) - {"models", "prior", "check_floor", "checks", "thresholds", "comment", "fitted_on"}
    if unknown:
        raise InputError(f"unknown key {sorted(unknown)[0]!r} in flagger file", source)
    try:
        models = MappingProxyType(
            {str(direction): _part_from_dict(part) for direction, part in document.get("models", {}).items()}
        )
        checks = MappingProxyType({k: float(v) for k, v in document.get("checks", {}).items()})
        thresholds = {k: float(v) for k, v in document.get("thresholds", {}).items()}
        prior = _rate(document.get("prior"))
        check_floor = float(document.get("check_floor", 0.5))
    except (AttributeError, TypeError, ValueError) as error:
        raise InputError(f"malformed flagger file ({error})", source) from None
    if set(thresholds) != set(SEVERITIES):
        raise InputError(f"thresholds must name exactly {', '.join(SEVERITIES)}", source)
    if not thresholds["info"] <= thresholds["warning"] <= thresholds["error"]:
        raise InputError("thresholds must rise from info to warning to error", source)
    return Flagger(models, checks, MappingProxyType(thresholds), source, prior, check_floor)


def load_flagger(path: str | Path | None = None) -> Flagger:
    """Read a flagger data file; the packaged default when ``path`` is None."""
    if path is None:
        text = resources.files("qa.data").joinpath("flagger.json").read_text(encoding="utf-8")
        return parse_flagger(json.loads(text), "qa/data/flagger.json")
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError(f"cannot read flagger file ({error.strerror or error})", str(path)) from None
    except json.JSONDecodeError as error:
        raise InputError(f"not valid JSON ({error.msg} at line {error.lineno})", str(path)) from None
    return parse_flagger(document, str(path))
