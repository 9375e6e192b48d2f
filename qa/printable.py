"""Text that is safe to show on a terminal or in a CI log: every control character (C0, DEL,
C1) and every format character (bidirectional overrides, zero-width marks) written as a visible
escape (``\\x1b``, ``\\u202e``). An article or a file name can then neither forge a line of the
log (a newline followed by ``::error``) nor send escape sequences to the terminal."""

from __future__ import annotations

import re
import unicodedata

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with control and format characters escaped, everything else as it is."""
    if text.isprintable():
        return text
    return "".join(_escape(char) for char in text)


def _escape(char: str) -> str:
    if _UNSAFE.match(char):
        return f"\\x{ord(char):02x}"
    # Lone surrogates (undecodable bytes of a file name) are left to qa.files, which writes U+FFFD.
    if unicodedata.category(char) in ("Cf", "Zl", "Zp"):
        return f"\\u{ord(char):04x}"
    return char
