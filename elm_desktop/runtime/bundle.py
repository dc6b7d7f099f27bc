"""Model bundles: a folder of ONNX graphs, a tokenizer and a manifest with checksums.

A bundle is what the program runs. ``manifest.json`` says what the model expects (window
length, sampling rate, channel order, embedding size, text model and token limit), where it
came from (training data, source checkpoint), which optional variants passed their accuracy
check, and the sha256 of every file. :meth:`Bundle.load` refuses a bundle whose manifest is
unreadable, of an unknown format version, whose own fields were edited, or whose files are
missing or altered.

The manifest covers itself: ``manifest_sha256`` is the sha256 of the canonical JSON of every
other field (keys sorted, no spaces, ASCII; numbers as Python writes them), so an edited
temperature, channel or threshold note is refused like an edited graph. The file must also be
exactly as :func:`save_manifest` writes it, so no edit slips through as "same value, other
spelling" (``0.30`` for ``0.3``). The digest names the model everywhere a score is kept (the
archive's model id).

Layout (format version 2; version 1 had no ``manifest_sha256``)::

    manifest.json
    eeg_encoder.onnx          crops [n, 20, T] -> embedding [n, 256], attention_logit [n]
    ecg_encoder.onnx          instead, in an ECG bundle (``"modality": "ecg"``, its ``eeg`` entry
                              names it): 10 s windows [n, 12, 5000] -> the same two outputs
    eeg_encoder.fp16.onnx     optional, GPU variant (same inputs and outputs, float32 I/O)
    text_encoder.onnx         optional, input_ids + attention_mask [k, L] -> embedding [k, 256]
    text_encoder.int8.onnx    optional, dynamically quantised CPU variant
    tokenizer.json            with the text encoder (Hugging Face ``tokenizers`` format)
    phenotypes.toml           optional, knowledge-base entries for this model (its calibrated
                              thresholds), merged between the built-in and the user's entries
    generator.onnx            optional, the report generator's decoder with its key/value cache;
    generator_prefix.npz      its projector, special and token embeddings, and its
    generator_tokenizer.json  tokenizer (the ``generator`` entry: prompt, sections, token limit;
                              :mod:`elm_desktop.runtime.draft_generator`). Without it the
                              program keeps the assembled draft only.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elm_desktop.errors import BundleError
from elm_desktop.runtime.draft_generator import generator_entry_problem

FORMAT = "elm-desktop-bundle"
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
DIGEST = "manifest_sha256"

EEG_INPUT = "crops"
EEG_OUTPUTS = ("embedding", "attention_logit")
TEXT_INPUTS = ("input_ids", "attention_mask")
TEXT_OUTPUTS = ("embedding",)
PHENOTYPES = "phenotypes.toml"
# What a bundle's optional "modality" field may say (absent: "eeg").
MODALITY_NAMES = ("eeg", "ecg")
FAMILIARITY = "familiarity.npz"
GENERATOR = "generator"
#: The generator's files in a bundle, by the ``generator`` entry's key that names each.
GENERATOR_FILES = {
    "file": "generator.onnx",
    "prefix": "generator_prefix.npz",
    "tokenizer": "generator_tokenizer.json",
}

# Manifest keys that name one file of the bundle: {"file": name, ...}.
ROLES = ("eeg", "eeg_fp16", "text", "text_int8", "phenotypes", "familiarity")

# Manifest keys every bundle must have, with the type each must be.
REQUIRED: dict[str, type | tuple[type, ...]] = {
    "format": str,
    "format_version": int,
    "name": str,
    "version": str,
    "window_s": (int, float),
    "sfreq": (int, float),
    "n_samples": int,
    "channels": list,
    "embedding_dim": int,
    "temperature": (int, float),
    "attention": dict,
    "training_data": str,
    "eeg": dict,
    "files": dict,
}


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Return the hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while block := stream.read(chunk):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Bundle:
    """A verified model bundle.

    Use :meth:`load`; the constructor does no checks. ``manifest`` is the parsed
    ``manifest.json``; the properties give its commonly used fields.
    """

    path: Path
    manifest: dict[str, Any]

    @classmethod
    def load(cls, path: str | Path) -> Bundle:
        """Read ``manifest.json`` and check the format version and every file's sha256.

        Raises
        ------
        BundleError
            If the folder or manifest is missing or unreadable, the format version is unknown,
            a required field is missing, or a file is missing or altered.
        """
        path = Path(path).expanduser()
        manifest_path = path / MANIFEST
        if not manifest_path.is_file():
            raise BundleError(
                f"no model bundle at {path}: expected a folder holding {MANIFEST} "
                "(make one with `elm-desktop model export` or `elm-desktop model import-elm`)"
            )
        try:
            text = manifest_path.read_text(encoding="utf-8")
            manifest = json.loads(text)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise BundleError(
                f"model bundle {path}: {MANIFEST} is not valid JSON ({error})"
            ) from error
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BundleError(f"model bundle {path}: {MANIFEST} is not an {FORMAT} manifest")
        version = manifest.get("format_version")
        if version != FORMAT_VERSION:
            raise BundleError(
                f"model bundle {path} has format version {version!r}; this elm-desktop reads "
                f"version {FORMAT_VERSION}: update elm-desktop or re-export the bundle"
            )
        _check_digest(path, manifest, text)
        _check_fields(path, manifest)
        _check_files(path, manifest["files"])
        for role in ROLES:
            entry = manifest.get(role)
            if entry is not None and entry.get("file") not in manifest["files"]:
                kind = "file" if role in ("phenotypes", "familiarity") else "graph"
                raise BundleError(
                    f"model bundle {path}: the {role} {kind} {entry.get('file')!r} "
                    "is not listed with a checksum in the manifest; re-export the bundle"
                )
        _check_generator(path, manifest)
        return cls(path=path, manifest=manifest)

    @property
    def name(self) -> str:
        return str(self.manifest["name"])

    @property
    def version(self) -> str:
        return str(self.manifest["version"])

    @property
    def digest(self) -> str:
        """The sha256 of the manifest's canonical JSON (:func:`manifest_digest`), verified."""
        return str(self.manifest[DIGEST])

    @property
    def fingerprint(self) -> str:
        """The first 8 hex digits of the sha256 of the weights the bundle was made from.

        Two exports of the same name and version date can hold different weights, whose
        embeddings must not be compared; a bundle that does not record its source weights
        gives its EEG graph's instead.
        """
        source = self.manifest.get("source") or {}
        digest = source.get("sha256") or self.manifest["files"][self.manifest["eeg"]["file"]]
        return str(digest)[:8]

    @property
    def modality(self) -> str:
        """``"eeg"`` or ``"ecg"``: what recordings the model reads (EEG when the manifest
        names none; an ECG bundle's ``eeg`` entry holds its signal encoder graph)."""
        return str(self.manifest.get("modality", "eeg"))

    @property
    def window_s(self) -> float:
        """Crop length in seconds."""
        return float(self.manifest["window_s"])

    @property
    def sfreq(self) -> float:
        """Sampling rate of the crops in Hz."""
        return float(self.manifest["sfreq"])

    @property
    def n_samples(self) -> int:
        """Samples per crop."""
        return int(self.manifest["n_samples"])

    @property
    def channels(self) -> list[str]:
        """Bipolar derivations of the crops, in input order."""
        return list(self.manifest["channels"])

    @property
    def embedding_dim(self) -> int:
        return int(self.manifest["embedding_dim"])

    @property
    def temperature(self) -> float:
        """Contrastive temperature (zero-shot logits are cosine / temperature)."""
        return float(self.manifest["temperature"])

    @property
    def has_text(self) -> bool:
        """Whether the bundle has a text encoder with a trained projector (zero-shot works)."""
        return self.manifest.get("text") is not None

    @property
    def attention_kind(self) -> str:
        """``"gated"`` (a trained attention head) or ``"uniform"`` (every crop weighs the same)."""
        return str(self.manifest["attention"].get("kind", "gated"))

    def file(self, role: str) -> Path | None:
        """Return the path of one of the bundle's :data:`ROLES`, or None if it has none."""
        entry = self.manifest.get(role)
        return None if entry is None else self.path / entry["file"]

    @property
    def generator(self) -> dict[str, Any] | None:
        """The report generator's manifest entry (files, prompt, sections), None without one."""
        return self.manifest.get(GENERATOR)

    @property
    def phenotypes(self) -> Path | None:
        """The knowledge-base entries the model carries (calibrated thresholds), if any."""
        return self.file("phenotypes")

    def describe(self) -> str:
        """One line naming the model, its window and what it can do."""
        signal = self.modality.upper()
        text = f"{signal} + text" if self.has_text else f"{signal} only (no text projector)"
        return (
            f"{self.name} {self.version}: {self.window_s:g} s crops at {self.sfreq:g} Hz, "
            f"{self.embedding_dim}-d embeddings, {text}, {self.attention_kind} attention"
        )


def manifest_digest(manifest: Mapping[str, Any]) -> str:
    """Return the sha256 of a manifest's canonical JSON, every field but the digest itself.

    Raises
    ------
    ValueError
        If a field holds NaN or infinity, which JSON cannot carry.
    """
    fields = {key: value for key, value in manifest.items() if key != DIGEST}
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _render(manifest: Mapping[str, Any]) -> str:
    """The one way a manifest is written to disk."""
    return json.dumps(manifest, indent=2, allow_nan=False) + "\n"


def _check_digest(path: Path, manifest: Mapping[str, Any], text: str) -> None:
    try:
        expected = manifest_digest(manifest)
    except ValueError as error:
        raise BundleError(f"model bundle {path}: {MANIFEST} holds NaN or infinity") from error
    if manifest.get(DIGEST) != expected:
        raise BundleError(
            f"model bundle {path} is damaged: {MANIFEST} does not match its own "
            f"{DIGEST} (a field was edited or corrupted); re-install or re-export the bundle"
        )
    if text != _render(manifest):
        raise BundleError(
            f"model bundle {path} is damaged: {MANIFEST} is not as elm-desktop wrote it "
            "(edited by hand?); re-install or re-export the bundle"
        )


def _check_fields(path: Path, manifest: Mapping[str, Any]) -> None:
    for key, kind in REQUIRED.items():
        if not isinstance(manifest.get(key), kind):
            raise BundleError(
                f"model bundle {path}: {MANIFEST} lacks a valid {key!r} field; re-export the bundle"
            )
    if manifest["n_samples"] != round(manifest["window_s"] * manifest["sfreq"]):
        raise BundleError(
            f"model bundle {path}: n_samples {manifest['n_samples']} does not equal "
            f"window_s x sfreq; re-export the bundle"
        )
    if manifest.get("modality", "eeg") not in MODALITY_NAMES:
        raise BundleError(
            f"model bundle {path}: modality {manifest.get('modality')!r} is not one of "
            f"{', '.join(MODALITY_NAMES)}; update elm-desktop or re-export the bundle"
        )
    text = manifest.get("text")
    if text is not None and not (
        isinstance(text, dict) and {"file", "tokenizer", "max_length"} <= set(text)
    ):
        raise BundleError(f"model bundle {path}: the text entry of {MANIFEST} is incomplete")


def _check_generator(path: Path, manifest: Mapping[str, Any]) -> None:
    entry = manifest.get(GENERATOR)
    if entry is None:
        return
    problem = generator_entry_problem(entry)
    if problem is not None:
        raise BundleError(f"model bundle {path}: the generator entry of {MANIFEST} {problem}")
    for key in GENERATOR_FILES:
        if entry[key] not in manifest["files"]:
            raise BundleError(
                f"model bundle {path}: the generator's {key} {entry[key]!r} is not listed "
                "with a checksum in the manifest; re-export the bundle"
            )


def _check_files(path: Path, files: Mapping[str, Any]) -> None:
    for name, expected in files.items():
        file = path / name
        if Path(name).name != name:
            raise BundleError(f"model bundle {path}: file name {name!r} is not a plain name")
        if not file.is_file():
            raise BundleError(
                f"model bundle {path} is incomplete: {name} is missing; "
                "re-install or re-export the bundle"
            )
        if sha256_file(file) != expected:
            raise BundleError(
                f"model bundle {path} is damaged: {name} does not match its sha256 in the "
                "manifest (altered or corrupted); re-install or re-export the bundle"
            )


def write_manifest(folder: str | Path, manifest: Mapping[str, Any]) -> Path:
    """Write ``manifest.json`` into a bundle folder, adding the sha256 of every other file.

    Parameters
    ----------
    folder : path
        The bundle folder, already holding its graphs and tokenizer.
    manifest : mapping
        Every manifest field except ``format``, ``format_version`` and ``files``.

    Returns
    -------
    Path of the manifest.
    """
    folder = Path(folder)
    files = {
        file.name: sha256_file(file)
        for file in sorted(folder.iterdir())
        if file.is_file() and file.name != MANIFEST
    }
    payload = {"format": FORMAT, "format_version": FORMAT_VERSION, **manifest, "files": files}
    return save_manifest(folder, payload)


def save_manifest(folder: str | Path, manifest: Mapping[str, Any]) -> Path:
    """Write a complete manifest into a bundle folder with its :func:`manifest_digest`.

    Parameters
    ----------
    folder : path
        The bundle folder.
    manifest : mapping
        Every field, ``format`` and ``files`` included; a stale ``manifest_sha256`` is replaced.

    Returns
    -------
    Path of the manifest.
    """
    fields = {key: value for key, value in manifest.items() if key != DIGEST}
    target = Path(folder) / MANIFEST
    target.write_text(_render({**fields, DIGEST: manifest_digest(fields)}), encoding="utf-8")
    return target


def write_phenotypes(folder: str | Path, text: str, note: str) -> Path:
    """Put knowledge-base entries (``phenotypes.toml`` layout) into a bundle and re-sign it.

    Parameters
    ----------
    folder : path
        A bundle that :meth:`Bundle.load` accepts.
    text : str
        The entries, for instance thresholds from
        :func:`elm_desktop.clinical.evaluation.thresholds_toml`; the caller checks them
        (``load_knowledge_base(model_path=...)``), as this layer knows no knowledge base.
    note : str
        Where the entries come from, shown by ``elm-desktop model info``.

    Returns
    -------
    Path of the written ``phenotypes.toml``.
    """
    return _add_signed_file(
        folder, "phenotypes", PHENOTYPES, lambda target: target.write_text(text, "utf-8"), note
    )


def write_familiarity(folder: str | Path, save: Callable[[Path], object], note: str) -> Path:
    """Put the model's reference of its training data into a bundle and re-sign it.

    Parameters
    ----------
    folder : path
        A bundle that :meth:`Bundle.load` accepts.
    save : callable
        Writes the reference to the path it is given, for instance
        :meth:`elm_desktop.clinical.familiarity.FamiliarityReference.save`.
    note : str
        What the reference was fitted on, shown by ``elm-desktop model info``.

    Returns
    -------
    Path of the written ``familiarity.npz``.
    """
    return _add_signed_file(folder, "familiarity", FAMILIARITY, save, note)


def write_generator(
    folder: str | Path, files: Mapping[str, Path], entry: Mapping[str, Any]
) -> Path:
    """Put a report generator into a bundle and re-sign it (a generator already there is replaced).

    Parameters
    ----------
    folder : path
        A bundle that :meth:`Bundle.load` accepts.
    files : mapping of str to Path
        The generator's files by the entry key that names them (:data:`GENERATOR_FILES`: the
        decoder graph, its prefix tensors, its tokenizer); copied in under the bundle's names.
    entry : mapping
        The rest of the ``generator`` entry: ``prompt``, ``sections``, ``max_new_tokens``,
        for a generator that reads finding scores ``finding_scores`` (which ones,
        :mod:`~elm_desktop.runtime.draft_generator`), and notes on where the generator comes
        from.

    Returns
    -------
    Path of the bundle folder.
    """
    bundle = Bundle.load(folder)
    signed = dict(bundle.manifest["files"])
    for key, name in GENERATOR_FILES.items():
        shutil.copyfile(files[key], bundle.path / name)
        signed[name] = sha256_file(bundle.path / name)
    full = {**entry, **GENERATOR_FILES}
    problem = generator_entry_problem(full)
    if problem is not None:
        raise BundleError(f"the generator entry {problem}")
    save_manifest(bundle.path, dict(bundle.manifest, **{GENERATOR: full, "files": signed}))
    return bundle.path


def _add_signed_file(
    folder: str | Path, role: str, name: str, write: Callable[[Path], object], note: str
) -> Path:
    bundle = Bundle.load(folder)
    target = bundle.path / name
    write(target)
    # Only the files the manifest already vouches for, and this one, are signed.
    manifest = dict(bundle.manifest, **{role: {"file": name, "note": note}})
    manifest["files"] = {**bundle.manifest["files"], name: sha256_file(target)}
    save_manifest(bundle.path, manifest)
    return target
