#!/usr/bin/env bash
# Build a self-contained trackerscan that needs no Python, no venv and no terminal to install:
#
#   bash scripts/build-bundle.sh            ->  dist/trackerscan-<version>-<os>-<arch>/
#                                               with trackerscan and trackerscan-gui (.exe on Windows),
#                                               plus an archive of it (.tar.gz on Linux, .zip on
#                                               Windows, .dmg with trackerscan.app on macOS)
#
# PYTHON (default .venv/bin/python, or python on Windows) is the interpreter whose packages are
# bundled; the script installs trackerscan with its gui, hci and bundle extras into it first.
# DIST_DIR (default dist) and BUILD_DIR (default build/bundle) say where the results and
# PyInstaller's work files go.
#
# Why PyInstaller (pinned in pyproject.toml's `bundle` extra): it builds on Linux, Windows and
# macOS from one spec, ships hooks for PyQt6, and freezes bleak's platform backends (WinRT,
# pyobjc/CoreBluetooth, dbus-fast) with the hooks maintained in pyinstaller-hooks-contrib.
# Briefcase would need a separate project layout and templates downloaded at build time;
# cx_Freeze and Nuitka have no maintained hooks for bleak's WinRT projection, and Nuitka
# needs a C compiler on every build machine.
set -euo pipefail
cd "$(dirname "$0")/.."

case "$(uname -s)" in
    Linux*) os=linux ;;
    Darwin*) os=macos ;;
    MINGW* | MSYS* | CYGWIN* | Windows_NT) os=windows ;;
    *) echo "build-bundle.sh: unknown system $(uname -s)" >&2; exit 2 ;;
esac
arch="$(uname -m)"
case "$arch" in
    x86_64 | amd64 | AMD64) arch=x86_64 ;;
    aarch64 | arm64) arch=arm64 ;;
esac
if [ -z "${PYTHON:-}" ]; then
    if [ "$os" = windows ]; then PYTHON=python; else PYTHON=.venv/bin/python; fi
fi
"$PYTHON" -c "import PyInstaller, trackerscan_gui" 2>/dev/null \
    || "$PYTHON" -m pip install -q --disable-pip-version-check ".[gui,hci,bundle]"
version="$("$PYTHON" -c 'import trackerscan; print(trackerscan.__version__)')"
name="trackerscan-${version}-${os}-${arch}"
export TRACKERSCAN_BUNDLE_NAME="$name"
dist="${DIST_DIR:-dist}"
work="${BUILD_DIR:-build/bundle}"

rm -rf "$work" "${dist:?}/${name}" "${dist:?}/${name}".*
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --workpath "$work" --distpath "$dist" scripts/bundle/trackerscan.spec

case "$os" in
    linux)
        tar -C "$dist" -czf "${dist}/${name}.tar.gz" "$name"
        echo "built ${dist}/${name}/ and ${dist}/${name}.tar.gz"
        ;;
    windows)
        (cd "$dist" && powershell -NoProfile -Command \
            "Compress-Archive -Force -Path '${name}' -DestinationPath '${name}.zip'")
        echo "built ${dist}/${name}/ and ${dist}/${name}.zip"
        ;;
    macos)
        # the .app for Finder, and the plain folder for the smoke test and the terminal
        hdiutil create -quiet -volname trackerscan -srcfolder "${dist}/trackerscan.app" -ov -format UDZO \
            "${dist}/${name}.dmg"
        echo "built ${dist}/${name}/, ${dist}/trackerscan.app and ${dist}/${name}.dmg"
        ;;
esac
