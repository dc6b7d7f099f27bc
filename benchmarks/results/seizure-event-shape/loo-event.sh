set -euo pipefail
export OMP_NUM_THREADS=1
E=.venv/bin/elm-desktop
# model, training corpora val, held-out test corpus
run() {
  m=$1; shift; test=$1; shift
  rm -rf runs/$m-bundle
  $E model export runs/$m/final --out runs/$m-bundle
  args=(); for c in "$@"; do args+=(--corpus $c); done
  $E model calibrate runs/$m-bundle "${args[@]}" --split val --prompt-style knowledge --record-score --device cpu
  .venv/bin/python benchmarks/seizure_event_study.py --model runs/$m-bundle --corpus $test --out runs/seizure-event-$m.json
}
date -u
run loo-fn-ds data/neural-mass-test-150 data/demo-train-2500 data/dipole-train-800
run loo-fn-nm data/dipole-spectral-test-150 data/demo-train-2500 data/neural-mass-train-800
run loo-ds-nm data/filtered-noise-test-150 data/dipole-train-800 data/neural-mass-train-800
date -u
