"""ELM contrastive training: one process, or several through ``torchrun`` (DDP).

CPU by default, CUDA when present; both with bf16 autocast (``train.amp``) where the hardware
computes in bf16 (:func:`bf16_autocast`). Under ``torchrun`` every process draws
the same epoch plan from the same seed and takes every ``world_size``-th batch; gradients are
averaged by DistributedDataParallel (gloo on CPU, NCCL on GPU). Checkpoints are safetensors
folders (:meth:`ElmModel.save`) plus the optimiser state in ``training_state.safetensors``, so
a run resumes where it stopped; the whole configuration is saved beside the weights.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist

from elm_desktop.errors import ConfigError
from elm_desktop.progress import CancelToken, ProgressCallback
from elm_desktop.synth.families import DEFAULT_FAMILY
from elm_desktop.training.augment import augment_batch, normal_crop_pool
from elm_desktop.training.config import TrainingConfig
from elm_desktop.training.data import (
    Batch,
    CropCache,
    TextCache,
    build_cache,
    ensure_corpus,
    load_batch,
    merge_caches,
    plan_epoch,
    text_cache,
)
from elm_desktop.training.losses import multi_positive_infonce, recording_contrastive
from elm_desktop.training.mil import attention_pool
from elm_desktop.training.model import ElmModel

STATE_FILE = "training_state.safetensors"
CONFIG_FILE = "training_config.json"


@dataclass
class Distributed:
    """Where this process sits in a ``torchrun`` world (rank 0 of 1 without one)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @classmethod
    def from_environment(cls) -> Distributed:
        return cls(
            int(os.environ.get("RANK", 0)),
            int(os.environ.get("WORLD_SIZE", 1)),
            int(os.environ.get("LOCAL_RANK", 0)),
        )

    @property
    def main(self) -> bool:
        return self.rank == 0


def choose_device(name: str, local_rank: int = 0) -> torch.device:
    """Resolve ``"auto"``, ``"cpu"`` or ``"cuda"`` to a device."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda":
        if not torch.cuda.is_available():
            raise ConfigError("train.device is 'cuda' but no CUDA GPU is available: use 'auto'")
        return torch.device("cuda", local_rank)
    if name != "cpu":
        raise ConfigError(f"train.device must be 'auto', 'cpu' or 'cuda', not {name!r}")
    return torch.device("cpu")


#: torch's (private) probes of a CPU's native bf16 arithmetic.
_CPU_BF16_CHECKS = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")


def bf16_autocast(device: torch.device, amp: bool) -> bool:
    """Whether to train under bf16 autocast: with ``amp``, on CUDA, or on a CPU that computes
    bf16 natively (AVX512-BF16 or AMX), where a step of the demo model takes 1.2 s against 3.1 s
    in float32 (2026-12-05, this project's 2-core Xeon); elsewhere a CPU would emulate bf16,
    more slowly than float32. The weights and the optimiser stay float32."""
    if not amp:
        return False
    if device.type == "cuda":
        return True
    native = (getattr(torch.cpu, name, lambda: False)() for name in _CPU_BF16_CHECKS)
    return device.type == "cpu" and any(native)


def learning_rate(config: TrainingConfig, step: int, steps_per_epoch: int) -> float:
    """Linear warm-up, then cosine decay to ``min_lr_ratio * lr`` (per step)."""
    train = config.train
    total = max(1, train.epochs * steps_per_epoch)
    warmup = train.warmup_epochs * steps_per_epoch
    if step < warmup:
        return train.lr * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    floor = train.lr * train.min_lr_ratio
    return floor + (train.lr - floor) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


class ContrastiveStep(torch.nn.Module):
    """The model plus its losses in one ``forward``, so DDP sees every parameter used."""

    def __init__(self, model: ElmModel, config: TrainingConfig) -> None:
        super().__init__()
        self.model = model
        self.loss_config = config.loss
        self.temperature = config.model.temperature

    def forward(
        self,
        crops: torch.Tensor,
        crop_bags: torch.Tensor,
        text: torch.Tensor,
        text_bags: torch.Tensor,
        n_bags: int,
    ) -> tuple[torch.Tensor, dict[str, float]]:
        z, logits = self.model.encode_crops(crops)
        projected = self.model.project_text(text)
        crop_text = multi_positive_infonce(z, projected, crop_bags, text_bags, self.temperature)
        loss = self.loss_config.crop_text_weight * crop_text
        parts = {"crop_text": float(crop_text.detach())}
        if logits is not None and self.loss_config.recording_weight > 0:
            pooled, _ = attention_pool(z, logits, crop_bags, n_bags)
            recording = recording_contrastive(pooled, projected, text_bags, self.temperature)
            loss = loss + self.loss_config.recording_weight * recording
            parts["recording"] = float(recording.detach())
        return loss, parts


def _to_device(batch: Batch, device: torch.device) -> tuple[torch.Tensor, ...]:
    return (
        torch.from_numpy(batch.crops).to(device, non_blocking=True).float(),
        torch.from_numpy(batch.crop_bags).to(device),
        torch.from_numpy(batch.text).to(device),
        torch.from_numpy(batch.text_bags).to(device),
    )


def save_training_state(
    directory: Path, optimizer: torch.optim.Optimizer, epoch: int, step: int
) -> None:
    """Write the optimiser state (flattened to tensors) and the position in the run."""
    from safetensors.torch import save_file

    tensors, scalars = {}, {}
    for index, state in optimizer.state_dict()["state"].items():
        for name, value in state.items():
            key = f"state.{index}.{name}"
            if torch.is_tensor(value):
                tensors[key] = value.detach().cpu().contiguous()
            else:
                scalars[key] = value
    meta = {"epoch": epoch, "step": step, "scalars": scalars}
    save_file(tensors, str(directory / STATE_FILE), metadata={"json": json.dumps(meta)})


def load_training_state(directory: Path, optimizer: torch.optim.Optimizer) -> tuple[int, int]:
    """Restore the optimiser from :func:`save_training_state`; return (next epoch, step)."""
    from safetensors import safe_open

    with safe_open(str(directory / STATE_FILE), framework="pt") as handle:
        meta = json.loads(handle.metadata()["json"])
        state: dict[int, dict] = {}
        for key in handle.keys():
            _, index, name = key.split(".", 2)
            state.setdefault(int(index), {})[name] = handle.get_tensor(key)
    for key, value in meta["scalars"].items():
        _, index, name = key.split(".", 2)
        state.setdefault(int(index), {})[name] = value
    current = optimizer.state_dict()
    optimizer.load_state_dict({"state": state, "param_groups": current["param_groups"]})
    return meta["epoch"] + 1, meta["step"]


def _build_model(config: TrainingConfig) -> ElmModel:
    model = ElmModel.from_config(config.model, seed=config.train.seed)
    if config.train.init_from:
        source = ElmModel.load(config.train.init_from)
        missing = model.load_state_dict(source.state_dict(), strict=False).missing_keys
        if any(key.startswith("eeg_encoder.") for key in missing):
            raise ConfigError(f"{config.train.init_from} holds no complete EEG encoder")
    if config.train.freeze_eeg_encoder:
        model.eeg_encoder.requires_grad_(False)
    return model


def _optimizer(model: ElmModel, config: TrainingConfig) -> torch.optim.Optimizer:
    # As ELM: biases and norm parameters (1-d) get no weight decay.
    trainable = [p for p in model.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in trainable if p.ndim > 1], "weight_decay": config.train.weight_decay},
        {"params": [p for p in trainable if p.ndim <= 1], "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=config.train.lr)


def prepare_data(
    config: TrainingConfig, progress: ProgressCallback | None = None
) -> tuple[CropCache, TextCache]:
    """Build (or reopen) the preprocessing and text caches a configuration names.

    Several corpora are cached one by one (each in its own folder, reused by later runs) and
    joined into ``cache_dir`` (default: beside the first, named after all of them).
    """
    data = config.data
    corpora = data.corpora
    if not all(corpora):
        raise ConfigError("[data] corpus is not set: name a folder holding manifest.jsonl")
    if data.generate_n > 0:
        ensure_corpus(
            corpora[0],
            data.generate_n,
            data.generate_minutes,
            data.generate_seed,
            data.workers,
            data.generate_conditions,
        )
    settings = (
        config.model.text_model,
        config.model.pooling,
        config.model.max_length,
        config.model.segment_mode,
    )
    window = f"cache-{config.model.window_s}s"
    parts = []
    for corpus in corpora:
        cache_dir = data.cache_dir if len(corpora) == 1 and data.cache_dir else ""
        cache = build_cache(
            corpus,
            cache_dir or Path(corpus) / window,
            config.model.window_s,
            workers=data.workers,
            progress=progress,
        )
        parts.append((cache, text_cache(cache, *settings)))
    if len(parts) == 1:
        cache, texts = parts[0]
    else:
        joined = "+".join(Path(c).name for c in corpora)
        merged_dir = data.cache_dir or Path(corpora[0]).parent / f"{joined}-{window}"
        cache, texts = merge_caches(parts, merged_dir, settings)
    if texts.embeddings.shape[1] != config.model.text_dim:
        raise ConfigError(
            f"model.text_dim is {config.model.text_dim} but the text model gives "
            f"{texts.embeddings.shape[1]}: set text_dim to match"
        )
    return cache, texts


def corpus_names(config: TrainingConfig) -> str:
    """The training corpora's folder names, without their local paths (bundles travel)."""
    return " + ".join(Path(c).name for c in config.data.corpora)


def describe_training_data(recordings: list[dict], train_ids: np.ndarray, corpus: str) -> str:
    """What a model was trained on, as its bundle states it to the reader.

    A corpus from :mod:`elm_desktop.synth` is named by its generator families; one made by
    ``elm-desktop corpus import`` (entries with ``origin = "import"``) as an imported archive.
    Either way the corpus folder is named without its local path.
    """
    if any(recordings[i].get("origin") == "import" for i in train_ids):
        return (
            f"{len(train_ids):,} recordings imported from a local archive with "
            f"`elm-desktop corpus import` (labels read from their reports), corpus "
            f"{Path(corpus).name}"
        )
    families = sorted({recordings[i].get("family", DEFAULT_FAMILY) for i in train_ids})
    return (
        f"synthetic EEG only: {len(train_ids):,} recordings made by ELM Desktop's own generator "
        f"({', '.join(families)} {'family' if len(families) == 1 else 'families'}), "
        f"corpus {Path(corpus).name}; no real EEG"
    )


def train(
    config: TrainingConfig,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    log=print,
) -> Path:
    """Run (or resume) a training; return the folder of the final checkpoint.

    The output folder holds ``last/`` (checkpoint + optimiser state, rewritten every
    ``checkpoint_every`` epochs), ``final/`` (the model after the last epoch),
    ``training_config.json`` and ``log.jsonl`` (loss and speed per epoch); with
    ``keep_epochs``, also ``epoch-NN/``, the model after each epoch, so that the training
    length can be chosen afterwards on data the run did not train on.
    """
    world = Distributed.from_environment()
    device = choose_device(config.train.device, world.local_rank)
    if world.world_size > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    out_dir = Path(config.train.out_dir)
    cache, texts = prepare_data(config, progress if world.main else None)
    if world.world_size > 1:
        dist.barrier()
    torch.manual_seed(config.train.seed + world.rank)
    model = _build_model(config).to(device)
    step_module: torch.nn.Module = ContrastiveStep(model, config)
    optimizer = _optimizer(model, config)
    start_epoch, step = 0, 0
    last_dir = out_dir / "last"
    if (last_dir / STATE_FILE).is_file():
        model.load_state_dict(ElmModel.load(last_dir).state_dict())
        start_epoch, step = load_training_state(last_dir, optimizer)
        if world.main:
            log(f"resuming from {last_dir} at epoch {start_epoch + 1}")
    if world.world_size > 1:
        step_module = torch.nn.parallel.DistributedDataParallel(
            step_module,
            device_ids=[device.index] if device.type == "cuda" else None,
            find_unused_parameters=config.loss.recording_weight == 0,
        )
    if world.main:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / CONFIG_FILE).write_text(json.dumps(config.to_dict(), indent=2), encoding="utf-8")
    train_ids = cache.split_indices("train")
    if len(train_ids) == 0:
        raise ConfigError("the corpus has no recording in the 'train' split")
    autocast = bf16_autocast(device, config.train.amp)
    normal_pool = normal_crop_pool(cache, train_ids) if config.augment.active else None
    for epoch in range(start_epoch, config.train.epochs):
        rng = np.random.default_rng([config.train.seed, epoch])
        plan = plan_epoch(
            cache,
            texts,
            train_ids,
            config.data.max_crops,
            config.data.max_segments,
            config.data.bags_per_batch,
            rng,
        )
        steps_per_epoch = len(plan) // world.world_size
        if steps_per_epoch == 0:
            raise ConfigError("too few training recordings for one batch: lower bags_per_batch")
        mine = plan[world.rank :: world.world_size][:steps_per_epoch]
        step_module.train()
        if config.train.freeze_eeg_encoder:
            model.eeg_encoder.eval()  # frozen means its batch-norm statistics too
        started, n_crops, totals = time.perf_counter(), 0, {}
        for index, planned in enumerate(mine):
            if cancel is not None:
                cancel.check()
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(config, step, steps_per_epoch)
            batch = load_batch(cache, texts, planned)
            if normal_pool is not None:
                crop_ids = np.concatenate([bag[1] for bag in planned])
                # One generator per step and rank: a resumed run draws what it would have.
                step_rng = np.random.default_rng([config.train.seed, epoch, step, world.rank])
                batch = augment_batch(batch, crop_ids, cache, config.augment, normal_pool, step_rng)
            inputs = _to_device(batch, device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
                loss, parts = step_module(*inputs, len(planned))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            step += 1
            n_crops += len(batch.crops)
            parts["loss"] = float(loss.detach())
            for key, value in parts.items():
                totals[key] = totals.get(key, 0.0) + value
            speed = n_crops * world.world_size / (time.perf_counter() - started)
            if progress is not None and world.main:
                progress(
                    index + 1,
                    steps_per_epoch,
                    f"epoch {epoch + 1} loss {parts['loss']:.3f} {speed:.0f} crops/s",
                )
        means = {key: value / steps_per_epoch for key, value in totals.items()}
        elapsed = time.perf_counter() - started
        if world.main:
            entry = {"epoch": epoch + 1, "steps": step, "seconds": round(elapsed, 2), **means}
            entry["crops_per_s"] = round(n_crops * world.world_size / elapsed, 1)
            entry["bf16"] = autocast
            with open(out_dir / "log.jsonl", "a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry) + "\n")
            log(
                f"epoch {epoch + 1}/{config.train.epochs}: loss {means['loss']:.4f} "
                f"({entry['crops_per_s']} crops/s, {elapsed:.1f} s)"
            )
            last = epoch + 1 == config.train.epochs
            if last or (epoch + 1) % config.train.checkpoint_every == 0:
                model.save(last_dir, notes={"epoch": epoch + 1, "step": step})
                save_training_state(last_dir, optimizer, epoch, step)
            if config.train.keep_epochs:
                epoch_dir = out_dir / f"epoch-{epoch + 1:02d}"
                model.save(epoch_dir, notes={"epoch": epoch + 1, "step": step})
                (epoch_dir / CONFIG_FILE).write_text(
                    json.dumps(config.to_dict(), indent=2), encoding="utf-8"
                )
        if world.world_size > 1:
            dist.barrier()
    final_dir = out_dir / "final"
    if world.main:
        notes = {
            "training_data": describe_training_data(
                cache.recordings, train_ids, corpus_names(config)
            ),
            "epochs": config.train.epochs,
            "steps": step,
            "corpus": corpus_names(config),
            "world_size": world.world_size,
            "device": device.type,
        }
        model.save(final_dir, notes=notes)
        (final_dir / CONFIG_FILE).write_text(
            json.dumps(config.to_dict(), indent=2), encoding="utf-8"
        )
    if world.world_size > 1:
        dist.barrier()
        dist.destroy_process_group()
    return final_dir
