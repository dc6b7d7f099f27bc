"""Put a trained report generator into a model bundle (``elm-desktop model export --generator``).

The generator's decoder is exported to ONNX with its key/value cache (:mod:`.onnx_export`) and
copied into the bundle with its prefix tensors and tokenizer; the manifest's ``generator`` entry
gets the prompt the generator was trained on (with the history "not given": the workstation
reads no history), the sections it writes, its token limit, the crops it reads and, for a
generator that reads finding scores, which ones (its notes' ``finding_scores``, checked against
what its encoder gives now), and the bundle is re-signed (:func:`elm_desktop.runtime.bundle.write_generator`).

The generator reads the crop embeddings of the encoder it was trained against, so the bundle's
encoder must be that one: the sha256 of the generator's encoder checkpoint must equal the
bundle's source weights'.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from elm_desktop.errors import ConfigError
from elm_desktop.runtime.bundle import Bundle, sha256_file, write_generator
from elm_desktop.training.celm.config import CelmModelConfig
from elm_desktop.training.celm.examples import score_reading, scoring_knowledge_base
from elm_desktop.training.celm.model import WEIGHTS_FILE, open_generator, read_celm_config
from elm_desktop.training.celm.onnx_export import export_generator
from elm_desktop.training.celm.onnx_greedy import DECODER_FILE, PREFIX_FILE, TOKENIZER_FILE
from elm_desktop.training.celm.prompt import chat_text
from elm_desktop.training.model import WEIGHTS_FILE as ENCODER_WEIGHTS

#: Crops per recording the generators were trained on (the corpus's 60 s recordings in 5 s
#: crops); a longer recording gives this many evenly spaced crops.
TRAINING_CROPS = 12


def add_generator(bundle_folder: str | Path, checkpoint: str | Path) -> Path:
    """Export the generator checkpoint ``checkpoint`` into the bundle ``bundle_folder``.

    Parameters
    ----------
    bundle_folder : path-like
        A bundle :meth:`~elm_desktop.runtime.bundle.Bundle.load` accepts, exported from the
        encoder the generator was trained against.
    checkpoint : path-like
        A generator checkpoint folder with a decoder trained from scratch (what the runtime
        decodes), reading finding scores or not.

    Returns
    -------
    Path
        The bundle folder.

    Raises
    ------
    ConfigError
        If the generator was trained against another encoder, or on finding scores its
        encoder no longer gives (other findings, prompts or thresholds).
    """
    checkpoint = Path(checkpoint)
    config, notes = read_celm_config(checkpoint)
    bundle = Bundle.load(bundle_folder)
    encoder_weights = Path(config.encoder_checkpoint) / ENCODER_WEIGHTS
    if not encoder_weights.is_file():
        raise ConfigError(
            f"{checkpoint} was trained against {config.encoder_checkpoint}, which is not here "
            "(its sha256 must match the bundle's encoder)"
        )
    encoder_sha256 = sha256_file(encoder_weights)
    if (bundle.manifest.get("source") or {}).get("sha256") != encoder_sha256:
        raise ConfigError(
            f"{checkpoint} was trained against {config.encoder_checkpoint}, not the encoder "
            f"of the bundle {bundle.path} (their weights' sha256 differ)"
        )
    generator = open_generator(checkpoint)
    reads = checked_score_reading(checkpoint, config, notes, generator.n_findings)
    with tempfile.TemporaryDirectory() as staging:
        exported = export_generator(generator, checkpoint, staging)
        files = {
            "file": exported / DECODER_FILE,
            "prefix": exported / PREFIX_FILE,
            "tokenizer": exported / TOKENIZER_FILE,
        }
        entry = {
            "prompt": chat_text(generator.tokenizer, config.sections, ""),
            "sections": list(config.sections),
            "max_new_tokens": config.max_new_tokens,
            "crops": TRAINING_CROPS,
            "trained_with_history": config.use_history,
            "measured_muscle": config.measured_muscle,
            **({"finding_scores": reads} if reads is not None else {}),
            "encoder_sha256": encoder_sha256,
            "source": {
                "checkpoint": checkpoint.name,
                "sha256": sha256_file(checkpoint / WEIGHTS_FILE),
                "notes": notes,
            },
        }
        return write_generator(bundle.path, files, entry)


def checked_score_reading(
    checkpoint: Path, config: CelmModelConfig, notes: dict[str, Any], n_findings: int
) -> dict[str, Any] | None:
    """Which finding scores a generator checkpoint reads (its notes' ``finding_scores``), once
    its encoder is shown to give them still; None for a generator that reads none.

    Raises
    ------
    ConfigError
        If its notes do not say, or its encoder now scores other findings, with other prompts
        or against other thresholds (a calibration since): its margins would mean something
        else.
    """
    if not config.finding_scores:
        return None
    reads = notes.get("finding_scores")
    if not isinstance(reads, dict) or len(reads.get("finding_ids", ())) != n_findings:
        raise ConfigError(
            f"{checkpoint} reads {n_findings} finding scores, and its notes do not say which "
            "(finding_scores: finding_ids, prompt_style, thresholds)"
        )
    now = score_reading(scoring_knowledge_base(config.encoder_checkpoint))
    differ = [key for key in now if reads.get(key) != now[key]]
    if differ:
        raise ConfigError(
            f"{checkpoint} was trained on finding scores that its encoder "
            f"{config.encoder_checkpoint} no longer gives (their {', '.join(differ)} changed "
            "since): train it again against these scores"
        )
    return reads
