"""What news pages print around an article, told by its words: the lines a page dump carries
that are not the article's text (section labels, related links, dates, counters, datelines,
image file names). Each test reads one paragraph alone; where it stands on the page is
``qa.corpus.page``'s business. The word lists are general knowledge of English and Spanish news
pages.
"""

from __future__ import annotations

import re

# Section labels a page prints above its headline ("Opinion", "Análisis").
SECTION_LABELS = frozenset(
    {
        "opinion", "opinión", "analysis", "análisis", "editorial", "interview", "entrevista",
        "tribune", "tribuna", "column", "columna", "blog", "exclusive", "exclusiva", "breaking news",
        "última hora", "live", "directo", "en directo", "report", "reportaje", "chronicle", "crónica",
        "review", "crítica", "letters", "cartas al director", "obituary", "obituario", "sponsored",
        "patrocinado", "contenido patrocinado", "fact check", "in depth", "a fondo", "news", "noticias",
        "politics", "política", "economy", "economía", "business", "negocios", "world", "mundo",
        "international", "internacional", "national", "nacional", "society", "sociedad", "culture",
        "cultura", "sports", "deportes", "science", "ciencia", "technology", "tecnología", "defence",
        "defense", "defensa", "security", "seguridad", "europe", "europa", "spain", "españa",
    }
)
# Words that open a link to another article ("See also ...", "Lee también: ..."), and those that
# do only before a colon ("Related: ...").
_LINK_OPENERS = (
    r"see\s+also|read\s+also|also\s+read|read\s+more|more\s+in|more\s+on\s+this|lee\s+también|"
    r"leer\s+más|lea\s+también|ver\s+también|te\s+puede\s+interesar|puede\s+interesarte|"
    r"también\s+te\s+puede\s+interesar|noticias\s+relacionadas"
)
_LINK_LABELS = r"related(?:\s+(?:news|articles?|stories))?|más\s+información|relacionad[oa]s?"
_RELATED_LINK = re.compile(rf"(?i:(?:{_LINK_OPENERS})(?:\s*:|\s|$)|(?:{_LINK_LABELS})\s*:)")
# A final sentence mark, perhaps inside closing quotes or brackets.
SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*$")
_MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec "
    "enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre "
    "ene abr ago dic"
)
_WEEKDAYS = (
    "monday tuesday wednesday thursday friday saturday sunday mon tue wed thu fri sat sun "
    "lunes martes miércoles miercoles jueves viernes sábado sabado domingo"
)
_DATE_FILLERS = (
    "de del of on at the a las la el h hrs am pm a.m. p.m. gmt utc cet cest edt est "
    "updated published modified last actualizado actualizada publicado publicada modificado "
    "última ultima actualización actualizacion hace ago min mins minutes minutos hours horas"
)
DATE_WORDS = frozenset(f"{_MONTHS} {_WEEKDAYS} {_DATE_FILLERS}".split())
_DATE_NUMBER = re.compile(r"\d{1,4}(?:[:./-]\d{1,4}){0,2}(?:h|st|nd|rd|th|º)?")
# "38 Reads", "1.2k views", "12 comentarios", "3 min read"
_COUNTER = re.compile(
    r"\d[\d.,]*\s*k?\s+(?i:reads?|views?|comments?|shares?|likes?|lecturas?|visitas?|vistas?|"
    r"comentarios?|compartidos?|min(?:utes?)?\s+read|min(?:utos)?\s+de\s+lectura)"
)
# an agency dateline on a line of its own: "June 23 (EUROPA PRESS) –", "MADRID (EFE) -"
_DATELINE_LINE = re.compile(r"[^\W_][^\n]{0,60}?\s*[-–—]$")
DATELINE_MAX_WORDS = 8
# a dateline opening a paragraph in the Spanish press's style: "MIAMI.- ", "Juan Pons, Atalayar.- "
_OPENING_DATELINE = re.compile(r"[^\W\d_][\w ,()'’/]{0,60}?\.-\s+(?=\S)")
# an image's file name printed as its caption: "evento-economia-espana (2)", "foto_portada.jpg"
_FILE_NAME = re.compile(
    r"[\w.]+(?:[-_][\w.]*){2,}(?:\s*\(\d+\))?|\S+\.(?i:jpe?g|png|gif|webp|avif)(?:\s*\(\d+\))?"
)


def is_section_label(chunk: str) -> bool:
    """Whether a paragraph is a section label ("Opinion", "Breaking news", "Análisis")."""
    return chunk.strip().rstrip(":").casefold() in SECTION_LABELS


def is_related_link(chunk: str) -> bool:
    """Whether a paragraph is a link to another article: it opens with "See also", "Lee
    también" and the like, and either a colon follows or it has no final sentence mark (a
    sentence that starts "See also how..." is text)."""
    found = _RELATED_LINK.match(chunk)
    if found is None:
        return False
    return found.group().rstrip().endswith(":") or not SENTENCE_END.search(chunk.rstrip())


def is_date_line(chunk: str) -> bool:
    """Whether a paragraph is only a date or a time ("29 June 2022 Wednesday 11:54",
    "Actualizado: 12/03/2024 - 10:15 h"): words of dates and at least one figure."""
    words = [word.strip(",.;:()|·•-–—").casefold() for word in chunk.split()]
    words = [word for word in words if word]
    if not words or not any(char.isdigit() for char in chunk):
        return False
    return all(word in DATE_WORDS or _DATE_NUMBER.fullmatch(word) for word in words)


def is_counter(chunk: str) -> bool:
    """Whether a paragraph is a counter of reads, views or comments ("38 Reads")."""
    return _COUNTER.fullmatch(chunk.strip()) is not None


def is_dateline_line(chunk: str) -> bool:
    """Whether a paragraph is an agency dateline on a line of its own, ending with a dash
    ("June 23 (EUROPA PRESS) –")."""
    return len(chunk.split()) <= DATELINE_MAX_WORDS and _DATELINE_LINE.fullmatch(chunk.strip()) is not None


def opening_dateline(chunk: str) -> int | None:
    """Where the text starts after a dateline opening a paragraph ("MIAMI.- The award...",
    "Juan Pons, Atalayar.- La feria..."), or None when there is none."""
    found = _OPENING_DATELINE.match(chunk)
    if found is None or len(found.group().split()) > DATELINE_MAX_WORDS:
        return None
    return found.end()


def image_file_name(chunk: str) -> bool:
    """Whether a paragraph is an image's file name ("evento-economia-espana (2)")."""
    return _FILE_NAME.fullmatch(chunk.strip()) is not None
