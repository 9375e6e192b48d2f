"""What produced an output, in one place: qa's version, the engine with its model and revision
per direction, the beam, the flagger (with a hash of its contents), its thresholds and
sacrebleu's metric signatures. Like sacrebleu's signature, it has a short one-line form for
stderr and a long form; every command's output opens with it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from qa import __version__

if TYPE_CHECKING:
    from qa.flag import Flagger
    from qa.translate.base import Engine


@dataclass(frozen=True)
class ModelVersion:
    """The model and revision that serve one direction."""

    model: str | None
    revision: str | None

    def __str__(self) -> str:
        return f"{self.model} {self.revision or ''}".strip()


@dataclass(frozen=True)
class Signature:
    """Everything that decides a run's numbers besides its input."""

    direction: str  # "es-en": source to translation
    engine: str = "none"
    models: Mapping[str, ModelVersion] = field(default_factory=dict)  # by direction, both ways
    beam: int | None = None
    flagger: str = "defaults"  # where the flagger came from
    flagger_hash: str | None = None  # sha256 of its contents, 12 hex digits
    flagger_model: str | None = None  # the model key that serves engine and direction, if any
    thresholds: Mapping[str, float] = field(default_factory=dict)
    metrics: Mapping[str, str] = field(default_factory=dict)  # sacrebleu's signatures
    qa: str = __version__

    @property
    def languages(self) -> tuple[str, str]:
        """The source and target language codes."""
        source, _, target = self.direction.partition("-")
        return source, target

    @property
    def model(self) -> ModelVersion | None:
        """The model of the check's own direction, else of the first direction listed."""
        return self.models.get(self.direction) or next(iter(self.models.values()), None)

    @property
    def flagger_note(self) -> str | None:
        """Why only the checks flag, when no fitted model serves the engine and direction."""
        if self.flagger_model is not None:
            return None
        return f"none fitted for {self.engine}:{self.direction}; only the model-free checks flag"

    def short(self) -> str:
        """One line: ``qa 0.1.0|es-en|apertium apertium-eng-spa 0.8.1-2|flagger packaged#1a2b|...``."""
        parts = [f"qa {self.qa}", self.direction, self.engine]
        if self.model is not None:
            parts[-1] += f" {self.model}"
        if self.beam is not None:
            parts.append(f"beam {self.beam}")
        flagger = self.flagger + (f"#{self.flagger_hash}" if self.flagger_hash else "")
        parts.append(f"flagger {flagger} model {self.flagger_model or 'none'}")
        parts.append("thresholds " + "/".join(f"{value:g}" for value in self.thresholds.values()))
        parts += [str(spec) for spec in self.metrics.values()]
        return "|".join(parts)

    def rows(self) -> list[tuple[str, str]]:
        """The long form as (label, value) rows, for pages and terminals."""
        rows = [("qa", self.qa), ("direction", self.direction),
                ("engine", self.engine + (f" (beam {self.beam})" if self.beam is not None else ""))]
        rows += [(f"model {direction}", str(model)) for direction, model in sorted(self.models.items())]
        rows += [("flagger", self.flagger), ("flagger sha256", self.flagger_hash or "—"),
                 ("flagger model", self.flagger_model or "—")]
        if self.flagger_note:
            rows.append(("flagger note", self.flagger_note))
        rows.append(("thresholds", " · ".join(f"{name} ≥ {limit:.2f}" for name, limit in self.thresholds.items())))
        rows += [(f"metric {name}", str(spec)) for name, spec in self.metrics.items()]
        return rows

    def long(self) -> str:
        """Every field, one ``label: value`` line each."""
        return "".join(f"{label}: {value}\n" for label, value in self.rows())

    def to_dict(self) -> dict:
        """The JSON form, as every machine-readable output records it."""
        model = self.model
        return {
            "qa": self.qa,
            "direction": self.direction,
            "engine": {
                "engine": self.engine,
                "model": model.model if model else None,
                "revision": model.revision if model else None,
                "models": {d: {"model": m.model, "revision": m.revision} for d, m in sorted(self.models.items())},
                "beam": self.beam,
            },
            "flagger": self.flagger,
            "flagger_sha256": self.flagger_hash,
            "flagger_model": self.flagger_model,
            "flagger_note": self.flagger_note,
            "thresholds": dict(self.thresholds),
            "metrics": dict(self.metrics),
            "short": self.short(),
        }


def flagger_hash(flagger: Flagger) -> str:
    """A sha256 of the flagger's contents (what decides its verdicts), 12 hex digits."""
    document = flagger.to_dict()  # a method, not an import: qa.flag imports qa.results, which imports this
    document.pop("fitted_on", None)  # how it was fitted, not what it does
    encoded = json.dumps(document, sort_keys=True, ensure_ascii=True).encode("ascii")
    return hashlib.sha256(encoded).hexdigest()[:12]


def engine_models(engine: Engine | None, src_lang: str, tgt_lang: str) -> dict[str, ModelVersion]:
    """The model and revision that serve each direction of a check (both ways)."""
    if engine is None:
        return {}
    models = {}
    for src, tgt in ((src_lang, tgt_lang), (tgt_lang, src_lang)):
        info = engine.info(src, tgt)
        models[f"{src}-{tgt}"] = ModelVersion(info.model, info.revision)
    return models


def make_signature(engine: Engine | None, flagger: Flagger, src_lang: str, tgt_lang: str) -> Signature:
    """The signature of a run of ``flagger`` with ``engine`` (None: engine none) on a direction."""
    from qa.signals.translation import metric_signatures

    direction = f"{src_lang}-{tgt_lang}"
    engine_name = engine.name if engine is not None else "none"
    entry = flagger.model_entry(engine_name, direction)
    return Signature(
        direction=direction,
        engine=engine_name,
        models=MappingProxyType(engine_models(engine, src_lang, tgt_lang)),
        beam=engine.beam_size if engine is not None else None,
        flagger=flagger.source,
        flagger_hash=flagger_hash(flagger),
        flagger_model=entry[0] if entry else None,
        thresholds=MappingProxyType(dict(flagger.thresholds)),
        metrics=MappingProxyType(metric_signatures()),
    )
