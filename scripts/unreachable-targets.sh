#!/bin/sh
# Peak memory of an audit of N targets that cannot be reached (#13): every
# target is http://127.0.0.1:<port>/ on a port where nothing listens, so the
# run stays on loopback and needs no DNS. Prints /usr/bin/time's peak RSS.
#
# Usage: scripts/unreachable-targets.sh N [BINARY]
#   N       how many targets (10000, 100000)
#   BINARY  default: $CARGO_TARGET_DIR/release/portal-audit (else target/)
set -eu
count=${1:?how many targets}
binary=${2:-${CARGO_TARGET_DIR:-target}/release/portal-audit}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Ports 1-9 (tcpmux, echo, discard…) are closed on a machine with no such
# services; a refused connection fails at once, as a dead server would.
awk -v n="$count" 'BEGIN {
  print "id,name,kind,url"
  for (i = 0; i < n; i++) printf "s%d,Cơ quan %d,department,http://127.0.0.1:%d/\n", i, i, i % 9 + 1
}' >"$work/targets.csv"
${WRAP:-} /usr/bin/time -v "$binary" audit --targets "$work/targets.csv" --out "$work/out" \
  --history "$work/history.sqlite" --quiet 2>"$work/time.txt" || true
grep -E "Maximum resident|Elapsed \(wall" "$work/time.txt"
