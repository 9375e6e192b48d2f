"""The OpenAPI description of ``qa serve``'s JSON API, served at ``/openapi.json``."""

from __future__ import annotations

from typing import Any

ERROR = {"$ref": "#/components/schemas/Error"}


def _answer(description: str, schema: dict | None = None) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema or ERROR}}}


ERRORS = {
    "400": _answer("The body is not JSON, a field is missing or wrong, a name is unsafe, a URL is refused, "
                   "or nothing could be checked: one line in error."),
    "401": _answer("The server needs its token (Authorization: Bearer TOKEN)."),
    "413": _answer("The body is over the server's --max-body."),
    "415": _answer("The body is not application/json."),
}


def _article(description: str) -> dict:
    return {
        "type": "object", "description": description, "additionalProperties": False,
        "properties": {
            "text": {"type": "string", "description": "The article's text (Markdown, plain text or HTML)."},
            "url": {"type": "string", "format": "uri",
                    "description": "Where to fetch the article (http or https; public addresses only, unless "
                                   "fetch-allow in qa.toml allows others)."},
            "name": {"type": "string", "pattern": r"^[\w][\w.\- /]{0,200}$",
                     "description": "The article's name in the report (never opened); its suffix picks the "
                                    "reader, as a file's would. Default article.LANG.txt, or .html for a page."},
        },
        "oneOf": [{"required": ["text"]}, {"required": ["url"]}],
    }


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.0 document of the API."""
    from qa import __version__

    return {
        "openapi": "3.0.3",
        "info": {
            "title": "qa serve",
            "version": __version__,
            "description": "Check a translated news article against its original. /api/check answers exactly what "
                           "`qa check --format json` prints for files of the same names and texts.",
        },
        "paths": {
            "/api/check": {"post": {
                "summary": "Check one article, with its original when given.",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/CheckRequest"}}}},
                "responses": {
                    "200": {"description": "The report, as `qa check --format json` prints it.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Report"}}}},
                    **ERRORS,
                    "500": _answer("The translation engine failed."),
                    "503": _answer("The server is at capacity; the Retry-After header says when to try again."),
                },
            }},
            "/api/accept": {"post": {
                "summary": "Accept a flagged segment into the repository's baseline, with a note.",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/AcceptRequest"}}}},
                "responses": {
                    "200": {"description": "The baseline entry written.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Accepted"}}}},
                    **ERRORS,
                    "403": _answer("The server does not run in a content repository, so it keeps no baseline."),
                },
            }},
            "/api/health": {"get": {
                "summary": "The engine, its model and the signature of every report.",
                "responses": {"200": {"description": "The server is up.", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Health"}}}}},
            }},
        },
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer",
                                          "description": "Needed when the server was started with --token."}},
            "schemas": {
                "CheckRequest": {
                    "type": "object", "required": ["translation"], "additionalProperties": False,
                    "properties": {"translation": _article("The translated article."),
                                   "original": _article("The original (source) article, when there is one.")},
                },
                "AcceptRequest": {
                    "type": "object", "required": ["name", "segment"],
                    "properties": {
                        "name": {"type": "string", "description": "The article's path, as the report gives it."},
                        "segment": {"type": "object",
                                    "description": "A flagged segment of an /api/check answer, as it was given."},
                        "note": {"type": "string", "maxLength": 2000, "description": "Why the flag may stand."},
                    },
                },
                "Accepted": {
                    "type": "object",
                    "properties": {
                        "accepted": {"type": "object", "description": "The baseline entry: path, fingerprint, "
                                                                      "signal, severity, excerpt and note."},
                        "baseline": {"type": "string", "description": "The baseline file, relative to the root."},
                    },
                },
                "Health": {
                    "type": "object",
                    "properties": {
                        "status": {"type": "string"},
                        "engine": {"type": "string"},
                        "model": {"type": "string", "nullable": True},
                        "signature": {"type": "object", "description": "As every report's `signature`."},
                        "capacity": {"type": "integer"},
                        "busy": {"type": "integer"},
                    },
                },
                "Report": {
                    "type": "object", "required": ["signature", "summary", "articles", "errors"],
                    "properties": {"signature": {"type": "object"}, "summary": {"type": "object"},
                                   "articles": {"type": "array", "items": {"type": "object"}},
                                   "errors": {"type": "array", "items": {"type": "object"}}},
                },
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
            },
        },
        "security": [{"token": []}, {}],
    }
