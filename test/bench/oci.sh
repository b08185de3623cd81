#!/bin/sh
# See LICENSE file for copyright and license details.
#
# test/bench/oci.sh PIECES: pieces as the OCI runtime of podman and of
# containerd, beside crun: `podman run --rm --network none IMG true`
# (conmon; pieces-runc's create, start, delete and state) and `ctr run
# --rm IMG ID true` (containerd's runc v2 shim), ROUNDS (default 20) of
# each after a warm-up, in the private set-up of test/oci/podman.sh and
# ctr.sh (their OCI_BENCH mode); the runtimes take turns, two blocks
# each, so that both see the same machine.  Prints medians, p90s and the
# ratio pieces/crun; never judges them: exit 0 unless the harness broke.
# Needs root and the engines (the harnesses install them, pinned).
set -u
export LC_ALL=C
PIECES=${1:-./pieces}
ROUNDS=${ROUNDS:-20}
case $PIECES in /*) ;; */*) PIECES=$PWD/$PIECES ;; esac
case $ROUNDS in '' | *[!0-9]* | 0) echo "bench: ROUNDS must be a positive number" >&2; exit 1 ;; esac
[ "$(id -u)" = 0 ] || { echo "bench: must run as root" >&2; exit 1; }
oci=$(cd "$(dirname "$0")/../oci" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/pieces-bench.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 130' HUP INT PIPE TERM
mkdir "$work/bin"
ln -s "$PIECES" "$work/bin/pieces"	# the harnesses run a file named pieces as pieces-runc

half=$(((ROUNDS + 1) / 2))
for h in podman ctr; do
	for block in 1 2; do
		for rt in crun "$work/bin/pieces"; do
			OCI_BENCH=$half sh "$oci/$h.sh" "$rt" >"$work/out" 2>&1 ||
				{ echo "bench: $h with $rt:"; tail -n 3 "$work/out"; exit 1; }
			sed -n "s/^bench .* \([0-9.]*\) \([0-9.]*\)\$/${rt##*/} \1 \2/p" "$work/out" >>"$work/$h"
		done
	done
	awk -v h="$h" '{ m[$1] += $2 / 2; p[$1] += $3 / 2 } END {
		printf "%s run --rm IMG true: pieces %.1f ms (p90 %.1f), crun %.1f ms (p90 %.1f), pieces/crun %.2f\n",
		    h, m["pieces"], p["pieces"], m["crun"], p["crun"], m["pieces"] / m["crun"] }' "$work/$h"
done
