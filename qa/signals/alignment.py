"""Signals of the alignment rather than of one segment's text: a source sentence with no
counterpart in the translation (omission) and a sentence of the translation with none in the
source (addition).

The pipeline makes them from the alignment kind (``1-0``, ``0-1``) as it checks an article, so
their specs have no function; they are registered so that flagger files can weigh them as
checks and reports can describe them.
"""

from __future__ import annotations

from qa.signals.base import SignalSpec

SPECS = (
    SignalSpec("omission", None, "A source sentence with no counterpart in the translation", "check"),
    SignalSpec("addition", None, "A sentence with no counterpart in the source", "check"),
)
