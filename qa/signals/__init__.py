"""Signals: named numbers about one aligned segment, each with a human explanation.

Each module registers its signals as a ``SPECS`` tuple of :class:`SignalSpec` (name, function,
description, role, label, and the engine's inputs it reads); this package merges them. Adding a
signal is one function and one spec in its module.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from qa.signals.base import INPUTS, SIGNAL_ROLES, Input, Segment, Signal, SignalFunction, SignalRole, SignalSpec

SIGNAL_MODULES = (
    "qa.signals.translation",
    "qa.signals.intrinsic",
    "qa.signals.numbers",
    "qa.signals.untranslated",
    "qa.signals.names",
    "qa.signals.dates",
    "qa.signals.negation",
    "qa.signals.agreement",
    "qa.signals.vocabulary",
    "qa.signals.coverage",
    "qa.signals.context",
    "qa.signals.size",
    "qa.signals.alignment",
    "qa.signals.bidi",
    "qa.signals.literal",
    "qa.signals.mangled",
    "qa.signals.pronouns",
    "qa.signals.fluency",
)
# Signals about the characters folding drops, which read the text as written.
READ_AS_WRITTEN = frozenset({"bidi_control"})


@functools.cache
def specs() -> Mapping[str, SignalSpec]:
    """Every registered signal's spec by name, across the signal modules."""
    merged: dict[str, SignalSpec] = {}
    for module_name in SIGNAL_MODULES:
        for spec in importlib.import_module(module_name).SPECS:
            if spec.name in merged:
                raise RuntimeError(f"signal {spec.name!r} is registered twice")
            merged[spec.name] = spec
    return MappingProxyType(merged)


@functools.cache
def registry() -> dict[str, SignalFunction]:
    """Every signal computed from a segment, by name: the function of each spec that has one."""
    return {name: spec.function for name, spec in specs().items() if spec.function is not None}


def describe(name: str) -> str:
    """The one-sentence description of a registered signal; KeyError for an unknown name."""
    return specs()[name].description


def selected(names: Iterable[str] | None = None) -> tuple[str, ...]:
    """The registered signals among ``names`` (None: every one), in registry order. ValueError
    naming a name no signal is registered under."""
    known = specs()
    if names is None:
        return tuple(known)
    wanted = set(names)
    unknown = sorted(wanted - set(known))
    if unknown:
        raise ValueError(f"no signal is named {', '.join(map(repr, unknown))} (known: {', '.join(known)})")
    return tuple(name for name in known if name in wanted)


def needs_of(names: Iterable[str] | None = None) -> frozenset[Input]:
    """The inputs an engine must add to a segment for the signals ``names`` (None: every
    registered signal): the union of their specs' ``needs``, with the back-translation a round
    trip is made from."""
    every = specs()
    needs: set[Input] = {need for name in selected(names) for need in every[name].needs}
    if "round_trip" in needs:
        needs.add("back_translation")
    return frozenset(needs)


def compute_signals(segment: Segment, names: Iterable[str] | None = None) -> dict[str, Signal]:
    """Every applicable signal of one segment, by name; only those among ``names`` when given
    (ValueError for an unknown name). The signals read the text as ``qa.signals.folding`` folds
    it (no invisible characters, no look-alike letters), but those in READ_AS_WRITTEN; their
    spans point into the original text."""
    from qa.signals.folding import folded_segment, unfolded

    functions = registry()
    if names is not None:
        chosen = set(selected(names))
        functions = {name: function for name, function in functions.items() if name in chosen}
    readable, text_map = folded_segment(segment)
    results = {}
    for name, function in functions.items():
        if name in READ_AS_WRITTEN:
            signal = function(segment)
        else:
            signal = function(readable)
            signal = unfolded(signal, text_map) if signal is not None else None
        if signal is not None:
            results[name] = signal
    return results


__all__ = [
    "INPUTS", "SIGNAL_ROLES", "Input", "Segment", "Signal", "SignalRole", "SignalSpec", "compute_signals", "describe",
    "needs_of", "registry", "selected", "specs",
]
