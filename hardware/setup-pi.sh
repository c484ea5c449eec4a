#!/usr/bin/env bash
# One-command set-up of the trackerscan kit on Raspberry Pi OS (bookworm or later; 64-bit recommended).
#
#   sudo hardware/setup-pi.sh [--user NAME] [--gps-device DEV] [--ble SOURCE] [--pins SPEC] [--silent]
#                             [--venv DIR] [--no-service] [--dry-run] [--root DIR]
#
# What it does (each step is safe to repeat; running the script twice gives the same result):
#   1. installs the system packages the kit needs (BlueZ, gpsd, udisks2, polkit, Python venv, lgpio);
#   2. adds the kit's user to the bluetooth, gpio and dialout groups;
#   3. installs trackerscan with its gui, hci and pi extras into a virtual environment (default
#      /opt/trackerscan/venv) and links /usr/local/bin/trackerscan to it;
#   4. configures gpsd for the receiver (/etc/default/gpsd: DEVICES, GPSD_OPTIONS="-n"; the original
#      file is kept once as /etc/default/gpsd.before-trackerscan);
#   5. installs and starts the systemd service (`trackerscan install-service`);
#   6. checks the result by listing the sources (`trackerscan sources`).
#
# --dry-run prints every command and file instead of running or writing it.
# --root DIR writes the files under DIR (a disk image, a test) and only prints the commands that would
#            change this computer (apt-get, usermod, pip, systemctl).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KIT_USER="${SUDO_USER:-${USER:-pi}}"
GPS_DEVICE=""
BLE="bleak"
PINS=""
SILENT=0
VENV="/opt/trackerscan/venv"
SERVICE=1
DRY=0
ROOT=""
APT_PACKAGES=(bluez gpsd gpsd-clients udisks2 polkitd python3-venv python3-dev python3-lgpio)

usage() { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; }

die() { echo "setup-pi.sh: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
    case "$1" in
        --user) KIT_USER="${2:?--user needs a name}"; shift 2 ;;
        --gps-device) GPS_DEVICE="${2:?--gps-device needs a device, e.g. /dev/ttyACM0}"; shift 2 ;;
        --ble) BLE="${2:?--ble needs a source, e.g. bleak:hci1}"; shift 2 ;;
        --pins) PINS="${2:?--pins needs led=N,buzzer=N,button=N}"; shift 2 ;;
        --silent) SILENT=1; shift ;;
        --venv) VENV="${2:?--venv needs a folder}"; shift 2 ;;
        --no-service) SERVICE=0; shift ;;
        --dry-run) DRY=1; shift ;;
        --root) ROOT="${2:?--root needs a folder}"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
done

if [ -n "$ROOT" ]; then
    ROOT="$(cd "$ROOT" && pwd)" || die "--root $ROOT: no such folder"
fi
# Commands that change this computer run only for real (not with --dry-run or --root).
LIVE=1
if [ "$DRY" = 1 ] || [ -n "$ROOT" ]; then LIVE=0; fi

say() { printf '\n== %s\n' "$*"; }
run() {
    if [ "$LIVE" = 1 ]; then "$@"; else printf '+ %s\n' "$*"; fi
}
# write FILE MODE < content: replaces FILE only when the content differs (so a second run changes nothing)
write() {
    local path="$ROOT$1" mode="$2" content
    content="$(cat)"
    if [ "$DRY" = 1 ]; then
        printf '+ write %s (mode %s):\n%s\n' "$path" "$mode" "$content"
        return
    fi
    mkdir -p "$(dirname "$path")"
    if [ -f "$path" ] && [ "$(cat "$path")" = "$content" ]; then
        echo "unchanged: $path"
        return
    fi
    printf '%s\n' "$content" > "$path.tmp"
    chmod "$mode" "$path.tmp"
    mv "$path.tmp" "$path"
    echo "wrote: $path"
}

if [ "$LIVE" = 1 ] && [ "$(id -u)" != 0 ]; then
    die "run it with sudo (it installs packages and a system service): sudo $0 $*"
fi
if [ "$LIVE" = 1 ] && ! id "$KIT_USER" >/dev/null 2>&1; then
    die "there is no user '$KIT_USER': name the kit's user with --user"
fi
if [ "$KIT_USER" = root ]; then
    echo "setup-pi.sh: warning: the scanner will run as root; better: --user with the Pi's normal user." >&2
fi

say "1/6 system packages"
missing=()
for p in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if [ "${#missing[@]}" -gt 0 ] || [ "$LIVE" = 0 ]; then
    run apt-get update
    run apt-get install -y --no-install-recommends "${APT_PACKAGES[@]}"
else
    echo "all installed: ${APT_PACKAGES[*]}"
fi
# Realtek USB dongles (TP-Link UB500 ...) need their firmware blob (firmware_notes/ble-dongles.md);
# it lives in non-free-firmware, which Raspberry Pi OS enables.  Not fatal: other dongles do without.
if [ "$LIVE" = 0 ] || ! dpkg-query -W -f='${Status}' firmware-realtek 2>/dev/null | grep -q "install ok installed"; then
    run apt-get install -y firmware-realtek || echo "note: firmware-realtek not installed (only Realtek dongles need it)"
fi

say "2/6 groups for $KIT_USER (Bluetooth, GPIO pins, serial GPS)"
groups=()
for g in bluetooth gpio dialout; do
    if [ "$LIVE" = 0 ] || getent group "$g" >/dev/null; then groups+=("$g"); fi
done
if [ "${#groups[@]}" -gt 0 ]; then
    run usermod -aG "$(IFS=,; echo "${groups[*]}")" "$KIT_USER"
fi

say "3/6 trackerscan into $VENV"
# --system-site-packages: gpiozero finds the lgpio pin library installed by apt (Pi 5 needs it).
if [ "$LIVE" = 0 ] || [ ! -x "$VENV/bin/python" ]; then
    run python3 -m venv --system-site-packages "$VENV"
fi
run "$VENV/bin/pip" install --quiet --upgrade "${REPO}[gui,hci,pi]"
run ln -sfn "$VENV/bin/trackerscan" /usr/local/bin/trackerscan

say "4/6 gpsd"
if [ -z "$GPS_DEVICE" ]; then
    for candidate in /dev/serial/by-id/*u-blox* /dev/ttyACM0 /dev/ttyUSB0; do
        if [ -e "$candidate" ]; then GPS_DEVICE="$candidate"; break; fi
    done
fi
if [ -z "$GPS_DEVICE" ]; then
    echo "no GPS receiver found now: gpsd will pick up a USB receiver when it is plugged in (USBAUTO)."
    echo "For a UART GPS HAT, run again with --gps-device /dev/serial0."
else
    echo "GPS receiver: $GPS_DEVICE"
fi
if [ "$GPS_DEVICE" = /dev/serial0 ] && command -v raspi-config >/dev/null; then
    # UART on, login console off the UART (raspi-config's non-interactive mode: 0 = enable, 1 = disable)
    run raspi-config nonint do_serial_hw 0
    run raspi-config nonint do_serial_cons 1
fi
if [ -f "$ROOT/etc/default/gpsd" ] && [ ! -f "$ROOT/etc/default/gpsd.before-trackerscan" ] \
        && ! grep -q "setup-pi.sh" "$ROOT/etc/default/gpsd" && [ "$DRY" = 0 ]; then
    cp -p "$ROOT/etc/default/gpsd" "$ROOT/etc/default/gpsd.before-trackerscan"
    echo "kept the original as $ROOT/etc/default/gpsd.before-trackerscan"
fi
write /etc/default/gpsd 0644 <<EOF
# Written by trackerscan's hardware/setup-pi.sh; the original is kept as gpsd.before-trackerscan.
# -n: read the receiver all the time, not only while a client is connected, so the first fix
#     is ready when the scanner asks for it (gpsd(8)).
START_DAEMON="true"
USBAUTO="true"
DEVICES="$GPS_DEVICE"
GPSD_OPTIONS="-n"
EOF
run systemctl enable gpsd.socket gpsd.service
run systemctl restart gpsd.service

say "5/6 the trackerscan service"
if [ "$SERVICE" = 1 ]; then
    args=(install-service --user "$KIT_USER" --ble "$BLE" --gps gpsd)
    if [ -n "$PINS" ]; then args+=(--pins "$PINS"); fi
    if [ "$SILENT" = 1 ]; then args+=(--silent); fi
    if [ "$DRY" = 1 ]; then
        printf '+ %s\n' "$VENV/bin/trackerscan ${args[*]}"
    elif [ -n "$ROOT" ]; then
        # Under --root the unit is written there; the venv may not exist yet, so any Python with
        # trackerscan importable will do (TRACKERSCAN_PYTHON, else the venv's).
        "${TRACKERSCAN_PYTHON:-$VENV/bin/python}" -m trackerscan "${args[@]}" --root "$ROOT" \
            --python "$VENV/bin/python"
    else
        "$VENV/bin/trackerscan" "${args[@]}"
    fi
else
    echo "skipped (--no-service): start the kit by hand with  trackerscan run --headless"
fi

say "6/6 check: the sources this Pi offers"
if [ "$LIVE" = 1 ]; then
    if ! runuser -u "$KIT_USER" -- "$VENV/bin/trackerscan" sources; then
        echo "setup-pi.sh: 'trackerscan sources' failed: see the message above and hardware/ASSEMBLY.md." >&2
        exit 1
    fi
    echo
    echo "Done.  Log out and in (or reboot) for the new groups; the light should blink every 3 s once"
    echo "scanning with a GPS fix.  Follow the scanner with:  journalctl -u trackerscan -f"
else
    printf '+ %s\n' "runuser -u $KIT_USER -- $VENV/bin/trackerscan sources"
fi
