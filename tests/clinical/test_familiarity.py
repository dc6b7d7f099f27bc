"""The familiarity reference flags recordings unlike the training data, and only those."""

import numpy as np
import pytest

from elm_desktop.clinical.familiarity import (
    FamiliarityReference,
    assess,
    band_features,
    crop_profile,
    fit_reference,
    recording_profile,
)
from elm_desktop.clinical.localise import BANDS
from elm_desktop.errors import BundleError

DIM = 16
PROFILE = 8
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


def _profiles(rng, crops=12, shift=0.0):
    """Crop profiles [crops, PROFILE] around zero, optionally moved away."""
    return shift + 0.3 * rng.standard_normal((crops, PROFILE))


def _band_power(rng, crops=12, level=1.0):
    """log10 band power [crops, channels, bands] around ``level`` decades."""
    return level + 0.05 * rng.standard_normal((crops, len(CHANNELS), len(BANDS)))


@pytest.fixture
def reference():
    rng = np.random.default_rng(0)
    return fit_reference(
        _recordings(rng, 200),
        [_profiles(rng) for _ in range(200)],
        [_band_power(rng) for _ in range(200)],
        _recordings(rng, 400),
        [_profiles(rng) for _ in range(400)],
        note="unit test",
    )


def _assess(reference, rng, shift=0.0, scale=1.0, level=1.0, profile_shift=0.0):
    crops = _recordings(rng, 1, shift, scale)[0]
    profiles = _profiles(rng, shift=profile_shift)
    return assess(reference, crops, profiles, _band_power(rng, level=level), CHANNELS, "data")


def test_training_like_recordings_pass_and_others_are_flagged(reference):
    rng = np.random.default_rng(1)
    # Held-out-like recordings pass at about the rate the quantile sets (3 %).
    assert np.mean([_assess(reference, rng).unfamiliar for _ in range(1000)]) < 0.06
    assert np.mean([_assess(reference, rng, shift=1.0).unfamiliar for _ in range(50)]) > 0.95
    assert np.mean([_assess(reference, rng, scale=2.0).unfamiliar for _ in range(50)]) > 0.95
    # A signal unlike the training recordings' is flagged even when the model's features are not.
    moved = [_assess(reference, rng, profile_shift=1.0) for _ in range(50)]
    assert np.mean([m.unfamiliar for m in moved]) > 0.95
    assert all(
        "its signal (spectrum, amplitude, spatial pattern) lies further" in m.statement
        for m in moved
    )


def test_crop_profile_sees_spectrum_and_amplitude_shape():
    rng = np.random.default_rng(5)
    t = np.arange(500) / 100.0
    noise = rng.standard_normal((4, 20, 500))
    alpha = noise + 8 * np.sin(2 * np.pi * 10 * t)
    profiles = crop_profile(noise), crop_profile(alpha)
    assert profiles[0].shape == (4, 22 + 20 + 4)
    assert recording_profile(profiles[0]).shape == (22 + 20 + 4 + 1,)
    ten_hz = 10  # the 10-11 Hz bin (edges 0.5, 1, 2, ... Hz)
    assert np.all(profiles[1][:, ten_hz] > profiles[0][:, ten_hz] + 0.5)
    # A sine has a lighter-tailed amplitude distribution than noise (kurtosis 1.5 against 3).
    assert np.all(profiles[1][:, -3] < profiles[0][:, -3] - 0.5)
    # A common 10 Hz rhythm on every derivation makes neighbouring links move together.
    assert np.all(profiles[1][:, -1] > profiles[0][:, -1] + 0.5)


def test_signal_checks_name_what_is_wrong(reference):
    rng = np.random.default_rng(2)
    loud = _assess(reference, rng, scale=0.5, level=2.0)
    assert loud.unfamiliar
    assert all(f"its {band} power lies above" in loud.statement for band, _, _ in BANDS)
    crops = _recordings(rng, 1, scale=0.5)[0]
    power = _band_power(rng)
    power[:, 2] -= 3.0  # one derivation a thousand times weaker than the others
    flat = assess(reference, crops, 0.1 * _profiles(rng), power, CHANNELS, "test data")
    assert flat.reasons == ("flat or disconnected derivations: ch2",)
    # One derivation 30 times louder than the others: named on a recording flagged anyway,
    # never a reason on its own (training recordings' focal slowing can be as loud).
    power = _band_power(rng)
    power[:, 4] += 1.5
    with_loud = assess(reference, crops, 0.1 * _profiles(rng), power, CHANNELS, "test data")
    assert not with_loud.unfamiliar
    power[:, 2] -= 3.0
    both = assess(reference, crops, 0.1 * _profiles(rng), power, CHANNELS, "test data")
    assert both.reasons[-1].startswith("derivations with ten times the power of the others")
    assert both.reasons[-1].endswith(": ch4")


def test_loud_derivations_through_one_electrode_name_it(reference):
    rng = np.random.default_rng(6)
    crops = _recordings(rng, 1, scale=0.5)[0]
    power = _band_power(rng)
    power[:, [0, 1]] += 1.5  # Fp1-F7 and F7-T3: a floating F7
    power[:, 5] -= 3.0  # and a flat derivation, so that the recording is flagged
    names = ["Fp1-F7", "F7-T3", *CHANNELS[2:]]
    found = assess(reference, crops, 0.1 * _profiles(rng), power, names, "test data")
    assert found.reasons[-1].endswith(": Fp1-F7, F7-T3 (all through F7)")
    assert band_features(power).shape == (len(BANDS),)


def test_statement_names_the_training_data(reference):
    rng = np.random.default_rng(3)
    far = _assess(reference, rng, shift=1.0)
    assert far.unfamiliar
    assert "data" in far.statement and "may not apply" in far.statement
    near = _assess(reference, rng, scale=0.5)
    assert not near.unfamiliar
    assert "within the range" in near.statement
    # In the words the generated draft is withheld in, never "closer" (reassuring beside it).
    assert f"less typical of it than {near.percentile:.1%} of held-out" in near.statement


def test_save_and_load_give_the_same_assessment(reference, tmp_path):
    path = reference.save(tmp_path / "familiarity.npz")
    loaded = FamiliarityReference.load(path)
    rng = np.random.default_rng(4)
    crops, power = _recordings(rng, 1, 0.2)[0], _band_power(rng, level=1.5)
    profiles = _profiles(rng)
    assert assess(loaded, crops, profiles, power, CHANNELS, "x") == assess(
        reference, crops, profiles, power, CHANNELS, "x"
    )
    assert loaded.note == "unit test"
    assert loaded.bank.dtype == np.float16


def test_a_damaged_reference_is_refused(reference, tmp_path):
    path = reference.save(tmp_path / "familiarity.npz")
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(BundleError, match="cannot be read"):
        FamiliarityReference.load(path)


def test_a_reference_of_the_older_kind_asks_to_be_refitted(tmp_path):
    path = tmp_path / "familiarity.npz"
    np.savez(path, mean=np.zeros(3), whitening=np.eye(3), heldout=np.ones(3), threshold=1.0)
    with pytest.raises(BundleError, match="older kind: refit it"):
        FamiliarityReference.load(path)


def test_wrong_embedding_size_is_an_error(reference):
    with pytest.raises(ValueError, match="expected crop embeddings"):
        reference.neighbour_distance(np.zeros((3, DIM + 1)))
