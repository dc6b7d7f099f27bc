#!/usr/bin/env bash
# Time the demo EEG model's whole recipe on this machine, from an empty data folder to a
# calibrated bundle with its familiarity check (issue 17: "trains within 2 hours").
#
#   bash benchmarks/demo_model_training_time.sh CONFIG DATA_DIR RUN_DIR
#
# The configuration's "data/" corpus paths are read under DATA_DIR (which must not hold them
# yet, so that generation is timed) and its out_dir becomes RUN_DIR/model. Each step's
# wall-clock seconds and peak memory go to RUN_DIR/times.tsv; its output to RUN_DIR/*.log.
set -euo pipefail
config=$1 data=$2 run=$3
elm=${ELM:-.venv/bin/elm-desktop}
mkdir -p "$data" "$run"
sed -e "s#\"data/#\"$data/#g" -e "s#^out_dir = .*#out_dir = \"$run/model\"#" "$config" > "$run/config.toml"
printf 'step\tstarted_utc\tseconds\tpeak_rss_mb\n' > "$run/times.tsv"

step() {
    local name=$1; shift
    local start; start=$(date +%s)
    /usr/bin/time -f '%M' -o "$run/$name.rss" "$@" > "$run/$name.log" 2>&1
    printf '%s\t%s\t%s\t%s\n' "$name" "$(date -u -d @"$start" +%H:%M:%S)" \
        "$(( $(date +%s) - start ))" "$(( $(tail -1 "$run/$name.rss") / 1024 ))" >> "$run/times.tsv"
}

corpora=(--corpus "$data/demo-train-2500" --corpus "$data/dipole-train-800" --corpus "$data/neural-mass-train-800")
step synth-dipole "$elm" synth --family dipole-spectral --out "$data/dipole-train-800" --n 800 --minutes 1 --seed 11
step synth-neural-mass "$elm" synth --family neural-mass --out "$data/neural-mass-train-800" --n 800 --minutes 1 --seed 21
step train "$elm" train --config "$run/config.toml"
step export "$elm" model export "$run/model/final" --out "$run/bundle"
step calibrate "$elm" model calibrate "$run/bundle" "${corpora[@]}" --split val \
    --prompt-style knowledge --record-score
step familiarity "$elm" model familiarity fit "$run/bundle" "${corpora[@]}" --max-recordings 200
awk -F'\t' 'NR > 1 { s += $3 } END { printf "total\t\t%d\t\n", s }' "$run/times.tsv" >> "$run/times.tsv"
