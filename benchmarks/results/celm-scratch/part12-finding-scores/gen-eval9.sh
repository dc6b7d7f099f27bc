# Part 12: generator evaluate with the hold rule; $1 = checkpoint, $2 = out folder
export OMP_NUM_THREADS=1
E=.venv/bin/elm-desktop
C=$1; O=$2; mkdir -p $O
date -u
$E generator evaluate $C --n 100 --out $O/eval-eeg.json
$E generator evaluate $C --n 100 --corpus data/dipole-train-800 --out $O/eval-eeg-dipole-spectral.json
$E generator evaluate $C --n 100 --corpus data/neural-mass-train-800 --out $O/eval-eeg-neural-mass.json
$E generator evaluate $C --n 100 --no-eeg --out $O/eval-no-eeg.json
date -u
