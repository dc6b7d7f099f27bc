"""Bundle format: manifest, checksums, refusal of damaged or foreign bundles."""

from __future__ import annotations

import json
import shutil

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from elm_desktop.errors import BundleError
from elm_desktop.runtime import FORMAT_VERSION, Bundle, Engine, write_manifest
from elm_desktop.runtime.bundle import (
    DIGEST,
    MANIFEST,
    manifest_digest,
    save_manifest,
    sha256_file,
)
from elm_desktop.signals import ELM_CHANNELS


@pytest.fixture
def bundle_copy(eeg_only_bundle, tmp_path):
    """A copy of the EEG-only bundle that a test may damage."""
    return shutil.copytree(eeg_only_bundle, tmp_path / "copy")


def _edit_manifest(folder, **changes):
    """Change fields and re-sign, as a re-export would: what the other checks then see."""
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest.update(changes)
    save_manifest(folder, manifest)


def test_manifest_describes_the_model(elm_bundle):
    bundle = Bundle.load(elm_bundle)
    manifest = bundle.manifest
    assert manifest["format_version"] == FORMAT_VERSION
    assert bundle.window_s == 5 and bundle.sfreq == 100 and bundle.n_samples == 500
    assert bundle.channels == list(ELM_CHANNELS)
    assert bundle.embedding_dim == 256
    assert bundle.temperature == pytest.approx(0.3)
    assert bundle.has_text and manifest["text"]["max_length"] == 80
    assert bundle.attention_kind == "gated"
    files = {p.name for p in elm_bundle.iterdir()} - {MANIFEST}
    assert set(manifest["files"]) == files >= {"eeg_encoder.onnx", "text_encoder.onnx"}
    for name, digest in manifest["files"].items():
        assert sha256_file(elm_bundle / name) == digest


def test_eeg_only_bundle_has_uniform_attention(eeg_only_bundle):
    bundle = Bundle.load(eeg_only_bundle)
    assert not bundle.has_text
    assert bundle.attention_kind == "uniform"
    assert "weighs the same" in bundle.manifest["attention"]["note"]


def test_missing_folder_is_refused(tmp_path):
    with pytest.raises(BundleError, match="no model bundle"):
        Bundle.load(tmp_path / "nowhere")


def test_missing_file_is_refused(bundle_copy):
    (bundle_copy / "eeg_encoder.onnx").unlink()
    with pytest.raises(BundleError, match="eeg_encoder.onnx is missing"):
        Bundle.load(bundle_copy)


def test_altered_file_is_refused(bundle_copy):
    graph = bundle_copy / "eeg_encoder.onnx"
    data = bytearray(graph.read_bytes())
    data[len(data) // 2] ^= 0xFF
    graph.write_bytes(bytes(data))
    with pytest.raises(BundleError, match="eeg_encoder.onnx does not match its sha256"):
        Bundle.load(bundle_copy)


def test_fingerprint_names_the_source_weights(bundle_copy):
    manifest = json.loads((bundle_copy / MANIFEST).read_text())
    graph_sha = manifest["files"][manifest["eeg"]["file"]]
    _edit_manifest(bundle_copy, source={"sha256": "0123456789abcdef"})
    assert Bundle.load(bundle_copy).fingerprint == "01234567"
    _edit_manifest(bundle_copy, source={})
    assert Bundle.load(bundle_copy).fingerprint == graph_sha[:8]


def test_unknown_format_version_is_refused(bundle_copy):
    _edit_manifest(bundle_copy, format_version=FORMAT_VERSION + 1)
    with pytest.raises(BundleError, match=f"format version {FORMAT_VERSION + 1}"):
        Bundle.load(bundle_copy)


@pytest.mark.parametrize(
    ("change", "message"),
    [({"n_samples": 499}, "n_samples"), ({"channels": None}, "'channels'")],
)
def test_inconsistent_manifest_is_refused(bundle_copy, change, message):
    _edit_manifest(bundle_copy, **change)
    with pytest.raises(BundleError, match=message):
        Bundle.load(bundle_copy)


def test_invalid_json_is_refused(bundle_copy):
    (bundle_copy / MANIFEST).write_text("{not json")
    with pytest.raises(BundleError, match="not valid JSON"):
        Bundle.load(bundle_copy)


def test_errors_are_one_line(bundle_copy):
    (bundle_copy / "eeg_encoder.onnx").write_bytes(b"garbage")
    with pytest.raises(BundleError) as info:
        Bundle.load(bundle_copy)
    assert "\n" not in str(info.value)


def _graph_with_input_shape(path, n_samples):
    """An ONNX graph with the bundle's names but another crop length."""
    crops = helper.make_tensor_value_info("crops", TensorProto.FLOAT, ["n", 20, n_samples])
    embedding = helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["n", 20])
    logit = helper.make_tensor_value_info("attention_logit", TensorProto.FLOAT, ["n"])
    nodes = [
        helper.make_node("ReduceMean", ["crops"], ["embedding"], axes=[2], keepdims=0),
        helper.make_node("ReduceMean", ["embedding"], ["attention_logit"], axes=[1], keepdims=0),
    ]
    graph = helper.make_graph(nodes, "wrong", [crops], [embedding, logit])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.save(model, path)


def test_graph_not_matching_manifest_is_refused(bundle_copy):
    # A well-formed bundle (checksums rewritten) whose graph takes 6000-sample crops.
    _graph_with_input_shape(bundle_copy / "eeg_encoder.onnx", 6000)
    manifest = json.loads((bundle_copy / MANIFEST).read_text())
    for key in ("format", "format_version", "files"):
        manifest.pop(key)
    write_manifest(bundle_copy, manifest)
    bundle = Bundle.load(bundle_copy)
    with pytest.raises(BundleError, match="does not match its manifest"):
        Engine(bundle, device="cpu")


def test_write_manifest_covers_every_file(tmp_path):
    (tmp_path / "a.bin").write_bytes(np.arange(10, dtype=np.uint8).tobytes())
    (tmp_path / "b.txt").write_text("hello")
    write_manifest(tmp_path, {"name": "x"})
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    assert manifest["files"] == {
        "a.bin": sha256_file(tmp_path / "a.bin"),
        "b.txt": sha256_file(tmp_path / "b.txt"),
    }
    assert manifest["format_version"] == FORMAT_VERSION


def test_manifest_carries_the_digest_of_its_own_fields(elm_bundle):
    bundle = Bundle.load(elm_bundle)
    assert bundle.digest == manifest_digest(bundle.manifest)
    assert len(bundle.digest) == 64
    changed = dict(bundle.manifest, temperature=0.2)
    assert manifest_digest(changed) != bundle.digest


def _neighbour(char: str) -> str:
    """Another character of the same kind: the edit a slip of the hand or a bit flip makes."""
    if char.isdigit():
        return str((int(char) + 1) % 10)
    if char.isalpha():
        return char.swapcase() if char.swapcase() != char else "x"
    return "x" if char == " " else " "


def _edits(text: str):
    """Every one-character substitution, deletion and insertion (of a digit) of a text."""
    for i, char in enumerate(text):
        yield f"substitute {char!r} at {i}", text[:i] + _neighbour(char) + text[i + 1 :]
        yield f"delete {char!r} at {i}", text[:i] + text[i + 1 :]
        yield f"insert '0' at {i}", text[:i] + "0" + text[i:]


def test_every_one_character_edit_of_the_manifest_is_refused(bundle_copy):
    path = bundle_copy / MANIFEST
    clean = path.read_text()
    Bundle.load(bundle_copy)  # positive control: the untouched manifest loads
    accepted = []
    for edit, text in _edits(clean):
        path.write_text(text)
        try:
            Bundle.load(bundle_copy)
        except BundleError as error:
            assert "\n" not in str(error)
        else:
            accepted.append(edit)
    assert accepted == []
    assert len(clean) > 1000  # the edits covered a real manifest


@pytest.mark.parametrize(
    ("kind", "old", "new", "message"),
    [
        ("string", '"name": "eeg-only-random"', '"name": "eeg-only-randon"', DIGEST),
        ("number", '"temperature": 0.3', '"temperature": 0.2', DIGEST),
        ("number, same value", '"temperature": 0.3', '"temperature": 0.30', "not as elm-desktop"),
        ("list", '"Fp1-F7"', '"Fp1-F8"', DIGEST),
        ("nested", '"opset": 17', '"opset": 18', DIGEST),
        ("the digest itself", f'"{DIGEST}": "', f'"{DIGEST}": "0', DIGEST),
    ],
)
def test_edit_of_each_field_kind_is_refused_with_a_clear_message(
    bundle_copy, kind, old, new, message
):
    path = bundle_copy / MANIFEST
    text = path.read_text()
    assert text.count(old) == 1, kind
    path.write_text(text.replace(old, new))
    with pytest.raises(BundleError, match=message) as info:
        Bundle.load(bundle_copy)
    assert "re-install or re-export" in str(info.value)


def test_manifest_without_digest_is_refused(bundle_copy):
    manifest = json.loads((bundle_copy / MANIFEST).read_text())
    del manifest[DIGEST]
    (bundle_copy / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    with pytest.raises(BundleError, match=DIGEST):
        Bundle.load(bundle_copy)
