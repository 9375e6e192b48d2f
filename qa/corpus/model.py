"""The data every reader returns: articles made of blocks made of sentences, with file offsets."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from types import MappingProxyType


class Role(StrEnum):
    """What a block of an article is for. Only headline, subtitle and body text are translations
    an editor checks; captions, bylines and page furniture are kept but not scored."""

    HEADLINE = "headline"
    SUBTITLE = "subtitle"
    BODY = "body"
    CAPTION = "caption"
    BYLINE = "byline"
    FURNITURE = "furniture"

    @property
    def is_text(self) -> bool:
        """True for the roles whose sentences are checked as translated text."""
        return self in (Role.HEADLINE, Role.SUBTITLE, Role.BODY)


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence. ``text`` is plain text (markup removed); ``start``/``end`` are half-open
    character offsets into ``Article.text`` that cover exactly this sentence (markup inside
    the sentence, such as ``**bold**``, lies within the span)."""

    text: str
    start: int
    end: int
    lang: str | None = None  # ISO 639-1 code identified for this sentence; None if undetermined


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph-like unit of an article: a headline, a body paragraph, a caption..."""

    role: Role
    text: str
    start: int
    end: int
    sentences: tuple[Sentence, ...] = ()
    lang: str | None = None


@dataclass(frozen=True)
class Article:
    """One article in one language, as read from a file.

    ``text`` is the decoded text that every offset points into: the whole file for Markdown and
    page dumps; for an HTML page, the text of its blocks laid out on the lines of the file (see
    :mod:`qa.corpus.html`). For a record of a JSON Lines file it is the record's own text (headline and
    paragraphs joined by blank lines) and ``origin_line`` is the record's line in the file.
    ``ignored`` holds the spans of ``text`` that inline ``<!-- qa: ignore -->`` markers accept
    (see :mod:`qa.corpus.ignore`).
    """

    path: str
    lang: str
    blocks: tuple[Block, ...]
    text: str = field(repr=False)
    format: str = "text"
    key: str | None = None  # translationKey / slug / record id used for pairing
    origin_line: int | None = None
    meta: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}), repr=False)
    ignored: tuple[tuple[int, int], ...] | None = field(default=None, repr=False, compare=False)

    @property
    def headlines(self) -> tuple[Block, ...]:
        """The headline blocks (a page dump may carry the source-language headline too)."""
        return tuple(b for b in self.blocks if b.role is Role.HEADLINE)

    def sentences(self, *, text_only: bool = True) -> Iterator[tuple[Block, Sentence]]:
        """Every sentence with its block, in file order; by default only checked roles."""
        for block in self.blocks:
            if text_only and not block.role.is_text:
                continue
            for sentence in block.sentences:
                yield block, sentence

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset, as an editor counts them."""
        if self.origin_line is not None:
            return self.origin_line, 1
        line = bisect_right(self._line_starts, max(offset, 0))
        return line, offset - self._line_starts[line - 1] + 1

    @cached_property
    def _line_starts(self) -> tuple[int, ...]:
        # Found once: counting newlines for every segment of a long file is quadratic. A line ends
        # at "\r\n", "\n" or a lone "\r" (old Mac files), as editors and markdown-it count them.
        return (0, *(match.end() for match in re.finditer(r"\r\n?|\n", self.text)))


@dataclass(frozen=True)
class ArticlePair:
    """A source article and its translation, as paired by ``qa.corpus.pairing``.

    ``source`` is None when no source was found; ``target`` is None for a source with no
    translation. For a page dump that carries its source-language headline, ``source`` is an
    article holding just that headline block (offsets into the same file). ``prealigned`` is true
    for sentence-pair files, whose blocks correspond one to one.
    """

    source: Article | None
    target: Article | None
    method: str
    prealigned: bool = False


@dataclass(frozen=True, slots=True)
class SentencePair:
    """One line of a sentence-pair file (JSONL ``id``/``src``/``tgt`` or TSV ``src<TAB>tgt``)."""

    id: str
    src: str
    tgt: str
    line: int
