"""Signals computed ahead, while the engine is still scoring: every signal but the two that read
forced-decoding scores only needs the translations, which are there first.

A run waits for the engine's scores with nothing to do; :class:`SignalsAhead` fills that wait on
a thread of its own, one segment after the other, and stops as soon as the scores are in (the
engine scores without holding Python's lock, so both go on at once). Whatever it did not reach
is computed afterwards as usual (:func:`qa.memo.cached_signals`), so a segment's signals are the
same either way.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections.abc import Sequence

from qa.signals import Segment, Signal, compute_signals, registry, specs

SCORE_INPUTS = frozenset({"target_scores", "source_scores"})


@functools.cache
def score_reading() -> frozenset[str]:
    """The names of the signals that read a segment's forced-decoding scores."""
    return frozenset(name for name, spec in specs().items() if spec.needs & SCORE_INPUTS)


def unscored(segment: Segment) -> Segment:
    """The segment without its forced-decoding scores."""
    return dataclasses.replace(segment, target_scores=None, source_scores=None)


class SignalsAhead:
    """The signals that read no score, computed for segments while their scores are awaited."""

    def __init__(self) -> None:
        self._done: dict[Segment, dict[str, Signal]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, segments: Sequence[Segment]) -> None:
        """Start computing the signals of ``segments`` (without their scores) in the background."""
        self.stop()
        self._stop.clear()
        names = [name for name in registry() if name not in score_reading()]
        self._thread = threading.Thread(
            target=self._compute, args=([unscored(s) for s in segments], names), daemon=True,
            name="qa signals ahead")
        self._thread.start()

    def stop(self) -> None:
        """Stop after the segment under way, and wait for it."""
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None

    def completed(self, segment: Segment) -> dict[str, Signal] | None:
        """``compute_signals(segment)`` from what was computed ahead, the signals that read scores
        added now; None when the segment was not reached."""
        early = self._done.get(unscored(segment))
        if early is None:
            return None
        late = compute_signals(segment, score_reading()) if score_reading() else {}
        return {name: late[name] if name in late else early[name] for name in registry() if name in late or name in early}

    def _compute(self, segments: list[Segment], names: list[str]) -> None:
        for segment in segments:
            if self._stop.is_set():
                return
            try:
                self._done.setdefault(segment, compute_signals(segment, names))
            except Exception:  # computed again, and raised where it belongs, afterwards
                continue
