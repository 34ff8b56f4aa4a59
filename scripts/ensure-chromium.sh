#!/usr/bin/env bash
# Installs Debian's Chromium for the dashboard's browser test (tests/browser/) when it is missing.
# Idempotent: does nothing when the browser is there. Playwright's own browser download is not used
# (it needs the internet at test time and is not what runs on Debian machines); playwright-core
# drives this one. Needs root or password-less sudo for apt-get, like scripts/services.sh.
#   bash scripts/ensure-chromium.sh        CHROMIUM=/path/to/chromium to check another binary
set -euo pipefail

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[[ -x $CHROMIUM ]] && exit 0

die() { echo "ensure-chromium: $*" >&2; exit 1; }
command -v apt-get >/dev/null 2>&1 || die "$CHROMIUM is missing and apt-get is not available: install Chromium by hand"
sudo=()
if ((EUID != 0)); then
  { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; } ||
    die "$CHROMIUM is missing: run 'sudo apt-get update && sudo apt-get install -y chromium' (or run this script as root)"
  sudo=(sudo -n)
fi
apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=300)
echo "ensure-chromium: installing Debian's chromium (apt-get) for the browser test"
"${apt[@]}" update >/dev/null
"${apt[@]}" install --no-install-recommends chromium >/dev/null
[[ -x $CHROMIUM ]] || die "apt-get installed chromium but $CHROMIUM is still missing"
echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM") installed"
