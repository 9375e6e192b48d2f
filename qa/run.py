"""A whole check, from paths and settings to a Report: what ``qa check``, ``qa baseline`` and
``qa.check()`` all run, so the library and the command line cannot disagree.

The stages, in order: discover the files, drop the ``ignore`` globs, read and pair the articles,
keep the pairs changed since a git ref (when asked), open the engine and the cache, check,
unflag the paragraphs ``<!-- qa: ignore -->`` marks, and apply the baseline. What a user should
hear on the way (the engine chosen, bad files, stale baseline entries) goes to the ``note`` and
``error`` callbacks as it happens; the command line prints them, the library drops them.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

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
from qa.config import Settings, display_path, is_ignored, load_settings
from qa.corpus.model import ArticlePair, SentencePair
from qa.distribute import (
    JOB_CHUNK_SENTENCES,
    LostChunk,
    Runner,
    WorkerSetup,
    WorkLost,
    article_chunks,
    not_checked,
    open_runner,
    spread_check,
)
from qa.errors import InputError
from qa.flag import Flagger, load_flagger
from qa.pipeline import alignable, check_corpus
from qa.progress import NullProgress, Progress
from qa.results import ArticleReport, Report, SegmentResult
from qa.translate.base import Engine
from qa.translate.cache import CachedEngine, CacheStats, TranslationCache, default_cache_path

Note = Callable[[str], None]
ErrorNote = Callable[[InputError], None]


def _ignore(_: object) -> None:
    """The library's default listener: a caller that wants to hear passes its own."""


class _FromSettings:
    """The engine the settings name: ``engine`` in qa.toml, else ``auto``."""

    def __repr__(self) -> str:
        return "FROM_SETTINGS"


FROM_SETTINGS: Final = _FromSettings()


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


def check_directions(settings: Settings) -> list[tuple[str, str]]:
    """The directions a check translates: back (target to source) and forward."""
    return [(settings.tgt_lang, settings.src_lang), (settings.src_lang, settings.tgt_lang)]


def open_cache(settings: Settings, *, enabled: bool = True) -> TranslationCache | None:
    """The translation cache the settings name (else the user cache folder's), or None."""
    return TranslationCache(settings.cache or default_cache_path()) if enabled else None


def open_engine(
    settings: Settings, cache: TranslationCache | None, *, directions: list[tuple[str, str]] | None = None,
    note: Note = _ignore,
) -> CachedEngine | None:
    """The engine the settings name wrapped in ``cache`` (None for engine ``none``).

    ``note`` hears which engine serves the check (for ``auto``, why). Raises EngineUnavailable
    when no engine can serve ``directions`` (default: the settings' own, both ways).
    """
    if settings.engine == "none":
        note("engine none: only the checks that need no model")
        return None
    from qa.translate import EngineOptions, create_engine

    options = EngineOptions(models=dict(settings.models), beam_size=settings.beam, threads=settings.threads,
                            device=settings.device)
    needed = directions or check_directions(settings)
    inner, choice_note = create_engine(settings.engine, options, needed)
    if settings.engine == "auto":
        note(choice_note)
    info = inner.info(*needed[0])
    note(f"engine {inner.name}, model {info.model} (revision {info.revision})")
    return CachedEngine(inner, cache)


def close_engine(engine: Engine | None, *, note: Note = _ignore) -> None:
    """Pass on the engine's notes (over-long inputs split, batches retried after running out of
    memory), each distinct one once, then close it."""
    if engine is None:
        return
    try:
        for message, count in Counter(engine.notes).items():
            note(message if count == 1 else f"{message} ({count} times)")
    finally:
        engine.close()


def configured_flagger(settings: Settings, engine_name: str) -> Flagger:
    """The settings' flagger (threshold applied), bound to the engine and direction it serves."""
    flagger = load_flagger(settings.flagger)
    if settings.threshold is not None:
        flagger = flagger.with_threshold(settings.threshold)
    return flagger.for_engine(engine_name, f"{settings.src_lang}-{settings.tgt_lang}")


def read_pairs(
    paths: Sequence[str | Path], settings: Settings, *, changed_since: str | None = None, note: Note = _ignore,
) -> tuple[list, list[InputError]]:
    """The article pairs under ``paths`` that the settings do not ignore (and that changed since
    ``changed_since``, when given), and the files that could not be read.

    Files found and then all ignored are an error unless ``settings.allow_empty``; symbolic
    links are followed as ``settings.follow_symlinks`` says (see :func:`qa.corpus.discover`)."""
    from qa.changes import affected_pairs, changed_in_repositories
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
    if not errors and files and not any(pair.target is not None for pair in pairs):
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
    engine: Engine | _FromSettings | None = FROM_SETTINGS,
    cache: TranslationCache | None,
    changed_since: str | None = None,
    use_baseline: bool = True,
    baseline_required: bool = False,
    baseline_ref: str | None = None,
    progress: Progress | None = None,
    note: Note = _ignore,
    error: ErrorNote = _ignore,
) -> CheckRun:
    """Check the articles under ``paths`` with ``settings``; see the module docstring.

    ``engine`` is the engine the settings name (opened and closed here), an open Engine (used as
    given, left open) or None (only the checks that need no model). ``cache`` keeps translations
    and qa's own results (alignments, signals); None computes everything. ``baseline_ref`` reads
    the baseline as that git ref holds it (see ``_configured_baseline``).
    """
    chosen = (_configured_baseline(settings, required=baseline_required, ref=baseline_ref, note=note)
              if use_baseline else None)
    pairs, errors = read_pairs(paths, settings, changed_since=changed_since, note=note)
    pairs, too_long = alignable(pairs)  # refused before anything is translated, here or on workers
    errors += too_long
    for problem in errors:
        error(problem)
    for pair in pairs:
        if pair.target is not None and pair.source is None:
            note(f"{pair.target.path}: no {settings.src_lang} source found; only the checks that need no source ran")
        elif pair.target is None and pair.source is not None:
            note(f"{pair.source.path}: no {settings.tgt_lang} translation found; not checked")
    progress = progress or NullProgress()
    runner, chunks = _spreading(pairs, settings) if isinstance(engine, _FromSettings) else (None, [])
    lost: tuple[str, ...] = ()
    stats: CacheStats | None
    if runner is not None:
        try:
            report, stats = _check_spread(chunks, settings, cache, runner, errors, progress, note)
        except WorkLost as lost_work:  # the other articles are still reported, inline ignores and baseline applied
            report, stats, lost = lost_work.report, None, lost_work.lines
        finally:
            runner.close()
    else:
        opened = isinstance(engine, _FromSettings)
        active = open_engine(settings, cache, note=note) if isinstance(engine, _FromSettings) else engine
        flagger = configured_flagger(settings, active.name if active is not None else "none")
        missing = flagger.missing_model_note()
        if missing:
            note(missing)
        try:
            report = check_corpus(
                pairs, engine=active, cache=cache, flagger=flagger, src_lang=settings.src_lang,
                tgt_lang=settings.tgt_lang, errors=errors, progress=progress,
            )
        finally:
            if opened:
                close_engine(active, note=note)
        stats = active.stats if isinstance(active, CachedEngine) else None
    report = _clear_inline_ignored(report, baseline_ref if use_baseline else None, note)
    outcome = _baseline(report, settings, chosen, note)
    return CheckRun(outcome.report if outcome else report, report, settings, tuple(errors), outcome, stats, lost)


def _spreading(pairs: Sequence[ArticlePair], settings: Settings) -> tuple[Runner | None, list[list[ArticlePair]]]:
    """Where a check runs: on a Dask cluster when the settings name a scheduler, on ``jobs``
    local processes when the articles fill more than one chunk, else here (runner None)."""
    chunks = article_chunks(pairs, JOB_CHUNK_SENTENCES)
    if not chunks or (settings.scheduler is None and len(chunks) == 1):
        return None, chunks
    return open_runner(settings.jobs, settings.scheduler), chunks


def _check_spread(
    chunks: list[list[ArticlePair]], settings: Settings, cache: TranslationCache | None, runner: Runner,
    errors: Sequence[InputError], progress: Progress, note: Note,
) -> tuple[Report, CacheStats | None]:
    """Check the chunks on ``runner``'s workers, each with its own engine and a connection to the
    same cache file; the articles' reports in input order, and the cache figures.

    Raises WorkLost once every other chunk is done when a chunk's worker died on it twice: one
    line per article of that chunk, and the report of the others. Interrupted, ended or failed,
    it ends the workers at once."""
    from qa.signature import Signature

    chosen = dataclasses.replace(settings, cache=cache.path) if cache is not None else settings
    setup = WorkerSetup(chosen, use_cache=cache is not None, threads=runner.threads_per_worker)
    articles: list[ArticleReport] = []
    lost: list[str] = []
    signature = None
    heard: set[str] = set()
    hits = misses = 0

    def hear(messages: Iterable[str]) -> None:
        for message in messages:
            if message not in heard:
                heard.add(message)
                note(message)

    try:
        with progress.task(f"checking on {runner.workers} worker(s)", sum(map(len, chunks))) as task:
            for chunk, done in zip(chunks, spread_check(chunks, setup, runner), strict=True):
                hear(runner.take_notes())
                if isinstance(done, LostChunk):
                    lost += not_checked(chunk, done)
                else:
                    hear(done.notes)
                    articles += done.results
                    signature = signature or done.signature
                    hits, misses = hits + done.hits, misses + done.misses
                task.advance(len(chunk))
    except BaseException:
        runner.terminate()
        raise
    report = Report(tuple(articles), tuple(errors),
                    signature or Signature(direction=f"{settings.src_lang}-{settings.tgt_lang}"))
    if lost:
        raise WorkLost(lost, report)
    stats = CacheStats(hits, misses) if settings.engine != "none" else None
    return report, stats


def check(
    source: str | Path | Sequence[str | Path],
    translation: str | Path | None = None,
    *,
    src_lang: str | None = None,
    tgt_lang: str | None = None,
    engine: Engine | str | _FromSettings | None = FROM_SETTINGS,
    flagger: str | Path | None = None,
    cache: TranslationCache | str | Path | bool = True,
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
    open Engine, or None for the checks that need no model; by default, the configured one.
    ``cache`` True uses the configured cache (else the user cache folder), False none; a path
    or a TranslationCache names one. ``jobs`` (local worker processes; default: one per two
    cores, for a check of more than one chunk of articles) and ``scheduler`` (a Dask
    scheduler's address) say where an engine named by the settings runs, as ``--jobs`` and
    ``--scheduler`` do. ``baseline_ref`` (a git ref, such as ``origin/main``) reads the baseline
    as that ref holds it, as ``--baseline-ref`` does. ``allow_empty`` and ``follow_symlinks``
    are ``--allow-empty`` (files found but all ignored is no error) and ``--follow-symlinks``
    (read a linked file outside the repository or in a hidden folder).
    """
    paths = [source] if isinstance(source, str | Path) else list(source)
    paths += [translation] if translation is not None else []
    if not paths:
        raise InputError("no path to check")
    overrides = {"src_lang": src_lang, "tgt_lang": tgt_lang, "flagger": flagger, "jobs": jobs, "scheduler": scheduler,
                 "allow_empty": allow_empty, "follow_symlinks": follow_symlinks}
    settings, store = _library_settings(Path(paths[0]), overrides, engine, cache, config,
                                        checked=[Path(path) for path in paths])
    chosen: Engine | _FromSettings | None = FROM_SETTINGS if isinstance(engine, str) else engine
    try:
        run = run_check(paths, settings, engine=chosen, cache=store, baseline_ref=baseline_ref, progress=progress)
        if run.lost:
            raise WorkLost(run.lost, run.report)
        return run.report
    finally:
        if store is not None and store is not cache:
            store.close()


def score_pairs(
    pairs: Iterable[SentencePair | tuple[str, str]],
    *,
    src_lang: str | None = None,
    tgt_lang: str | None = None,
    engine: Engine | str | _FromSettings | None = FROM_SETTINGS,
    flagger: str | Path | None = None,
    cache: TranslationCache | str | Path | bool = True,
    config: str | Path | None = None,
    progress: Progress | None = None,
) -> list[SegmentResult]:
    """Score sentence pairs (``SentencePair`` or ``(src, tgt)``) from the library as ``qa score``
    does, in input order.

    Settings come from the qa.toml / ``[tool.qa]`` nearest the current folder (``config`` names
    the file instead); arguments given here win. ``engine`` is an engine name (``auto``,
    ``marian``, ``ct2``, ``apertium``, ``none``), an open Engine (used as given, left open), or
    None for the checks that need no model; by default, the configured one, as for
    :func:`check`. ``cache`` True uses the configured cache, False none; a path or a
    TranslationCache names one.
    """
    from qa.score import score_pairs as score

    overrides = {"src_lang": src_lang, "tgt_lang": tgt_lang, "flagger": flagger}
    settings, store = _library_settings(Path.cwd(), overrides, engine, cache, config)
    opened = isinstance(engine, str | _FromSettings)
    try:
        active: Engine | None = open_engine(settings, store) if isinstance(engine, str | _FromSettings) else engine
        try:
            return score(pairs, src_lang=settings.src_lang, tgt_lang=settings.tgt_lang, engine=active,
                         flagger=configured_flagger(settings, active.name if active is not None else "none"),
                         cache=store, progress=progress)
        finally:
            if opened:
                close_engine(active)
    finally:
        if store is not None and store is not cache:
            store.close()


def _library_settings(
    start: Path, overrides: dict, engine: object, cache: TranslationCache | str | Path | bool,
    config: str | Path | None, *, checked: Sequence[Path] = (),
) -> tuple[Settings, TranslationCache | None]:
    """The settings of a library call (its arguments over the root's qa.toml, or ``config``; a
    settings file between the root and ``checked`` is not read, see ``load_settings``) and the
    cache it uses: the one given, the one it names, the configured one, or none."""
    if isinstance(engine, str):
        overrides = {**overrides, "engine": engine}
    if isinstance(cache, str | Path):
        overrides = {**overrides, "cache": cache}
    settings, _ = load_settings(start, overrides, config_file=Path(config) if config else None, checked=checked)
    store = cache if isinstance(cache, TranslationCache) else open_cache(settings, enabled=cache is not False)
    return settings, store


def with_models(settings: Settings, models: dict[str, str]) -> Settings:
    """The settings with ``models`` (direction -> model) laid over the configured ones."""
    return dataclasses.replace(settings, models={**settings.models, **models}) if models else settings
