#!/usr/bin/env bash
# Renders the web app's PNG icons from src/lib/serve/static/icon.svg with ffmpeg's librsvg decoder (Debian's ffmpeg
# has it). The PNGs are committed (a few KB each); run this after changing the SVG.
set -euo pipefail
dir="$(cd "$(dirname "$0")/../src/lib/serve/static" && pwd)"
render() { ffmpeg -hide_banner -loglevel error -y -width "$2" -height "$2" -i "$1" -frames:v 1 "$3"; }
render "$dir/icon.svg" 192 "$dir/icon-192.png"
render "$dir/icon.svg" 512 "$dir/icon-512.png"
render "$dir/icon.svg" 180 "$dir/apple-touch-icon.png"
# Maskable: the same picture full-bleed (no rounded corners; the platform applies its own mask).
tmp="$(mktemp --suffix=.svg)"
sed 's/ rx="6"//' "$dir/icon.svg" > "$tmp"
render "$tmp" 512 "$dir/icon-maskable-512.png"
rm -f "$tmp"
