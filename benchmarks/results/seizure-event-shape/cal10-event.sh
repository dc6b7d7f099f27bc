set -euo pipefail
export OMP_NUM_THREADS=1
E=.venv/bin/elm-desktop
rm -rf runs/cal10-event-bundle && cp -r runs/timed/bundle runs/cal10-event-bundle
date -u
$E model calibrate runs/cal10-event-bundle --corpus data/timed/demo-train-2500 --corpus data/timed/dipole-train-800 --corpus data/timed/neural-mass-train-800 --split val --unseen-corpus data/cal10/filtered-noise --unseen-corpus data/cal10/dipole-spectral --unseen-corpus data/cal10/neural-mass --prompt-style knowledge --record-score --device cpu
date -u
.venv/bin/python benchmarks/seizure_event_study.py --model runs/cal10-event-bundle --corpus data/ds/mix --corpus data/ds/seizure-normal --corpus data/filtered-noise-test-150 --corpus data/dipole-spectral-test-150 --corpus data/neural-mass-test-150 --out runs/seizure-event-cal10.json
date -u
