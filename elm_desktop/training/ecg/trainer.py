"""Training the ECG model: ``elm-desktop train --config configs/ecg-*.toml``.

One process (CPU or CUDA, with bf16 autocast where the hardware computes in bf16), AdamW with the EEG trainer's schedule (linear
warm-up, cosine decay) and checkpoint layout: ``last/`` (model + optimiser state, so a run
resumes), ``final/``, ``training_config.json`` and ``log.jsonl`` (losses and speed per epoch).
``train.max_minutes`` ends the run after the epoch that passes it; the learning-rate schedule
still spans ``train.epochs``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import torch

from elm_desktop.errors import ConfigError
from elm_desktop.progress import CancelToken, ProgressCallback
from elm_desktop.training.ecg.config import EcgTrainingConfig
from elm_desktop.training.ecg.data import (
    EcgCache,
    SentenceCache,
    build_ecg_cache,
    ensure_ecg_corpus,
    sentence_cache,
)
from elm_desktop.training.ecg.losses import clip_loss, multi_positive_clip
from elm_desktop.training.ecg.model import MerlModel
from elm_desktop.training.trainer import (
    STATE_FILE,
    bf16_autocast,
    choose_device,
    learning_rate,
    load_training_state,
    save_training_state,
)

CONFIG_FILE = "training_config.json"


def prepare_ecg_data(
    config: EcgTrainingConfig, progress: ProgressCallback | None = None
) -> tuple[EcgCache, SentenceCache]:
    """Generate the corpus if asked and missing, then build (or reopen) both caches."""
    data = config.data
    if not data.corpus:
        raise ConfigError("[data] corpus is not set: name a folder holding manifest.jsonl")
    if data.generate_n > 0:
        ensure_ecg_corpus(data.corpus, data.generate_n, data.generate_seed)
    cache = build_ecg_cache(data.corpus, data.cache_dir, config.model.normalisation, progress)
    texts = sentence_cache(
        cache,
        config.model.text_model,
        config.model.pooling,
        config.model.max_length,
        list(data.report_fields),
        data.drop_negations,
    )
    if texts.embeddings.shape[1] != config.model.text_dim:
        raise ConfigError(
            f"model.text_dim is {config.model.text_dim} but the text model gives "
            f"{texts.embeddings.shape[1]}: set text_dim to match"
        )
    return cache, texts


def describe_ecg_training_data(n_train: int, corpus: str) -> str:
    """What the model was trained on, as its bundle states it."""
    return (
        f"synthetic 12-lead ECG only: {n_train:,} records (10 s at 500 Hz) made by ELM Desktop's "
        f"own cardiac-dipole generator, corpus {Path(corpus).name}; no real ECG"
    )


def batch_tensors(
    cache: EcgCache, texts: SentenceCache, records: np.ndarray
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """ECG inputs [B, 12, 5000], the batch's distinct sentence embeddings [S, d], positives."""
    order = np.sort(records)
    ecg = torch.from_numpy(np.asarray(cache.inputs[order], dtype=np.float32))
    per_record = [texts.of(int(i)) for i in order]
    distinct = np.unique(np.concatenate(per_record))
    column = {int(s): j for j, s in enumerate(distinct)}
    positives = torch.zeros(len(order), len(distinct), dtype=torch.bool)
    for row, ids in enumerate(per_record):
        positives[row, [column[int(s)] for s in ids]] = True
    return ecg, torch.from_numpy(texts.embeddings[distinct]), positives


def ecg_losses(
    model: MerlModel,
    config: EcgTrainingConfig,
    ecg: torch.Tensor,
    text: torch.Tensor,
    positives: torch.Tensor,
) -> tuple[torch.Tensor, dict[str, float]]:
    """MERL's loss on one batch: weighted ECG-text CLIP + uni-modal CLIP; and its parts."""
    embedding, view1, view2 = model(ecg)
    projected = model.project_text(text)
    cross = multi_positive_clip(embedding, projected, positives, config.model.temperature)
    uni = clip_loss(view1, view2, config.loss.uni_modal_temperature)
    loss = config.loss.ecg_text_weight * cross + config.loss.uni_modal_weight * uni
    return loss, {"ecg_text": float(cross.detach()), "uni_modal": float(uni.detach())}


def _optimizer(model: MerlModel, config: EcgTrainingConfig) -> torch.optim.Optimizer:
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in params if p.ndim > 1], "weight_decay": config.train.weight_decay},
        {"params": [p for p in params if p.ndim <= 1], "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=config.train.lr)


def train_ecg(
    config: EcgTrainingConfig,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    log=print,
) -> Path:
    """Run (or resume) an ECG training; return the folder of the final checkpoint."""
    run_started = time.perf_counter()
    device = choose_device(config.train.device)
    out_dir = Path(config.train.out_dir)
    cache, texts = prepare_ecg_data(config, progress)
    train_ids = cache.split_indices("train")
    batch_size = config.data.batch_size
    steps_per_epoch = len(train_ids) // batch_size
    if steps_per_epoch == 0:
        raise ConfigError("too few training records for one batch: lower data.batch_size")
    torch.manual_seed(config.train.seed)
    model = MerlModel.from_config(config.model, seed=config.train.seed).to(device)
    optimizer = _optimizer(model, config)
    start_epoch, step = 0, 0
    last_dir = out_dir / "last"
    if (last_dir / STATE_FILE).is_file():
        model.load_state_dict(MerlModel.load(last_dir).state_dict())
        start_epoch, step = load_training_state(last_dir, optimizer)
        log(f"resuming from {last_dir} at epoch {start_epoch + 1}")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / CONFIG_FILE).write_text(json.dumps(config.to_dict(), indent=2), encoding="utf-8")
    autocast = bf16_autocast(device, config.train.amp)
    epochs_done = start_epoch
    for epoch in range(start_epoch, config.train.epochs):
        rng = np.random.default_rng([config.train.seed, epoch])
        order = rng.permutation(train_ids)
        model.train()
        started, totals = time.perf_counter(), {}
        for index in range(steps_per_epoch):
            if cancel is not None:
                cancel.check()
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(config, step, steps_per_epoch)  # type: ignore[arg-type]
            records = order[index * batch_size : (index + 1) * batch_size]
            ecg, text, positives = batch_tensors(cache, texts, records)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
                loss, parts = ecg_losses(
                    model, config, ecg.to(device), text.to(device), positives.to(device)
                )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            step += 1
            parts["loss"] = float(loss.detach())
            for key, value in parts.items():
                totals[key] = totals.get(key, 0.0) + value
            if progress is not None:
                progress(index + 1, steps_per_epoch, f"epoch {epoch + 1} loss {parts['loss']:.3f}")
        elapsed = time.perf_counter() - started
        means = {key: round(value / steps_per_epoch, 5) for key, value in totals.items()}
        entry = {"epoch": epoch + 1, "steps": step, "seconds": round(elapsed, 1), **means}
        entry["records_per_s"] = round(steps_per_epoch * batch_size / elapsed, 1)
        entry["bf16"] = autocast
        with open(out_dir / "log.jsonl", "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")
        log(
            f"epoch {epoch + 1}/{config.train.epochs}: loss {means['loss']:.4f} (ECG-text "
            f"{means['ecg_text']:.4f}, uni-modal {means['uni_modal']:.4f}; "
            f"{entry['records_per_s']} records/s, {elapsed:.0f} s)"
        )
        model.save(last_dir, notes={"epoch": epoch + 1, "step": step})
        save_training_state(last_dir, optimizer, epoch, step)
        epochs_done = epoch + 1
        minutes = (time.perf_counter() - run_started) / 60
        if config.train.max_minutes and minutes > config.train.max_minutes:
            log(f"stopping after epoch {epoch + 1}: {minutes:.1f} min > train.max_minutes")
            break
    final_dir = out_dir / "final"
    notes = {
        "modality": "ecg",
        "training_data": describe_ecg_training_data(len(train_ids), config.data.corpus),
        "epochs": epochs_done,
        "steps": step,
        "corpus": Path(config.data.corpus).name,
        "device": device.type,
        "minutes": round((time.perf_counter() - run_started) / 60, 1),
    }
    model.save(final_dir, notes=notes)
    (final_dir / CONFIG_FILE).write_text(json.dumps(config.to_dict(), indent=2), encoding="utf-8")
    return final_dir
