"""One run's open things: the engine, the cache and the flagger, opened from settings and closed.

Every entry point opens a run the same way: ``qa.check``, ``qa.score_pairs``, every command, each
worker process of a spread run, and a server (one Session per worker process, reused)::

    with Session.open(settings, note=print) as session:
        results = score_pairs(pairs, engine=session.engine, cache=session.cache, flagger=session.flagger, ...)
        print(session.signature)

:meth:`Session.open` is the one definition of opening, in this order: the flagger file is read
first (a bad one fails before any engine starts); the cache is opened from a :data:`CacheChoice`;
the engine from an :data:`EngineChoice`, wrapped in the cache, the choice noted; the flagger is
bound to the engine and the settings' direction and a missing fitted model is noted.
:meth:`Session.close` is the one definition of closing: each distinct engine note once ("(N
times)"), then the engine and the cache, each only when the session opened it.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Final, TypeAlias

from qa.config import Settings, load_settings
from qa.errors import EngineUnavailable, InputError
from qa.flag import Flagger, load_flagger
from qa.signature import Signature, engine_models, make_signature
from qa.store import TranslationCache, default_cache_path
from qa.translate.base import Engine
from qa.translate.cached import CachedEngine, CacheStats

Note = Callable[[str], None]

# Appended to "no engine can be had" when the run could go on without one.
NONE_REMEDY = "or --engine none: only the checks that need no model"


def _ignore(_: object) -> None:
    """The library's default listener: a caller that wants to hear passes its own."""


class _FromSettings:
    """The engine the settings name: ``engine`` in qa.toml, else ``auto``."""

    def __repr__(self) -> str:
        return "FROM_SETTINGS"


# The default of every public ``engine=``: what the settings say (qa.toml's ``engine``, else auto).
FROM_SETTINGS: Final = _FromSettings()

EngineChoice: TypeAlias = Engine | str | _FromSettings | None
"""The one shape of every ``engine=`` argument:

- :data:`FROM_SETTINGS` (the default): the engine ``settings.engine`` names, opened and closed by
  the session;
- a name (``"auto"``, ``"marian"``, ``"ct2"``, ``"apertium"``): that engine, opened and closed
  by the session (the session's settings then name it);
- an open :class:`~qa.translate.base.Engine`: the caller's, used as given (not wrapped in the
  cache) and left open;
- ``None`` or ``"none"``: no engine, only the checks that need no model.
"""

CacheChoice: TypeAlias = TranslationCache | str | Path | bool
"""The one shape of every ``cache=`` argument: True, the settings' cache (else the user cache
folder's); False, none; a path, that file; an open TranslationCache, the caller's, left open."""


def check_directions(settings: Settings) -> list[tuple[str, str]]:
    """The directions a check translates: back (target to source) and forward."""
    return [(settings.tgt_lang, settings.src_lang), (settings.src_lang, settings.tgt_lang)]


def with_models(settings: Settings, models: dict[str, str]) -> Settings:
    """The settings with ``models`` (direction -> model) laid over the configured ones."""
    return dataclasses.replace(settings, models={**settings.models, **models}) if models else settings


def open_cache(settings: Settings, choice: CacheChoice = True) -> TranslationCache | None:
    """The cache ``choice`` names (see :data:`CacheChoice`); True opens the settings' cache, else
    the user cache folder's. The caller closes what this opens (not a TranslationCache it gave)."""
    if isinstance(choice, TranslationCache):
        return choice
    if isinstance(choice, str | Path):
        return TranslationCache(Path(choice))
    return TranslationCache(settings.cache or default_cache_path()) if choice else None


def library_settings(
    start: Path, overrides: dict, *, engine: EngineChoice = FROM_SETTINGS, cache: CacheChoice = True,
    config: str | Path | None = None, checked: Sequence[Path] = (),
) -> Settings:
    """The settings of a library call: its arguments over the root's qa.toml (or ``config``) over
    the defaults, read as ``load_settings`` reads them (a settings file between the root and
    ``checked`` is not read). An engine name or a cache path given to the call is laid over the
    file's, so that the settings say what the run uses (and a spread run's workers open it)."""
    if isinstance(engine, str) or engine is None:
        overrides = {**overrides, "engine": engine or "none"}
    if isinstance(cache, str | Path):
        overrides = {**overrides, "cache": cache}
    settings, _ = load_settings(start, overrides, config_file=Path(config) if config else None, checked=checked)
    return settings


def _engine_name(choice: EngineChoice, settings: Settings) -> str | None:
    """The name of the engine a session opens for ``choice``, or None when it is the caller's."""
    if isinstance(choice, _FromSettings):
        return settings.engine
    if choice is None:
        return "none"
    if isinstance(choice, str):
        return choice
    return None


def _open_engine(
    settings: Settings, cache: TranslationCache | None, directions: Sequence[tuple[str, str]], note: Note,
    allow_none: bool,
) -> CachedEngine:
    """The engine ``settings.engine`` names (not none) for ``directions``, wrapped in ``cache``;
    which one and why are noted. EngineUnavailable when it cannot be had, with the way out."""
    from qa.translate import create_engine, engine_options_for

    # Checks translate their directions at the same time; each gets its share of the cores.
    options = dataclasses.replace(engine_options_for(settings), parallel_directions=len(set(directions)))
    try:
        inner, choice_note = create_engine(settings.engine, options, directions)
    except EngineUnavailable as error:
        if not allow_none:
            raise
        raise EngineUnavailable(f"{str(error).rstrip('. ')}; {NONE_REMEDY}") from None
    if settings.engine == "auto":
        note(choice_note)
    info = inner.info(*directions[0])
    note(f"engine {inner.name}, model {info.model} (revision {info.revision})")
    inner.tell(note)
    return CachedEngine(inner, cache)


class Session:
    """What one run has open: ``settings``, ``engine`` (a CachedEngine the session opened, the
    caller's Engine as given, or None for engine none), ``cache`` (or None), ``base_flagger`` (the
    settings' flagger file with their threshold, bound to nothing) and ``flagger`` (bound to the
    engine and the settings' direction). Open one with :meth:`open`; use it as a context manager,
    or call :meth:`close`."""

    def __init__(
        self, settings: Settings, engine: Engine | None, cache: TranslationCache | None, base_flagger: Flagger, *,
        owns_engine: bool, owns_cache: bool, note: Note = _ignore,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.cache = cache
        self.base_flagger = base_flagger
        self.flagger = self.flagger_for(f"{settings.src_lang}-{settings.tgt_lang}")
        self._owns_engine = owns_engine
        self._owns_cache = owns_cache
        self._note = note
        self._closed = False

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        engine: EngineChoice = FROM_SETTINGS,
        cache: CacheChoice = True,
        directions: Sequence[tuple[str, str]] | None = None,
        judged: Sequence[str] | None = None,
        note: Note = _ignore,
        allow_none: bool = True,
        start_engine: bool = True,
        threshold: bool = True,
    ) -> Session:
        """Open what a run with ``settings`` needs, in this order:

        1. the flagger file the settings name (the packaged one by default), with their threshold
           unless ``threshold`` is False (``qa calibrate`` fits from the file as it is): a bad
           file raises InputError before any engine starts;
        2. the cache ``cache`` names (:data:`CacheChoice`);
        3. the engine ``engine`` names (:data:`EngineChoice`) for ``directions`` (default: the
           settings' languages both ways, :func:`check_directions`), wrapped in the cache; ``note``
           hears which engine serves the run (for ``auto``, why). When no engine can be had,
           EngineUnavailable says why in one line, ending with the way out to engine none when
           ``allow_none``; with ``allow_none`` False, engine none is refused (InputError). The
           cache is closed again when this fails;
        4. the flagger bound to the engine and the settings' direction, and ``note`` hears when it
           has no model fitted for them (or for each of the ``judged`` directions, "es-en", when
           given: ``qa eval`` judges files of several directions; none noted for ``judged=()``,
           as ``qa calibrate`` and ``qa translate`` judge nothing with the flagger).

        ``start_engine`` False opens the flagger and the cache only (the driver of a run spread
        over workers, each of which opens its own session): no engine, nothing noted. ``note``
        also hears the engine's notes when the session closes.
        """
        base = load_flagger(settings.flagger)
        if threshold and settings.threshold is not None:
            base = base.with_threshold(settings.threshold)
        name = _engine_name(engine, settings)
        if name is not None and name != settings.engine:
            settings = dataclasses.replace(settings, engine=name)
        if name == "none" and not allow_none:
            raise InputError("this needs a translation engine, and engine none translates nothing; "
                             "choose one with --engine")
        store = open_cache(settings, cache)
        owns_cache = store is not None and store is not cache
        try:
            active: Engine | None
            if not start_engine:
                active = None
            elif name is None:
                active = engine if isinstance(engine, Engine) else None
            elif name == "none":
                note("engine none: only the checks that need no model")
                active = None
            else:
                active = _open_engine(settings, store, directions or check_directions(settings), note, allow_none)
        except BaseException:
            if owns_cache and store is not None:
                store.close()
            raise
        session = cls(settings, active, store, base, owns_engine=name is not None, owns_cache=owns_cache, note=note)
        if start_engine:
            for missing in session.missing_model_notes(
                    judged if judged is not None else [f"{settings.src_lang}-{settings.tgt_lang}"]):
                note(missing)
        return session

    @property
    def engine_name(self) -> str:
        """The name of the engine serving the run (``none`` without one)."""
        return self.engine.name if self.engine is not None else "none"

    def flagger_for(self, direction: str | None = None) -> Flagger:
        """The base flagger bound to this session's engine and ``direction`` ("es-en"; None binds
        no direction, as ``qa calibrate`` fits every one)."""
        return self.base_flagger.for_engine(self.engine_name, direction)

    def missing_model_notes(self, directions: Iterable[str]) -> list[str]:
        """One line per direction ("es-en") the flagger has no model fitted for with this
        session's engine (``qa eval`` judges files of several directions)."""
        notes = (self.base_flagger.missing_model_note(self.engine_name, direction) for direction in directions)
        return [line for line in notes if line]

    @property
    def signature(self) -> Signature:
        """The signature of a run of this session on the settings' direction: what produced its
        figures (engine, models, beam, flagger, thresholds, metrics)."""
        return make_signature(self.engine, self.flagger, self.settings.src_lang, self.settings.tgt_lang)

    def translation_signature(self, src: str, tgt: str) -> Signature:
        """The signature of translations from ``src`` to ``tgt`` (``qa translate``): the engine,
        that direction's model and the beam, no flagger."""
        direction = f"{src}-{tgt}"
        if self.engine is None:
            return Signature(direction=direction)
        return Signature(direction=direction, engine=self.engine.name,
                         models={direction: engine_models(self.engine, src, tgt)[direction]},
                         beam=self.engine.beam_size)

    @property
    def stats(self) -> CacheStats | None:
        """What the cache answered and what was computed, or None without a cached engine."""
        return self.engine.stats if isinstance(self.engine, CachedEngine) else None

    def close(self) -> None:
        """Pass on the engine's notes (inputs split, batches retried after running out of memory),
        each distinct one once with "(N times)" when repeated, then close the engine and the
        cache, each only when this session opened it. Closing twice does nothing."""
        if self._closed:
            return
        self._closed = True
        try:
            if self.engine is not None and self._owns_engine:
                try:
                    for message, count in Counter(self.engine.notes).items():
                        self._note(message if count == 1 else f"{message} ({count} times)")
                finally:
                    self.engine.close()
        finally:
            if self.cache is not None and self._owns_cache:
                self.cache.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"<Session {self.settings.src_lang}-{self.settings.tgt_lang} engine {self.engine_name}, "
                f"cache {self.cache.path if self.cache is not None else None}>")
