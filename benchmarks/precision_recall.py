"""Benchmark: false alarms on clean human translations, and recall on planted garbles.

Reads the clean WMT newstest2012 and newstest2013 article pairs from ../shared/eval at run time
(nothing is copied into the repository) and runs the real command line on them, as a desk would:
`qa check FILE.jsonl --format json` on JSON Lines of article pairs.

1. Clean: every article pair as published. Any flag there is a false alarm; they are counted by
   severity and by first reason, per article and per segment.
2. Planted: the brief's garble kinds planted in the English side with a fixed seed, one per article
   per round; round r gives article k the kind (k + r) mod 6, so six rounds plant every kind in
   every article that has a sentence it applies to. A planted garble is found when a flagged
   segment holds the planted sentence.

Prints tables and writes benchmarks/results/precision_recall.json.

    .venv/bin/python benchmarks/precision_recall.py [--engine apertium] [--rounds 6] [--seed 12]
"""

from __future__ import annotations

import argparse
import json
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


PLANTERS: dict[str, Callable[..., str | None]] = {
    "circular name": circular_name,
    "repeated phrase": repeated_phrase,
    "untranslated sentence": untranslated,
    "changed number": changed_number,
    "truncated sentence": truncated,
    "sentence from another article": other_article,
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


def plant(articles: list[dict], round_number: int, seed: int) -> tuple[list[dict], list[Planted]]:
    """Copies of the articles with one garble planted in each English body, and what was planted."""
    rng = random.Random(f"{seed}-{round_number}")
    body = [[s for paragraph in a["en"]["paragraphs"] for s in paragraph] for a in articles]
    planted_articles, planted = [], []
    for k, article in enumerate(articles):
        kind = KINDS[(k + round_number) % len(KINDS)]
        strangers = [s for j, sentences in enumerate(body) if j != k for s in sentences if len(s.split()) >= 6]
        spots = [
            (p, i)
            for p, paragraph in enumerate(article["en"]["paragraphs"])
            for i in range(len(paragraph))
        ]
        rng.shuffle(spots)
        copy = json.loads(json.dumps(article))
        for p, i in spots:
            sentence = article["en"]["paragraphs"][p][i]
            source = article["es"]["paragraphs"][p][i]
            garbled = PLANTERS[kind](sentence, rng, source=source, strangers=strangers)
            if garbled and garbled != sentence:
                copy["en"]["paragraphs"][p][i] = garbled
                planted.append(Planted(k, kind, garbled))
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


def false_alarms(report: dict) -> dict:
    """Flags on clean text: how many articles and segments, by severity and by first reason."""
    articles = report["articles"]
    segments = segments_of(report)
    flagged = [(k, s) for k, s in segments if s["flagged"]]
    by_severity = Counter(s["severity"] for _, s in flagged)
    by_reason: dict[str, Counter] = {}
    for _, s in flagged:
        reason = s["reasons"][0]["signal"] if s["reasons"] else "(score)"
        by_reason.setdefault(reason, Counter())[s["severity"]] += 1
    articles_with = {sev: len({k for k, s in flagged if s["severity"] == sev}) for sev in ("error", "warning", "info")}
    return {
        "articles": len(articles),
        "segments": len(segments),
        "flagged_segments": len(flagged),
        "flagged_segment_share": len(flagged) / max(len(segments), 1),
        "articles_with_error": articles_with["error"],
        "articles_with_error_share": articles_with["error"] / max(len(articles), 1),
        "articles_with_any_flag": len({k for k, _ in flagged}),
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


def print_clean(name: str, alarms: dict) -> None:
    print(f"\n{name}, clean: {alarms['articles']} articles, {alarms['segments']} segments")
    print(f"  articles with an error flag: {alarms['articles_with_error']} ({alarms['articles_with_error_share']:.1%}); "
          f"with any flag: {alarms['articles_with_any_flag']}")
    print(f"  segments flagged: {alarms['flagged_segments']} ({alarms['flagged_segment_share']:.2%}) "
          f"{alarms['by_severity']}")
    for reason, counts in alarms["by_reason"].items():
        print(f"    {reason:24} {counts}")


def print_recall(rows: list[tuple[Planted, str | None]]) -> dict:
    table = {}
    print(f"\n{'planted kind':32} {'planted':>7} {'found':>6} {'recall':>7}  as error")
    for kind in KINDS:
        of_kind = [severity for item, severity in rows if item.kind == kind]
        hits = [s for s in of_kind if s]
        errors = sum(1 for s in hits if s == "error")
        table[kind] = {"planted": len(of_kind), "found": len(hits), "as_error": errors,
                       "recall": len(hits) / max(len(of_kind), 1)}
        print(f"{kind:32} {len(of_kind):7} {len(hits):6} {table[kind]['recall']:7.1%}  {errors}")
    total, hits = len(rows), sum(1 for _, s in rows if s)
    table["all"] = {"planted": total, "found": hits, "recall": hits / max(total, 1)}
    print(f"{'all':32} {total:7} {hits:6} {hits / max(total, 1):7.1%}")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="apertium")
    parser.add_argument("--rounds", type=int, default=len(KINDS), help="planting rounds (default: one per kind)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--files", nargs="+", default=list(FILES), choices=FILES)
    parser.add_argument("--cache", type=Path, help="translation cache to reuse between runs (default: a temporary one)")
    parser.add_argument("--show", type=int, default=0, metavar="N", help="print N false alarms of each file, errors first")
    args = parser.parse_args()
    if not EVAL.is_dir():
        sys.exit(f"{EVAL} is absent; this benchmark needs ../shared/eval")
    started = time.perf_counter()
    results: dict = {"engine": args.engine, "seed": args.seed, "rounds": args.rounds, "files": {}}
    all_rows: list[tuple[Planted, str | None]] = []
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        cache = args.cache or folder / "cache.sqlite3"
        for name in args.files:
            articles = load_articles(name)
            clean = run_check(articles, folder, name, args.engine, cache)
            alarms = false_alarms(clean)
            print_clean(name, alarms)
            if args.show:
                order = {"error": 0, "warning": 1, "info": 2}
                flagged = [s for _, s in segments_of(clean) if s["flagged"]]
                shown = sorted(flagged, key=lambda s: order[s["severity"]])[: args.show]
                for s in shown:
                    reason = s["reasons"][0] if s["reasons"] else {}
                    print(f"      [{s['severity']}] {reason.get('signal')}: {reason.get('explanation')}\n"
                          f"         EN {s.get('text')}\n         ES {s.get('source')}")
            rows = []
            for round_number in range(args.rounds):
                planted_articles, planted = plant(articles, round_number, args.seed)
                report = run_check(planted_articles, folder, f"{name}-planted-{round_number}", args.engine, cache)
                rows += found(report, planted)
            print(f"\n{name}, planted ({args.rounds} rounds):")
            recall = print_recall(rows)
            all_rows += rows
            results["files"][name] = {"clean": alarms, "planted": recall, "signature": clean["signature"]}
    if len(args.files) > 1:
        print("\nall files, planted:")
        results["planted"] = print_recall(all_rows)
    results["seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\n{results['seconds']} s; written to {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
