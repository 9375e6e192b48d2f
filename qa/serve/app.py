"""``qa serve``'s web app (Starlette): the editors' page and the JSON API over one open Session.

One Session serves every request. Its SQLite cache connection belongs to the thread that opened
it, so the Session is opened, used and closed on one dedicated thread (:class:`CheckThread`):
checks queue there one at a time (a warm check takes a few hundredths of a second), and the
event loop stays free to read requests, fetch pages and answer 503 when the queue is full.

Routes:

- ``GET /``: the page (a form for pasted texts, uploads or URLs); ``POST /check`` checks the form
  and shows the report; ``POST /accept`` accepts one of its flags into the baseline; ``GET
  /report/{id}.html`` and ``.json`` download a report the page showed (kept in memory only, the
  last :data:`REPORTS_KEPT`; no article text is written anywhere but the translation cache);
- ``POST /api/check``: ``{"translation": {"text"|"url", "name"?}, "original"?: {...}}``, answered
  with exactly what ``qa check --format json`` prints for files of those names and texts;
- ``POST /api/accept``: ``{"name", "segment", "note"?}``, a segment of that JSON accepted into the
  baseline; ``GET /api/health``; ``GET /openapi.json``.

The guards of :mod:`qa.serve.limits` wrap them all; URLs are fetched by :mod:`qa.serve.fetch`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial, wraps
from pathlib import Path
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from qa.config import Settings
from qa.corpus.files import as_file_text
from qa.errors import EngineError, InputError, first_line
from qa.serve.fetch import DEFAULT_TIMEOUT, fetch, parse_networks
from qa.serve.limits import (
    LOOPBACK_NAMES,
    BodyLimit,
    HostCheck,
    OriginCheck,
    Slots,
    TokenCheck,
    busy_headers,
    same_token,
)
from qa.session import Session

T = TypeVar("T")

DEFAULT_CAPACITY = 32
DEFAULT_MAX_BODY = 2 * 2**20
# Reports the page can still download or accept from; older ones are forgotten.
REPORTS_KEPT = 64
# A request's name for an article: a label, never opened; relative, without "..".
SAFE_NAME = re.compile(r"[\w][\w.\- /]{0,200}")
SIDES = ("translation", "original")
SIDE_KEYS = ("text", "url", "name")
# The pair checked once at startup, so that the first editor does not wait for lingua and the signals.
WARM_UP = (
    ("warm-up.es.txt", "El alcalde inauguró ayer el nuevo puente sobre el río."),
    ("warm-up.en.txt", "The mayor opened the new bridge over the river yesterday."),
)


class CheckThread:
    """The one thread a server's Session is opened, used and closed on (see the module docstring)."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qa-check")

    def submit(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
        """Queue ``function`` on the thread; its Future."""
        return self._executor.submit(function, *args, **kwargs)

    def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``function`` on the thread and wait for it (from outside the event loop)."""
        return self.submit(function, *args, **kwargs).result()

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """Run ``function`` on the thread without blocking the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, partial(function, *args))

    def open_session(self, settings: Settings, *, cache: bool = True, note: Callable[[str], None] | None = None,
                     ) -> Session:
        """Open the Session for ``settings`` on the thread; ``note`` hears which engine serves it."""
        if note is None:
            return self.call(Session.open, settings, cache=cache)
        return self.call(Session.open, settings, cache=cache, note=note)

    def close(self, session: Session | None) -> None:
        """Close ``session`` on the thread, then end the thread."""
        try:
            if session is not None:
                self.call(session.close)
        finally:
            self._executor.shutdown()


def accept_target(settings: Settings) -> Path | None:
    """The baseline the server's Accept writes: the configured one, else the root's
    ``.qa-baseline.json``; None (no Accept) outside a content repository (a root with neither
    a qa.toml nor a ``.git``), where there is no baseline to keep."""
    from qa.baseline import DEFAULT_BASELINE

    if settings.baseline is not None:
        return settings.baseline
    if settings.config_file is None and not (settings.root / ".git").exists():
        return None
    return settings.root / DEFAULT_BASELINE


def serving_settings(settings: Settings) -> Settings:
    """The settings a server checks with: those given, applying the baseline its Accept writes
    (so an accepted flag is gone from the next check)."""
    target = accept_target(settings)
    return dataclasses.replace(settings, baseline=target) if target is not None else settings


class BadRequest(InputError):
    """A request the server cannot use: 400 with its one line."""


def safe_name(name: object, what: str) -> str:
    """``name`` when it is a safe label for an article (see :data:`SAFE_NAME`); BadRequest else.
    Names are never opened: they only label the report and pick the reader by their suffix."""
    if not isinstance(name, str) or not SAFE_NAME.fullmatch(name) or ".." in name.split("/") or name.endswith("/"):
        raise BadRequest(f"{what}: {str(name)[:80]!r} is not a usable name (letters, digits, . - _ space and /, "
                         "relative, no ..)")
    return name


@dataclass(frozen=True)
class Side:
    """One article of a request: its text (or the URL to fetch it from) and the name it asked for."""

    role: str  # "translation" or "original"
    text: str | None = None
    url: str | None = None
    name: str | None = None


@dataclass
class Stored:
    """A report the page showed: the texts checked, the form as filled, the run and its id."""

    texts: tuple[tuple[str, str], ...]
    form: dict[str, str]
    run: Any  # qa.run.CheckRun


@dataclass
class ServerState:
    """What every request of one server shares."""

    session: Session
    thread: CheckThread
    slots: Slots
    baseline: Path | None
    allow: tuple
    fetch_timeout: float
    max_body: int
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    reports: OrderedDict[str, Stored] = field(default_factory=OrderedDict)

    @property
    def settings(self) -> Settings:
        """The settings every check runs with."""
        return self.session.settings

    def keep(self, stored: Stored) -> str:
        """Keep ``stored`` among the last :data:`REPORTS_KEPT` reports; its id."""
        report_id = secrets.token_urlsafe(12)
        self.reports[report_id] = stored
        while len(self.reports) > REPORTS_KEPT:
            self.reports.popitem(last=False)
        return report_id


def sides_from_json(document: object) -> list[Side]:
    """The articles of an ``/api/check`` body; BadRequest naming what is wrong."""
    if not isinstance(document, dict):
        raise BadRequest('the body must be a JSON object: {"translation": {"text": ...}, "original": {...}}')
    unknown = sorted(set(document) - set(SIDES))
    if unknown:
        raise BadRequest(f"unknown field {unknown[0]!r} (the fields are translation and original)")
    if document.get("translation") is None:
        raise BadRequest('the field "translation" is missing: {"translation": {"text": ...}}')
    sides = []
    for role in SIDES:
        given = document.get(role)
        if given is None:
            continue
        if not isinstance(given, dict) or sorted(set(given) - set(SIDE_KEYS)):
            raise BadRequest(f'"{role}" must be an object with "text" or "url", and an optional "name"')
        text, url, name = (given.get(key) for key in SIDE_KEYS)
        if (text is None) == (url is None):
            raise BadRequest(f'"{role}" needs one of "text" and "url"')
        if not isinstance(text if url is None else url, str):
            raise BadRequest(f'"{role}": "{"text" if url is None else "url"}" must be a string')
        sides.append(Side(role, text, url, None if name is None else safe_name(name, role)))
    return sides


def default_name(side: Side, text: str, is_html: bool, settings: Settings) -> str:
    """The name of an article given without one: ``article.LANG.txt``, or ``.html`` for a page."""
    from qa.corpus.html import looks_like_html

    lang = settings.tgt_lang if side.role == "translation" else settings.src_lang
    return f"article.{lang}.{'html' if is_html or looks_like_html(text) else 'txt'}"


async def texts_of(sides: list[Side], state: ServerState) -> list[tuple[str, str]]:
    """The ``(name, text)`` of each side, original first, fetching the URLs and checking each text
    as a file's (:func:`~qa.corpus.files.as_file_text`); BadRequest when two names are the same,
    FetchRefused when a URL is refused."""
    texts = []
    for side in sorted(sides, key=lambda side: SIDES.index(side.role), reverse=True):
        if side.url is not None:
            page = await fetch(side.url, state.allow, timeout=state.fetch_timeout, max_bytes=state.max_body)
            text, is_html = page.text, page.is_html
        else:
            text, is_html = side.text or "", False
        name = side.name or default_name(side, text, is_html, state.settings)
        texts.append((name, as_file_text(text, name)))  # a bad text is a 400 before anything is checked
    if len({name for name, _ in texts}) < len(texts):
        raise BadRequest(f"the original and the translation need different names, not both {texts[0][0]!r}")
    return texts


def error_json(status: int, message: object) -> JSONResponse:
    """A one-line error as ``{"error": ...}``."""
    return JSONResponse({"error": first_line(str(message), 500)}, status)


def busy_json() -> JSONResponse:
    """503 at capacity, with Retry-After."""
    return JSONResponse({"error": "the server is busy; try again shortly"}, 503, headers=busy_headers())


async def check_on_thread(state: ServerState, texts: list[tuple[str, str]] | tuple[tuple[str, str], ...]):
    """The CheckRun of ``texts`` on the server's Session, on its check thread."""
    from qa.run import check_texts

    return await state.thread.run(partial(check_texts, list(texts), state.settings, state.session))


def _nothing_checked(run) -> InputError | None:
    """The first error of a run that checked no article (an InputError to answer 400 with)."""
    return run.errors[0] if run.errors and not run.report.articles else None


Handler = Callable[[ServerState, Request], Awaitable[Response]]


def holding_a_slot(handler: Handler) -> Handler:
    """``handler`` run while it holds one of the server's slots; 503 with Retry-After, before any
    work, when all are taken."""
    @wraps(handler)
    async def held(state: ServerState, request: Request) -> Response:
        if not state.slots.take():
            return busy_json()
        try:
            return await handler(state, request)
        finally:
            state.slots.give_back()

    return held


def create_app(
    session: Session,
    thread: CheckThread,
    *,
    token: str | None = None,
    capacity: int = DEFAULT_CAPACITY,
    max_body: int = DEFAULT_MAX_BODY,
    hosts: tuple[str, ...] = LOOPBACK_NAMES,
    baseline: Path | None = None,
    fetch_timeout: float = DEFAULT_TIMEOUT,
    warm_up: bool = True,
) -> Starlette:
    """The app over ``session``, open on ``thread`` (see :class:`CheckThread`).

    ``token`` (None: none needed) guards every request; ``capacity`` bounds the requests at work
    (503 past it); ``max_body`` bounds a request's body and a fetched page, in bytes; ``hosts``
    are the ``Host`` names answered (``("*",)``: any); ``baseline`` is the file Accept writes
    (None: no Accept); ``fetch_timeout`` bounds a URL fetch, in seconds. ``warm_up`` runs one
    small check at startup so that the first request is as fast as the others.
    """
    state = ServerState(session, thread, Slots(capacity), baseline, parse_networks(session.settings.fetch_allow),
                        fetch_timeout, max_body)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        if warm_up:
            await check_on_thread(state, WARM_UP)
        yield

    routes = [
        Route("/", partial(page, state), methods=["GET"]),
        Route("/check", partial(page_check, state), methods=["POST"]),
        Route("/accept", partial(page_accept, state), methods=["POST"]),
        Route("/report/{report_id}.{kind:str}", partial(download, state), methods=["GET"]),
        Route("/api/check", partial(api_check, state), methods=["POST"]),
        Route("/api/accept", partial(api_accept, state), methods=["POST"]),
        Route("/api/health", partial(health, state), methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
    ]
    middleware = [
        Middleware(HostCheck, hosts=hosts),
        Middleware(TokenCheck, token=token),
        Middleware(OriginCheck),
        Middleware(BodyLimit, max_body=max_body),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.qa = state
    return app


@holding_a_slot
async def api_check(state: ServerState, request: Request) -> Response:
    """``POST /api/check``: what ``qa check --format json`` prints for the request's articles."""
    from qa.report.json import render_json

    try:
        document = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError) as error:
        return error_json(400, f"the body is not JSON: {error}")
    try:
        texts = await texts_of(sides_from_json(document), state)
        run = await check_on_thread(state, texts)
    except InputError as error:
        return error_json(400, error)
    except EngineError as error:
        return error_json(500, f"the engine failed: {error}")
    problem = _nothing_checked(run)
    if problem is not None:
        return error_json(400, problem)
    return Response(render_json(run.report), media_type="application/json")


async def api_accept(state: ServerState, request: Request) -> Response:
    """``POST /api/accept``: accept a flagged segment of an ``/api/check`` answer into the baseline."""
    if state.baseline is None:
        return error_json(403, "accepting needs a content repository: start qa serve in a git checkout or a "
                               "folder with qa.toml")
    try:
        document = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError) as error:
        return error_json(400, f"the body is not JSON: {error}")
    if not isinstance(document, dict) or not isinstance(document.get("segment"), dict):
        return error_json(400, 'the body must be {"name": ..., "segment": {a segment of /api/check}, "note": ...}')
    note = document.get("note") or ""
    if not isinstance(note, str):
        return error_json(400, '"note" must be a string')
    try:
        name = safe_name(document.get("name"), "name")
        entry = await accept(state, name, document["segment"], note)
    except InputError as error:
        return error_json(400, error)
    return JSONResponse({"accepted": dataclasses.asdict(entry), "baseline": _shown(state.baseline, state.settings)})


async def accept(state: ServerState, name: str, segment: Mapping, note: str):
    """Write the baseline entry that accepts ``segment`` of the article ``name`` (with ``note``)."""
    from starlette.concurrency import run_in_threadpool

    from qa.baseline import accept_flag, entry_from_json, relative_path

    assert state.baseline is not None
    entry = dataclasses.replace(entry_from_json(relative_path(name, state.settings.root), segment), note=note.strip())
    await run_in_threadpool(accept_flag, state.baseline, entry)  # a file lock may wait: off the event loop
    return entry


def _shown(path: Path, settings: Settings) -> str:
    from qa.baseline import relative_path

    return relative_path(path, settings.root)


async def health(state: ServerState, request: Request) -> Response:
    """``GET /api/health``: the engine, its model, the signature, the capacity and the requests at work."""
    signature = state.session.signature
    model = signature.model
    return JSONResponse({
        "status": "ok", "engine": state.session.engine_name, "model": str(model) if model else None,
        "signature": signature.to_dict(), "capacity": state.slots.capacity, "busy": state.slots.busy,
    })


async def openapi(request: Request) -> Response:
    """``GET /openapi.json``: the API's description."""
    from qa.serve.openapi import openapi_document

    return JSONResponse(openapi_document())


# The page -----------------------------------------------------------------------------------


def page_response(state: ServerState, status: int = 200, **values: Any) -> HTMLResponse:
    """The page (:func:`qa.report.html.render_page`) with its Content-Security-Policy."""
    from qa.report.html import page_csp, render_page

    settings = state.settings
    values.setdefault("report", None)
    text = render_page(csrf=state.csrf, languages=(settings.src_lang, settings.tgt_lang), **values)
    return HTMLResponse(text, status, headers={"Content-Security-Policy": page_csp(), "X-Content-Type-Options": "nosniff",
                                               "Referrer-Policy": "same-origin", "Cache-Control": "no-store"})


async def page(state: ServerState, request: Request) -> Response:
    """``GET /``: the empty form."""
    return page_response(state)


async def _form(request: Request, max_body: int):
    return await request.form(max_files=len(SIDES), max_fields=20, max_part_size=max_body)


def _field(form: Any, key: str) -> str:
    value = form.get(key)
    return value if isinstance(value, str) else ""


async def sides_from_form(form: Any) -> tuple[list[Side], dict[str, str]]:
    """The articles of the page's form (an upload, else a URL, else pasted text, for each side)
    and the form's fields to refill it with (an upload's text goes into its text field)."""
    refill = {key: _field(form, key) for role in SIDES for key in (role, f"{role}_url", f"{role}_name")}
    sides = []
    for role in SIDES:
        upload = form.get(f"{role}_file")
        name = refill[f"{role}_name"].strip() or None
        if isinstance(upload, UploadFile) and upload.filename:
            from qa.corpus.files import decode_text

            name = name or Path(upload.filename).name
            text = decode_text(await upload.read(), Path(upload.filename).name[:200])
            refill[role] = text
            sides.append(Side(role, text=text, name=safe_name(name, f"the {role}'s file name")))
        elif refill[f"{role}_url"].strip():
            sides.append(Side(role, url=refill[f"{role}_url"].strip(), name=name and safe_name(name, role)))
        elif refill[role].strip():
            sides.append(Side(role, text=refill[role], name=name and safe_name(name, role)))
    if not any(side.role == "translation" for side in sides):
        raise BadRequest("give the translation: paste it, upload it or give its URL")
    return sides, refill


async def _posted_form(state: ServerState, request: Request) -> Any:
    """The form of a page's POST; None when it lacks this server's CSRF token (a stale page, or
    another site's form)."""
    form = await _form(request, state.max_body)
    return form if same_token(_field(form, "csrf"), state.csrf) else None


EXPIRED_FORM = "this form has expired: reload the page and try again"


@holding_a_slot
async def page_check(state: ServerState, request: Request) -> Response:
    """``POST /check``: check the form's articles and show the report under the form."""
    form = await _posted_form(state, request)
    if form is None:
        return page_response(state, 403, error=EXPIRED_FORM)
    refill: dict[str, str] = {}
    try:
        sides, refill = await sides_from_form(form)
        texts = await texts_of(sides, state)
        run = await check_on_thread(state, texts)
    except InputError as error:
        return page_response(state, 400, form=refill, error=first_line(str(error), 500))
    except EngineError as error:
        return page_response(state, 500, form=refill, error=first_line(f"the engine failed: {error}", 500))
    problem = _nothing_checked(run)
    if problem is not None:
        return page_response(state, 400, form=refill, error=first_line(str(problem), 500))
    report_id = state.keep(Stored(tuple(texts), refill, run))
    return page_response(state, report=run.report, form=refill, report_id=report_id,
                         can_accept=state.baseline is not None)


@holding_a_slot
async def page_accept(state: ServerState, request: Request) -> Response:
    """``POST /accept``: accept one flag of a report the page showed, then show that check again."""
    from qa.report.html import numbered_flag

    form = await _posted_form(state, request)
    if form is None:
        return page_response(state, 403, error=EXPIRED_FORM)
    stored = state.reports.get(_field(form, "report"))
    if stored is None:
        return page_response(state, 404, error="that report is no longer kept: check the articles again")
    number = _field(form, "flag")
    found = numbered_flag(stored.run.report, int(number)) if number.isdigit() else None
    if found is None or state.baseline is None:
        return page_response(state, 400, form=stored.form, error=f"there is no flag {number[:20]!r} to accept")
    name, segment = found
    try:
        entry = await accept(state, name, segment, _field(form, "note"))
        run = await check_on_thread(state, stored.texts)
    except InputError as error:
        return page_response(state, 400, form=stored.form, error=first_line(str(error), 500))
    except EngineError as error:
        return page_response(state, 500, form=stored.form, error=first_line(f"the engine failed: {error}", 500))
    report_id = state.keep(Stored(stored.texts, stored.form, run))
    message = (f"Accepted flag {number} ({entry.signal}, {entry.severity}) into "
               f"{_shown(state.baseline, state.settings)}: it is no longer reported.")
    return page_response(state, report=run.report, form=stored.form, report_id=report_id, can_accept=True,
                         message=message)


async def download(state: ServerState, request: Request) -> Response:
    """``GET /report/{id}.html`` or ``.json``: a report the page showed, as a file to keep."""
    from qa.report.html import render_html
    from qa.report.json import render_json

    kind = request.path_params["kind"]
    stored = state.reports.get(request.path_params["report_id"])
    if stored is None or kind not in ("html", "json"):
        return error_json(404, "no such report (the server keeps only the last few, in memory)")
    rendered = render_html(stored.run.report) if kind == "html" else render_json(stored.run.report)
    media = "text/html; charset=utf-8" if kind == "html" else "application/json"
    return Response(rendered, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="qa-report.{kind}"',
                             "X-Content-Type-Options": "nosniff"})
