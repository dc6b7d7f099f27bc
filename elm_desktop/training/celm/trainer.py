"""Train the report generator: next-token loss on the response, the language model frozen.

::

    python -m elm_desktop.training.celm.trainer configs/celm-smollm2.toml [--set train.max_steps=10]

writes ``OUT_DIR/checkpoint/`` (:meth:`CelmGenerator.save`), ``OUT_DIR/log.jsonl`` (one line
per logged step: loss, learning rate, seconds) and ``OUT_DIR/training_config.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from elm_desktop.errors import ConfigError
from elm_desktop.training.celm.config import CelmConfig, celm_config_from_dict, load_celm_config
from elm_desktop.training.celm.examples import (
    Example,
    encode_recordings,
    make_examples,
    measure_muscle,
    score_reading,
    scoring_knowledge_base,
    select_recordings,
    with_muscle_index,
)
from elm_desktop.training.celm.model import CelmGenerator, new_generator
from elm_desktop.training.celm.prompt import chat_text
from elm_desktop.training.data import CropCache


def cache_dir(config: CelmConfig) -> Path:
    """The corpus's 5 s preprocessing cache (``data.cache_dir``, else ``CORPUS/cache-5s``)."""
    return Path(config.data.cache_dir or Path(config.data.corpus) / "cache-5s")


def learning_rate(step: int, total: int, peak: float, warmup_ratio: float) -> float:
    """Linear warm-up to ``peak``, then cosine decay to a tenth of it."""
    warmup = max(1, round(total * warmup_ratio))
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def fit(
    generator: CelmGenerator,
    examples: list[Example],
    config: CelmConfig,
    log: Callable[[dict], None] = lambda row: None,
) -> list[float]:
    """Optimise the generator's trainable tensors on examples (one recording per forward pass).

    Returns
    -------
    list of float
        The mean loss of every optimiser step.
    """
    train = config.train
    params = [p for p in generator.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=train.lr, weight_decay=train.weight_decay)
    per_epoch = math.ceil(len(examples) / train.grad_accum)
    total = train.max_steps or per_epoch * train.epochs
    prompts = {
        e.recording_id: chat_text(generator.tokenizer, config.model.sections, e.history)
        for e in examples
    }
    rng = np.random.default_rng(train.seed)
    losses: list[float] = []
    started = time.perf_counter()
    generator.train()
    step, order = 0, []
    while step < total:
        if not order:
            order = list(rng.permutation(len(examples)))
        chunk = [examples[order.pop()] for _ in range(min(train.grad_accum, len(order)))]
        for group in optimiser.param_groups:
            group["lr"] = learning_rate(step, total, train.lr, train.warmup_ratio)
        optimiser.zero_grad(set_to_none=True)
        value = 0.0
        for example in chunk:
            loss = generator.loss(
                [torch.from_numpy(example.crops)],
                [prompts[example.recording_id]],
                [example.target],
                scores=None if example.scores is None else [torch.from_numpy(example.scores)],
            )
            (loss / len(chunk)).backward()
            value += float(loss.detach()) / len(chunk)
        torch.nn.utils.clip_grad_norm_(params, train.max_grad_norm)
        optimiser.step()
        losses.append(value)
        step += 1
        if step % train.log_every == 0 or step == total:
            log(
                {
                    "step": step,
                    "of": total,
                    "loss": round(float(np.mean(losses[-train.log_every :])), 4),
                    "lr": optimiser.param_groups[0]["lr"],
                    "elapsed_s": round(time.perf_counter() - started, 1),
                }
            )
    generator.eval()
    return losses


def build_generator(config: CelmConfig, examples: list[Example]) -> CelmGenerator:
    """The untrained generator of a configuration (seeded initialisation); a scratch decoder's
    tokenizer is fitted on the examples' prompts and targets."""
    torch.manual_seed(config.train.seed)
    model = config.model
    texts = (chat_text(None, model.sections, e.history) + e.target for e in examples)
    n_findings = len(examples[0].scores) if examples and examples[0].scores is not None else 0
    return new_generator(model, n_findings, texts)


def train_celm(config: CelmConfig) -> Path:
    """Run a whole training from a configuration; return the checkpoint folder."""
    torch.set_num_threads(config.train.threads)
    out = Path(config.train.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "training_config.json").write_text(json.dumps(config.to_dict(), indent=2) + "\n")
    cache = CropCache.open(cache_dir(config))
    recordings = select_recordings(cache, "train", config.data.train_recordings, config.data.seed)
    # What the scores are read as, taken when they are made.
    reading = (
        score_reading(scoring_knowledge_base(config.model.encoder_checkpoint))
        if config.model.finding_scores
        else None
    )
    embeddings, scores = encode_recordings(
        config.model.encoder_checkpoint, cache, recordings, config.model.finding_scores
    )
    if config.model.measured_muscle:
        embeddings = with_muscle_index(embeddings, measure_muscle(cache, recordings))
    examples = make_examples(
        cache, recordings, embeddings, config.model.sections, config.model.use_history, scores
    )
    generator = build_generator(config, examples)
    log_path = out / "log.jsonl"
    log_path.write_text("")

    def log(row: dict) -> None:
        with log_path.open("a") as handle:
            handle.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)

    started = time.perf_counter()
    losses = fit(generator, examples, config, log)
    notes = {
        "training_data": (
            f"{len(examples)} train recordings of {config.data.cache_dir or config.data.corpus}"
        ),
        "steps": len(losses),
        "final_loss": losses[-1] if losses else None,
        "train_seconds": round(time.perf_counter() - started, 1),
        "threads": config.train.threads,
        "trainable_tensors": len(generator.trainable_names()),
        "trainable_parameters": sum(p.numel() for p in generator.parameters() if p.requires_grad),
    }
    if reading is not None:
        notes["finding_scores"] = reading
    return generator.save(out / "checkpoint", notes)


def _parse_set(items: list[str]) -> dict:
    values: dict = {}
    for item in items:
        key, _, raw = item.partition("=")
        table, _, name = key.partition(".")
        if not name:
            raise ConfigError(f"--set wants TABLE.KEY=VALUE, not {item!r}")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        values.setdefault(table, {})[name] = value
    return values


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    """Command line: train from a configuration file, with ``--set TABLE.KEY=VALUE`` overrides."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    parser.add_argument("config")
    parser.add_argument("--set", action="append", default=[], metavar="TABLE.KEY=VALUE")
    args = parser.parse_args(argv)
    try:
        config = load_celm_config(args.config)
        if args.set:
            merged = config.to_dict()
            for table, values in _parse_set(args.set).items():
                merged.setdefault(table, {}).update(values)
            config = celm_config_from_dict(merged)
        checkpoint = train_celm(config)
    except ConfigError as error:
        print(f"error: {error}")
        return 2
    print(f"wrote {checkpoint}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
