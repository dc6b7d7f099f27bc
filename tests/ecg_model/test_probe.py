"""The linear probe's regularisation: chosen on val, or by cross-validation on its own labels."""

from __future__ import annotations

import numpy as np
import pytest

from elm_desktop.clinical.metrics import auroc
from elm_desktop.training.ecg.evaluate import PROBE_C_CV, fit_probe


def separable(n: int, positives: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.zeros(n, np.uint8)
    y[rng.choice(n, positives, replace=False)] = 1
    x = rng.normal(size=(n, 8)) + 2.0 * y[:, None] * np.eye(8)[0]
    return x, y


def test_cross_validated_probe_needs_no_val_labels():
    x, y = separable(120, 20)
    probe = fit_probe(x, y, None, None, "cv")  # val is never read
    test_x, test_y = separable(200, 40, seed=1)
    scores = probe.predict_proba(test_x)[:, 1]
    assert auroc(test_y.astype(bool), scores) > 0.85
    assert probe[-1].C in PROBE_C_CV
    assert probe[-1].class_weight == "balanced"


def test_val_selection_uses_val_labels():
    x, y = separable(120, 20)
    val_x, val_y = separable(60, 10, seed=2)
    assert fit_probe(x, y, val_x, val_y, "val")[-1].C in (0.01, 0.1, 1.0)


def test_one_class_gives_no_probe_and_one_positive_a_fixed_c():
    x, y = separable(50, 1)
    assert fit_probe(x, np.zeros(50, np.uint8), None, None, "cv") is None
    assert fit_probe(x, y, None, None, "cv")[-1].C == 0.1
    with pytest.raises(ValueError, match="probe selection"):
        fit_probe(x, y, None, None, "test")
