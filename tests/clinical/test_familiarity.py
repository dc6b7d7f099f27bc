"""The familiarity reference flags recordings unlike the training data, and only those."""

import numpy as np
import pytest

from elm_desktop.clinical.familiarity import FamiliarityReference, assess, fit_reference
from elm_desktop.errors import BundleError

DIM = 16


def _recordings(rng, n, shift=0.0, scale=1.0, crops=12):
    """Unit-normalised crop embeddings around a fixed direction, optionally moved away."""
    centre = np.zeros(DIM)
    centre[0] = 1.0
    out = []
    for _ in range(n):
        z = centre + 0.2 * scale * rng.standard_normal((crops, DIM))
        z[:, 1] += shift
        out.append(z / np.linalg.norm(z, axis=1, keepdims=True))
    return out


@pytest.fixture
def reference():
    rng = np.random.default_rng(0)
    training = np.concatenate(_recordings(rng, 200))
    return fit_reference(training, _recordings(rng, 100))


def test_training_like_recordings_pass_and_others_are_flagged(reference):
    rng = np.random.default_rng(1)
    same = [assess(reference, r, "test data").unfamiliar for r in _recordings(rng, 200)]
    moved = [assess(reference, r, "test data").unfamiliar for r in _recordings(rng, 50, 1.0)]
    noisier = [assess(reference, r, "x").unfamiliar for r in _recordings(rng, 50, scale=2.0)]
    assert np.mean(same) < 0.05
    assert np.mean(moved) > 0.95
    assert np.mean(noisier) > 0.95


def test_statement_names_the_training_data(reference):
    rng = np.random.default_rng(2)
    far = assess(reference, _recordings(rng, 1, 1.0)[0], "synthetic EEG only")
    assert far.unfamiliar
    assert "synthetic EEG only" in far.statement
    assert "may not apply" in far.statement
    near = assess(reference, _recordings(rng, 1, scale=0.5)[0], "synthetic EEG only")
    assert "within the range" in near.statement


def test_save_and_load_give_the_same_distances(reference, tmp_path):
    path = reference.save(tmp_path / "familiarity.npz")
    loaded = FamiliarityReference.load(path)
    crops = _recordings(np.random.default_rng(3), 1, 0.2)[0]
    assert loaded.distance(crops) == pytest.approx(reference.distance(crops))
    assert loaded.threshold == reference.threshold


def test_a_damaged_reference_is_refused(reference, tmp_path):
    path = reference.save(tmp_path / "familiarity.npz")
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(BundleError, match="cannot be read"):
        FamiliarityReference.load(path)


def test_wrong_embedding_size_is_an_error(reference):
    with pytest.raises(ValueError, match="expected crop embeddings"):
        reference.distance(np.zeros((3, DIM + 1)))
