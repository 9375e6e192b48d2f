"""Benchmark: how well could any fit of the flagger's features do on each labelled file?

`qa eval` and `qa calibrate` judge the flagger by leave-one-labelled-file-out (LOFO)
cross-validation: fitted on the other files, scored on the held-out one, next to the best single
signal of that file. When the flagger loses to a single signal there, two causes are possible:
the fit does not transfer between files, or the features hold nothing more than that one signal
on the file. This script tells them apart with an optimistic ceiling: the flagger's own monotone
logistic fit (qa.evaluate.fit_logistic) on every candidate feature, trained on the same file,
cross-validated in folds grouped by source sentence (a source translated by several systems
stays in one fold), with the L2 strength that scores best on the held-out folds. Picking the
strength on the test folds flatters the ceiling; if even it does not beat the single signal, no
fit of these features will, and a new signal is needed.

Reads the labelled files from ../shared/eval at run time (nothing is copied into the
repository), scores them with the engine (Apertium by default) and prints, per file: the best
single signal, the LOFO flagger as qa/data/flagger.json was fitted, and the within-file ceiling.
Writes benchmarks/results/flagger_ceiling.json.

    .venv/bin/python benchmarks/flagger_ceiling.py [--engine apertium] [--folds 5]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from qa import evaluate  # noqa: E402
from qa.calibrate import (  # noqa: E402
    CANDIDATE_FEATURES,
    L2_GRID,
    LabelledScores,
    best_signal,
    lofo,
    present_features,
    score_labelled,
    single_signal_aucs,
)
from qa.flag import load_flagger  # noqa: E402
from qa.translate import EngineOptions, create_engine  # noqa: E402

EVAL = REPO.parent / "shared" / "eval"
FILES = ("wmt14-qe-en-es.train.jsonl", "bio-mqm-es-en.talp_upc_run1.jsonl", "bio-mqm-en-es.TMT_run1.jsonl")
RESULTS = REPO / "benchmarks" / "results" / "flagger_ceiling.json"


def grouped_folds(sources: Sequence[str], folds: int) -> list[int]:
    """A fold number for each pair; pairs with the same source share one (round-robin over the
    distinct sources in file order, so the split is fixed)."""
    order = {source: k % folds for k, source in enumerate(dict.fromkeys(sources))}
    return [order[source] for source in sources]


def within_file_auc(file: LabelledScores, sources: Sequence[str], features: Sequence[str], l2: float,
                    folds: int) -> float:
    """ROC-AUC of the monotone logistic fit on ``features``, cross-validated inside the file."""
    rows = file.rows(features)
    labels = list(file.labels)
    fold_of = grouped_folds(sources, folds)
    scores = [0.0] * len(rows)
    for fold in range(folds):
        train = [k for k, f in enumerate(fold_of) if f != fold]
        model = evaluate.fit_logistic([rows[k] for k in train], [labels[k] for k in train], l2=l2)
        for k, f in enumerate(fold_of):
            if f == fold:
                probability = model.probability(rows[k])  # None: no feature; it ranks as the file's rate
                scores[k] = probability if probability is not None else model.base_rate or 0.0
    return evaluate.roc_auc(labels, scores)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", default="apertium")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    missing = [name for name in FILES if not (EVAL / name).exists()]
    if missing:
        sys.exit(f"flagger_ceiling: {EVAL} lacks {', '.join(missing)}")

    base = load_flagger()
    fitted_on: dict[str, Any] = dict(base.fitted_on or {})
    chosen, l2 = list(fitted_on.get("features", [])), float(fitted_on.get("l2", 1.0))
    engine, note = create_engine(args.engine, EngineOptions(), [("en", "es"), ("es", "en")])
    print(f"# {note}; the flagger's features: {', '.join(chosen) or 'none'}, l2 {l2}", file=sys.stderr)
    try:
        loaded = [evaluate.load_labelled(EVAL / name) for name in FILES]
        files = [score_labelled(data, engine=engine, flagger=base.for_engine(engine.name), name=name)
                 for name, data in zip(FILES, loaded, strict=True)]
    finally:
        engine.close()

    folds = lofo(files, features=chosen, l2=l2, base=base, engine=engine.name)
    features = present_features(files, CANDIDATE_FEATURES)
    results: dict = {"engine": args.engine, "features": features, "flagger_features": chosen, "files": {}}
    print(f"{'file':36} {'best single signal':>28} {'LOFO flagger':>13} {'ceiling':>8}  l2")
    for file, data, fold in zip(files, loaded, folds, strict=True):
        sources = [item.src for item in data.items]
        signal, single = best_signal(single_signal_aucs(file, features))
        ceilings = {strength: within_file_auc(file, sources, features, strength, args.folds) for strength in L2_GRID}
        best_l2 = max(ceilings, key=lambda s: ceilings[s])
        results["files"][file.name] = {
            "pairs": len(file.labels), "best_single_signal": signal, "best_single_auc": round(single or 0.0, 4),
            "lofo_flagger_auc": round(fold.auc, 4), "ceiling_auc": round(ceilings[best_l2], 4), "ceiling_l2": best_l2,
            "ceiling_by_l2": {str(k): round(v, 4) for k, v in ceilings.items()},
        }
        print(f"{file.name:36} {signal:>20} {single:.3f} {fold.auc:13.3f} {ceilings[best_l2]:8.3f}  {best_l2:g}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"# wrote {RESULTS.relative_to(REPO)}", file=sys.stderr)
    print(f"# mean of the ceilings over the files: {np.mean([f['ceiling_auc'] for f in results['files'].values()]):.3f}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
