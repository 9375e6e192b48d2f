"""How engines find and run their models (EngineOptions), and the options a run's settings give."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from qa.errors import InputError

if TYPE_CHECKING:
    from qa.config import Settings

# Precisions a Marian model can be converted to and run in by CTranslate2 on any CPU.
CT2_COMPUTE_TYPES = ("int8", "int8_float32", "int16", "float32")


@dataclass(frozen=True)
class EngineOptions:
    """How engines find and run their models.

    ``models`` maps a direction ("es-en") to a hub name or a local folder; for a direction it does
    not name, ``models_dir`` (a folder of ``opus-mt-SRC-TGT`` folders) gives
    ``models_dir/opus-mt-SRC-TGT``, else ``model_template`` gives a hub name. ``batch_size`` counts sentences per batch (batches group sentences of
    similar length) and ``max_tokens_per_batch`` bounds their padded size. ``offline`` None means:
    offline when HF_HUB_OFFLINE is set, otherwise ask a quick TCP probe (``hub_timeout`` seconds)
    whether the model hub answers; True never contacts the hub; False assumes it answers.
    ``threads`` None leaves torch's thread count alone; when set it applies to the whole process.
    The ct2 engine shares ``threads`` (None: every core this process may use) between the
    ``parallel_directions`` directions a run translates at the same time (qa's checks translate
    both ways at once), so that directions running together do not contend for cores. ``compute_type`` is the precision the ct2 engine
    converts and runs models in, and ``ct2_cache`` the folder it keeps converted models in (None:
    ``ct2`` beside the translation cache).
    """

    models: Mapping[str, str] = field(default_factory=dict)
    models_dir: str | None = None
    model_template: str = "Helsinki-NLP/opus-mt-{src}-{tgt}"
    beam_size: int = 1
    batch_size: int = 32
    max_tokens_per_batch: int | None = 4096
    device: str = "cpu"
    offline: bool | None = None
    hub_timeout: float = 3.0
    threads: int | None = None
    parallel_directions: int = 1
    compute_type: str = "int8"
    ct2_cache: str | None = None

    def __post_init__(self) -> None:
        # A read-only copy, so options stay what they were when an engine was built from them.
        object.__setattr__(self, "models", MappingProxyType(dict(self.models)))
        for name in ("beam_size", "batch_size", "parallel_directions"):
            if getattr(self, name) < 1:
                raise InputError(
                    f"{name.replace('_', ' ')} must be at least 1, not {getattr(self, name)}"
                )
        if self.max_tokens_per_batch is not None and self.max_tokens_per_batch < 1:
            raise InputError(
                f"max tokens per batch must be at least 1, not {self.max_tokens_per_batch}"
            )
        if self.threads is not None and self.threads < 1:
            raise InputError(f"threads must be at least 1, not {self.threads}")
        if self.compute_type not in CT2_COMPUTE_TYPES:
            raise InputError(
                f"compute type must be one of {', '.join(CT2_COMPUTE_TYPES)}, "
                f"not {self.compute_type!r}"
            )
        if self.hub_timeout <= 0:
            raise InputError(f"hub timeout must be positive, not {self.hub_timeout}")


def engine_options_for(settings: Settings) -> EngineOptions:
    """The engine options a run's settings give: its models, models folder, beam, threads and
    device (the rest stay at their defaults)."""
    return EngineOptions(
        models=dict(settings.models),
        models_dir=str(settings.models_dir) if settings.models_dir is not None else None,
        beam_size=settings.beam,
        threads=settings.threads,
        device=settings.device,
    )
