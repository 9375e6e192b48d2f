"""Combine a segment's signals into one garble score in [0, 1], a severity and reasons.

Two kinds of evidence are combined as independent causes (noisy-OR):

- a logistic model over the translation signals (chrF, BLEU, TER of back- and forward
  translation, log-probabilities), fitted by ``qa calibrate`` on labelled pairs for one engine
  and kept per ``engine:direction``; monotone: each feature's weight has the sign declared in
  :data:`FEATURE_SIGNS`. With an engine it was not fitted for, the model is not used;
- checks that need no model (circular names, repetition, untranslated text, wrong numbers...),
  each with a confidence: how often, when it fires at full strength, the passage is garbled.

The weights, confidences and thresholds are data (``qa/data/flagger.json`` by default).
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from qa.errors import InputError
from qa.results import SEVERITIES, Reason, Verdict
from qa.signals import specs as signal_specs
from qa.signals.base import Signal

# A check contributes to the reasons when its own evidence reaches this.
REASON_MIN_EVIDENCE = 0.2


# The direction of every feature the logistic part may weigh, the one place it is declared.
# -1: an agreement metric (more agreement with the engine is never more garbled), weight <= 0;
# +1: a disagreement or size (more of it is never less garbled), weight >= 0.
# A feature missing here cannot be fitted or loaded: declare its direction first.
FEATURE_SIGNS: Mapping[str, int] = MappingProxyType({
    "bt_chrf": -1,
    "fwd_chrf": -1,
    "round_trip_chrf": -1,
    "tgt_logprob": -1,
    "src_logprob": -1,
    "invariants": -1,  # agreement of figures, names and marks with the source
    "length_deviation": +1,  # |length_ratio|: too short or too long
    "length_shortfall": +1,  # how much shorter than expected (0 when longer)
    "length_excess": +1,  # how much longer than expected (0 when shorter)
    "source_length": +1,  # longer sentences have more room for a garble
    "unknown_words": +1,
    # How unlike its language a text reads (qa.signals.fluency): the translation's, and the
    # source's (an unusual source is harder to translate).
    "fluency": +1,
    "fluency_window": +1,
    "source_fluency": +1,
    "pos_fluency": +1,
    "pos_window": +1,
    "source_pos_fluency": +1,
})

# Features computed from a signal rather than read as they are: feature -> (signal, function).
DERIVED_FEATURES: Mapping[str, tuple[str, Callable[[float], float]]] = MappingProxyType({
    "length_deviation": ("length_ratio", abs),
    "length_shortfall": ("length_ratio", lambda value: max(0.0, -value)),
    "length_excess": ("length_ratio", lambda value: max(0.0, value)),
})


def feature_sign(name: str) -> int:
    """The declared direction of a feature (see FEATURE_SIGNS); ValueError when it has none."""
    sign = FEATURE_SIGNS.get(name)
    if sign is None:
        raise ValueError(
            f"feature {name!r} has no declared direction: add it to qa.flag.FEATURE_SIGNS as -1 "
            "(an agreement metric: more is never more garbled) or +1 (a disagreement: more is "
            "never less garbled)"
        )
    return sign


def feature_source(name: str) -> str:
    """The signal a feature is read from (itself, unless it is derived)."""
    return DERIVED_FEATURES[name][0] if name in DERIVED_FEATURES else name


def feature_value(name: str, values: Mapping[str, float]) -> float | None:
    """A feature's value from a segment's signal values (or from a row that already holds the
    feature), or None when its signal is absent."""
    if name in values:
        return values[name]
    if name in DERIVED_FEATURES:
        signal, function = DERIVED_FEATURES[name]
        if signal in values:
            return float(function(values[signal]))
    return None


@dataclass(frozen=True)
class LogisticPart:
    """A fitted logistic model over features of the signals: standardise each, weigh, add,
    squash. Every weight respects its feature's declared direction (FEATURE_SIGNS)."""

    bias: float = 0.0
    weights: Mapping[str, float] = field(default_factory=dict)
    means: Mapping[str, float] = field(default_factory=dict)
    scales: Mapping[str, float] = field(default_factory=dict)
    base_rate: float | None = None  # share of positives in the (weighted) training data

    def __post_init__(self) -> None:
        for name, weight in self.weights.items():
            if feature_sign(name) * weight < 0:
                kind = "an agreement metric" if feature_sign(name) < 0 else "a disagreement"
                raise ValueError(
                    f"the weight of {name} is {weight:+.4g}, but {name} is {kind}: its weight must be "
                    f"{'<= 0' if feature_sign(name) < 0 else '>= 0'}"
                )

    def contributions(self, values: Mapping[str, float]) -> dict[str, float]:
        """Each present feature's contribution to the logit, from signal values by name."""
        contributions = {}
        for name, weight in self.weights.items():
            value = feature_value(name, values)
            if value is not None and not math.isnan(value):
                scale = self.scales.get(name, 1.0) or 1.0
                contributions[name] = weight * (value - self.means.get(name, 0.0)) / scale
        return contributions

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


ANY = "*"


def model_key(engine: str, direction: str) -> str:
    """The key of a model in a flagger: ``"apertium:es-en"``."""
    return f"{engine}:{direction}"


@dataclass(frozen=True)
class Flagger:
    """Weights, check confidences and severity thresholds; see the module docstring.

    ``models`` maps ``"engine:direction"`` ("apertium:es-en") to a logistic part; ``*`` stands
    for any engine or direction (``"apertium:*"``, ``"*"``), for models written by hand. A model
    is used only for the engine it names: with any other engine only the checks flag.
    ``engine`` and ``direction`` say what the flagger is used for (:meth:`for_engine`): the
    lookup when ``judge`` is not told, and the signature.
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
    # The model alone gives at most this much: an agreement metric or a size prior can say "look
    # here", never "this is garbled"; only a check, alone or with the model, reaches an error.
    model_ceiling: float = 0.75
    fitted_on: Mapping[str, object] | None = None  # what qa calibrate fitted on and chose
    engine: str | None = None
    direction: str | None = None

    @property
    def threshold(self) -> float:
        """The score from which a segment is flagged (the lowest severity's threshold)."""
        return self.thresholds["info"]

    def to_dict(self) -> dict:
        """The data-file form of this flagger (:func:`flagger_to_dict`)."""
        return flagger_to_dict(self)

    def with_threshold(self, threshold: float) -> Flagger:
        """A copy that flags from ``threshold`` (severities above it keep their thresholds, and
        are raised to it when lower)."""
        if not 0 <= threshold <= 1:
            raise InputError(f"threshold must be between 0 and 1, not {threshold}")
        thresholds = {name: max(value, threshold) for name, value in self.thresholds.items()}
        thresholds["info"] = threshold
        return dataclasses.replace(self, thresholds=MappingProxyType(thresholds))

    def for_engine(self, engine: str | None, direction: str | None = None) -> Flagger:
        """A copy used with ``engine`` (its name, e.g. ``"apertium"``; None for engine none)
        on ``direction`` ("es-en"): ``judge`` then looks models up by them, and the signature
        says which model (or none) serves them."""
        return dataclasses.replace(self, engine=engine or "none", direction=direction or self.direction)

    def model_entry(self, engine: str | None, direction: str | None) -> tuple[str, LogisticPart] | None:
        """The key and logistic part fitted for an engine and direction, or None when there is
        none (wildcards ``*`` match any engine or direction)."""
        engines = (engine, ANY) if engine else (ANY,)
        directions = (direction, ANY) if direction else (ANY,)
        for engine_ in engines:
            for direction_ in directions:
                key = ANY if engine_ == direction_ == ANY else model_key(engine_, direction_)
                if key in self.models:
                    return key, self.models[key]
        return None

    def model_for(self, engine: str | None, direction: str | None) -> LogisticPart | None:
        """The logistic part fitted for an engine and direction, or None."""
        entry = self.model_entry(engine, direction)
        return entry[1] if entry else None

    def missing_model_note(self, engine: str | None = None, direction: str | None = None) -> str | None:
        """One line saying that no model serves the engine and direction (so only the model-free
        checks flag), or None when one does."""
        engine = engine or self.engine or "none"
        direction = direction or self.direction
        if self.model_entry(engine, direction) is not None:
            return None
        where = f"{engine} {direction}" if direction else engine
        if engine == "none":
            return f"the flagger has no model for engine none ({direction or 'any direction'}); only the model-free checks flag"
        return (
            f"the flagger has no model fitted for {where}; only the model-free checks flag "
            f"(fit one with qa calibrate --engine {engine})"
        )



def judge(
    signals: Mapping[str, Signal], flagger: Flagger, direction: str | None = None, engine: str | None = None
) -> Verdict:
    """Score one segment from its signals: noisy-OR of the model fitted for ``engine`` and
    ``direction`` and of each check.

    ``engine`` and ``direction`` default to what the flagger is used for (:meth:`Flagger.for_engine`).
    When no model is fitted for them (or the engine is unknown), only the checks count: one
    engine's weights never serve another.
    """
    values = {name: signal.value for name, signal in signals.items()}
    model = flagger.model_for(engine or flagger.engine, direction or flagger.direction)
    model_probability = model.probability(values, flagger.prior) if model is not None else None
    if model_probability is not None:
        model_probability = min(model_probability, flagger.model_ceiling)
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
    if model is not None and model_probability is not None and model_probability >= REASON_MIN_EVIDENCE:
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
        (value, feature_source(name)) for name, value in contributions.items()
        if value > 0 and feature_source(name) in signals and signals[feature_source(name)].garble > 0
    )
    names = list(dict.fromkeys(name for _, name in reversed(pushing)))[:2]
    return [Reason(name, probability, signals[name].explanation, signals[name].span) for name in names]


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


def _rate(value: float | str | None) -> float | None:
    if value is None:
        return None
    rate = float(value)
    if not 0 < rate < 1:
        raise ValueError(f"rates must lie strictly between 0 and 1, not {rate}")
    return rate


def flagger_to_dict(flagger: Flagger) -> dict:
    """The data-file form of a flagger (see :func:`load_flagger`)."""
    document: dict[str, object] = {
        "models": {key: _part_to_dict(part) for key, part in sorted(flagger.models.items())},
        "prior": flagger.prior,
        "check_floor": flagger.check_floor,
        "model_ceiling": flagger.model_ceiling,
        "checks": dict(sorted(flagger.checks.items())),
        "thresholds": dict(flagger.thresholds),
    }
    if flagger.fitted_on is not None:
        document["fitted_on"] = _plain(flagger.fitted_on)
    return document


def _plain(value: object) -> object:
    """Mappings (read-only ones too) and sequences as plain JSON-able dicts and lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _check_model_key(key: str) -> str:
    """A model key is ``engine:direction`` (either may be ``*``) or ``*``; a bare direction
    (the old form) names no engine and is refused, so one engine's weights never serve another."""
    if key == ANY:
        return key
    engine, colon, direction = key.partition(":")
    if not colon or not engine or not direction or (direction != ANY and direction.count("-") != 1):
        raise ValueError(
            f"model key {key!r} must be ENGINE:SRC-TGT (such as 'apertium:es-en'), ENGINE:* or *; "
            "fit the flagger again with qa calibrate --engine ENGINE"
        )
    return key


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the known name closest to a misspelt one, else nothing."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def parse_flagger(document: object, source: str) -> Flagger:
    """Build a Flagger from the parsed data file, with clear errors naming ``source``."""
    if not isinstance(document, dict):
        raise InputError("flagger file must hold a JSON object", source)
    unknown = set(document) - {"models", "prior", "check_floor", "model_ceiling", "checks", "thresholds", "comment",
                               "fitted_on"}
    if unknown:
        raise InputError(f"unknown key {sorted(unknown)[0]!r} in flagger file", source)
    try:
        models = {}
        for key, part in document.get("models", {}).items():
            try:
                models[_check_model_key(str(key))] = _part_from_dict(part)
            except ValueError as error:
                raise InputError(f"model {key!r}: {error}", source) from None
        checks = MappingProxyType({k: float(v) for k, v in document.get("checks", {}).items()})
        thresholds = {k: float(v) for k, v in document.get("thresholds", {}).items()}
        prior = _rate(document.get("prior"))
        check_floor = float(document.get("check_floor", 0.5))
        model_ceiling = float(document.get("model_ceiling", 0.75))
        if not 0 < model_ceiling <= 1:
            raise ValueError(f"model_ceiling must be in (0, 1], not {model_ceiling}")
        fitted_on = document.get("fitted_on")
        if fitted_on is not None and not isinstance(fitted_on, dict):
            raise ValueError("'fitted_on' must be an object")
    except (AttributeError, TypeError, ValueError) as error:
        raise InputError(f"malformed flagger file ({error})", source) from None
    known = signal_specs()
    for name in checks:
        if name not in known:
            raise InputError(f"unknown check {name!r} in flagger file{_did_you_mean(name, known)}", source)
    if set(thresholds) != set(SEVERITIES):
        raise InputError(f"thresholds must name exactly {', '.join(SEVERITIES)}", source)
    if not thresholds["info"] <= thresholds["warning"] <= thresholds["error"]:
        raise InputError("thresholds must rise from info to warning to error", source)
    return Flagger(
        MappingProxyType(models), checks, MappingProxyType(thresholds), source, prior, check_floor,
        model_ceiling=model_ceiling, fitted_on=fitted_on,
    )


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
