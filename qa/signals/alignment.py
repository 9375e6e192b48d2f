"""Signals of the alignment rather than of one segment's text: a source sentence with no
counterpart in the translation (omission) and a sentence of the translation with none in the
source (addition), and a translation that lacks most of its source (gutted).

The pipeline makes them from the alignment kind (``1-0``, ``0-1``) as it checks an article, so
their specs have no function; they are registered so that flagger files can weigh them as
checks and reports can describe them.
"""

from __future__ import annotations

from qa.signals.base import Signal, SignalSpec

# A translation that lacks this share of its source's sentences was emptied or gutted: one error
# for the article, not only a warning per missing sentence, so `fail-on error` stops it. Clean WMT
# newstest article pairs lack 16 sentences in 151 articles, at most 6% of one article (4 of 68).
GUTTED_SHARE = 0.5
# An article this short may be summed up in fewer sentences.
GUTTED_MIN_SENTENCES = 3


def gutted(omitted: int, total: int, src_lang: str, tgt_lang: str) -> Signal | None:
    """The article-level verdict on a translation that lacks ``omitted`` of its source's
    ``total`` sentences: garble 0.9 from GUTTED_SHARE on, for a source of at least
    GUTTED_MIN_SENTENCES; None when nothing is missing."""
    if omitted <= 0 or total <= 0:
        return None
    share = omitted / total
    garble = 0.9 if total >= GUTTED_MIN_SENTENCES and share >= GUTTED_SHARE else 0.0
    return Signal("gutted", share, garble,
                  f"the {tgt_lang} text lacks {omitted} of the {total} sentences of its {src_lang} source")


SPECS = (
    SignalSpec("omission", None, "A source sentence with no counterpart in the translation", "check", label="omission"),
    SignalSpec("addition", None, "A sentence with no counterpart in the source", "check", label="addition"),
    SignalSpec("gutted", None, "A translation that lacks most of its source's sentences", "check", label="most of the source missing"),
)
