set -x
export OMP_NUM_THREADS=1
E=.venv/bin/elm-desktop
M=elm_desktop/resources/models/elm-demo
O=runs/draft-safety-v; mkdir -p $O
date -u
$E evaluate-drafts data/ds/mix/manifest.jsonl --model $M --split all --archive-manifest data/ds/priors/manifest.jsonl --archive-split all --device cpu --out $O/mix.md --json $O/mix.json
date -u
$E evaluate-drafts data/ds/seizure-normal/manifest.jsonl --model $M --split all --archive-manifest data/ds/priors/manifest.jsonl --archive-split all --device cpu --out $O/seizure-normal.md --json $O/seizure-normal.json
date -u
date -u
