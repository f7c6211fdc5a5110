"""Hand-written parts against the libraries that could replace them: same figures within noise.

- Platt scaling is now scikit-learn's LogisticRegression: it must match the Newton solver it replaced.
- The ratio bootstrap stays ours (faster, bounded memory): it must agree with scipy.stats.bootstrap.
- Encoder windows stay ours: the fast tokenizer's overflow windows differ in the last window.
"""

from __future__ import annotations

import numpy as np
import pytest

from propscan.models.calibration import _logit, apply_platt, ece, fit_platt


def _newton_platt(scores, correct, iters=500, l2=1e-3):  # type: ignore[no-untyped-def]
    """The hand-written solver fit_platt used before (kept here as the reference)."""
    x = _logit(scores)
    y = correct.astype(np.float64)
    a, b = 1.0, 0.0
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-(a * x + b)))
        w = p * (1 - p) + 1e-9
        g = np.array([np.sum((p - y) * x) + l2 * a, np.sum(p - y)])
        h = np.array([[np.sum(w * x * x) + l2, np.sum(w * x)], [np.sum(w * x), np.sum(w)]])
        step = np.linalg.solve(h, g)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-8:
            break
    return float(a), float(b)


@pytest.mark.parametrize("seed,n,true_a,true_b", [(0, 60, 0.5, -0.5), (1, 500, 1.3, 0.2), (2, 5000, 2.0, 0.0), (3, 800, 0.8, 1.0)])
def test_sklearn_platt_equals_the_newton_solver_it_replaced(seed, n, true_a, true_b):
    rng = np.random.default_rng(seed)
    s = rng.beta(2, 3, n)
    y = rng.random(n) < 1 / (1 + np.exp(-(true_a * _logit(s) + true_b)))
    a, b = fit_platt(s, y)
    ra, rb = _newton_platt(s, y)
    assert a == pytest.approx(ra, abs=1e-6) and b == pytest.approx(rb, abs=1e-6)
    # the fit never does worse than the raw scores (a=1, b=0) on the log-loss it minimises
    def nll(p):  # type: ignore[no-untyped-def]
        p = np.clip(p, 1e-12, 1 - 1e-12)
        return float(-np.mean(np.where(y, np.log(p), np.log(1 - p))))

    assert nll(apply_platt(s, a, b)) <= nll(s) + 1e-6
    if seed == 2:  # strongly miscalibrated raw scores: the calibrated ones are much closer
        assert ece(apply_platt(s, a, b), y) < 0.5 * ece(s, y)


def test_platt_degenerate_inputs_keep_the_identity():
    assert fit_platt(np.array([]), np.array([], dtype=bool)) == (1.0, 0.0)
    assert fit_platt(np.array([0.2, 0.9]), np.array([True, True])) == (1.0, 0.0)


def test_ratio_bootstrap_agrees_with_scipy_bootstrap():
    from scipy import stats

    from propscan.corpus.stats import bootstrap_ratio

    rng = np.random.default_rng(7)
    n, m = 300, 4
    den = rng.integers(150, 1500, size=(n, 1)).astype(float) * np.ones((1, m))
    num = rng.poisson([1.0, 3.0, 0.3, 8.0], size=(n, m)).astype(float)
    ours = bootstrap_ratio(num, den, n_boot=2000, seed=0)
    res = stats.bootstrap((num, den), lambda a, b, axis=-1: a.sum(axis) / b.sum(axis), paired=True, vectorized=True,
                          axis=0, n_resamples=2000, method="percentile", rng=np.random.default_rng(1))
    se = ours.draws.std(axis=0)
    np.testing.assert_allclose(ours.value, num.sum(0) / den.sum(0))
    # percentile ends from 2,000 resamples each: Monte-Carlo noise is ~0.1 bootstrap SE
    assert np.all(np.abs(ours.low - res.confidence_interval.low) < 0.35 * se)
    assert np.all(np.abs(ours.high - res.confidence_interval.high) < 0.35 * se)
    assert np.allclose(se, res.standard_error, rtol=0.1)


def test_tokenizer_overflow_windows_differ_from_ours_only_in_the_last_window(example_article):
    from tokenizers import Tokenizer

    from propscan.models.encoder import default_encoder_dir, load_tokenizer
    from propscan.models.transformer.windows import make_windows, tokenize_docs

    size, stride = 254, 224  # the default model's content window and step
    directory = default_encoder_dir()
    ours_tok = load_tokenizer(directory)
    hf = Tokenizer.from_file(str(directory / "tokenizer.json"))
    hf.enable_truncation(max_length=size, stride=size - stride)  # overlap, in the tokenizer's terms
    hf.no_padding()
    base = example_article.read_text(encoding="utf-8")
    differ = 0
    for text in (base[:600], base, base * 2, (base + " ") * 3, "Short text."):
        doc = tokenize_docs(ours_tok, [text])[0]
        ours = [(w.start, w.end) for w in make_windows([doc], size=size, stride=stride)]
        enc = hf.encode(text, add_special_tokens=False)
        chunks = [enc, *enc.overflowing]
        index = {int(s): i for i, s in enumerate(doc.starts)}
        theirs = [(index[c.offsets[0][0]], index[c.offsets[0][0]] + len(c.ids)) for c in chunks]
        for (a, b), c in zip(theirs, chunks):  # same tokens and offsets inside every window
            assert doc.ids[a:b].tolist() == c.ids
            assert doc.starts[a:b].tolist() == [o[0] for o in c.offsets]
        assert ours[:-1] == theirs[:-1] and len(ours) == len(theirs)
        assert ours[-1][1] == theirs[-1][1] == len(doc)  # both end at the article's end ...
        if ours[-1] != theirs[-1]:  # ... but ours is a full window, the overflow a short tail
            differ += 1
            assert ours[-1][1] - ours[-1][0] == size > theirs[-1][1] - theirs[-1][0]
    assert differ >= 2  # so the overflow is not a drop-in replacement: windows.py keeps its own
