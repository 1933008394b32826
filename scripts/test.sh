#!/usr/bin/env bash
# Runs the whole test suite. Installs the system tools the tests use where they are missing
# (redis-server, slowhttptest, and nginx, the reference for the leaky-bucket conformance test), so a fresh
# Debian machine needs only a JDK and Maven.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v slowhttptest >/dev/null || missing+=(slowhttptest)
[[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
if ((${#missing[@]})); then
  if [[ $(id -u) == 0 ]]; then
    echo "installing test tools: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    # Installing nginx or redis must not start their system services (port 80, 6379): the tests start their own.
    policy=/usr/sbin/policy-rc.d
    placed=0
    if [[ ! -e $policy ]]; then
      printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && placed=1
    fi
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
    if ((placed)); then rm -f "$policy"; fi
  else
    echo "missing test tools: ${missing[*]} (install them, e.g. sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

exec mvn -B -ntp verify "$@"
