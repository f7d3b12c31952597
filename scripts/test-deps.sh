#!/usr/bin/env bash
# The programs the tests run beside the product: SIPp (callers, callees),
# baresip (desk phones), sox (audio checks and announcement uploads, with
# MP3 through libsox-fmt-mp3), redis-server (the Redis store), chromium (the
# browser the page tests drive, at /usr/bin/chromium), PostgreSQL (the
# contact records with DATABASE_URL; its programs live in
# /usr/lib/postgresql/<version>/bin, not on the PATH). Installed from
# Debian's packages when one is missing; nothing is downloaded from
# anywhere else.
set -euo pipefail

packages=(sip-tester baresip sox libsox-fmt-mp3 redis-server chromium postgresql)
commands=(sipp baresip sox redis-server chromium)

missing=0
for c in "${commands[@]}"; do command -v "$c" >/dev/null 2>&1 || missing=1; done
# sox may be there without its MP3 handler.
if command -v sox >/dev/null 2>&1 && ! sox -h 2>/dev/null | grep -q 'AUDIO FILE FORMATS:.* mp3'; then missing=1; fi
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing=1
[ "$missing" = 0 ] && exit 0

if [ "$(id -u)" = 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "The tests need: ${packages[*]} (Debian packages). Install them as root: apt-get install ${packages[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}"
