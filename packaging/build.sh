#!/usr/bin/env bash
# Build the Linux desktop program from the wheel in dist/ (`make package`, packaging/README.md):
#   build/package/dist/elm-desktop/   the one-folder program (PyInstaller, CPU ONNX Runtime)
#   dist/elm-desktop_VERSION_amd64.deb  the same folder, installed under /opt, with its desktop entry
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^VERSION = "\(.*\)"$/\1/p' elm_desktop/version.py)
wheel=dist/elm_desktop-$version-py3-none-any.whl
build=build/package
venv=$build/venv
[ -f "$wheel" ] || { echo "no $wheel: run make wheel first" >&2; exit 2; }

# A virtualenv holding only what the program needs, from the wheel.
python3 -m venv --clear "$venv"
"$venv/bin/pip" install -q --no-compile "$wheel[package]"  # pyinstaller, from the package extra
# The desktop build runs on the CPU: ONNX Runtime's GPU build makes way for the CPU build
# (packaging/README.md says how to build the CUDA variant).
"$venv/bin/pip" uninstall -q -y onnxruntime-gpu
"$venv/bin/pip" install -q --no-compile "onnxruntime>=1.20"

"$venv/bin/pyinstaller" --noconfirm --clean --log-level WARN \
  --distpath "$build/dist" --workpath "$build/work" packaging/elm-desktop.spec
packaging/linux/make-deb.sh "$build/dist/elm-desktop" "$version" dist
