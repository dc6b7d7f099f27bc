export OMP_NUM_THREADS=1
for spec in "loo-fn-ds data/neural-mass-test-150" "loo-fn-nm data/dipole-spectral-test-150" "loo-ds-nm data/filtered-noise-test-150"; do
  set -- $spec
  .venv/bin/python benchmarks/seizure_event_study.py --model runs/$1-bundle --corpus $2 --out runs/seizure-event-$1.json
done
