"""How close the measured posterior rhythm lies to the synthetic corpora's true one.

The generated draft's stated posterior rhythm frequency is checked against
:func:`elm_desktop.clinical.posterior_rhythm.posterior_rhythm`; this measures that
measurement on recordings whose manifest holds the true frequency (``pdr_hz``), reading their
preprocessed crops from the corpus cache (the same model input the analysis computes)::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/posterior_rhythm_accuracy.py \\
        data/demo-train-2500:val data/dipole-train-800:val data/neural-mass-train-800:val

Per corpus: recordings, how many have a clear rhythm, the median absolute error over all and
the share of clear ones within the check's tolerance, and the misses with their findings.
"""

from __future__ import annotations

import argparse

import numpy as np

from elm_desktop.clinical.posterior_rhythm import (
    STATED_RHYTHM_TOLERANCE_HZ,
    crop_posterior_spectra,
    posterior_rhythm,
)
from elm_desktop.signals import ELM_CHANNELS, ELM_SFREQ
from elm_desktop.training.evaluate import open_corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpora", nargs="+", help="CORPUS[:SPLIT]")
    args = parser.parse_args()
    for spec in args.corpora:
        corpus, _, split = spec.partition(":")
        cache = open_corpus(corpus, None, 5, 1, None)
        ids = cache.split_indices(split) if split else np.arange(len(cache.recordings))
        truth, measured, clear, misses = [], [], [], []
        for r in ids:
            record = cache.recordings[int(r)]
            if record.get("pdr_hz") is None:
                continue
            span = cache.crop_range(int(r))
            crops = np.asarray(cache.crops[span.start : span.stop], np.float32)
            spectra = crop_posterior_spectra(crops, ELM_CHANNELS)
            rhythm = posterior_rhythm(spectra, ELM_SFREQ, crops.shape[-1])
            truth.append(record["pdr_hz"])
            measured.append(rhythm.frequency_hz)
            clear.append(rhythm.clear)
            if (
                rhythm.clear
                and abs(rhythm.frequency_hz - record["pdr_hz"]) > STATED_RHYTHM_TOLERANCE_HZ
            ):
                names = sorted({f["name"] for f in record["findings"]}) or ["normal"]
                misses.append(
                    f"{record['id']} true {record['pdr_hz']:.1f} Hz, measured "
                    f"{rhythm.frequency_hz:.1f} Hz ({', '.join(names)})"
                )
        t, m, c = np.array(truth), np.array(measured), np.array(clear)
        within = np.abs(m[c] - t[c]) <= STATED_RHYTHM_TOLERANCE_HZ
        print(
            f"{spec}: {len(t)} recordings, {c.sum()} with a clear rhythm; median |error| "
            f"{np.median(np.abs(m - t)):.2f} Hz (all); clear within {STATED_RHYTHM_TOLERANCE_HZ} Hz: "
            f"{within.mean():.3f} ({within.sum()}/{c.sum()})"
        )
        for miss in misses:
            print(f"  miss: {miss}")


if __name__ == "__main__":
    main()
