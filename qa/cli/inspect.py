"""``qa inspect``: show how qa reads and pairs files, before anything is translated."""

from __future__ import annotations

import json
import sys

import click

from qa.cli.common import EXIT_BAD_INPUT, error_line, handle_errors, note_line
from qa.corpus.model import Article, ArticlePair


def article_to_dict(article: Article) -> dict:
    """A JSON-ready view of an article: blocks and sentences with offsets and line:column."""

    def position(offset: int) -> dict:
        line, column = article.line_col(offset)
        return {"line": line, "column": column}

    return {
        "path": article.path,
        "lang": article.lang,
        "format": article.format,
        "key": article.key,
        "blocks": [
            {
                "role": block.role.value,
                "lang": block.lang,
                "start": block.start,
                "end": block.end,
                **position(block.start),
                "text": block.text,
                "sentences": [
                    {"text": s.text, "lang": s.lang, "start": s.start, "end": s.end, **position(s.start)}
                    for s in block.sentences
                ],
            }
            for block in article.blocks
        ],
    }


def pair_to_dict(pair: ArticlePair) -> dict:
    """A JSON-ready view of a pair of articles."""
    return {
        "method": pair.method,
        "prealigned": pair.prealigned,
        "source": article_to_dict(pair.source) if pair.source else None,
        "target": article_to_dict(pair.target) if pair.target else None,
    }


def _describe_article(side: str, article: Article | None) -> list[str]:
    if article is None:
        return [f"  {side}: (none found)"]
    lines = [f"  {side}: {article.path} [{article.lang}, {article.format}, key={article.key}]"]
    for block in article.blocks:
        line, column = article.line_col(block.start)
        lines.append(f"    {line}:{column} {block.role.value} ({block.lang or '?'}) {len(block.sentences)} sentence(s)")
        for sentence in block.sentences:
            s_line, s_col = article.line_col(sentence.start)
            lines.append(
                f"      {s_line}:{s_col} [{sentence.start}-{sentence.end}] ({sentence.lang or '?'}) {sentence.text}"
            )
    return lines


def describe_pair(pair: ArticlePair) -> str:
    """A readable, indented account of one pair: articles, blocks, roles, languages, sentences."""
    lines = [f"pair ({pair.method})"]
    lines += _describe_article("source", pair.source)
    lines += _describe_article("target", pair.target)
    return "\n".join(lines)


@click.command("inspect")
@click.argument("paths", nargs=-1, required=True, metavar="PATHS...")
@click.option("--src-lang", default="es", show_default=True, help="Language of the source articles.")
@click.option("--tgt-lang", default="en", show_default=True, help="Language of the translations.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@click.option("--follow-symlinks", is_flag=True,
              help="Read linked files that lie outside the repository or in a hidden folder (linked folders are "
                   "never walked).")
@click.option("--quiet", "-q", is_flag=True, help="No notes on stderr (files passed over), only errors.")
@handle_errors
def inspect_command(paths, src_lang, tgt_lang, output_format, follow_symlinks, quiet):
    """Show how qa reads and pairs PATHS: blocks, roles, languages, sentences and offsets.

    Files and folders may be mixed. Bad files are reported one line each on stderr and the
    others are still shown; the exit code is then 2. Files are found as `qa check` finds them:
    nothing is read through a symbolic link that leaves the repository.
    """
    from qa.corpus import read_paths

    corpus = read_paths(paths, src_lang=src_lang, tgt_lang=tgt_lang, follow_symlinks=follow_symlinks)
    if output_format == "json":
        document = {
            "pairs": [pair_to_dict(pair) for pair in corpus.pairs],
            "errors": [{"path": error.path, "message": str(error)} for error in corpus.errors],
        }
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        click.echo("\n\n".join(describe_pair(pair) for pair in corpus.pairs))
    for passed in [] if quiet else corpus.skipped:
        note_line(passed)
    for error in corpus.errors:
        error_line(error)
    if corpus.errors:
        sys.exit(EXIT_BAD_INPUT)
