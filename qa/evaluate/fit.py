"""Fitting the weights that combine signals: a monotone logistic regression on standardised
features, and refits of its scale and bias (pure functions over feature rows and labels)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType

import numpy as np
from scipy import optimize

from qa.evaluate.metrics import _labels_array
from qa.flag import LogisticPart, feature_sign


def fit_logistic(
    feature_rows: Sequence[Mapping[str, float | None]],
    labels: Sequence[int],
    *,
    l2: float = 1.0,
    sample_weight: Sequence[float] | None = None,
) -> LogisticPart:
    """Fit a monotone logistic regression of ``labels`` on standardised features.

    The features are every name in any row, each of which must have a declared direction in
    :data:`qa.flag.FEATURE_SIGNS`: an agreement metric gets a weight <= 0, a disagreement a
    weight >= 0 (the fit minimises the weighted log-loss plus ``l2 / 2`` times the squared
    weights under those bounds, with scipy's L-BFGS-B; the bias is free and unpenalised). The
    weights are normalised to sum to the number of rows, so ``l2`` means what scikit-learn's
    ``1 / C`` means; pass weights such that each file sums to the same to weigh files equally.
    Features are standardised by their (weighted) mean and standard deviation over the rows that
    have them; a missing value (absent, None or nan) takes the mean, i.e. contributes nothing.

    Returns the model as a :class:`qa.flag.LogisticPart`, whose ``base_rate`` is the weighted
    share of positives. ValueError for empty or mismatched input, labels other than 0/1, one
    class only, a feature without a declared direction, or one with no value in any row.
    """
    y = _labels_array(labels).astype(float)
    if len(feature_rows) != len(y):
        raise ValueError(f"{len(feature_rows)} feature rows but {len(y)} labels")
    if y.sum() in (0, len(y)):
        raise ValueError("fitting needs both classes among the labels")
    if l2 < 0:
        raise ValueError(f"l2 must be >= 0, got {l2}")
    names = sorted({name for row in feature_rows for name in row})
    if not names:
        raise ValueError("the feature rows have no features")
    signs = [feature_sign(name) for name in names]
    weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    if weight.shape != y.shape or not np.all(np.isfinite(weight)) or np.any(weight < 0) or weight.sum() <= 0:
        raise ValueError("sample weights must be one finite, non-negative number per row, not all 0")
    weight = weight * (len(y) / weight.sum())
    raw = np.array([[_present(row.get(name)) for name in names] for row in feature_rows], dtype=float)
    means, scales = _standardisation(raw, names, weight)
    x = np.where(np.isnan(raw), 0.0, (raw - means) / scales)
    coefficients = _minimise_log_loss(x, y, weight, l2, signs)
    return LogisticPart(
        bias=float(coefficients[0]),
        weights=MappingProxyType({name: float(w) for name, w in zip(names, coefficients[1:], strict=True)}),
        means=MappingProxyType({name: float(m) for name, m in zip(names, means, strict=True)}),
        scales=MappingProxyType({name: float(v) for name, v in zip(names, scales, strict=True)}),
        base_rate=float(np.sum(weight * y) / np.sum(weight)),
    )


def _minimise_log_loss(
    x: np.ndarray, y: np.ndarray, weight: np.ndarray, l2: float, signs: Sequence[int]
) -> np.ndarray:
    """[bias, weights...] minimising sum(weight * log-loss) + l2/2 |weights|^2 with each weight's
    sign bounded by ``signs`` (-1: <= 0, +1: >= 0)."""
    design = np.hstack([np.ones((len(y), 1)), x])
    penalty = np.array([0.0] + [l2] * x.shape[1])

    def objective(beta: np.ndarray) -> tuple[float, np.ndarray]:
        z = design @ beta
        # log(1 + e^z) - y z, stably; its derivative is sigmoid(z) - y
        loss = np.sum(weight * (np.logaddexp(0.0, z) - y * z)) + 0.5 * np.sum(penalty * beta**2)
        gradient = design.T @ (weight * (_expit(z) - y)) + penalty * beta
        return float(loss), gradient

    rate = float(np.clip(np.sum(weight * y) / np.sum(weight), 1e-6, 1 - 1e-6))
    start = np.zeros(design.shape[1])
    start[0] = math.log(rate / (1 - rate))
    bounds = [(None, None)] + [(None, 0.0) if sign < 0 else (0.0, None) for sign in signs]
    result = optimize.minimize(objective, start, jac=True, method="L-BFGS-B", bounds=bounds,
                               options={"maxiter": 2000, "ftol": 1e-12, "gtol": 1e-8})
    if not np.all(np.isfinite(result.x)):
        raise ValueError(f"the logistic fit did not converge ({result.message})")
    return result.x


def fit_scale(
    model: LogisticPart,
    feature_rows: Sequence[Mapping[str, float | None]],
    labels: Sequence[int],
    *,
    sample_weight: Sequence[float] | None = None,
) -> LogisticPart:
    """``model`` with all its weights multiplied by one factor >= 0 and its bias refitted, both
    unpenalised, to the weighted log-loss on these rows (their ranking is unchanged; signs hold).

    A strong L2 penalty chooses the weights' direction well but shrinks them all, so the
    probabilities come out too timid; this restores their spread (a Platt-style temperature)."""
    y, weight, z = _refit_inputs(model, feature_rows, labels, sample_weight)
    weight = weight * (len(y) / weight.sum())
    design = np.column_stack([np.ones(len(y)), z])

    def objective(beta: np.ndarray) -> tuple[float, np.ndarray]:
        t = design @ beta
        return float(np.sum(weight * (np.logaddexp(0.0, t) - y * t))), design.T @ (weight * (_expit(t) - y))

    result = optimize.minimize(objective, np.array([model.bias, 1.0]), jac=True, method="L-BFGS-B",
                               bounds=[(None, None), (0.0, None)])
    bias, factor = (float(v) for v in result.x)
    return dataclasses.replace(
        model, bias=bias, weights=MappingProxyType({name: w * factor for name, w in model.weights.items()})
    )


def fit_intercept(
    model: LogisticPart,
    feature_rows: Sequence[Mapping[str, float | None]],
    labels: Sequence[int],
    *,
    sample_weight: Sequence[float] | None = None,
) -> LogisticPart:
    """``model`` with its bias refitted (weights kept) to the weighted log-loss on these rows, and
    their weighted share of positives as its base rate: how one direction's data is calibrated
    under weights fitted on several."""
    y, weight, offset = _refit_inputs(model, feature_rows, labels, sample_weight)

    def objective(bias: np.ndarray) -> tuple[float, np.ndarray]:
        z = offset + bias[0]
        loss = np.sum(weight * (np.logaddexp(0.0, z) - y * z))
        return float(loss), np.array([np.sum(weight * (_expit(z) - y))])

    result = optimize.minimize(objective, np.array([model.bias]), jac=True, method="L-BFGS-B")
    rate = float(np.sum(weight * y) / np.sum(weight))
    return dataclasses.replace(model, bias=float(result.x[0]), base_rate=rate)


def _refit_inputs(
    model: LogisticPart, feature_rows: Sequence[Mapping[str, float | None]], labels: Sequence[int],
    sample_weight: Sequence[float] | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels, row weights and the model's logit contributions of each row, for refitting a
    fitted model's scale or bias; ValueError unless rows and labels match and hold both classes."""
    y = _labels_array(labels).astype(float)
    if len(feature_rows) != len(y):
        raise ValueError(f"{len(feature_rows)} feature rows but {len(y)} labels")
    if y.sum() in (0, len(y)):
        raise ValueError("fitting needs both classes among the labels")
    weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    contributions = np.array([sum(model.contributions(_clean_row(row)).values()) for row in feature_rows])
    return y, weight, contributions


def _clean_row(row: Mapping[str, float | None]) -> dict[str, float]:
    return {name: value for name, value in ((n, _present(v)) for n, v in row.items()) if value is not None}


def _expit(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _standardisation(
    raw: np.ndarray, names: list[str], weight: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-column weighted mean and standard deviation over present values (a constant column
    gets scale 1)."""
    present = ~np.isnan(raw)
    empty = [name for name, has in zip(names, present.any(axis=0), strict=True) if not has]
    if empty:
        raise ValueError(f"feature {empty[0]!r} has no value in any row")
    w = np.where(present, weight[:, None], 0.0)
    filled = np.where(present, raw, 0.0)
    total = np.where(w.sum(axis=0) > 0, w.sum(axis=0), 1.0)
    means = (w * filled).sum(axis=0) / total
    variances = (w * (filled - means) ** 2).sum(axis=0) / total
    stds = np.sqrt(variances)
    return means, np.where(stds > 1e-12, stds, 1.0)


def _present(value: object) -> float | None:
    """A feature value as a float, or None when it is missing (None or nan)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"feature values must be numbers, found {value!r}")
    number = float(value)
    if math.isnan(number):
        return None
    if math.isinf(number):
        raise ValueError(f"feature values must be finite, found {value!r}")
    return number
