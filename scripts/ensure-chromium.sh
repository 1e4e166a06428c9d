#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests when it is missing (browser downloads are not possible here:
# playwright-core drives the system binary). Quiet and idempotent when Chromium is present.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-chromium: chromium is missing and this is not root; install it with: sudo apt-get install -y chromium" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
command -v chromium >/dev/null
