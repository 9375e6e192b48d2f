"""Pairing source articles with their translations.

Tried in this order, each on the articles the previous ones left:

1. ``front-matter``: the same ``translationKey``/``slug`` in the front matter, one article in each
   language;
2. ``record``: JSON Lines article records with the same ``translationKey``/``id``;
3. ``file-name``: ``slug.es.md`` and ``slug.en.md`` in the same folder, or Hugo's ``slug.md`` (the
   default language) and ``slug.en.md``;
4. ``folders``: sibling language folders, ``.../es/path/x.md`` and ``.../en/path/x.md``;
5. ``embedded-headline``: a page dump or HTML page in the target language whose own HEADLINE
   block is in the source language is paired with an article made of just that headline.

What is left becomes an ``unpaired`` pair with its source or its target None. (Two-language JSONL
records and sentence-pair files arrive already paired.)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import replace
from pathlib import Path

from qa.corpus.files import folder_lang, split_lang_suffix
from qa.corpus.model import Article, ArticlePair, Block, Role

KeyFunction = Callable[[Article], Hashable | None]


PAIRING_METHODS = ("front-matter", "record", "file-name", "folders", "embedded-headline")


def pair_articles(
    items: Sequence[Article | ArticlePair], *, src_lang: str, tgt_lang: str, method: str = "auto"
) -> list[ArticlePair]:
    """Pair the articles among ``items`` (in discovery order); pairs among them (JSONL records,
    sentence-pair files) pass through as they are. ``method`` "auto" tries every method in
    order; a method name (a content repository's ``pairing`` setting) tries only that one.

    Every article ends up in exactly one pair, unpaired ones with a None side. The result is in
    the order in which each pair's first article (or the ready pair itself) appeared.
    """
    order = {id(item): index for index, item in enumerate(items)}
    remaining = [item for item in items if isinstance(item, Article)]
    pairs = [item for item in items if isinstance(item, ArticlePair)]
    wanted = PAIRING_METHODS if method == "auto" else (method,)
    for name, key in (
        ("front-matter", _declared_key("front-matter")),
        ("record", _declared_key("record")),
        ("file-name", _file_name_key),
        ("folders", _folder_key((src_lang, tgt_lang))),
    ):
        if name in wanted:
            found, remaining = match_by_key(remaining, key, src_lang=src_lang, tgt_lang=tgt_lang, method=name)
            pairs += found
    if "embedded-headline" in wanted:
        found, remaining = match_embedded_headlines(remaining, src_lang=src_lang, tgt_lang=tgt_lang)
        pairs += found
    pairs += [unpaired(article, src_lang=src_lang) for article in remaining]
    return sorted(pairs, key=lambda pair: _first_seen(pair, order))


def match_by_key(
    articles: Sequence[Article], key: KeyFunction, *, src_lang: str, tgt_lang: str, method: str
) -> tuple[list[ArticlePair], list[Article]]:
    """Pair articles that share a key, one in ``src_lang`` with one in ``tgt_lang``; the pairs and
    the articles left over. Several per language and key are paired in order."""
    groups: dict[Hashable, dict[str, list[Article]]] = defaultdict(lambda: defaultdict(list))
    for article in articles:
        article_key = key(article)
        if article_key is not None:
            groups[article_key][article.lang].append(article)
    pairs = []
    used: set[int] = set()
    for by_lang in groups.values():
        for source, target in zip(by_lang.get(src_lang, []), by_lang.get(tgt_lang, [])):
            pairs.append(ArticlePair(source=source, target=target, method=method))
            used.update((id(source), id(target)))
    return pairs, [article for article in articles if id(article) not in used]


def match_embedded_headlines(
    articles: Sequence[Article], *, src_lang: str, tgt_lang: str
) -> tuple[list[ArticlePair], list[Article]]:
    """Pair each target-language page dump or HTML page that carries a source-language HEADLINE
    with an article of just that headline (same path and text, so offsets still point into the
    page)."""
    pairs, rest = [], []
    for article in articles:
        headline = _source_headline(article, src_lang=src_lang, tgt_lang=tgt_lang)
        if headline is None:
            rest.append(article)
            continue
        source = replace(article, lang=src_lang, blocks=(headline,))
        pairs.append(ArticlePair(source=source, target=article, method="embedded-headline"))
    return pairs, rest


def unpaired(article: Article, *, src_lang: str) -> ArticlePair:
    """An article with no counterpart: a source with no translation, or a translation (or an
    article in another language) with no source."""
    if article.lang == src_lang:
        return ArticlePair(source=article, target=None, method="unpaired")
    return ArticlePair(source=None, target=article, method="unpaired")


def _first_seen(pair: ArticlePair, order: dict[int, int]) -> int:
    return min(order[id(item)] for item in (pair, pair.source, pair.target) if id(item) in order)


def _declared_key(origin: str) -> KeyFunction:
    def key(article: Article) -> Hashable | None:
        return article.key if article.key and article.meta.get("key_from") == origin else None

    return key


def _file_name_key(article: Article) -> Hashable | None:
    """``slug.es.md`` and ``slug.en.md`` share a key, and so do Hugo's ``slug.md`` (the site's
    default language, named by no suffix) and ``slug.en.md``: the folder and the slug."""
    if article.format == "jsonl":
        return None
    base, _ = split_lang_suffix(article.path)
    return str(Path(article.path).parent), base


def _folder_key(langs: tuple[str, str]) -> KeyFunction:
    def key(article: Article) -> Hashable | None:
        found = folder_lang(article.path, langs)
        if found is None or article.format == "jsonl":
            return None
        index, _ = found
        parts = Path(article.path).parts
        base, _ = split_lang_suffix(article.path)
        return parts[:index], parts[index + 1 : -1], base

    return key


def _source_headline(article: Article, *, src_lang: str, tgt_lang: str) -> Block | None:
    if article.format not in ("page", "html") or article.lang != tgt_lang:
        return None
    return next((b for b in article.blocks if b.role is Role.HEADLINE and b.lang == src_lang), None)
