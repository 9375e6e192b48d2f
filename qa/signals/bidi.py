"""A hidden bidirectional control character: a right-to-left override stored in English text
makes a browser show "Finance \\u202eecnaniF fo yrtsiniM eht fo\\u202c" as "Finance of the
Ministry of Finance", so what an editor reads is not what was checked. The checks read the
text without these characters (``qa.signals.folding``); this signal reads the text as written
and warns that it holds one.
"""

from __future__ import annotations

import re

from qa.langid import language_name
from qa.signals.base import Segment, Signal, SignalSpec

# Each control, its name and what it does to the text, strongest first: the first of these in
# a text names the reason.
CONTROLS: dict[str, tuple[str, str]] = {
    "\u202e": ("right-to-left override", "reverses how the text displays"),
    "\u202d": ("left-to-right override", "forces the order the text displays in"),
    "\u202b": ("right-to-left embedding", "changes how the text displays"),
    "\u202a": ("left-to-right embedding", "changes how the text displays"),
    "\u2067": ("right-to-left isolate", "changes how the text displays"),
    "\u2066": ("left-to-right isolate", "changes how the text displays"),
    "\u2068": ("first strong isolate", "changes how the text displays"),
    "\u200f": ("right-to-left mark", "can move the numbers and punctuation around it"),
    "\u061c": ("Arabic letter mark", "can move the numbers and punctuation around it"),
    "\u200e": ("left-to-right mark", "can move the numbers and punctuation around it"),
    "\u202c": ("pop directional formatting", "ends a change of direction"),
    "\u2069": ("pop directional isolate", "ends a change of direction"),
}
_CONTROL = re.compile(f"[{''.join(CONTROLS)}]")
# Weighed by the flagger's confidence for this check (1.0 in the packaged flagger): a warning.
GARBLE = 0.6


def bidi_control(segment: Segment) -> Signal | None:
    """A warning when the target (or, failing that, the source) holds a bidirectional control
    character; the span runs from the target's first control to its last. Reads the text as
    written, not folded."""
    found = list(_CONTROL.finditer(segment.target or ""))
    in_target = bool(found)
    if not in_target:
        found = list(_CONTROL.finditer(segment.source or ""))
    if not found:
        return None
    strongest = min((match.group() for match in found), key=list(CONTROLS).index)
    name, effect = CONTROLS[strongest]
    where = "" if in_target else f" in the {language_name(segment.src_lang)} source"
    others = f" ({len(found) - 1} more such character{'s' if len(found) > 2 else ''})" if len(found) > 1 else ""
    explanation = f"hidden {name} character U+{ord(strongest):04X}{where} {effect}{others}"
    span = (found[0].start(), found[-1].end()) if in_target else None
    return Signal("bidi_control", float(len(found)), GARBLE, explanation, span)


SPECS = (
    SignalSpec("bidi_control", bidi_control,
               "A hidden bidirectional control character that changes how the text displays", "check",
               label="hidden direction control"),
)
