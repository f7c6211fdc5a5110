"""The TC part of the tuning step: the technique stays the head's own argmax; temperatures only calibrate."""

from __future__ import annotations

import numpy as np

from propscan.models.calibration import tc_calibrated
from propscan.models.transformer.tune import _tune_tc

LABELS = ["Doubt", "Loaded_Language", "Repetition"]


def _spans(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=300)
    logits = rng.normal(0, 1, size=(300, 3)) * 3
    logits[np.arange(300), y] += 2.0  # an informative but over-confident head
    logits[:, 2] -= 1.5  # that under-predicts Repetition: a bias fit would want to move it
    feats = np.zeros((300, 21))
    return logits, y, feats


def test_tuning_keeps_the_heads_argmax_and_fits_no_bias() -> None:
    logits, y, feats = _spans()
    cal: dict = {}
    out = _tune_tc(LABELS, logits, y, feats, cal)
    assert cal["tc_bias"] == [0.0, 0.0, 0.0] and cal["tc_rep_boost"] == [0.0, 0.0]
    p = tc_calibrated(logits, feats, cal, LABELS)
    assert np.array_equal(p.argmax(1), logits.argmax(1))
    assert cal["tc_temperature"] > 1.0  # the over-confident head is softened
    assert out["ece_tc_after"] < out["ece_tc_before"]


def test_the_old_bias_recipe_is_still_there_for_the_comparison() -> None:
    logits, y, feats = _spans()
    cal: dict = {}
    _tune_tc(LABELS, logits, y, feats, cal, fit_bias=True)
    assert any(b != 0.0 for b in cal["tc_bias"])  # it moves the classes to win these very spans
    fitted = (tc_calibrated(logits, feats, cal, LABELS).argmax(1) == y).mean()
    assert fitted > (logits.argmax(1) == y).mean()
