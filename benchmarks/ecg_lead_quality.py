"""How often the ECG reader names a lead of noise or mains hum, where it should and where not.

On the val and test records of an ECG corpus (their noise, muscle bursts, pops and mains up to
40 uV at an electrode must leave every lead readable), on the same test records with 4-7 Hz
tremor of 0.3 mV RMS added at the left-arm electrode (I, III, aVR, aVL and aVF tremble; their
heartbeat stays: none may be named), then with one chest lead replaced by 0.05 mV of noise and
0.1 mV of 50 Hz, as an electrode that is off while its cable picks up the room (each must be
named), through
:func:`elm_desktop.signals.ecg.lead_quality.assess_leads`:

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ecg_lead_quality.py data/ecg-train-3000 \
        > benchmarks/results/ecg-lead-quality.txt
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from scipy import signal

from elm_desktop.signals.ecg import STANDARD_LEADS
from elm_desktop.signals.ecg.lead_quality import MIN_BEAT_SNR, assess_leads, beat_snr, mains_hum
from elm_desktop.signals.ecg.reader import read_ecg


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="ECG corpus folder (manifest.jsonl)")
    args = parser.parse_args()
    lines = (args.corpus / "manifest.jsonl").read_text().splitlines()
    entries = [json.loads(line) for line in lines]
    held = [e for e in entries if e["split"] in ("val", "test")]
    rng = np.random.default_rng(0)
    named, ratios, hums = [], [], []
    replaced = {"records": 0, "lead named": 0, "hum named": 0, "ratios": []}
    tremor_named = []
    # The left-arm electrode's share of each limb lead (I = LA - RA, III = LL - LA, ...).
    left_arm = {"I": 1.0, "III": -1.0, "aVR": -0.5, "aVL": 1.0, "aVF": -0.5}
    for entry in held:
        ecg = read_ecg(args.corpus / entry["wfdb"])
        samples, sfreq = ecg.samples_mv, ecg.sfreq
        ratios.append(float(beat_snr(samples, sfreq).min()))
        hums.append(float(mains_hum(samples, sfreq)[1].max()))
        if assess_leads(samples, STANDARD_LEADS, sfreq).sentences():
            named.append(entry["id"])
        if entry["split"] != "test":
            continue
        tremor_band = signal.butter(2, [4.0, 7.0], "bandpass", fs=sfreq, output="sos")
        tremor = signal.sosfiltfilt(tremor_band, rng.normal(size=samples.shape[1]))
        trembling = samples.copy()
        for name, share in left_arm.items():
            trembling[STANDARD_LEADS.index(name)] += share * 0.3 * tremor / tremor.std()
        if assess_leads(trembling, STANDARD_LEADS, sfreq).noise_only:
            tremor_named.append(entry["id"])
        off = samples.copy()
        lead = int(rng.integers(6, 12))
        t = np.arange(off.shape[1]) / sfreq
        off[lead] = rng.normal(0, 0.05, t.size) + 0.1 * np.sin(2 * np.pi * 50 * t)
        sentences = assess_leads(off, STANDARD_LEADS, sfreq).sentences()
        replaced["records"] += 1
        replaced["ratios"].append(float(beat_snr(off, sfreq)[lead]))
        noise = [s for s in sentences if "no heartbeat" in s]
        replaced["lead named"] += bool(noise) and STANDARD_LEADS[lead] in noise[0]
        replaced["hum named"] += any(s.startswith("Mains hum at 50 Hz") for s in sentences)
    print(f"corpus {args.corpus.name}: {len(held)} val and test records as written")
    print(f"  records with a lead named (flat, noise only or hum): {len(named)} {named[:10]}")
    print(
        f"  the smallest beat ratio of each record: least {min(ratios):.1f}, "
        f"1st percentile {np.percentile(ratios, 1):.1f}, median {np.median(ratios):.1f}"
    )
    print(f"  the largest mains hum of each record: most {max(hums):.3f} mV (warning from 0.05 mV)")
    print(f"{replaced['records']} test records with 0.3 mV RMS of 4-7 Hz tremor at the left arm:")
    print(f"  records with a lead named noise only: {len(tremor_named)} {tremor_named[:10]}")
    print(f"{replaced['records']} test records, one chest lead replaced by noise and 50 Hz:")
    print(f"  the lead named: {replaced['lead named']}, the hum named: {replaced['hum named']}")
    r = replaced["ratios"]
    print(
        f"  the replaced lead's beat ratio: {min(r):.2f}-{max(r):.2f} (named under {MIN_BEAT_SNR:g})"
    )


if __name__ == "__main__":
    main()
