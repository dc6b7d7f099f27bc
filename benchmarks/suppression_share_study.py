"""How much of a record is suppressed, with burst suppression and without it?

A study for the draft rule of ``clinical.signal_features.without_suppression``: burst
suppression is stated only where at least half the record is suppressed. For every recording of
each corpus's crop cache (``elm-desktop evaluate`` builds ``CORPUS/cache-5s``), the signal
features' ``suppressed fraction``, for the recordings with burst suppression and the others.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/suppression_share_study.py \
        data/wave-atoms-test-150 data/dipole-spectral-test-150 \
        data/neural-mass-test-150 data/filtered-noise-test-150

One line per corpus on stdout (``benchmarks/results/wave-atoms-transfer/suppression-share.txt``
keeps one run).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from qeeg_transfer_study import features_of

from elm_desktop.clinical.signal_features import FEATURE_NAMES
from elm_desktop.training.data import CropCache


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="+", help="folders with manifest.jsonl and cache-5s")
    args = parser.parse_args()
    column = FEATURE_NAMES.index("suppressed fraction")
    for corpus in args.corpus:
        cache = CropCache.open(Path(corpus) / "cache-5s")
        share = features_of(cache, np.arange(len(cache)))[:, column]
        with_it = np.array(
            [any(f["name"] == "burst_suppression" for f in r["findings"]) for r in cache.recordings]
        )
        others = np.percentile(share[~with_it], [90, 99, 100])
        print(
            f"{corpus}: with burst suppression {np.round(np.sort(share[with_it]), 2).tolist()}; "
            f"the other {(~with_it).sum()}: 90th, 99th percentile, largest "
            f"{np.round(others, 2).tolist()}",
            flush=True,
        )


if __name__ == "__main__":
    main()
