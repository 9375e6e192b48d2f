"""Views of qa's data classes that live with the renderers: the HTML Jupyter shows for a report or
a segment, and a report's pandas DataFrame.

``qa.results`` holds plain data and ``qa.report`` renders it, importing the data classes; so the
data classes never import a renderer. Instead ``qa.report`` registers its views here when it is
imported, and the data classes look them up by name. ``import qa`` imports ``qa.report``, so every
user of the package has them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qa.errors import QAError

# name -> function of the data object (report_html, segment_html, dataframe)
_VIEWS: dict[str, Callable[[Any], Any]] = {}


def register_view(name: str, function: Callable[[Any], Any]) -> None:
    """Make ``function`` the view called ``name``; a later registration replaces it."""
    _VIEWS[name] = function


def view(name: str) -> Callable[[Any], Any]:
    """The view registered as ``name``; a QAError saying what to import when none is."""
    try:
        return _VIEWS[name]
    except KeyError:
        raise QAError(f"no {name!r} view is registered: import qa.report first") from None
