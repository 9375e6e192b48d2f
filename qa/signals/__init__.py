"""Signals: named numbers about one aligned segment, each with a human explanation.

Each module registers its signals in a plain ``SIGNALS`` dict; this package merges them. Adding a
signal is one function and one line in its module's dict.
"""

from __future__ import annotations

import functools
import importlib

from qa.signals.base import Segment, Signal, SignalFunction

SIGNAL_MODULES = (
    "qa.signals.translation",
    "qa.signals.intrinsic",
    "qa.signals.numbers",
    "qa.signals.untranslated",
    "qa.signals.names",
    "qa.signals.agreement",
    "qa.signals.vocabulary",
    "qa.signals.coverage",
    "qa.signals.context",
    "qa.signals.size",
)


@functools.cache
def registry() -> dict[str, SignalFunction]:
    """Every signal function by name, across the signal modules."""
    merged: dict[str, SignalFunction] = {}
    for module_name in SIGNAL_MODULES:
        module = importlib.import_module(module_name)
        for name, function in module.SIGNALS.items():
            if name in merged:
                raise RuntimeError(f"signal {name!r} is registered twice")
            merged[name] = function
    return merged


def compute_signals(segment: Segment) -> dict[str, Signal]:
    """Every applicable signal of one segment, by name."""
    results = {}
    for name, function in registry().items():
        signal = function(segment)
        if signal is not None:
            results[name] = signal
    return results


__all__ = ["Segment", "Signal", "compute_signals", "registry"]
