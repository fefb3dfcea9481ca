#!/usr/bin/env bash
# Installs, from Debian's packages, what the tests need and this machine lacks: redis-server and redis-cli (the
# private Redis servers), haproxy (the balancer test), promtool (the /metrics check and the alert rules), espeak-ng and sox (the
# listening times measured from audio; soxi checks the WAV reader) and chromium (the desk page's browser test,
# driven by playwright-core; no browser is downloaded). Run by `npm test` and CI.
set -euo pipefail
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
command -v soxi >/dev/null 2>&1 || missing+=(sox)
[ -x /usr/bin/chromium ] || missing+=(chromium)
# A font for the pages chromium renders (the screenshot in docs/); the desk page names no font of its own.
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "missing: ${missing[*]}: installing from Debian's packages"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
