#!/usr/bin/env bash
# Runs the whole test suite. Installs the system tools the tests use where they are missing
# (redis-server, slowhttptest), so a fresh Debian machine needs only a JDK and Maven.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v slowhttptest >/dev/null || missing+=(slowhttptest)
if ((${#missing[@]})); then
  if [[ $(id -u) == 0 ]]; then
    echo "installing test tools: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "missing test tools: ${missing[*]} (install them, e.g. sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

exec mvn -B -ntp verify "$@"
