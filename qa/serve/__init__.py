"""``qa serve``: the editors' page and a JSON API for a CMS, over one open Session.

:mod:`qa.serve.app` is the Starlette app, :mod:`qa.serve.limits` its guards, :mod:`qa.serve.fetch`
fetches pages by URL, :mod:`qa.serve.openapi` describes the API. Starlette, uvicorn and httpx are
the ``serve`` extra; only ``qa.cli.serve`` imports this package, and only when the command runs.
"""

# What qa serve says when the serve extra is not installed.
MISSING_EXTRA = "qa serve needs pip install 'newsroom-qa[serve]'"
