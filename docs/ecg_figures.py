"""Draw the pictures of ``docs/ecg.md`` and measure the figures it quotes.

Pictures: synthetic records written as WFDB by ``elm_desktop.synth.ecg``, read back with
:func:`elm_desktop.signals.ecg.read_ecg` and drawn on ECG paper (1 mm and 5 mm grid, 25 mm/s,
10 mm/mV) in the standard layout: four columns of 2.5 s (I, II, III / aVR, aVL, aVF /
V1-V3 / V4-V6) and a 10 s lead II rhythm strip. Figures: the test suite's measurement
(``tests/ecg/measure.py``) run over whole synthetic corpora, against their manifests' truth::

    OMP_NUM_THREADS=1 PYTHONPATH=. .venv/bin/python docs/ecg_figures.py [--pictures] [--figures]

``--neurokit2`` cross-checks the heart rate with neurokit2's detector, which is not a dependency:
``pip install --target /tmp/nk --no-deps neurokit2 PyWavelets scikit-learn`` and add ``/tmp/nk``
to ``PYTHONPATH``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from elm_desktop.signals.ecg import read_ecg, swapped_limb_leads
from elm_desktop.signals.ecg.leads import STANDARD_LEADS
from elm_desktop.synth.ecg.corpus import synthesise, write_record
from elm_desktop.synth.ecg.plan import plan_corpus
from elm_desktop.synth.ecg.rhythm import SINUS_RHYTHMS
from tests.ecg.measure import heart_rate, intervals

IMAGES = Path(__file__).resolve().parent / "images"
LAYOUT = (("I", "aVR", "V1", "V4"), ("II", "aVL", "V2", "V5"), ("III", "aVF", "V3", "V6"))
PICTURES = {
    "ecg-sinus-rhythm.png": {"sinus_rhythm"},
    "ecg-atrial-fibrillation.png": {"atrial_fibrillation"},
    "ecg-atrial-flutter.png": {"atrial_flutter"},
    "ecg-lbbb.png": {"lbbb"},
    "ecg-rbbb.png": {"rbbb"},
    "ecg-inferior-stemi.png": {"inferior_stemi"},
}
SEEDS, PER_SEED, SECONDS, SFREQ = (11, 5, 23), 300, 10, 500


def draw(path: Path, ecg, title: str) -> None:
    """One record on ECG paper: 3 x 4 leads of 2.5 s and a lead II rhythm strip."""
    mm = 1 / 25.4  # inches
    rows, height_mm = 4, 30.0
    width_mm, page_h = 250.0, rows * height_mm
    fig = plt.figure(figsize=(width_mm * mm * 1.2, page_h * mm * 1.2 + 0.4), dpi=150)
    ax = fig.add_axes((0, 0, 1, page_h / (page_h + 10)))
    ax.set_xlim(0, width_mm)
    ax.set_ylim(0, page_h)
    for x in np.arange(0, width_mm + 1):
        ax.axvline(x, color="#f4c6c6" if x % 5 else "#e58a8a", lw=0.3 if x % 5 else 0.6)
    for y in np.arange(0, page_h + 1):
        ax.axhline(y, color="#f4c6c6" if y % 5 else "#e58a8a", lw=0.3 if y % 5 else 0.6)
    per_col = int(2.5 * ecg.sfreq)
    t_mm = np.arange(per_col) / ecg.sfreq * 25.0
    for r, row in enumerate(LAYOUT):
        base = page_h - (r + 0.5) * height_mm
        for c, lead in enumerate(row):
            part = ecg.lead(lead)[c * per_col : (c + 1) * per_col]
            ax.plot(c * 62.5 + t_mm, base + 10 * (part - np.median(part)), "k", lw=0.6)
            ax.text(c * 62.5 + 1, base + 8, lead, fontsize=7)
    strip = ecg.lead("II")[: int(10 * ecg.sfreq)]
    t_strip = np.arange(len(strip)) / ecg.sfreq * 25.0
    ax.plot(t_strip, height_mm / 2 + 10 * (strip - np.median(strip)), "k", lw=0.6)
    ax.text(1, height_mm / 2 + 8, "II", fontsize=7)
    ax.axis("off")
    fig.text(0.01, 0.98, title, fontsize=7, va="top")
    fig.savefig(path)
    plt.close(fig)


def pictures() -> None:
    plans = plan_corpus(400, 11)
    with tempfile.TemporaryDirectory() as folder:
        for name, wanted in PICTURES.items():
            plan = next(p for p in plans if set(p.findings) in (wanted, wanted | {"sinus_rhythm"}))
            entry = write_record(Path(folder), plan, SECONDS, SFREQ, ["wfdb"])
            ecg = read_ecg(Path(folder) / entry["wfdb"])
            draw(IMAGES / name, ecg, f"{entry['id']} (synthetic): {entry['machine_report']}")
            print(IMAGES / name)


def figures() -> None:
    hr_clean, hr_noisy, pr, qrs, qtc, af_cv, regular_cv = [], [], [], [], [], [], []
    swapped = found = false_alarms = 0
    for seed in SEEDS:
        for plan in plan_corpus(PER_SEED, seed):
            recorded, clean, truth, conditions = synthesise(plan, SECONDS, SFREQ)
            rate, cv = heart_rate(clean, SFREQ)
            hr_clean.append(abs(rate - truth["heart_rate"]))
            if hr_clean[-1] > 2:
                print(
                    f"seed {seed} {plan.record_id} {plan.findings}: {rate:.1f} bpm measured, "
                    f"{truth['heart_rate']} true, beats {truth['beats']}"
                )
            quiet = conditions["muscle"] is None and conditions["pop"] is None
            if quiet and "low_voltage" not in plan.findings:
                hr_noisy.append(abs(heart_rate(recorded, SFREQ)[0] - truth["heart_rate"]))
            ectopy = {"pvc", "pac"} & set(plan.findings)
            if plan.rhythm == "atrial_fibrillation":
                af_cv.append(cv)
            elif not ectopy:
                regular_cv.append(cv)
            if plan.rhythm in SINUS_RHYTHMS and not ectopy:
                measured = intervals(clean, SFREQ)
                pr.append(abs(measured.pr_ms - truth["pr_ms"]))
                qrs.append(abs(measured.qrs_ms - truth["qrs_ms"]))
                qtc.append(abs(measured.qtc_ms - truth["qtc_ms"]))
            leads = dict(zip(STANDARD_LEADS, recorded, strict=True))
            false_alarms += bool(swapped_limb_leads(leads))
            leads["aVL"], leads["aVF"] = leads["aVF"], leads["aVL"]
            swapped += 1
            found += "the lead labelled aVL carries aVF" in swapped_limb_leads(leads)

    def summary(name: str, errors: list[float], unit: str) -> None:
        e = np.array(errors)
        print(
            f"{name}: n={len(e)} mean {e.mean():.2f} {unit}, 95th pct {np.percentile(e, 95):.2f}, "
            f"max {e.max():.2f}, within tolerance {np.mean(e <= (2 if unit == 'bpm' else 10)):.1%}"
        )

    print(f"seeds {SEEDS}, {PER_SEED} records each, {SECONDS} s at {SFREQ} Hz")
    summary("heart rate, clean", hr_clean, "bpm")
    summary("heart rate, recorded (no muscle burst, no pop, normal voltage)", hr_noisy, "bpm")
    summary("PR (plain sinus)", pr, "ms")
    summary("QRS (plain sinus)", qrs, "ms")
    summary("QTc (plain sinus)", qtc, "ms")
    print(f"RR CV: AF min {min(af_cv):.3f} (n={len(af_cv)}); regular max {max(regular_cv):.3f}")
    print(f"aVL/aVF label swap found in {found}/{swapped}; false alarms {false_alarms}/{swapped}")


def neurokit2_check() -> None:
    """Heart rate by neurokit2 (an independent detector, not a dependency) on lead II."""
    import neurokit2 as nk

    within: dict[str, list[bool]] = {"clean": [], "recorded": []}
    errors = []
    for plan in plan_corpus(PER_SEED, SEEDS[0]):
        recorded, clean, truth, _ = synthesise(plan, SECONDS, SFREQ)
        for name, leads in (("clean", clean), ("recorded", recorded)):
            _, info = nk.ecg_peaks(nk.ecg_clean(leads[1], sampling_rate=SFREQ), sampling_rate=SFREQ)
            rate = 60 / (np.diff(info["ECG_R_Peaks"]).mean() / SFREQ)
            within[name].append(abs(rate - truth["heart_rate"]) <= 2)
            errors.append(abs(rate - truth["heart_rate"]))
    print(f"neurokit2 {nk.__version__}, lead II, seed {SEEDS[0]}, {PER_SEED} records:")
    for name, hits in within.items():
        print(f"  {name}: heart rate within 2 bpm in {sum(hits)}/{len(hits)}")
    print(f"  median error {np.median(errors):.2f} bpm")


if __name__ == "__main__":
    wanted = set(sys.argv[1:]) or {"--pictures", "--figures"}
    if "--pictures" in wanted:
        pictures()
    if "--figures" in wanted:
        figures()
    if "--neurokit2" in wanted:
        neurokit2_check()
