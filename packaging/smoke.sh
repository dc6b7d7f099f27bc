#!/usr/bin/env bash
# Smoke test of the built desktop program (`make package-test`; CI runs it when the build exists).
#
# The frozen program runs with an empty environment: no Python on the PATH, nothing of the
# checkout, a fresh HOME and data folder, Qt's offscreen platform. It makes a synthetic EDF,
# analyses it with the model it ships, and opens it in its window for a screenshot. The checks
# use the checkout's virtualenv: scores equal to the source tree's to 1e-5, a screenshot that is
# not blank, the desktop files valid. Size and start-up time go to benchmarks/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
folder=build/package/dist/elm-desktop
program=$folder/elm-desktop
deb=$(ls dist/elm-desktop_*_amd64.deb 2>/dev/null | tail -1 || true)
python=.venv/bin/python
results=${ELM_SMOKE_RESULTS:-benchmarks/results/packaging.txt}  # tests write theirs elsewhere
[ -x "$program" ] || { echo "no $program: run make package first" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/empty-path" "$work/home"
frozen() {
  env -i HOME="$work/home" PATH="$work/empty-path" LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen \
    ELM_DESKTOP_DATA="$work/data" "$program" "$@"
}
step() { echo "smoke: $*"; }

step "version: $(frozen --version)"
if frozen train --config absent.toml 2>"$work/train.err"; then exit 1; fi
grep -q "pip install 'elm-desktop\[train\]'" "$work/train.err"  # training is left out, and says so
frozen synth --out "$work/corpus" --n 1 --minutes 2 --seed 7 >/dev/null
edf=$(find "$work/corpus" -name '*.edf' | sort | head -1)

step "analyze --json with the shipped model, and from the source tree"
frozen analyze "$edf" --json "$work/frozen.json" 2>/dev/null
ELM_DESKTOP_DATA="$work/source-data" QT_QPA_PLATFORM=offscreen \
  .venv/bin/elm-desktop analyze "$edf" --json "$work/source.json" 2>/dev/null
"$python" - "$work/frozen.json" "$work/source.json" <<'EOF'
import json, sys
frozen, source = (json.load(open(path)) for path in sys.argv[1:])
pairs = [(f["id"], f["probability"], s["probability"])
         for f, s in zip(frozen["findings"], source["findings"], strict=True)]
pairs += [("attention", a, b)
          for a, b in zip(frozen["crops"]["attention"], source["crops"]["attention"], strict=True)]
worst = max(abs(a - b) for _, a, b in pairs)
assert [f["id"] for f in frozen["findings"]] == [s["id"] for s in source["findings"]]
assert worst <= 1e-5, f"frozen and source scores differ by {worst:.2e}"
print(f"smoke: {len(pairs)} scores equal to the source tree's (largest difference {worst:.1e})")
EOF

step "window: open, analyse, screenshot"
frozen gui "$edf" --screenshot "$work/window.png" 2>/dev/null
QT_QPA_PLATFORM=offscreen "$python" - "$work/window.png" <<'EOF'
import sys
from PySide6.QtGui import QImage
image = QImage(sys.argv[1])
assert not image.isNull(), "no screenshot"
colours = {image.pixel(x, y) for x in range(0, image.width(), 4) for y in range(0, image.height(), 4)}
assert len(colours) > 50, f"screenshot nearly blank: {len(colours)} colours"
print(f"smoke: screenshot {image.width()}x{image.height()}, {len(colours)} colours")
EOF

step "start-up: process start to first page drawn, 5 runs"
startup=()
for _ in 1 2 3 4 5; do
  launched=$(date +%s.%N)
  drawn=$(frozen gui "$edf" --exit-after-first-page 2>/dev/null | sed -n 's/^first page drawn at //p')
  startup+=("$("$python" -c "print(f'{$drawn - $launched:.2f}')")")
done
step "start-up seconds: ${startup[*]}"

if [ -n "$deb" ]; then
  step "desktop files in $deb"
  dpkg-deb -x "$deb" "$work/deb"
  if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$work"/deb/usr/share/applications/*.desktop && step "desktop-file-validate: ok"
  fi
  if command -v appstreamcli >/dev/null; then
    appstreamcli validate --no-net "$work"/deb/usr/share/metainfo/*.xml && step "appstreamcli: ok"
  fi
fi

{
  echo "# make package-test (packaging/smoke.sh) at $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- packaging elm_desktop || echo ' + uncommitted changes'), $(date -u +%FT%TZ)"
  echo "# machine: $(nproc) CPU cores (shared), $(uname -sr), glibc $(ldd --version | head -1 | awk '{print $NF}')"
  echo "one-folder build: $(du -sm "$folder" | cut -f1) MiB unpacked ($(find "$folder" -type f | wc -l) files); largest parts (du -sm):"
  du -sm "$folder"/_internal/* | sort -rn | head -8 | sed 's/^/  /'
  [ -n "$deb" ] && echo ".deb: $(du -m "$deb" | cut -f1) MiB ($(basename "$deb"), xz)"
  echo "start-up, process start to first page drawn (2-min synthetic EDF, offscreen), 5 runs: ${startup[*]} s"
  echo "newest glibc symbol the build needs: $(find "$folder" -name '*.so*' -type f -exec objdump -T {} + 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)"
} > "$results"
cat "$results"
step "passed"
