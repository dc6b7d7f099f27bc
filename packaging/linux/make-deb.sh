#!/usr/bin/env bash
# Package the one-folder program as a .deb with dpkg-deb (packaging/README.md).
# Usage: make-deb.sh BUILD_FOLDER VERSION OUT_DIR
#   BUILD_FOLDER/ goes to /opt/elm-desktop/, /usr/bin/elm-desktop points at its program, and the
#   desktop entry, AppStream metadata, icon and EDF/BDF file types go where desktops look for them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
folder=$1 version=$2 out=$3
app=io.github.elmdesktop.ElmDesktop
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root/opt" "$root/usr/bin" "$root/usr/share/applications" "$root/usr/share/metainfo" \
  "$root/usr/share/mime/packages" "$root/usr/share/icons/hicolor/scalable/apps" "$root/DEBIAN"
cp -a "$folder" "$root/opt/elm-desktop"
ln -s /opt/elm-desktop/elm-desktop "$root/usr/bin/elm-desktop"
install -m 644 "$here/$app.desktop" "$root/usr/share/applications/"
sed -e "s/@VERSION@/$version/" -e "s/@DATE@/$(date -u +%F)/" "$here/$app.metainfo.xml" \
  > "$root/usr/share/metainfo/$app.metainfo.xml"
install -m 644 "$here/elm-desktop-mime.xml" "$root/usr/share/mime/packages/elm-desktop.xml"
install -m 644 "$here/$app.svg" "$root/usr/share/icons/hicolor/scalable/apps/"

# Qt's GUI and its xcb plugin load these system libraries (README.md lists the same ones);
# desktop and MIME databases are refreshed by the triggers of desktop-file-utils and
# shared-mime-info, so the package needs no maintainer scripts.
cat > "$root/DEBIAN/control" <<CONTROL
Package: elm-desktop
Version: $version
Architecture: amd64
Maintainer: ELM Desktop maintainers <elm-desktop@localhost>
Section: science
Priority: optional
Installed-Size: $(du -sk "$root" | cut -f1)
Depends: libc6 (>= 2.28), libegl1, libgl1, libfontconfig1, libfreetype6, libdbus-1-3, libglib2.0-0, libxkbcommon0, libxkbcommon-x11-0, libx11-6, libx11-xcb1, libxcb1, libxcb-cursor0, libxcb-icccm4, libxcb-image0, libxcb-keysyms1, libxcb-randr0, libxcb-render0, libxcb-render-util0, libxcb-shape0, libxcb-shm0, libxcb-sync1, libxcb-util1, libxcb-xfixes0, libxcb-xkb1
Description: Review clinical EEG with an EEG-language model
 Opens EDF, EDF+ and BDF recordings, draws bipolar traces and runs an
 EEG-language model locally (ONNX Runtime, CPU): attended segments, zero-shot
 findings, a draft report and similar prior cases. Nothing is sent over the
 network. Not a medical device.
CONTROL
mkdir -p "$out"
# xz's fastest level: on the shared 2-core build machine here (load average 13-14) the default
# level had not finished after 8 minutes; -z1 took 7 to 10 minutes and gives 201 MB.
dpkg-deb --root-owner-group -Zxz -z1 --build "$root" "$out/elm-desktop_${version}_amd64.deb"
