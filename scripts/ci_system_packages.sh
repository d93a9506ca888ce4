#!/usr/bin/env bash
# System packages the report, dashboard and browser tests need (Debian / Ubuntu):
#   chromium                       headless browser driven by Playwright (no browser download)
#   libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
#                                  text layout for WeasyPrint (PDF reports)
#   fonts-dejavu-core              a font WeasyPrint and Chromium can always find
# Installs only what is missing; uses sudo when not root. Idempotent.
set -euo pipefail

packages=(chromium libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)

missing=()
for pkg in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "ci: system packages present: ${packages[*]}"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "ci: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
