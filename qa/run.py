"""A whole check, from paths and settings to a Report: what ``qa check``, ``qa baseline`` and
``qa.check()`` all run, so the library and the command line cannot disagree.

The stages, in order: discover the files, drop the ``ignore`` globs, read and pair the articles,
keep the pairs changed since a git ref (when asked), open the engine and the cache, check,
unflag the paragraphs ``<!-- qa: ignore -->`` marks, and apply the baseline. What a user should
hear on the way (the engine chosen, bad files, stale baseline entries) goes to the ``note`` and
``error`` callbacks as it happens; the command line prints them, the library drops them.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, overload

from qa.baseline import (
    DEFAULT_BASELINE,
    Baseline,
    BaselineOutcome,
    apply_baseline,
    clear_flags,
    inline_ignored_at,
    is_inline_ignored,
    read_baseline,
    read_baseline_at,
    relative_path,
)
from qa.config import Settings, display_path, is_ignored
from qa.corpus.model import ArticlePair, SentencePair
from qa.distribute import JOB_CHUNK_PAIRS, JOB_CHUNK_SENTENCES, LostChunk, Runner, chunks_of, open_runner
from qa.errors import InputError, InputWarning
from qa.pipeline import alignable, check_corpus
from qa.progress import NullProgress, Progress
from qa.results import ArticleReport, Report, SegmentResult
from qa.session import (
    FROM_SETTINGS,
    CacheChoice,
    EngineChoice,
    Note,
    Session,
    _ignore,
    library_settings,
)
from qa.signature import Signature
from qa.translate.base import Engine
from qa.translate.cached import CacheStats
from qa.workers import Spread, WorkLost, article_chunks, check_chunk, not_checked, score_chunk, worker_setup

ErrorNote = Callable[[InputError], None]
# Pairs read and scored at once in this process: memory stays bounded on inputs of any size.
SCORE_CHUNK_PAIRS = 1000


@dataclass(frozen=True)
class CheckRun:
    """What one configured check produced: the report as an editor sees it (inline ignores and
    the baseline applied), the report before the baseline (what ``qa baseline`` records), the
    settings used, the files that could not be read, the baseline's outcome and cache figures."""

    report: Report
    before_baseline: Report
    settings: Settings
    errors: tuple[InputError, ...]
    baseline: BaselineOutcome | None = None
    stats: CacheStats | None = None
    # One line per article no worker could check (its worker died twice): the report holds the others.
    lost: tuple[str, ...] = ()


def read_pairs(
    paths: Sequence[str | Path], settings: Settings, *, changed_since: str | None = None, note: Note = _ignore,
) -> tuple[list, list[InputError]]:
    """The article pairs under ``paths`` that the settings do not ignore (and that changed since
    ``changed_since``, when given), and the files that could not be read.

    Files found and then all ignored are an error unless ``settings.allow_empty``; symbolic
    links are followed as ``settings.follow_symlinks`` says (see :func:`qa.corpus.discover`)."""
    from qa.changes import affected_pairs, changed_in_repositories, only_untranslated_sources, with_partners
    from qa.corpus import STDIN, discover, read_paths

    errors: list[InputError] = []
    passed_over: list[InputError] = []
    found = discover(paths, errors=errors, skipped=passed_over, follow_symlinks=settings.follow_symlinks)
    files: list[str | Path] = [path for path in found if not is_ignored(path, settings)]
    reads_stdin = any(str(path) == STDIN for path in paths)
    if found and not files and not reads_stdin and not settings.allow_empty:
        # An `ignore` that matches everything would switch qa off.
        source = display_path(settings.config_file) if settings.config_file else "the settings"
        errors.append(InputError(
            f"nothing to check: all {len(found)} file(s) found are ignored by the ignore patterns of {source} "
            "(--allow-empty accepts that)", ", ".join(map(str, paths)),
        ))
    files += [STDIN] if reads_stdin else []
    corpus = read_paths(files, src_lang=settings.src_lang, tgt_lang=settings.tgt_lang, pairing=settings.pairing,
                        named=paths, follow_symlinks=settings.follow_symlinks)
    errors += corpus.errors
    for passed in [*passed_over, *corpus.skipped]:
        note(str(passed))
    pairs = list(corpus.pairs)
    if changed_since is None:  # a file named alone (a pre-commit hook's) is checked with its other side
        pairs = with_partners(pairs, paths, lambda top: _tree_pairs(top, settings))
    if (not errors and files and not any(pair.target is not None for pair in pairs)
            and not only_untranslated_sources(pairs, paths, settings.src_lang, settings.tgt_lang)):
        # Checking nothing is never a pass: a wrong `lang:` or --tgt-lang would switch qa off.
        errors.append(InputError(
            f"nothing to check: no {settings.tgt_lang} article among {len(files)} file(s) read as "
            f"{settings.src_lang}-{settings.tgt_lang}; check --src-lang/--tgt-lang and the files' "
            "`lang:` front matter", ", ".join(map(str, paths)),
        ))
    if changed_since is not None:  # an empty ref is refused, not taken for "check everything"
        pairs = affected_pairs(pairs, changed_in_repositories(changed_since, paths).changed)
        note(f"{len(pairs)} article pair(s) changed since {changed_since}")
    return pairs, errors


def _tree_pairs(top: Path, settings: Settings) -> list[ArticlePair]:
    """The article pairs of a whole repository, read as a folder is read (ignore patterns and
    link rules applied). A file there that cannot be read is not this check's error."""
    from qa.corpus import discover, read_paths

    found = discover([top], errors=[], skipped=[], follow_symlinks=settings.follow_symlinks)
    files = [path for path in found if not is_ignored(path, settings)]
    return list(read_paths(files, src_lang=settings.src_lang, tgt_lang=settings.tgt_lang, pairing=settings.pairing,
                           named=[], follow_symlinks=settings.follow_symlinks).pairs)


def _configured_baseline(
    settings: Settings, *, required: bool, ref: str | None, note: Note,
) -> tuple[str, Baseline] | None:
    """The baseline a check applies and its name, read before the check so that a bad ref or
    file costs no checking time. None when none is configured, or when the configured one does
    not exist yet and was not asked for by name (``required``).

    With ``ref`` (``--baseline-ref``) the baseline is the configured one, else the root's
    DEFAULT_BASELINE, as that git ref holds it, whatever the working tree holds: a pull request
    cannot accept its own flags. None, with a note, when the ref has no baseline file.
    """
    if ref is not None:
        path = settings.baseline or settings.root / DEFAULT_BASELINE
        name, at_ref = read_baseline_at(ref, path)
        if at_ref is None:
            note(f"no baseline at {name}; every flag is reported")
            return None
        _note_entries_not_at_ref(path, at_ref, ref, note)
        return name, at_ref
    if settings.baseline is None:
        return None
    if not settings.baseline.exists() and not required:
        note(f"no baseline yet at {settings.baseline} (write one with `qa baseline`)")
        return None
    # Named relative to the root, as at a ref: the reports then do not depend on the current folder.
    return relative_path(settings.baseline, settings.root), read_baseline(settings.baseline)


def _baseline(
    report: Report, settings: Settings, chosen: tuple[str, Baseline] | None, note: Note,
) -> BaselineOutcome | None:
    """The verdict of the ``chosen`` baseline (see ``_configured_baseline``) on ``report``."""
    if chosen is None:
        return None
    name, baseline = chosen
    outcome = apply_baseline(report, baseline, settings.root, name=name)
    note(f"{len(outcome.accepted)} flag(s) accepted by the baseline {name}")
    for entry in outcome.stale:
        note(f"baseline entry no longer matches: {entry.path}: {entry.signal} {entry.severity}: {entry.excerpt!r}")
    return outcome


def _clear_inline_ignored(report: Report, ref: str | None, note: Note) -> Report:
    """``report`` with the flags ``<!-- qa: ignore -->`` markers accept unflagged. With ``ref``
    (``--baseline-ref``) only markers the ref already has count: a pull request cannot mark its
    own garble; the ones it added are noted."""
    if ref is None:
        return clear_flags(report, is_inline_ignored, by="inline")
    cleared = clear_flags(report, inline_ignored_at(ref), by="inline")
    added = sum(1 for article, segment in cleared.flagged if is_inline_ignored(article, segment))
    if added:
        note(f"not applied: {added} flag(s) under a <!-- qa: ignore --> marker that {ref} does not have "
             f"(a marker counts once it is on {ref})")
    return cleared


def _note_entries_not_at_ref(path: Path, at_ref: Baseline, ref: str, note: Note) -> None:
    """Say how many entries the working tree's baseline adds to the ref's: they accept nothing."""
    try:
        added = read_baseline(path).keys - at_ref.keys if path.exists() else set()
    except InputError:  # not the baseline in use; a broken copy in a pull request is its reviewers' matter
        return
    if added:
        note(f"not applied: {len(added)} baseline entr{'y' if len(added) == 1 else 'ies'} in {display_path(path)} "
             f"that {ref} does not have (a baseline counts once it is on {ref})")


def run_check(
    paths: Sequence[str | Path],
    settings: Settings,
    *,
    engine: EngineChoice = FROM_SETTINGS,
    cache: CacheChoice = True,
    changed_since: str | None = None,
    use_baseline: bool = True,
    baseline_required: bool = False,
    baseline_ref: str | None = None,
    progress: Progress | None = None,
    note: Note = _ignore,
    error: ErrorNote = _ignore,
) -> CheckRun:
    """Check the articles under ``paths`` with ``settings``; see the module docstring.

    ``engine`` is an :data:`~qa.session.EngineChoice` (by default the engine the settings name,
    opened and closed here; an open Engine is used as given and left open) and ``cache`` a
    :data:`~qa.session.CacheChoice`: the cache keeps translations and qa's own results
    (alignments, signals); none computes everything. A check of more than one chunk of articles
    runs on the settings' ``jobs`` or ``scheduler`` (not with an open Engine, which stays here).
    ``baseline_ref`` reads the baseline as that git ref holds it (see ``_configured_baseline``).
    """
    chosen = (_configured_baseline(settings, required=baseline_required, ref=baseline_ref, note=note)
              if use_baseline else None)
    pairs, errors = read_pairs(paths, settings, changed_since=changed_since, note=note)
    pairs = _checkable(pairs, errors, settings, note, error)
    progress = progress or NullProgress()
    runner, chunks = _spreading(pairs, settings) if not isinstance(engine, Engine) else (None, [])
    lost: tuple[str, ...] = ()
    stats: CacheStats | None
    if runner is not None:
        try:
            with Session.open(settings, engine=engine, cache=cache, start_engine=False) as driver:
                report, stats = _check_spread(chunks, driver, runner, errors, progress, note)
        except WorkLost as lost_work:  # the other articles are still reported, inline ignores and baseline applied
            assert lost_work.report is not None
            report, stats, lost = lost_work.report, None, lost_work.lines
        finally:
            runner.close()
    else:
        with Session.open(settings, engine=engine, cache=cache, note=note) as session:
            report = check_corpus(
                pairs, engine=session.engine, cache=session.cache, flagger=session.flagger,
                src_lang=settings.src_lang, tgt_lang=settings.tgt_lang, errors=errors, progress=progress,
            )
        stats = session.stats
    report = _clear_inline_ignored(report, baseline_ref if use_baseline else None, note)
    outcome = _baseline(report, settings, chosen, note)
    return CheckRun(outcome.report if outcome else report, report, settings, tuple(errors), outcome, stats, lost)


def check_texts(
    texts: Sequence[tuple[str, str]],
    settings: Settings,
    session: Session,
    *,
    note: Note = _ignore,
    error: ErrorNote = _ignore,
) -> CheckRun:
    """Check articles given as text, on an open ``session``, in this thread: what ``qa serve``
    runs for each request. Each ``(name, text)`` is one article file's contents; the name is only
    a label (it is never opened) whose suffix picks the reader as a file's would, and it is the
    article's path in the report. The report is the one ``qa check`` gives for files of those
    names and contents in the current folder: same pairing, inline ignores, and the configured
    baseline, read afresh on every call so an accepted flag is gone at once. A text that a file
    could not hold (empty, binary, not UTF-8) is an error naming it, and the others are checked.
    """
    from qa.corpus import read_text_article
    from qa.corpus.files import as_file_text
    from qa.corpus.pairing import pair_articles

    chosen = _configured_baseline(settings, required=False, ref=None, note=note)
    errors: list[InputError] = []
    items: list = []
    for name, text in texts:
        try:
            # As a file is read: an empty text, a NUL (binary) or a lone surrogate is refused.
            text = as_file_text(text, name)
            contents = read_text_article(text, name, src_lang=settings.src_lang, tgt_lang=settings.tgt_lang)
        except InputError as problem:
            errors.append(problem)
            continue
        items += [*contents.articles, *contents.pairs]
        errors += contents.errors
    pairs = pair_articles(items, src_lang=settings.src_lang, tgt_lang=settings.tgt_lang, method=settings.pairing)
    if not errors and not any(pair.target is not None for pair in pairs):
        errors.append(InputError(
            f"nothing to check: no {settings.tgt_lang} article among {len(texts)} text(s) read as "
            f"{settings.src_lang}-{settings.tgt_lang}; is the translation in {settings.tgt_lang}?",
            ", ".join(name for name, _ in texts),
        ))
    pairs = _checkable(pairs, errors, settings, note, error)
    report = check_corpus(
        pairs, engine=session.engine, cache=session.cache, flagger=session.flagger,
        src_lang=settings.src_lang, tgt_lang=settings.tgt_lang, errors=errors, progress=NullProgress(),
    )
    report = _clear_inline_ignored(report, None, note)
    outcome = _baseline(report, settings, chosen, note)
    return CheckRun(outcome.report if outcome else report, report, settings, tuple(errors), outcome)


def _checkable(
    pairs: list[ArticlePair], errors: list[InputError], settings: Settings, note: Note, error: ErrorNote,
) -> list[ArticlePair]:
    """The pairs that can be aligned (the others join ``errors``, refused before anything is
    translated, here or on workers); says each error, and each article checked without its other side."""
    pairs, too_long = alignable(pairs)
    errors += too_long
    for problem in errors:
        error(problem)
    for pair in pairs:
        if pair.target is not None and pair.source is None:
            note(f"{pair.target.path}: no {settings.src_lang} source found; only the checks that need no source ran")
        elif pair.target is None and pair.source is not None:
            note(f"{pair.source.path}: no {settings.tgt_lang} translation found; not checked")
    return pairs


def _spreading(pairs: Sequence[ArticlePair], settings: Settings) -> tuple[Runner | None, list[list[ArticlePair]]]:
    """Where a check runs: on a Dask cluster when the settings name a scheduler, on ``jobs``
    local processes when the articles fill more than one chunk, else here (runner None)."""
    chunks = article_chunks(pairs, JOB_CHUNK_SENTENCES)
    if not chunks or (settings.scheduler is None and len(chunks) == 1):
        return None, chunks
    return open_runner(settings.jobs, settings.scheduler), chunks


def _check_spread(
    chunks: list[list[ArticlePair]], driver: Session, runner: Runner, errors: Sequence[InputError],
    progress: Progress, note: Note,
) -> tuple[Report, CacheStats | None]:
    """Check the chunks on ``runner``'s workers, each with its own session on the cache file the
    ``driver`` session opened; the articles' reports in input order, and the cache figures.

    Raises WorkLost once every other chunk is done when a chunk's worker died on it twice: one
    line per article of that chunk, and the report of the others. Interrupted, ended or failed,
    it ends the workers at once."""
    settings = driver.settings
    spread: Spread[list[ArticlePair]] = Spread(runner, note)
    articles: list[ArticleReport] = []
    lost: list[str] = []
    try:
        with progress.task(f"checking on {runner.workers} worker(s)", sum(map(len, chunks))) as task:
            for chunk, done in spread.run(check_chunk, worker_setup(driver, runner), chunks):
                if isinstance(done, LostChunk):
                    lost += not_checked(chunk, done)
                else:
                    articles += done.results
                task.advance(len(chunk))
    except BaseException:
        runner.terminate()
        raise
    report = Report(tuple(articles), tuple(errors),
                    spread.signature or Signature(direction=f"{settings.src_lang}-{settings.tgt_lang}"))
    if lost:
        raise WorkLost(lost, report)
    return report, spread.stats(settings)


def check(
    source: str | Path | Sequence[str | Path],
    translation: str | Path | None = None,
    *,
    src_lang: str | None = None,
    tgt_lang: str | None = None,
    engine: EngineChoice = FROM_SETTINGS,
    flagger: str | Path | None = None,
    cache: CacheChoice = True,
    config: str | Path | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    baseline_ref: str | None = None,
    allow_empty: bool = False,
    follow_symlinks: bool = False,
    progress: Progress | None = None,
) -> Report:
    """Check articles from the library exactly as ``qa check`` does, and return the Report.

    ``check("corpora/")``, ``check("a.es.md", "a.en.md")`` or ``check([path, ...])``: paths
    (files or folders) are read, paired and checked with the settings of the repository root's
    qa.toml or ``[tool.qa]`` (``config`` names the file instead): its ignore globs, inline
    ignores, baseline and cache all apply. Arguments given here win over the file. A settings
    file below the root is not read: a ``qa.config.SettingsWarning`` names it.

    ``engine`` is an engine name (``auto``, ``marian``, ``ct2``, ``apertium``, ``none``), an
    open Engine, or None for the checks that need no model; by default, the configured one
    (:data:`qa.session.EngineChoice`). ``cache`` True uses the configured cache (else the user
    cache folder), False none; a path or a TranslationCache names one. ``jobs`` (local worker
    processes; default: one per two cores, for a check of more than one chunk of articles) and
    ``scheduler`` (a Dask scheduler's address) say where an engine named by the settings runs,
    as ``--jobs`` and ``--scheduler`` do. ``baseline_ref`` (a git ref, such as ``origin/main``)
    reads the baseline as that ref holds it, as ``--baseline-ref`` does. ``allow_empty`` and
    ``follow_symlinks`` are ``--allow-empty`` (files found but all ignored is no error) and
    ``--follow-symlinks`` (read a linked file outside the repository or in a hidden folder).

    Raises InputError when none of the paths exists (text given instead of a path is told to
    use :func:`score_pairs`), and WorkLost when no worker could check some articles. An input
    that cannot be read is a ``qa.errors.InputWarning`` and an error of the report, whose
    ``return_code`` is then 2, as ``qa check`` exits.
    """
    paths = [source] if isinstance(source, str | Path) else list(source)
    paths += [translation] if translation is not None else []
    if not paths:
        raise InputError("no path to check")
    _refuse_missing(paths)
    overrides = {"src_lang": src_lang, "tgt_lang": tgt_lang, "flagger": flagger, "jobs": jobs, "scheduler": scheduler,
                 "allow_empty": allow_empty, "follow_symlinks": follow_symlinks}
    settings = library_settings(Path(paths[0]), overrides, engine=engine, cache=cache, config=config,
                                checked=[Path(path) for path in paths])
    run = run_check(paths, settings, engine=engine, cache=cache, baseline_ref=baseline_ref, progress=progress)
    for problem in run.errors:
        warnings.warn(str(problem), InputWarning, stacklevel=2)
    if run.lost:
        raise WorkLost(run.lost, run.report)
    return run.report


def _refuse_missing(paths: Sequence[str | Path]) -> None:
    """InputError when no path of a library check exists: a typo, or text where a path belongs."""
    from qa.corpus import STDIN

    def exists(path: str | Path) -> bool:
        try:
            return str(path) == STDIN or Path(path).exists()
        except (OSError, ValueError):  # a name too long, or holding a NUL: text, not a path
            return False

    if any(exists(path) for path in paths):
        return
    named = ", ".join(repr(str(path)[:60]) for path in paths)
    if any(isinstance(path, str) and any(character.isspace() for character in path) for path in paths):
        raise InputError(f"no such file or folder: {named}; qa.check takes paths to files or folders "
                         "(for sentences, use qa.score_pairs)")
    raise InputError(f"no such file or folder: {named}")


@dataclass(frozen=True)
class NotScored:
    """A pair no worker could score (its worker process died on it twice), in its place in the
    output of :func:`score_pairs`: its ``id``, its ``line`` in the input and the ``reason``."""

    id: str
    line: int
    reason: str

    def to_dict(self) -> dict[str, str]:
        """What ``qa score`` prints in the pair's place."""
        return {"id": self.id, "error": f"not scored: {self.reason}"}


class ScoreStream(Iterator["SegmentResult | NotScored"]):
    """The results of :func:`score_pairs` with ``stream=True``, one per pair in input order: a
    SegmentResult, or NotScored for a pair no worker could score. Results come as each chunk
    is done: the input is read a chunk at a time (and only a few chunks ahead of the workers),
    never drained first.

    ``signature`` says what produced the results; it is set before the first SegmentResult is
    given (None while nothing is scored). ``stats`` holds the cache figures once the stream is
    exhausted (None for engine none). Everything it opened is closed when it is exhausted, when
    :meth:`close` is called, or when it is dropped; a spread run's workers are then ended."""

    def __init__(
        self, pairs: Iterable[SentencePair | tuple[str, str]], settings: Settings, *, engine: EngineChoice,
        cache: CacheChoice, progress: Progress | None, note: Note,
    ) -> None:
        self.settings = settings
        self.signature: Signature | None = None
        self.stats: CacheStats | None = None
        self._items = self._run(_numbered(pairs), engine, cache, progress or NullProgress(), note)

    def __iter__(self) -> ScoreStream:
        return self

    def __next__(self) -> SegmentResult | NotScored:
        return next(self._items)

    def close(self) -> None:
        """Stop: close what the stream opened and end its workers."""
        self._items.close()

    def _run(
        self, pairs: Iterator[SentencePair], engine: EngineChoice, cache: CacheChoice, progress: Progress, note: Note,
    ) -> Generator[SegmentResult | NotScored, None, None]:
        settings = self.settings
        # The first chunk is read before any engine starts, so an input that cannot be read fails fast.
        first = list(itertools.islice(pairs, SCORE_CHUNK_PAIRS))
        every = itertools.chain(first, pairs)
        # An input of one chunk runs here: starting worker processes would cost more than it saves.
        spread = bool(first) and not isinstance(engine, Engine) and (
            settings.scheduler is not None or len(first) > JOB_CHUNK_PAIRS)
        runner = open_runner(settings.jobs, settings.scheduler) if spread else None
        if runner is None:
            yield from self._here(every, engine, cache, progress, note)
            return
        try:
            with Session.open(settings, engine=engine, cache=cache, start_engine=False) as driver:
                yield from self._spread(every, driver, runner, note)
        except BaseException:
            runner.terminate()  # interrupted, ended or failed: the workers' work is not wanted
            raise
        runner.close()

    def _here(
        self, pairs: Iterator[SentencePair], engine: EngineChoice, cache: CacheChoice, progress: Progress, note: Note,
    ) -> Iterator[SegmentResult]:
        """Score in this process, with one session, a chunk at a time."""
        from qa.score import score_pairs as score

        with Session.open(self.settings, engine=engine, cache=cache, note=note) as session:
            self.signature = session.signature
            for chunk in chunks_of(pairs, SCORE_CHUNK_PAIRS):
                yield from score(chunk, src_lang=self.settings.src_lang, tgt_lang=self.settings.tgt_lang,
                                 engine=session.engine, flagger=session.flagger, cache=session.cache,
                                 progress=progress)
        self.stats = session.stats

    def _spread(
        self, pairs: Iterator[SentencePair], driver: Session, runner: Runner, note: Note,
    ) -> Iterator[SegmentResult | NotScored]:
        """Score on ``runner``'s workers, each with its own session; results in input order."""
        spread: Spread[list[SentencePair]] = Spread(runner, note)
        for chunk, done in spread.run(score_chunk, worker_setup(driver, runner), chunks_of(pairs, JOB_CHUNK_PAIRS)):
            if isinstance(done, LostChunk):
                yield from (NotScored(pair.id, pair.line, done.reason) for pair in chunk)
                continue
            self.signature = self.signature or spread.signature
            yield from done.results
        self.stats = spread.stats(self.settings)


def _numbered(pairs: Iterable[SentencePair | tuple[str, str]]) -> Iterator[SentencePair]:
    """The pairs as SentencePairs; a ``(src, tgt)`` tuple gets its place (from 1) as id and line."""
    for number, pair in enumerate(pairs, start=1):
        yield pair if isinstance(pair, SentencePair) else SentencePair(str(number), pair[0], pair[1], number)


def score_stream(
    pairs: Iterable[SentencePair | tuple[str, str]], settings: Settings, *, engine: EngineChoice = FROM_SETTINGS,
    cache: CacheChoice = True, progress: Progress | None = None, note: Note = _ignore,
) -> ScoreStream:
    """Score ``pairs`` with ``settings`` as ``qa score`` does: a :class:`ScoreStream` of results
    in input order. An input of more than one chunk runs on the settings' ``jobs`` or
    ``scheduler`` (not with an open Engine, which stays here); ``note`` hears what a user should
    (the engine chosen, a worker that died), each once."""
    return ScoreStream(pairs, settings, engine=engine, cache=cache, progress=progress, note=note)


@overload
def score_pairs(
    pairs: Iterable[SentencePair | tuple[str, str]], *, src_lang: str | None = ..., tgt_lang: str | None = ...,
    engine: EngineChoice = ..., flagger: str | Path | None = ..., cache: CacheChoice = ...,
    config: str | Path | None = ..., progress: Progress | None = ..., jobs: int | None = ...,
    scheduler: str | None = ..., stream: Literal[False] = ...,
) -> list[SegmentResult]: ...
@overload
def score_pairs(
    pairs: Iterable[SentencePair | tuple[str, str]], *, src_lang: str | None = ..., tgt_lang: str | None = ...,
    engine: EngineChoice = ..., flagger: str | Path | None = ..., cache: CacheChoice = ...,
    config: str | Path | None = ..., progress: Progress | None = ..., jobs: int | None = ...,
    scheduler: str | None = ..., stream: Literal[True],
) -> ScoreStream: ...
def score_pairs(
    pairs: Iterable[SentencePair | tuple[str, str]],
    *,
    src_lang: str | None = None,
    tgt_lang: str | None = None,
    engine: EngineChoice = FROM_SETTINGS,
    flagger: str | Path | None = None,
    cache: CacheChoice = True,
    config: str | Path | None = None,
    progress: Progress | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    stream: bool = False,
) -> list[SegmentResult] | ScoreStream:
    """Score sentence pairs (``SentencePair`` or ``(src, tgt)``, from any iterable) from the
    library as ``qa score`` does, in input order.

    Settings come from the qa.toml / ``[tool.qa]`` nearest the current folder (``config`` names
    the file instead); arguments given here win. ``engine`` is an engine name (``auto``,
    ``marian``, ``ct2``, ``apertium``, ``none``), an open Engine (used as given, left open), or
    None for the checks that need no model; by default, the configured one, as for
    :func:`check`. ``cache`` True uses the configured cache, False none; a path or a
    TranslationCache names one. ``jobs`` (local worker processes; default: the settings', else
    one per two cores) and ``scheduler`` (a Dask scheduler's address) say where an input of more
    than one chunk runs, as ``--jobs`` and ``--scheduler`` do; the results are the same.

    ``stream`` False returns the list of results, and raises WorkLost when a pair could not be
    scored (its worker died twice). ``stream`` True returns a :class:`ScoreStream`, which yields
    each result as its chunk is done, reading the input as it goes, with NotScored in the place
    of a pair not scored.
    """
    overrides = {"src_lang": src_lang, "tgt_lang": tgt_lang, "flagger": flagger, "jobs": jobs, "scheduler": scheduler}
    settings = library_settings(Path.cwd(), overrides, engine=engine, cache=cache, config=config)
    results = score_stream(pairs, settings, engine=engine, cache=cache, progress=progress)
    if stream:
        return results
    scored = list(results)
    lost = [f"pair {item.id} (line {item.line}): not scored: {item.reason}" for item in scored
            if isinstance(item, NotScored)]
    if lost:
        raise WorkLost(lost)
    return [item for item in scored if isinstance(item, SegmentResult)]

