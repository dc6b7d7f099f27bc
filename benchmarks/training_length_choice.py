"""Choose the training length without the test family: leave one family out within the training
families (issue 17).

Trained 10 epochs, a two-family model transfers to the third family worse than after 3-4 in two
directions of three (``benchmarks/results/loo-training-length.md``). Choosing the length on the
test family would tune to it; this chooses it on the training families alone and then looks at
the test family once. For the family held out (``--held-out``, filtered-noise by default) and
the pair it leaves, e.g. dipole-spectral + neural-mass:

1. a model of each training family alone (``configs/pilots/length-ds.toml``, ``length-nm.toml``,
   ``length-fn.toml``), 10 epochs, every epoch kept; each epoch is calibrated on its own
   family's val split and scored on the *other* training family's val split;
2. the chosen length: the epoch with the highest normal-versus-abnormal AUROC of the record score
   there, averaged over the two directions and over plain and knowledge prompts (fixed before
   any figure was seen);
3. the pair's model (``length-ds-nm.toml``, ``length-fn-nm.toml``, ``length-fn-ds.toml``,
   every epoch kept; its 10th epoch is the ``loo-*-10ep`` recipe), each epoch calibrated on the
   pair's val splits and scored on the held-out family's test set: the chosen epoch's figure
   against the last epoch's, and the curve for what the choice missed (the epochs kept so far).

With ``--three-families`` it chooses the length of a model of all three families the same way,
one level up: each pair's kept epochs (step 3's runs) scored on the third family's *val* split,
averaged over the three pairs and both prompt styles (no test set is read). With
``--three-family-model`` it measures that model (``configs/pilots/length-fn-ds-nm.toml``, every
epoch kept so far), calibrated on the three val splits, on the test sets: issue 17's in-family
floors are read on ``demo-test-500``, and ``wave-atoms`` is a family no model here trained on.

Resumable: a step whose output exists is skipped. One thread per command::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/training_length_choice.py [--held-out ds]

Prints the table; the results are in ``benchmarks/results/training-length-choice.md``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

ELM = ".venv/bin/elm-desktop"
#: Family -> (its training corpus, its test set). The pair's order names its run: length-ds-nm.
FAMILIES = {
    "fn": ("data/demo-train-2500", "data/filtered-noise-test-150"),
    "ds": ("data/dipole-train-800", "data/dipole-spectral-test-150"),
    "nm": ("data/neural-mass-train-800", "data/neural-mass-test-150"),
}
STYLES = ("plain", "knowledge")
#: The three-family model's test sets, by label: each family's, and one of no training family.
THREE_FAMILY_TESTS = {
    "demo-test-500": "data/demo-test-500",
    **{Path(test).name: test for _, test in FAMILIES.values()},
    "wave-atoms-test-150": "data/wave-atoms-test-150",
}


def run(*command: str) -> None:
    print("+", " ".join(command), flush=True)
    subprocess.run(command, check=True)


def train(name: str, missing: bool = True) -> Path:
    """The run's folder, trained first where it has no final model and ``missing`` asks."""
    out = Path("runs") / name
    if missing and not (out / "final" / "model.safetensors").is_file():
        run(ELM, "train", "--config", f"configs/pilots/{name}.toml")
    return out


def measure(
    checkpoint: Path, calibrate_on: list[str], test: str, split: str, label: str
) -> dict[str, float]:
    """Calibrate ``checkpoint`` on ``calibrate_on``'s val splits, evaluate on ``test``."""
    phenotypes = checkpoint / "phenotypes.toml"
    if not phenotypes.is_file():
        bundle = checkpoint.with_name(checkpoint.name + "-bundle")
        if not (bundle / "manifest.json").is_file():
            run(ELM, "model", "export", str(checkpoint), "--out", str(bundle))
        corpora = [arg for corpus in calibrate_on for arg in ("--corpus", corpus)]
        run(
            ELM, "model", "calibrate", str(bundle), *corpora, "--split", "val",
            "--prompt-style", "knowledge", "--record-score", "--out", str(phenotypes),
        )  # fmt: skip
    out = checkpoint.parent / f"{checkpoint.name}-on-{label}"
    if not (out / "evaluation.json").is_file():
        run(
            ELM, "evaluate", "--model", str(checkpoint), "--corpus", test, "--split", split,
            "--no-probe", "--workers", "1", "--out", str(out),
        )  # fmt: skip
    report = json.loads((out / "evaluation.json").read_text())
    figures = {}
    for style in STYLES:
        zero = report["zero_shot"][style]
        figures[f"normal_{style}"] = zero["findings"]["normal"]["auroc"]
        figures[f"macro_{style}"] = zero["macro_auroc"]
    figures["spikes"] = report["localisation"]["spikes"]["auroc"]
    return figures


def epochs_of(out: Path) -> list[tuple[int, Path]]:
    """The run's kept epochs: (epoch number, its checkpoint folder), in order."""
    return [(int(path.name.split("-")[1]), path) for path in sorted(out.glob("epoch-[0-9][0-9]"))]


def run_name(families: list[str]) -> str:
    """The run of a family or pair: ``length-ds``, ``length-ds-nm``."""
    return "length-" + "-".join(families)


def three_family_choice() -> None:
    """Print each pair's epochs on the third family's val split and the length they choose for
    a three-family model; only the epochs every pair has kept so far are compared."""
    scores: dict[int, dict[str, list[float]]] = {}
    for held_out in FAMILIES:
        pair = [family for family in FAMILIES if family != held_out]
        corpus = FAMILIES[held_out][0]
        for epoch, checkpoint in epochs_of(Path("runs") / run_name(pair)):
            corpora = [FAMILIES[family][0] for family in pair]
            figures = measure(checkpoint, corpora, corpus, "val", Path(corpus).name + "-val")
            scores.setdefault(epoch, {})[held_out] = [figures[f"normal_{s}"] for s in STYLES]
    complete = {epoch: v for epoch, v in scores.items() if len(v) == len(FAMILIES)}
    print(
        "\n| epoch | "
        + " | ".join(f"{f} held out, plain / knowledge" for f in FAMILIES)
        + " | mean |"
    )
    print("|---" * (len(FAMILIES) + 2) + "|")
    means = {}
    for epoch in sorted(complete):
        values = [v for family in FAMILIES for v in complete[epoch][family]]
        means[epoch] = sum(values) / len(values)
        cells = " | ".join("{:.3f} / {:.3f}".format(*complete[epoch][f]) for f in FAMILIES)
        print(f"| {epoch} | {cells} | {means[epoch]:.3f} |")
    if means:
        print(f"chosen length for three families: {max(means, key=means.get)} epochs")


def three_family_model(epochs: list[int] | None, run: str) -> None:
    """Print the three-family model's kept epochs (those of ``epochs``, or all; of the run
    ``run``, another seed's) on every test set of :data:`THREE_FAMILY_TESTS`."""
    corpora = [corpus for corpus, _ in FAMILIES.values()]
    print(
        "\n| epoch | test set | normal vs abnormal, plain / knowledge | macro, plain / knowledge | spikes |"
    )
    print("|---|---|---|---|---|")
    for epoch, checkpoint in epochs_of(Path("runs") / (run or run_name(list(FAMILIES)))):
        if epochs and epoch not in epochs:
            continue
        for label, test in THREE_FAMILY_TESTS.items():
            f = measure(checkpoint, corpora, test, "all", label)
            print(
                f"| {epoch} | {label} | {f['normal_plain']:.3f} / {f['normal_knowledge']:.3f} "
                f"| {f['macro_plain']:.3f} / {f['macro_knowledge']:.3f} | {f['spikes'] or 0:.3f} |",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--held-out", choices=list(FAMILIES), default="fn", help="the family the pair leaves out"
    )
    parser.add_argument(
        "--inner-only", action="store_true", help="the two one-family runs and the choice only"
    )
    parser.add_argument(
        "--no-train", action="store_true", help="measure the epochs kept so far, train nothing"
    )
    parser.add_argument(
        "--three-families",
        action="store_true",
        help="choose a three-family model's length from the pairs' kept epochs (trains nothing)",
    )
    parser.add_argument(
        "--three-family-model",
        action="store_true",
        help="measure the three-family model's kept epochs on the test sets (trains nothing)",
    )
    parser.add_argument(
        "--epochs", type=int, nargs="+", help="with --three-family-model: only these epochs"
    )
    parser.add_argument(
        "--run",
        default="",
        help="with --three-family-model: another run of it (length-fn-ds-nm-seed1)",
    )
    args = parser.parse_args()
    if args.three_families:
        three_family_choice()
        return
    if args.three_family_model:
        three_family_model(args.epochs, args.run)
        return
    pair = [family for family in FAMILIES if family != args.held_out]
    outer_name = run_name(pair)
    inner: dict[int, list[float]] = {}
    rows = []
    for own, other in (pair, pair[::-1]):
        name = run_name([own])
        out = train(name, not args.no_train)
        for epoch, checkpoint in epochs_of(out):
            corpus = FAMILIES[other][0]
            label = Path(corpus).name + "-val"
            figures = measure(checkpoint, [FAMILIES[own][0]], corpus, "val", label)
            inner.setdefault(epoch, []).extend(figures[f"normal_{s}"] for s in STYLES)
            rows.append((name, epoch, figures))
    # An epoch counts once both directions have scored it.
    complete = {epoch: v for epoch, v in inner.items() if len(v) == 2 * len(STYLES)}
    chosen = max(complete, key=lambda epoch: sum(complete[epoch]) / len(complete[epoch]))
    if not args.inner_only:
        out = train(outer_name, not args.no_train)
        test = FAMILIES[args.held_out][1]
        for epoch, checkpoint in epochs_of(out):
            corpora = [FAMILIES[family][0] for family in pair]
            figures = measure(checkpoint, corpora, test, "all", Path(test).name)
            rows.append((outer_name, epoch, figures))
    print(
        "\n| run | epoch | normal vs abnormal, plain / knowledge | macro, plain / knowledge | spikes |"
    )
    print("|---|---|---|---|---|")
    for name, epoch, f in rows:
        mark = " (chosen)" if name == outer_name and epoch == chosen else ""
        print(
            f"| {name} | {epoch}{mark} | {f['normal_plain']:.3f} / {f['normal_knowledge']:.3f} "
            f"| {f['macro_plain']:.3f} / {f['macro_knowledge']:.3f} | {f['spikes'] or 0:.3f} |"
        )
    print("\ninner mean by epoch:")
    for epoch in sorted(complete):
        print(f"  {epoch:2d}: {sum(complete[epoch]) / len(complete[epoch]):.3f}")
    print(f"chosen length: {chosen} epochs")


if __name__ == "__main__":
    main()
