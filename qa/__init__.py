"""qa: a translation-quality checker for multilingual newsrooms.

It reads a source article and its translation, aligns them, back-translates with a MarianMT model
(or Apertium), scores every passage and flags the garbled ones for an editor.

    import qa
    report = qa.check("corpora/")                 # -> qa.results.Report, as `qa check` finds
    results = qa.score_pairs([("Hola", "Hello")], src_lang="es", tgt_lang="en")  # as `qa score` scores
    for result in qa.score_pairs(pairs, jobs=2, stream=True):  # any iterable, results as chunks finish
        ...
"""

from __future__ import annotations

import qa.report  # noqa: F401  registers the views of Report._repr_html_ and to_pandas (qa/views.py)

__version__ = "0.1.0"
__all__ = ["__version__", "check", "score_pairs"]


def __getattr__(name: str):
    # The library entry points import torch-free but heavy modules; load them on first use so
    # that `qa --version` and `import qa` stay instant.
    if name == "check":
        from qa.run import check

        return check
    if name == "score_pairs":
        from qa.run import score_pairs

        return score_pairs
    raise AttributeError(f"module 'qa' has no attribute {name!r}")


def __dir__() -> list[str]:
    # The entry points load on first use (above); dir() and tab completion still list them.
    return sorted({*globals(), *__all__})
