"""Benchmark: false alarms on clean human translations, and recall on planted garbles.

Reads the clean WMT newstest2012 and newstest2013 article pairs from ../shared/eval at run time
(nothing is copied into the repository) and runs the real command line on them, as a desk would:
`qa check FILE.jsonl --format json` on JSON Lines of article pairs.

1. Clean: every article pair as published. Any flag there is a false alarm; they are counted by
   severity and by first reason, per article and per segment.
2. Planted: the brief's garble kinds, and the facts a newsroom must get right (a name changed to
   another plausible name, a weekday or a month changed, a negation dropped or added, a figure
   changed other than by a slip), planted in the English side with a fixed seed, one per article
   per round; round r gives article k the kind (k + r) mod K, so K rounds (K kinds) plant every
   kind in every article that has a sentence it applies to. A planted garble is found when a
   flagged segment holds the planted sentence. Every planter picks what it changes from the
   sentence itself (its names, days, months, figures, negations); the replacement names come
   from the other articles' names.
3. Spanish clock times, which must not be flagged: a time of day added to a sentence pair not
   flagged clean, in a Spanish form on the Spanish side ("a las 23.30", "8.15 horas", "las 8 y
   media") and a right English form on the other ("at 11:30 p.m.", "at 8:15", "at half past
   eight"). Any flag on such a segment counts.

Prints tables and writes benchmarks/results/precision_recall.json.

    .venv/bin/python benchmarks/precision_recall.py [--engine apertium] [--rounds K] [--seed 12] [--kinds ...]
        [--show N] [--misses N]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EVAL = REPO.parent / "shared" / "eval"
FILES = ("newstest2012", "newstest2013")
RESULTS = REPO / "benchmarks" / "results" / "precision_recall.json"

_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_FIGURE = re.compile(r"\d+")
# Two or more capitalised words, possibly joined by "of"/"for"/"and": an institution's name.
_NAME = re.compile(r"(?<!^)(?<![.!?] )\b[A-Z][a-z]+(?: (?:of |for |and |the )*[A-Z][a-z]+)+")


# --- planting ---------------------------------------------------------------------------------


def circular_name(sentence: str, rng: random.Random, **_) -> str | None:
    """A name said again around itself: "the Ministry of Health of the Ministry of Health"."""
    names = list(_NAME.finditer(sentence))
    if not names:
        return None
    name = rng.choice(names)
    return sentence[: name.end()] + f" of the {name.group()}" + sentence[name.end() :]


def repeated_phrase(sentence: str, rng: random.Random, **_) -> str | None:
    """Two to four words said twice in a row: "the plan will the plan will have"."""
    words = sentence.split()
    if len(words) < 8:
        return None
    length = rng.randint(2, 4)
    start = rng.randrange(1, len(words) - length)
    phrase = words[start : start + length]
    if not any(len(word) >= 4 and _WORD.fullmatch(word) for word in phrase):
        return None  # "of the" said twice is a slip of a different kind; try another place
    return " ".join(words[: start + length] + phrase + words[start + length :])


def untranslated(sentence: str, rng: random.Random, *, source: str, **_) -> str | None:
    """The Spanish sentence left in place of its translation."""
    return source if len(source.split()) >= 5 else None


def changed_number(sentence: str, rng: random.Random, **_) -> str | None:
    """One figure changed: a year moved by one to three, another number by one digit."""
    figures = [m for m in _FIGURE.finditer(sentence) if not sentence[m.end() : m.end() + 1].isalpha()]
    if not figures:
        return None
    figure = rng.choice(figures)
    digits = figure.group()
    value = int(digits)
    if 1900 <= value <= 2099:
        changed = str(value + rng.choice([-3, -2, -1, 1, 2, 3]))
    else:
        position = rng.randrange(len(digits))
        choices = [d for d in "123456789" if d != digits[position]]
        changed = digits[:position] + rng.choice(choices) + digits[position + 1 :]
    return sentence[: figure.start()] + changed + sentence[figure.end() :]


def truncated(sentence: str, rng: random.Random, **_) -> str | None:
    """The sentence cut off after 40 to 60% of its words."""
    words = sentence.split()
    if len(words) < 10:
        return None
    keep = round(len(words) * rng.uniform(0.4, 0.6))
    return " ".join(words[:keep]).rstrip(",;:")


def other_article(sentence: str, rng: random.Random, *, strangers: list[str], **_) -> str | None:
    """A sentence of another article in place of this one."""
    return rng.choice(strangers)


# --- planting facts -------------------------------------------------------------------------------

WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")
WEEKDAYS_ES = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
MONTHS_ES = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
             "octubre", "noviembre", "diciembre")
# A run of two to four capitalised words not opening the sentence: a candidate person's name.
_PERSON = re.compile(r"(?<![.!?:\"“] )(?<!^)\b([A-Z][a-zà-ÿ]+(?: [A-Z][a-zà-ÿ]+){1,3})\b")


def person_names(sentence: str, source: str, common: set[str]) -> list[re.Match[str]]:
    """Runs of capitalised words written alike in the source, none of them a word the English
    side of the data ever writes in lower case: names, not titles or institutions."""
    return [
        m for m in _PERSON.finditer(sentence)
        if all(word in source and word.lower() not in common for word in m.group(1).split())
    ]


def changed_name(sentence: str, rng: random.Random, *, source: str, surnames: list[str], common: set[str], **_) -> str | None:
    """A person's name with its last word replaced by a surname from another article."""
    names = person_names(sentence, source, common)
    pool = [name for name in surnames if name not in sentence and name not in source]
    if not names or not pool:
        return None
    name = rng.choice(names)
    words = name.group(1).split(" ")
    return sentence[: name.start(1)] + " ".join([*words[:-1], rng.choice(pool)]) + sentence[name.end(1) :]


def _changed_word(sentence: str, rng: random.Random, source: str, english: tuple[str, ...], spanish: tuple[str, ...]) -> str | None:
    """A weekday or month of the sentence, said in the source too, replaced by another one."""
    found = [
        m for m in re.finditer(rf"\b({'|'.join(english)})\b", sentence)
        if re.search(rf"\b{spanish[english.index(m.group(1))]}\b", source, re.IGNORECASE)
        and not (m.group(1) in ("May", "March") and not re.search(r"\d", sentence[max(0, m.start() - 6) : m.end() + 4]))
    ]
    if not found:
        return None
    match = rng.choice(found)
    other = rng.choice([word for word in english if word != match.group(1)])
    return sentence[: match.start()] + other + sentence[match.end() :]


def changed_weekday(sentence: str, rng: random.Random, *, source: str, **_) -> str | None:
    """A weekday replaced by another ("Wednesday" -> "Thursday")."""
    return _changed_word(sentence, rng, source, WEEKDAYS_EN, WEEKDAYS_ES)


def changed_month(sentence: str, rng: random.Random, *, source: str, **_) -> str | None:
    """A month replaced by another ("May 5" -> "June 5"); "May" and "March" only beside a figure,
    where they cannot be a verb."""
    return _changed_word(sentence, rng, source, MONTHS_EN, MONTHS_ES)


_CONTRACTIONS = {"don't": "do", "doesn't": "does", "didn't": "did", "can't": "can", "won't": "will", "isn't": "is",
                 "aren't": "are", "wasn't": "was", "weren't": "were", "haven't": "have", "hasn't": "has",
                 "hadn't": "had", "couldn't": "could", "wouldn't": "would", "shouldn't": "should", "cannot": "can"}
_AFFIRMED = {"nobody": "somebody", "nothing": "something", "none": "all", "without": "with", "nowhere": "somewhere",
             "never": "", "not": "", "no": ""}
_NEGATION_EN = re.compile(r"\b(" + "|".join(map(re.escape, [*_CONTRACTIONS, *_AFFIRMED])) + r")\b", re.IGNORECASE)
_NEGATION_ES = re.compile(r"\b(no|nunca|jamás|sin|tampoco|ningún|ninguna|ninguno|nadie|nada|ni)\b", re.IGNORECASE)
_AUXILIARY = re.compile(r"\b(is|are|was|were|will|would|can|could|should|has|have|had|must|may|might|does|did|do)\b (?=[a-z])")


def negation_dropped(sentence: str, rng: random.Random, *, source: str, **_) -> str | None:
    """A negation of a negated sentence removed: "did not present" -> "did present", "never
    said" -> "said", "nobody" -> "somebody", "without" -> "with"."""
    if not _NEGATION_ES.search(source):
        return None
    found = [m for m in _NEGATION_EN.finditer(sentence) if not re.match(r"\s*\d", sentence[m.end() :])]
    if not found:
        return None
    match = rng.choice(found)
    word = match.group().lower().replace("’", "'")
    replacement = _CONTRACTIONS.get(word, _AFFIRMED.get(word, ""))
    if match.group()[0].isupper() and replacement:
        replacement = replacement[0].upper() + replacement[1:]
    changed = re.sub(r" {2,}", " ", sentence[: match.start()] + replacement + sentence[match.end() :]).strip()
    return changed[0].upper() + changed[1:] if changed else None


def negation_added(sentence: str, rng: random.Random, *, source: str, **_) -> str | None:
    """"not" put after an auxiliary of a sentence that negates nothing ("will approve" -> "will
    not approve")."""
    if _NEGATION_ES.search(source) or _NEGATION_EN.search(sentence):
        return None
    found = list(_AUXILIARY.finditer(sentence))
    if not found:
        return None
    match = rng.choice(found)
    return sentence[: match.end()] + "not " + sentence[match.end() :]


_DIGITS = re.compile(r"(?<![\w.,])\d+(?!\w|[.,]\d)")


def changed_figure(sentence: str, rng: random.Random, *, source: str, **_) -> str | None:
    """A figure the source has too changed other than by a slip: its digits reordered, or another
    number of as many digits (a year another year of 1950-2030), never tenfold, a thousandth or a
    year off by one."""
    found = [m for m in _DIGITS.finditer(sentence) if re.search(rf"(?<![\d.,]){m.group()}(?![\d])", source)]
    if not found:
        return None
    match = rng.choice(found)
    digits = match.group()
    number = int(digits)
    options = {digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
               for i in range(len(digits) - 1) if digits[i] != digits[i + 1] and not (i == 0 and digits[1] == "0")}
    for _attempt in range(20):
        if len(digits) == 4 and 1900 <= number <= 2099:
            options.add(str(rng.randint(1950, 2030)))
        else:
            options.add(str(rng.randint(10 ** (len(digits) - 1) if len(digits) > 1 else 1, 10 ** len(digits) - 1)))
    options = {option for option in options if not _is_slip(number, int(option))}
    if not options:
        return None
    return sentence[: match.start()] + rng.choice(sorted(options)) + sentence[match.end() :]


def _is_slip(before: int, after: int) -> bool:
    if before == after or before == 0 or after == 0:
        return True
    ratio = math.log10(after / before)
    return abs(ratio - round(ratio)) < 1e-9 or (1900 <= before <= 2099 and abs(after - before) <= 1)


PLANTERS: dict[str, Callable[..., str | None]] = {
    "circular name": circular_name,
    "repeated phrase": repeated_phrase,
    "untranslated sentence": untranslated,
    "changed number": changed_number,
    "truncated sentence": truncated,
    "sentence from another article": other_article,
    "name changed": changed_name,
    "weekday changed": changed_weekday,
    "month changed": changed_month,
    "negation dropped": negation_dropped,
    "negation added": negation_added,
    "figure changed (not a slip)": changed_figure,
}
KINDS = tuple(PLANTERS)


@dataclass(frozen=True, slots=True)
class Planted:
    """One planted garble: which article, which kind, and the sentence as planted."""

    article: int
    kind: str
    sentence: str


def load_articles(name: str) -> list[dict]:
    path = EVAL / f"{name}-articles.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@dataclass(frozen=True)
class Corpus:
    """What planters draw on beyond the sentence: each article's other sentences, the surnames
    of the other articles, and the words the English side writes in lower case."""

    body: list[list[str]]
    surnames: list[set[str]]
    common: set[str]

    @classmethod
    def of(cls, articles: list[dict]) -> Corpus:
        body = [[s for paragraph in a["en"]["paragraphs"] for s in paragraph] for a in articles]
        common = {word for sentences in body for sentence in sentences for word in re.findall(r"\b[a-zà-ÿ]+\b", sentence)}
        surnames = []
        for article in articles:
            names_found: set[str] = set()
            for en, es in sentence_pairs(article):
                names_found.update(name.group(1).split()[-1] for name in person_names(en, es, common))
            surnames.append(names_found)
        return cls(body, surnames, common)


def sentence_pairs(article: dict) -> list[tuple[str, str]]:
    """The article's body sentences, English with Spanish (the files align them one to one)."""
    return [
        (en, es)
        for en_paragraph, es_paragraph in zip(article["en"]["paragraphs"], article["es"]["paragraphs"], strict=False)
        for en, es in zip(en_paragraph, es_paragraph, strict=False)
    ]


def plant(
    articles: list[dict], round_number: int, seed: int, kinds: tuple[str, ...] = KINDS, corpus: Corpus | None = None
) -> tuple[list[dict], list[Planted]]:
    """Copies of the articles with one garble planted in each English body, and what was planted."""
    rng = random.Random(f"{seed}-{round_number}")
    corpus = corpus or Corpus.of(articles)
    planted_articles, planted = [], []
    for k, article in enumerate(articles):
        kind = kinds[(k + round_number) % len(kinds)]
        strangers = [s for j, sentences in enumerate(corpus.body) if j != k for s in sentences if len(s.split()) >= 6]
        surnames = sorted({name for j, names in enumerate(corpus.surnames) if j != k for name in names})
        spots = [
            (p, i)
            for p, paragraph in enumerate(article["en"]["paragraphs"])
            for i in range(len(paragraph))
        ]
        rng.shuffle(spots)
        copy = json.loads(json.dumps(article))
        for p, i in spots:
            sentence = article["en"]["paragraphs"][p][i]
            source = article["es"]["paragraphs"][p][i] if p < len(article["es"]["paragraphs"]) and i < len(article["es"]["paragraphs"][p]) else ""
            garbled = PLANTERS[kind](sentence, rng, source=source, strangers=strangers, surnames=surnames, common=corpus.common)
            if garbled and garbled != sentence:
                copy["en"]["paragraphs"][p][i] = garbled
                planted.append(Planted(k, kind, garbled))
                break
        planted_articles.append(copy)
    return planted_articles, planted


# --- Spanish clock times, which must not be flagged ------------------------------------------------

_HOUR_WORDS = ("twelve", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven")


def clock_forms(hour: int, minute: int, rng: random.Random) -> tuple[str, str]:
    """A time of day as a Spanish article writes it and as its English translation may: "a las
    23.30" / "at 11:30 p.m.", "a las 8.15 horas" / "at 8:15 a.m.", "a las 8 y media" / "at half
    past eight", "a las 20:00 horas" / "at 8 p.m."."""
    twelve = hour % 12 or 12
    meridian = "p.m." if hour >= 12 else "a.m."
    spanish = [f"a las {hour}.{minute:02d}", f"a las {hour}.{minute:02d} horas", f"a las {hour}:{minute:02d} horas"]
    english = [f"at {twelve}:{minute:02d} {meridian}", f"at {hour:02d}:{minute:02d}"]
    if minute == 0:
        english += [f"at {twelve} {meridian}"]
    if minute == 30 and hour < 12:
        spanish += [f"a las {twelve} y media"]
    if minute == 30:
        english += [f"at half past {_HOUR_WORDS[twelve % 12]}"]
    if minute == 15 and hour < 12:
        spanish += [f"a las {twelve} y cuarto"]
    if minute == 0 and hour >= 13:
        spanish += [f"a las {twelve} de la {'tarde' if hour < 20 else 'noche'}"]
    return rng.choice(spanish), rng.choice(english)


def plant_clocks(articles: list[dict], seed: int, unflagged: list[set[str]]) -> tuple[list[dict], list[Planted]]:
    """Copies of the articles with a time of day added at the end of one sentence pair not
    flagged clean: Spanish form on the Spanish side, an English form of the same time on the
    other."""
    rng = random.Random(f"{seed}-clock")
    planted_articles, planted = [], []
    for k, article in enumerate(articles):
        copy = json.loads(json.dumps(article))
        spots = [
            (p, i)
            for p, paragraph in enumerate(article["en"]["paragraphs"])
            for i in range(len(paragraph))
            if p < len(article["es"]["paragraphs"]) and i < len(article["es"]["paragraphs"][p])
        ]
        rng.shuffle(spots)
        for p, i in spots:
            en, es = article["en"]["paragraphs"][p][i], article["es"]["paragraphs"][p][i]
            if en not in unflagged[k] or not (en.endswith(".") and es.endswith(".")) or re.search(r"\d", en + es):
                continue
            hour, minute = rng.randint(0, 23), rng.choice([0, 15, 30, 45, 5, 20])
            spanish, english = clock_forms(hour, minute, rng)
            copy["es"]["paragraphs"][p][i] = f"{es[:-1]}, {spanish}."
            copy["en"]["paragraphs"][p][i] = f"{en[:-1]}, {english}" + ("" if english.endswith(".") else ".")
            planted.append(Planted(k, "Spanish clock time", copy["en"]["paragraphs"][p][i]))
            break
        planted_articles.append(copy)
    return planted_articles, planted


# --- running qa -------------------------------------------------------------------------------


def run_check(articles: list[dict], folder: Path, name: str, engine: str, cache: Path) -> dict:
    """`qa check` of the article pairs written as JSON Lines; the parsed JSON report."""
    path = folder / f"{name}.jsonl"
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")
    report = folder / f"{name}.report.json"
    command = [sys.executable, "-m", "qa", "check", str(path), "--engine", engine, "--cache", str(cache),
               "--format", "json", "-o", str(report), "--fail-on", "never", "-q"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)
    if result.returncode != 0:
        sys.exit(f"qa check failed ({result.returncode}): {result.stderr.strip()}")
    return json.loads(report.read_text(encoding="utf-8"))


def segments_of(report: dict) -> list[tuple[int, dict]]:
    """Every checked segment with the index of its article (the record's line, from 1)."""
    return [(article_index, segment) for article_index, article in enumerate(report["articles"])
            for segment in article["segments"]]


def false_alarms(report: dict, origins: list[str]) -> dict:
    """Flags on clean text: how many articles and segments, by severity and by first reason; and
    the articles with an error by where the article was written (``origins``, one per article):
    in Spanish or English, the pair is a translation and its source; in a third language, both
    sides are translations, and a date or figure they disagree on is a real discrepancy."""
    articles = report["articles"]
    segments = segments_of(report)
    flagged = [(k, s) for k, s in segments if s["flagged"]]
    by_severity = Counter(s["severity"] for _, s in flagged)
    by_reason: dict[str, Counter] = {}
    for _, s in flagged:
        reason = s["reasons"][0]["signal"] if s["reasons"] else "(score)"
        by_reason.setdefault(reason, Counter())[s["severity"]] += 1
    articles_with = {sev: len({k for k, s in flagged if s["severity"] == sev}) for sev in ("error", "warning", "info")}
    with_error = {k for k, s in flagged if s["severity"] == "error"}
    pair = [k for k, origin in enumerate(origins) if origin in ("es", "en")]
    return {
        "articles": len(articles),
        "segments": len(segments),
        "flagged_segments": len(flagged),
        "flagged_segment_share": len(flagged) / max(len(segments), 1),
        "articles_with_error": articles_with["error"],
        "articles_with_error_share": articles_with["error"] / max(len(articles), 1),
        "articles_with_any_flag": len({k for k, _ in flagged}),
        "translation_pairs": len(pair),
        "translation_pairs_with_error": len(with_error & set(pair)),
        "third_language_articles": len(articles) - len(pair),
        "third_language_articles_with_error": len(with_error - set(pair)),
        "by_severity": dict(by_severity),
        "by_reason": {reason: dict(counts) for reason, counts in sorted(by_reason.items())},
    }


def found(report: dict, planted: list[Planted]) -> list[tuple[Planted, str | None]]:
    """Each planted garble with the severity of the flag that found it (None: missed)."""
    by_article: dict[int, list[dict]] = {}
    for k, segment in segments_of(report):
        by_article.setdefault(k, []).append(segment)
    results = []
    for item in planted:
        holders = [s for s in by_article.get(item.article, []) if item.sentence in (s.get("text") or "")]
        flags = [s["severity"] for s in holders if s["flagged"]]
        order = {"error": 0, "warning": 1, "info": 2}
        results.append((item, min(flags, key=order.__getitem__) if flags else None))
    return results


# --- reporting --------------------------------------------------------------------------------


SUMMED = ("articles", "segments", "flagged_segments", "articles_with_error", "translation_pairs",
          "translation_pairs_with_error", "third_language_articles", "third_language_articles_with_error")


def print_clean(name: str, alarms: dict) -> None:
    print(f"\n{name}, clean: {alarms['articles']} articles, {alarms['segments']} segments")
    print(f"  articles with an error flag: {alarms['articles_with_error']} ({alarms['articles_with_error_share']:.1%}); "
          f"with any flag: {alarms['articles_with_any_flag']}")
    print(f"    written in Spanish or English: {alarms['translation_pairs_with_error']} of {alarms['translation_pairs']}"
          f" with an error; in a third language: {alarms['third_language_articles_with_error']} of "
          f"{alarms['third_language_articles']}")
    print(f"  segments flagged: {alarms['flagged_segments']} ({alarms['flagged_segment_share']:.2%}) "
          f"{alarms['by_severity']}")
    for reason, counts in alarms["by_reason"].items():
        print(f"    {reason:24} {counts}")


def print_recall(rows: list[tuple[Planted, str | None]], kinds: tuple[str, ...] = KINDS) -> dict:
    table = {}
    print(f"\n{'planted kind':32} {'planted':>7} {'found':>6} {'recall':>7}  as error")
    for kind in kinds:
        of_kind = [severity for item, severity in rows if item.kind == kind]
        hits = [s for s in of_kind if s]
        errors = sum(1 for s in hits if s == "error")
        table[kind] = {"planted": len(of_kind), "found": len(hits), "as_error": errors,
                       "recall": len(hits) / max(len(of_kind), 1)}
        print(f"{kind:32} {len(of_kind):7} {len(hits):6} {table[kind]['recall']:7.1%}  {errors}")
    total, total_found = len(rows), sum(1 for _, s in rows if s)
    table["all"] = {"planted": total, "found": total_found, "recall": total_found / max(total, 1)}
    print(f"{'all':32} {total:7} {total_found:6} {total_found / max(total, 1):7.1%}")
    return table


def clock_flags(report: dict, planted: list[Planted]) -> dict:
    """How many of the segments holding a planted Spanish clock time are flagged, and why."""
    by_article: dict[int, list[dict]] = {}
    for k, segment in segments_of(report):
        by_article.setdefault(k, []).append(segment)
    flagged = []
    for item in planted:
        holders = [s for s in by_article.get(item.article, []) if item.sentence in (s.get("text") or "")]
        flagged += [s for s in holders if s["flagged"]]
    reasons = Counter(s["reasons"][0]["signal"] if s["reasons"] else "(score)" for s in flagged)
    return {"planted": len(planted), "flagged": len(flagged), "by_reason": dict(reasons),
            "examples": [f"[{s['severity']}] {s['reasons'][0]['explanation'] if s['reasons'] else ''}" for s in flagged[:5]]}


def print_clocks(name: str, result: dict) -> None:
    print(f"\n{name}, Spanish clock times (must not be flagged): {result['planted']} planted, "
          f"{result['flagged']} flagged {result['by_reason']}")
    for example in result["examples"]:
        print(f"    {example}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="apertium")
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS), metavar="KIND",
                        help=f"kinds to plant (default: all): {', '.join(KINDS)}")
    parser.add_argument("--rounds", type=int, help="planting rounds (default: one per kind)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--files", nargs="+", default=list(FILES), choices=FILES)
    parser.add_argument("--cache", type=Path, help="translation cache to reuse between runs (default: a temporary one)")
    parser.add_argument("--show", type=int, default=0, metavar="N", help="print N false alarms of each file, errors first")
    parser.add_argument("--misses", type=int, default=0, metavar="N", help="print N missed planted garbles of each kind")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"where to write the results (default: {RESULTS.relative_to(REPO)})")
    args = parser.parse_args()
    kinds = tuple(kind for kind in KINDS if kind in args.kinds)
    rounds = args.rounds if args.rounds is not None else len(kinds)
    if not EVAL.is_dir():
        sys.exit(f"{EVAL} is absent; this benchmark needs ../shared/eval")
    started = time.perf_counter()
    results: dict = {"engine": args.engine, "seed": args.seed, "rounds": rounds, "kinds": list(kinds), "files": {}}
    all_rows: list[tuple[Planted, str | None]] = []
    all_clocks: list[dict] = []
    all_alarms: list[dict] = []
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        cache = args.cache or folder / "cache.sqlite3"
        for name in args.files:
            articles = load_articles(name)
            corpus = Corpus.of(articles)
            clean = run_check(articles, folder, name, args.engine, cache)
            alarms = false_alarms(clean, [article.get("origlang", "") for article in articles])
            print_clean(name, alarms)
            all_alarms.append(alarms)
            if args.show:
                order = {"error": 0, "warning": 1, "info": 2}
                flagged = [s for _, s in segments_of(clean) if s["flagged"]]
                shown = sorted(flagged, key=lambda s: order[s["severity"]])[: args.show]
                for s in shown:
                    reason = s["reasons"][0] if s["reasons"] else {}
                    print(f"      [{s['severity']}] {reason.get('signal')}: {reason.get('explanation')}\n"
                          f"         EN {s.get('text')}\n         ES {s.get('source')}")
            rows = []
            for round_number in range(rounds):
                planted_articles, planted = plant(articles, round_number, args.seed, kinds, corpus)
                report = run_check(planted_articles, folder, f"{name}-planted-{round_number}", args.engine, cache)
                rows += found(report, planted)
            print(f"\n{name}, planted ({rounds} rounds):")
            recall = print_recall(rows, kinds)
            for kind in kinds if args.misses else ():
                missed = [item.sentence for item, severity in rows if item.kind == kind and severity is None]
                for sentence in missed[: args.misses]:
                    print(f"      missed {kind}: {sentence}")
            all_rows += rows
            unflagged: list[set[str]] = [set() for _ in articles]
            for k, segment in segments_of(clean):
                if not segment["flagged"] and segment.get("text"):
                    unflagged[k].add(segment["text"])
            clock_articles, clock_planted = plant_clocks(articles, args.seed, unflagged)
            clocks = clock_flags(run_check(clock_articles, folder, f"{name}-clocks", args.engine, cache), clock_planted)
            print_clocks(name, clocks)
            all_clocks.append(clocks)
            results["files"][name] = {"clean": alarms, "planted": recall, "clock_times": clocks, "signature": clean["signature"]}
    if len(args.files) > 1:
        results["clean"] = both = {key: sum(a[key] for a in all_alarms) for key in SUMMED}
        print(f"\nall files, clean: {both['articles_with_error']} of {both['articles']} articles with an error "
              f"({both['articles_with_error'] / both['articles']:.1%}); {both['flagged_segments']} of "
              f"{both['segments']} segments flagged ({both['flagged_segments'] / both['segments']:.2%}); written in "
              f"Spanish or English: {both['translation_pairs_with_error']} of {both['translation_pairs']} "
              f"({both['translation_pairs_with_error'] / max(both['translation_pairs'], 1):.1%}) with an error")
        print("\nall files, planted:")
        results["planted"] = print_recall(all_rows, kinds)
        results["clock_times"] = {"planted": sum(c["planted"] for c in all_clocks), "flagged": sum(c["flagged"] for c in all_clocks)}
        print(f"\nall files, Spanish clock times: {results['clock_times']['planted']} planted, "
              f"{results['clock_times']['flagged']} flagged")
    results["seconds"] = round(time.perf_counter() - started, 1)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\n{results['seconds']} s; written to {args.output}")


if __name__ == "__main__":
    main()
