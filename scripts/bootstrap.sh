#!/usr/bin/env bash
# Fresh-machine entry point (Debian/Ubuntu, Node >= 20.19, as root or with sudo):
#   bash scripts/bootstrap.sh demo   installs what is missing, builds, runs `cctv demo`
#   bash scripts/bootstrap.sh test   installs what is missing, builds, runs the whole test suite (npm test)
# Re-running is cheap: packages already there are not installed again.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-}"
case "$what" in demo|test) ;; *) echo "usage: bash scripts/bootstrap.sh demo|test" >&2; exit 2 ;; esac

major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 20 ]; then echo "cctv needs Node.js 20.19 or newer (found: $(node --version 2>/dev/null || echo none))" >&2; exit 2; fi

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# Debian packages: binary to check -> package that provides it.
declare -A pkgs=(
  [ffmpeg]=ffmpeg [setpriv]=util-linux [g++]=g++ [make]=make [python3]=python3
)
if [ "$what" = test ]; then
  pkgs+=(
    [gst-launch-1.0]=gstreamer1.0-tools [mosquitto]=mosquitto [chromium]=chromium [rclone]=rclone [nginx]=nginx-light
    [openssl]=openssl [faketime]=faketime [systemd-analyze]=systemd [useradd]=passwd
  )
fi
missing=()
for bin in "${!pkgs[@]}"; do
  command -v "$bin" >/dev/null 2>&1 || [ -x "/usr/sbin/$bin" ] || missing+=("${pkgs[$bin]}")
done
# The RTSP test camera needs GStreamer's RTSP server and Python bindings (no binary to look for).
if [ "$what" = test ] && ! /usr/bin/python3 -c 'import gi; gi.require_version("GstRtspServer", "1.0")' >/dev/null 2>&1; then
  missing+=(gstreamer1.0-rtsp gir1.2-gst-rtsp-server-1.0 python3-gi gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
    gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-x)
fi
# /metrics is read in the tests with the Prometheus project's own text-format parser (its Python client).
if [ "$what" = test ] && ! /usr/bin/python3 -c 'import prometheus_client.parser' >/dev/null 2>&1; then
  missing+=(python3-prometheus-client)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "== installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund
fi

if [ "$what" = demo ]; then exec npm run demo; fi
exec npm test
