#!/usr/bin/python3
"""Side-by-side ridge CV: scikit-learn and a numpy SVD ridge on the arrays that
ridge_bench wrote, with 20 alphas, 5 contiguous folds, one alpha per target
chosen by mean validation Pearson r (ties to the larger alpha), then a refit.

    /usr/bin/python3 bench/ridge/compare.py --dir /tmp/ridge-bench --case encoding \
        --b2m-json /tmp/ridge-bench/encoding_b2m.json [--sklearn-targets 6000]

scikit-learn's RidgeCV only offers per-target alphas with its leave-one-out
(GCV) mode, so the scikit-learn column is the library's Ridge estimator run in
the 5-fold x 20-alpha loop (100 fits) that reproduces the same selection.
With --sklearn-targets it runs on the first T targets and the time is scaled
by t / T (its cost is linear in the number of targets, apart from XᵀX).
Prints one JSON object.
"""
import argparse
import json
import resource
import time

import numpy as np


def contiguous_folds(n, k):
    fold_of = (np.arange(n) * k) // n
    return [(np.flatnonzero(fold_of != f), np.flatnonzero(fold_of == f)) for f in range(k)]


def pearson_columns(pred, truth):
    """Per-column Pearson r in float64 accumulation (0 for constant columns)."""
    pc = pred - pred.mean(axis=0, dtype=np.float64).astype(np.float32)
    tc = truth - truth.mean(axis=0, dtype=np.float64).astype(np.float32)
    num = np.einsum("ij,ij->j", pc, tc, dtype=np.float64)
    den = np.sqrt(np.einsum("ij,ij->j", pc, pc, dtype=np.float64) *
                  np.einsum("ij,ij->j", tc, tc, dtype=np.float64))
    out = np.zeros_like(num)
    np.divide(num, den, out=out, where=den > 0)
    return out


def choose(score_sum, alphas):
    """Best alpha per target; ties to the larger alpha (last maximum in ascending order)."""
    flipped = score_sum[::-1]
    best = len(alphas) - 1 - np.argmax(flipped, axis=0)
    return best


def numpy_svd_ridge(x, y, alphas, folds):
    """The fastest numpy formulation we know: one thin SVD per fold, targets
    rotated once (Uᵀ Y), one GEMM per alpha on the validation rows."""
    score_sum = np.zeros((len(alphas), y.shape[1]))
    for train, valid in folds:
        u, s, vt = np.linalg.svd(x[train], full_matrices=False)
        uty = u.T @ y[train]
        xv_v = x[valid] @ vt.T
        yv = y[valid]
        for a, alpha in enumerate(alphas):
            d = (s / (s * s + alpha)).astype(np.float32)
            score_sum[a] += pearson_columns((xv_v * d) @ uty, yv)
    best = choose(score_sum, alphas)
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    uty = u.T @ y
    d = (s[:, None] / (s[:, None] ** 2 + np.asarray(alphas)[best][None, :])).astype(np.float32)
    weights = vt.T @ (d * uty)
    return np.asarray(alphas)[best], weights


def sklearn_ridge_cv(x, y, alphas, folds):
    from sklearn.linear_model import Ridge
    score_sum = np.zeros((len(alphas), y.shape[1]))
    for train, valid in folds:
        xt, yt, xv, yv = x[train], y[train], x[valid], y[valid]
        for a, alpha in enumerate(alphas):
            model = Ridge(alpha=alpha, fit_intercept=False).fit(xt, yt)
            score_sum[a] += pearson_columns(model.predict(xv).astype(np.float32), yv)
    best = choose(score_sum, alphas)
    final = Ridge(alpha=np.asarray(alphas)[best], fit_intercept=False).fit(x, y)
    return np.asarray(alphas)[best], final.coef_.T


def svd_flops(n, p, t, num_alphas, k):
    """FLOPs of numpy_svd_ridge with the same model as b2m::ridge::fit_flops(Svd)."""
    def svd(rows, cols):
        lo, hi = min(rows, cols), max(rows, cols)
        return 14.0 * lo * lo * hi
    m = n / k
    n_tr = n - m
    r = min(n_tr, p)
    per_fold = svd(n_tr, p) + 2 * n_tr * r * t + 2 * m * p * r + num_alphas * 2 * m * r * t
    rf = min(n, p)
    return k * per_fold + svd(n, p) + 2 * n * rf * t + 2 * rf * p * t


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--case", required=True)
    parser.add_argument("--b2m-json", required=True)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--sklearn-targets", type=int, default=0)
    parser.add_argument("--skip-sklearn", action="store_true")
    args = parser.parse_args()

    x = np.load(f"{args.dir}/{args.case}_X.npy")
    y = np.load(f"{args.dir}/{args.case}_Y.npy")
    alphas = np.load(f"{args.dir}/{args.case}_alphas.npy").tolist()
    b2m_alpha = np.load(f"{args.dir}/{args.case}_alpha_b2m.npy")
    with open(args.b2m_json) as f:
        b2m = json.loads(f.readline())
    n, p = x.shape
    t = y.shape[1]
    folds = contiguous_folds(n, args.folds)
    result = {"case": args.case, "n": n, "p": p, "t": t, "b2m_seconds": b2m["seconds"]}

    start = time.perf_counter()
    svd_alpha, _ = numpy_svd_ridge(x, y, alphas, folds)
    result["numpy_svd_seconds"] = time.perf_counter() - start
    flops = svd_flops(n, p, t, len(alphas), args.folds)
    result["numpy_svd_gflop"] = flops / 1e9
    result["numpy_svd_gflops"] = flops / result["numpy_svd_seconds"] / 1e9
    result["numpy_svd_over_b2m"] = result["numpy_svd_seconds"] / b2m["seconds"]
    result["alpha_agreement_numpy_b2m"] = float(np.mean(svd_alpha == b2m_alpha))
    result["peak_rss_gib_after_numpy"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20

    if not args.skip_sklearn:
        ts = args.sklearn_targets if 0 < args.sklearn_targets < t else t
        start = time.perf_counter()
        sk_alpha, _ = sklearn_ridge_cv(x, np.ascontiguousarray(y[:, :ts]), alphas, folds)
        measured = time.perf_counter() - start
        result["sklearn_targets_run"] = ts
        result["sklearn_seconds_measured"] = measured
        result["sklearn_seconds"] = measured * t / ts
        result["sklearn_over_b2m"] = result["sklearn_seconds"] / b2m["seconds"]
        result["alpha_agreement_sklearn_b2m"] = float(np.mean(sk_alpha == b2m_alpha[:ts]))
    import sklearn
    result["sklearn_version"] = sklearn.__version__
    result["numpy_version"] = np.__version__
    print(json.dumps(result))


if __name__ == "__main__":
    main()
