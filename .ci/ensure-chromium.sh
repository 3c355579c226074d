#!/usr/bin/env bash
# The browser tests drive Debian's Chromium through Playwright; never a downloaded browser.
# Also installs what WeasyPrint renders faster with, and poppler for looking at PDFs.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
  echo "Chromium is needed for the browser tests: as root run  apt-get install -y chromium"
  exit 1
fi
as_root=""; [ "$(id -u)" = 0 ] || as_root="sudo"
echo "Installing Debian's chromium package for the browser tests..."
export DEBIAN_FRONTEND=noninteractive
$as_root apt-get update -qq
$as_root apt-get install -y -qq --no-install-recommends chromium fonts-liberation libharfbuzz-subset0 >/dev/null
