"""Text that shows what it holds: every character that displays as nothing or acts on the display
instead (C0 and C1 controls, DEL, format characters such as bidirectional overrides and
zero-width marks, other default-ignorable code points such as U+034F or variation selectors,
line and paragraph separators) written as a visible ``⟨U+202E⟩``.

:func:`printable` is for a terminal or a CI log: an article or a file name can then neither
forge a line of the log (a newline followed by ``::error``), nor send escape sequences to the
terminal, nor reverse how a passage displays. :func:`visible` is for a page (the HTML report),
where tabs and line ends are layout and stay as they are.
"""

from __future__ import annotations

import regex

# regex knows Unicode's Default_Ignorable_Code_Point property, which unicodedata does not.
_HIDDEN = r"\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}"
_UNPRINTABLE = regex.compile(f"[{_HIDDEN}]")
_INVISIBLE = regex.compile(f"[[{_HIDDEN}]--[\t\n\r]]", regex.VERSION1)


def printable(text: str) -> str:
    """``text`` with every control, format or other invisible character shown as ``⟨U+XXXX⟩``,
    everything else as it is."""
    return _UNPRINTABLE.sub(_escape, text)


def visible(text: str) -> str:
    """:func:`printable`, but tabs and line ends kept as they are."""
    return _INVISIBLE.sub(_escape, text)


def _escape(match: regex.Match) -> str:
    # Lone surrogates (undecodable bytes of a file name) are left to qa.files, which writes U+FFFD.
    return f"⟨U+{ord(match.group()):04X}⟩"
