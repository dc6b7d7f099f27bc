set -euo pipefail
export OMP_NUM_THREADS=1
elm=.venv/bin/elm-desktop
rm -rf runs/timed-bundle7
cp -r runs/timed/bundle runs/timed-bundle7
date -u
time $elm model calibrate runs/timed-bundle7 --corpus data/timed/demo-train-2500 --corpus data/timed/dipole-train-800 --corpus data/timed/neural-mass-train-800 --split val --prompt-style knowledge --record-score --device cpu
rm -rf runs/timed-k7 && cp -r runs/timed/model/final runs/timed-k7
cp runs/timed-bundle7/phenotypes.toml runs/timed-bundle7/familiarity.npz runs/timed-k7/
cp runs/timed-bundle7/phenotypes.toml resources/checkpoints/demo-5s/phenotypes.toml
make bundle
date -u
