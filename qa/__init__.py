"""qa: a translation-quality checker for multilingual newsrooms.

It reads a source article and its translation, aligns them, back-translates with a MarianMT model
(or Apertium), scores every passage and flags the garbled ones for an editor.
"""

__version__ = "0.1.0"
