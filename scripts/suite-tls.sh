#!/bin/bash
# Runs units of Redis 7.2.4's own Tcl test suite in its TLS mode (--tls, spawn mode: the harness
# starts each server with tls-port, certificates and tls-replication/-cluster on) against
# carmine-server and against the oracle's redis-server, and prints the counts side by side.
# The suite ships without the certificates its TLS mode reads (tests/tls/), so a copy of it gets
# fresh ones here: a CA, server and client certificates, a generic one and DH parameters.
# Needs tcl-tls (scripts/deps.sh installs it). Without ../shared/redis-7.2.4 it says so and exits.
# Exits 1 when a unit passes fewer tests than Redis's, fails one, or stops early.
#
#   scripts/suite-tls.sh                          # unit/tls unit/auth unit/acl
#   UNITS="unit/networking" scripts/suite-tls.sh
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SUITE=${REDIS_SUITE:-$(dirname "$ROOT")/shared/redis-7.2.4}
BIN=${CARMINE_BIN:-$ROOT/build/carmine-server}
UNITS=${UNITS:-"unit/tls unit/auth unit/acl"}
if [ ! -x "$SUITE/run-suite.sh" ]; then
  echo "suite-tls: $SUITE not present, skipped"
  exit 0
fi
echo 'package require tls' | tclsh8.6 >/dev/null 2>&1 || {
  echo "suite-tls: tcl-tls missing (apt-get install tcl-tls)"; exit 1; }

work=$(mktemp -d /tmp/carmine-suite-tls.XXXXXX)
[ -n "${KEEP_SUITE_TLS:-}" ] || trap 'rm -rf "$work"' EXIT
ln -s "$(cd "$SUITE" && pwd)/bin" "$work/bin"
cp "$SUITE/run-suite.sh" "$work/"
cp -r "$SUITE/suite" "$work/suite"
certs=$work/suite/tests/tls
mkdir -p "$certs"
(
  cd "$certs"
  openssl genrsa -out ca.key 2048
  openssl req -x509 -new -nodes -sha256 -key ca.key -days 30 -subj "/O=Carmine Test/CN=CA" -out ca.crt
  # <name> <extendedKeyUsage or empty>
  cert() {
    openssl genrsa -out "$1.key" 2048
    openssl req -new -sha256 -key "$1.key" -subj "/O=Carmine Test/CN=$1" -out "$1.csr"
    if [ -n "$2" ]; then printf 'keyUsage = digitalSignature, keyEncipherment\nextendedKeyUsage = %s\n' "$2" >"$1.ext"
    else : >"$1.ext"; fi
    openssl x509 -req -sha256 -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
      -extfile "$1.ext" -in "$1.csr" -out "$1.crt"
  }
  cert server serverAuth
  cert client clientAuth
  cert redis ""
  openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out redis.dh
) >"$work/certs.log" 2>&1 || { cat "$work/certs.log"; exit 1; }

run() {  # run <binary> -> "UNIT <unit> <passed> <failed> [why]" lines
  LOGDIR=$work/logs-$(basename "$1") UNITS=$UNITS "$work/run-suite.sh" spawn "$1" --tls \
    | grep '^UNIT '
}
declare -A rp rf
while read -r _ unit p f why; do rp[$unit]=$p rf[$unit]="$f${why:+ $why}"; done \
  < <(run "$SUITE/bin/redis-server")
printf '%-24s %8s %8s %8s %8s\n' unit carmine failed redis failed
status=0
while read -r _ unit p f why; do
  printf '%-24s %8s %8s %8s %8s\n' "$unit" "$p" "$f${why:+ $why}" "${rp[$unit]}" "${rf[$unit]}"
  # Fewer passes than Redis, or any failure or abort, fails the run.
  if [ "$p" -lt "${rp[$unit]:-0}" ] || [ "$f" -gt 0 ] || [ -n "$why" ]; then status=1; fi
done < <(run "$BIN")
exit $status
