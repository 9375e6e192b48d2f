"""Train the part-of-speech fluency models (qa/signals/fluency.py) on the newstest articles.

Every sentence (headlines included) of both sides of the newstest article pairs in ../shared/eval
is tagged by Apertium's analyser and tagger, through the same fresh-tagger pipeline qa uses when it
checks (qa.translate.apertium.ApertiumEngine.tagged_words), turned into the model's tokens
(closed-class words and tags, never other words) and counted as trigrams. The output,
``pos-en.json.gz`` and ``pos-es.json.gz``, holds only those counts, the smoothing discount, the
clean sentences' score percentiles (norms, for the garble an editor is shown) and what it was
trained on: no text.

    .venv/bin/python scripts/train_fluency.py                       # both years, into qa/data
    .venv/bin/python scripts/train_fluency.py --years 2013 --out /tmp/pos-2013
    QA_FLUENCY_MODELS=/tmp/pos-2013 .venv/bin/qa eval ...           # measure with those models

The labelled files overlap the articles: WMT14 QE translates newstest2013, the WMT12 rankings
newstest2012. Measure each with a model trained on the other year (``--years``).

``--lm-norms`` prints the English word model's percentiles on the same clean English (the
LM_NORMS of qa/signals/fluency.py).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from qa.signals import fluency  # noqa: E402
from qa.translate.apertium import ApertiumEngine  # noqa: E402

EVAL = REPO.parent / "shared" / "eval"
OTHER = {"en": "es", "es": "en"}
DISCOUNT = 0.5  # research 27: 0.5 and 0.3 measured alike, 0.75 worse


def sentences(years: list[int], lang: str) -> tuple[list[str], list[bool], list[int]]:
    """Every sentence of the articles' ``lang`` side, whether each is a headline, and the number
    of its article."""
    texts, headings, articles = [], [], []
    for year in years:
        path = EVAL / f"newstest{year}-articles.jsonl"
        for line in path.read_text(encoding="utf-8").splitlines():
            side = json.loads(line)[lang]
            article = len(set(articles))
            if side.get("headline"):
                texts.append(side["headline"])
                headings.append(True)
                articles.append(article)
            for paragraph in side["paragraphs"]:
                texts += paragraph
                headings += [False] * len(paragraph)
                articles += [article] * len(paragraph)
    return texts, headings, articles


def percentiles(values: list[float]) -> tuple[float, float]:
    """The 90th and 99th percentiles, rounded."""
    return round(float(np.percentile(values, 90)), 2), round(float(np.percentile(values, 99)), 2)


def held_out_norms(tokens: list[list[str]], headings: list[bool], articles: list[int]) -> dict:
    """The signals' percentiles on clean sentences (headlines left out) the model has not seen:
    the articles cut in two halves, each scored by a model fitted on the other (a model scores
    the sentences it was fitted on far better than new ones)."""
    fluency_values, window_values = [], []
    for half in (0, 1):
        model = fluency.KneserNey.fit((s for s, a in zip(tokens, articles, strict=True) if a % 2 != half), DISCOUNT)
        for sentence, heading, article in zip(tokens, headings, articles, strict=True):
            if article % 2 == half and not heading and sentence:
                score = fluency.PosScore((), tuple(model.surprisals(sentence)), tuple(model.unigram_surprisals(sentence)))
                fluency_values.append(score.mean_excess())
                window_values.append(score.worst_window()[0])
    return {"pos_fluency": percentiles(fluency_values), "pos_window": percentiles(window_values)}


def train(lang: str, years: list[int], engine: ApertiumEngine) -> tuple[dict, Counter]:
    """A language's model file (as JSON) and the closed-class words kept as tags (to review)."""
    texts, headings, articles = sentences(years, lang)
    tagged = engine.tagged_words(texts, lang, OTHER[lang])
    tokens = [[token.token for token in fluency.pos_tokens(units, lang)] for units in tagged]
    model = fluency.KneserNey.fit(tokens, DISCOUNT)
    unlisted: Counter = Counter()
    for units in tagged:
        for unit in units:
            surface, parts = fluency.read_unit(unit)
            for lemma, tags in parts:
                word = (lemma if len(parts) > 1 else surface).lower()
                if tags and tags[0] in fluency.CLOSED_TAGS and word not in fluency.CLOSED_WORDS[lang]:
                    unlisted[(word, tags[0])] += 1
    trained_on = {"articles": [f"newstest{year}" for year in years], "sentences": len(texts),
                  "tokens": sum(map(len, tokens)), "tagger": engine.info(lang, OTHER[lang]).revision}
    return fluency.model_to_json(lang, model, held_out_norms(tokens, headings, articles), trained_on), unlisted


def write(document: dict, path: Path) -> None:
    """Gzipped JSON, byte for byte the same for the same model (no time stamp)."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, compresslevel=9) as stream:
        stream.write(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    path.write_bytes(buffer.getvalue())


def lm_norms(years: list[int]) -> dict[str, tuple[float, float]]:
    """The English word model's fluency and worst-window percentiles on clean English sentences."""
    texts, headings, _ = sentences(years, "en")
    scores = [fluency.english_score(text) for text, heading in zip(texts, headings, strict=True) if not heading]
    means = [v for s in scores if s is not None and (v := s.mean_excess()) is not None]
    windows = [w[0] for s in scores if s is not None and (w := s.worst_window()) is not None]
    return {"fluency": percentiles(means), "fluency_window": percentiles(windows)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", nargs="+", type=int, default=[2012, 2013], choices=[2012, 2013])
    parser.add_argument("--out", type=Path, default=REPO / "qa" / "data", help="folder for pos-LANG.json.gz")
    parser.add_argument("--lm-norms", action="store_true", help="print the English word model's norms and stop")
    args = parser.parse_args()
    if args.lm_norms:
        print(json.dumps(lm_norms(args.years)))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    engine = ApertiumEngine()
    try:
        for lang in fluency.POS_LANGUAGES:
            document, unlisted = train(lang, args.years, engine)
            path = args.out / f"pos-{lang}.json.gz"
            write(document, path)
            trained = document["trained_on"]
            print(f"{path}: {len(document['trigrams'])} trigram types from {trained['sentences']} sentences "
                  f"({trained['tokens']} tokens), {path.stat().st_size / 1000:.0f} kB; norms {document['norms']}")
            shown = ", ".join(f"{word}<{tag}> {count}" for (word, tag), count in unlisted.most_common(40))
            print(f"  closed-class words kept as their tag (not in CLOSED_WORDS): {shown or 'none'}")
    finally:
        engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
