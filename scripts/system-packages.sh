#!/usr/bin/env bash
# The Debian packages the checks need beyond Python and Rust, installed when missing:
#   librsvg2-bin   rsvg-convert, to render the report's SVG picture in tests/test_picture.py
set -euo pipefail
missing=()
command -v rsvg-convert >/dev/null || missing+=(librsvg2-bin)
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null; then
    echo "system-packages: please install ${missing[*]} (no apt-get here)" >&2
    exit 0
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
fi
echo "system-packages: installing ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
