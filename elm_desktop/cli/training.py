"""``elm-desktop train``, ``evaluate`` and ``adapt``: the ELM model's training side (torch)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the training commands."""
    train = subparsers.add_parser(
        "train",
        help="train an ELM model from a configuration file (torchrun for several processes)",
    )
    train.add_argument("--config", required=True, type=Path, help="TOML training configuration")
    train.set_defaults(handler=_train)

    evaluate = subparsers.add_parser(
        "evaluate",
        help="evaluate checkpoints on corpora's test split (markdown + JSON); several of "
        "either give the train family x test family matrix",
    )
    evaluate.add_argument(
        "--model",
        required=True,
        type=Path,
        action="append",
        help="checkpoint folder (repeat for several models)",
    )
    evaluate.add_argument(
        "--corpus",
        required=True,
        type=Path,
        action="append",
        help="folder with manifest.jsonl (repeat for several corpora)",
    )
    evaluate.add_argument(
        "--out",
        type=Path,
        help="output folder (default for one model and one corpus: MODEL/evaluation)",
    )
    evaluate.add_argument(
        "--cache",
        type=Path,
        action="append",
        help="preprocessing cache folder, one per --corpus in the same order",
    )
    evaluate.add_argument(
        "--split", default="test", help="split to evaluate, or 'all' (default: test)"
    )
    evaluate.add_argument(
        "--train-corpus",
        type=Path,
        help="corpus whose train/val splits fit the linear probes (default: each --corpus)",
    )
    evaluate.add_argument("--workers", type=int, default=1, help="preprocessing processes")
    evaluate.add_argument("--device", default="auto", help="auto, cpu or cuda")
    evaluate.add_argument("--seed", type=int, default=0, help="seed of probes and baselines")
    evaluate.add_argument(
        "--baseline-epochs", type=int, default=10, help="epochs of the supervised baseline"
    )
    evaluate.add_argument(
        "--no-probe",
        action="store_true",
        help="leave out the linear probes and the supervised baseline (a quicker matrix)",
    )
    evaluate.add_argument(
        "--style-corpus",
        type=Path,
        action="append",
        default=[],
        help="corpus kept apart from the test corpora whose recordings (all of them) choose "
        "the prompt style (repeat for several; default: each --corpus's val split)",
    )
    evaluate.set_defaults(handler=_evaluate)

    adapt = subparsers.add_parser(
        "adapt",
        help="train only the text projector and attention head on local recordings with reports",
    )
    adapt.add_argument("--encoder", required=True, type=Path, help="checkpoint folder or .pt")
    adapt.add_argument("--corpus", required=True, type=Path, help="folder with manifest.jsonl")
    adapt.add_argument("--out", required=True, type=Path, help="output folder")
    adapt.add_argument("--config", type=Path, help="TOML configuration ([model], [train], ...)")
    adapt.add_argument("--epochs", type=int, help="override train.epochs")
    adapt.set_defaults(handler=_adapt)


def _train(args: argparse.Namespace) -> int:
    from elm_desktop.progress import TerminalProgress
    from elm_desktop.training.modalities import TRAINING, config_modality

    progress = TerminalProgress("train")
    final = TRAINING[config_modality(args.config)].train(args.config, progress)
    progress.close()
    print(f"model saved in {final}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from elm_desktop.errors import ConfigError
    from elm_desktop.training.modalities import checkpoint_modality

    def modality(model: Path) -> str:
        # A folder that holds no checkpoint goes the EEG way, which checks the options first
        # and then says what is wrong with the folder in its own words.
        try:
            return checkpoint_modality(model)
        except ConfigError:
            return "eeg"

    modalities = {modality(model) for model in args.model}
    if len(modalities) > 1:
        raise ConfigError(
            f"models of several modalities ({', '.join(sorted(modalities))}): "
            "evaluate each modality's models apart"
        )
    return EVALUATE[modalities.pop()](args)


def _evaluate_eeg(args: argparse.Namespace) -> int:
    """EEG checkpoints: one evaluation, or a matrix of models x corpora."""
    from elm_desktop.errors import ConfigError
    from elm_desktop.progress import TerminalProgress
    from elm_desktop.training.evaluate import EvaluationOptions, evaluate
    from elm_desktop.training.matrix import evaluate_matrix

    if args.cache and len(args.cache) != len(args.corpus):
        raise ConfigError(
            f"{len(args.cache)} --cache for {len(args.corpus)} --corpus: give one per corpus"
        )
    single = len(args.model) == 1 and len(args.corpus) == 1 and not args.style_corpus
    if not single and args.out is None:
        raise ConfigError(
            "several models or corpora, or style corpora, make one matrix: name its folder "
            "with --out"
        )
    options = EvaluationOptions(
        split=args.split,
        train_corpus=args.train_corpus,
        seed=args.seed,
        baseline_epochs=args.baseline_epochs,
        workers=args.workers,
        device=args.device,
        probe=not args.no_probe,
    )
    progress = TerminalProgress("evaluate")
    if single:
        out = args.out or args.model[0] / "evaluation"
        cache = args.cache[0] if args.cache else None
        paths = evaluate(args.model[0], args.corpus[0], out, cache, options, progress)
    else:
        paths = evaluate_matrix(
            args.model, args.corpus, args.out, args.cache, options, progress, args.style_corpus
        )
    progress.close()
    print(paths["markdown"].read_text(encoding="utf-8"))
    print(f"written: {paths['markdown']} and {paths['json']}")
    return 0


def _evaluate_ecg(args: argparse.Namespace) -> int:
    """An ECG checkpoint: zero-shot, probes, supervised baseline and retrieval on one corpus."""
    from elm_desktop.errors import ConfigError
    from elm_desktop.progress import TerminalProgress
    from elm_desktop.training.ecg.evaluate import EcgEvaluationOptions, evaluate_ecg

    if len(args.model) != 1 or len(args.corpus) != 1:
        raise ConfigError("an ECG model is evaluated alone, on one --corpus")
    options = EcgEvaluationOptions(
        split=args.split,
        seed=args.seed,
        baseline_epochs=args.baseline_epochs,
        probe=not args.no_probe,
        device=args.device,
    )
    progress = TerminalProgress("evaluate")
    out = args.out or args.model[0] / "evaluation"
    paths = evaluate_ecg(args.model[0], args.corpus[0], out, options, progress)
    progress.close()
    print(paths["markdown"].read_text(encoding="utf-8"))
    print(f"written: {paths['markdown']} and {paths['json']}")
    return 0


def _adapt(args: argparse.Namespace) -> int:
    from elm_desktop.progress import TerminalProgress
    from elm_desktop.training.adapt import adapt

    progress = TerminalProgress("adapt")
    final = adapt(args.encoder, args.corpus, args.out, args.config, args.epochs, progress)
    progress.close()
    print(f"adapted model saved in {final}")
    return 0


#: ``evaluate`` per modality of the registry (the ECG evaluation takes one model and one corpus).
EVALUATE = {"eeg": _evaluate_eeg, "ecg": _evaluate_ecg}
