# The program's path (analyze, then generate_draft) with a bundle; $1 = bundle, $2 = out file
export OMP_NUM_THREADS=1
B=$1; OUT=$2
date -u > $OUT
for c in filtered-noise-test-150 dipole-spectral-test-150 neural-mass-test-150; do
  .venv/bin/python benchmarks/celm_long_recordings.py data/$c --n 40 --model $B >> $OUT 2>&1
done
.venv/bin/python benchmarks/celm_long_recordings.py data/demo-test-500 --n 100 --model $B >> $OUT 2>&1
date -u >> $OUT
