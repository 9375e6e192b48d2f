"""Inline ``<!-- qa: ignore -->`` markers: the blocks of an article an editor marked as accepted.

The Markdown reader finds the marked blocks while it reads the file, with its own parse (see
:func:`qa.corpus.markdown.ignored_spans`), and keeps them on ``Article.ignored``. Other text (page
dumps, JSON Lines records) has paragraphs, runs of non-blank lines, found here on demand.
"""

from __future__ import annotations

import re
from functools import lru_cache

from qa.corpus.model import Article

IGNORE_MARKER = re.compile(r"<!--\s*qa:\s*ignore\s*-->", re.IGNORECASE)

Spans = tuple[tuple[int, int], ...]


def only_markers(text: str) -> bool:
    """Whether ``text`` holds a marker and nothing else but white space."""
    return bool(IGNORE_MARKER.search(text)) and not IGNORE_MARKER.sub("", text).strip()


def ignored_spans(article: Article) -> Spans:
    """Character spans (into ``article.text``) of the blocks a marker accepts: what the reader
    found (Markdown), else the marked paragraphs of the text (:func:`paragraph_ignored_spans`)."""
    return article.ignored if article.ignored is not None else paragraph_ignored_spans(article.text)


@lru_cache(maxsize=128)
def paragraph_ignored_spans(text: str) -> Spans:
    """Spans of the paragraphs (runs of non-blank lines) a marker accepts: the paragraph holding
    one, or the next after a line holding only markers (which also ends a paragraph)."""
    spans: list[tuple[int, int]] = []
    pending = False
    current: list | None = None  # [start, end, marked]

    def close() -> None:
        nonlocal current
        if current is not None and current[2]:
            spans.append((current[0], current[1]))
        current = None

    offset = 0
    for line in text.splitlines(keepends=True):
        start, end = offset, offset + len(line.rstrip("\r\n"))
        offset += len(line)
        content = line.strip()
        if not content:
            close()
        elif only_markers(content):
            close()
            pending = True
        elif current is None:
            current = [start, end, pending or bool(IGNORE_MARKER.search(content))]
            pending = False
        else:
            current[1] = end
            current[2] = current[2] or bool(IGNORE_MARKER.search(content))
    close()
    return tuple(spans)
