"""The familiarity reference flags recordings unlike the training data, and only those."""

import numpy as np
import pytest

from elm_desktop.clinical.familiarity import (
    FamiliarityReference,
    assess,
    band_features,
    fit_reference,
)
from elm_desktop.clinical.localise import BANDS
from elm_desktop.errors import BundleError

DIM = 16
CHANNELS = [f"ch{i}" for i in range(6)]


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


def _band_power(rng, crops=12, level=1.0):
    """log10 band power [crops, channels, bands] around ``level`` decades."""
    return level + 0.05 * rng.standard_normal((crops, len(CHANNELS), len(BANDS)))


@pytest.fixture
def reference():
    rng = np.random.default_rng(0)
    training = np.concatenate(_recordings(rng, 200))
    power = [_band_power(rng) for _ in range(200)]
    return fit_reference(training, power, _recordings(rng, 400), note="unit test")


def _assess(reference, rng, shift=0.0, scale=1.0, level=1.0):
    crops = _recordings(rng, 1, shift, scale)[0]
    return assess(reference, crops, _band_power(rng, level=level), CHANNELS, "test data")


def test_training_like_recordings_pass_and_others_are_flagged(reference):
    rng = np.random.default_rng(1)
    assert np.mean([_assess(reference, rng).unfamiliar for _ in range(1000)]) < 0.03
    assert np.mean([_assess(reference, rng, shift=1.0).unfamiliar for _ in range(50)]) > 0.95
    assert np.mean([_assess(reference, rng, scale=2.0).unfamiliar for _ in range(50)]) > 0.95


def test_signal_checks_name_what_is_wrong(reference):
    rng = np.random.default_rng(2)
    loud = _assess(reference, rng, scale=0.5, level=2.0)
    assert loud.unfamiliar
    assert all(f"its {band} power lies above" in loud.statement for band, _, _ in BANDS)
    crops = _recordings(rng, 1, scale=0.5)[0]
    power = _band_power(rng)
    power[:, 2] -= 3.0  # one derivation a thousand times weaker than the others
    flat = assess(reference, crops, power, CHANNELS, "test data")
    assert flat.reasons == ("flat or disconnected derivations: ch2",)
    assert band_features(power).shape == (len(BANDS),)


def test_statement_names_the_training_data(reference):
    rng = np.random.default_rng(3)
    far = _assess(reference, rng, shift=1.0)
    assert far.unfamiliar
    assert "test data" in far.statement and "may not apply" in far.statement
    near = _assess(reference, rng, scale=0.5)
    assert not near.unfamiliar
    assert "within the range" in near.statement


def test_save_and_load_give_the_same_assessment(reference, tmp_path):
    path = reference.save(tmp_path / "familiarity.npz")
    loaded = FamiliarityReference.load(path)
    rng = np.random.default_rng(4)
    crops, power = _recordings(rng, 1, 0.2)[0], _band_power(rng, level=1.5)
    assert assess(loaded, crops, power, CHANNELS, "x") == assess(
        reference, crops, power, CHANNELS, "x"
    )
    assert loaded.note == "unit test"


def test_a_damaged_reference_is_refused(reference, tmp_path):
    path = reference.save(tmp_path / "familiarity.npz")
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(BundleError, match="cannot be read"):
        FamiliarityReference.load(path)


def test_wrong_embedding_size_is_an_error(reference):
    with pytest.raises(ValueError, match="expected crop embeddings"):
        reference.distance(np.zeros((3, DIM + 1)))
