#!/usr/bin/env bash
# One-command set-up for a fresh Debian / Raspberry Pi OS machine.
#
#   bash scripts/setup.sh run    install trackerscan and start scanning
#   bash scripts/setup.sh test   install what the tests need and run every check
#
# Safe to run again: it reuses the virtual environment in .venv.
set -euo pipefail
mode="${1:-run}"
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

# System packages.  run: BlueZ and the libraries Qt needs.  test: also D-Bus
# headers (dbus-python for python-dbusmock), gpsd (a real daemon on a pty),
# poppler-utils (report pages to PNG), tshark/editcap (an independent reader of
# our btsnoop files, and real pcap files), shellcheck (the Pi set-up script), binutils
# (PyInstaller reads the libraries it bundles with objdump: the bundle test) and
# rtl-sdr/hackrf (rtl_power and hackrf_sweep, run with no radio plugged in).
apt_run=(python3-venv python3-dev bluez libxcb-cursor0 libegl1 libgl1 libxkbcommon0 libfontconfig1
         fonts-dejavu-core)
apt_test=(dbus libdbus-1-dev libglib2.0-dev pkg-config gpsd poppler-utils tshark shellcheck binutils
          rtl-sdr hackrf)
pkgs=("${apt_run[@]}")
if [ "$mode" = "test" ]; then pkgs+=("${apt_test[@]}"); fi
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip 2>&1 | grep -v "is ignored" || true
extras="gui,hci,pi"
if [ "$mode" = "test" ]; then extras="test"; fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[${extras}]" 2>&1 | grep -v "is ignored" || true
.venv/bin/python -c "import trackerscan" # fail here, clearly, if the install did not work

case "$mode" in
    run)
        echo "Installed. Starting a scan (Ctrl-C ends it). The desktop app: .venv/bin/trackerscan-gui"
        exec .venv/bin/trackerscan scan
        ;;
    test)
        exec bash scripts/check.sh
        ;;
    *)
        echo "usage: bash scripts/setup.sh run|test" >&2
        exit 2
        ;;
esac
