#!/bin/sh
# See LICENSE file for copyright and license details.
#
# engines: pieces as the OCI runtime of the engines that call one, each
# beside crun on the same cases in the same run: podman 4.3 with conmon
# (test/oci/podman.sh), containerd 1.6's ctr and CRI through the runc v2
# shim (test/oci/ctr.sh), and the opencontainers runtime-tools validation
# suite (test/oci/validate.sh).  A case crun passes, pieces must pass; a
# case crun fails too is a skip naming it.  The harnesses install their
# pinned Debian packages (test/oci/lib.sh), keep every piece of state in
# a private directory and mount namespace, and remove what they made.
#
# PIECES_ENGINES=0 skips it all (a quick run of the rest of the suite).
. "$(dirname "$0")/lib.sh"
OCIT=$(cd "$(dirname "$0")/oci" && pwd)

if ! needroot; then
	skip "engines" "needs root"
	finish
fi
if [ "${PIECES_ENGINES:-1}" = 0 ]; then
	skip "engines" "PIECES_ENGINES=0"
	finish
fi
if [ -n "${PIECES_ASAN:-}" ]; then
	# the engines parse the runtime's stderr (ctr task ps reads it as JSON)
	skip "engines" "not under ASan: its reports go to stderr, which the engines parse"
	finish
fi
# the harnesses run a file named pieces as pieces-runc
mkdir "$T/bin"
ln -s "$PIECES" "$T/bin/pieces"

# cases OUT: each TAP case of a harness's output, as "ok DESC" or "no DESC"
cases() {
	sed -n -e 's/^ok [0-9]* - /ok /p' -e 's/^not ok [0-9]* - /no /p' "$1"
}

# what pieces is known to fail yet, as "HARNESS: CASE|why" lines: a skip
# that says so (none now)
KNOWN=""

# known NAME DESC: the reason pieces is known to fail NAME's case DESC, if it is
known() {
	echo "$KNOWN" | while IFS='|' read -r _c _why; do
		[ "$_c" = "$1: $2" ] && echo "$_why"
	done
}

# compare NAME: NAME's cases with pieces against crun's ($T/NAME.{pieces,crun})
compare() {
	cases "$T/$1.crun" >"$T/c"
	cases "$T/$1.pieces" >"$T/p"
	if [ ! -s "$T/c" ]; then
		skip "$1" "no case ran with crun: $(tail -n 1 "$T/$1.crun")"
		return
	fi
	while read -r v d; do
		if [ "$v" = no ]; then
			grep -qxF "ok $d" "$T/p" && is "$1: $d (crun fails it)" ok ok ||
				skip "$1: $d" "fails with crun too"
			continue
		fi
		if grep -qxF "ok $d" "$T/p"; then
			is "$1: $d" ok ok
		elif [ -n "$(known "$1" "$d")" ]; then
			skip "$1: $d" "known to fail with pieces: $(known "$1" "$d")"
		else
			is "$1: $d" "$(grep -F " $d" "$T/$1.pieces" | head -n 1)" "ok - $d"
			awk -v d="$d" 'f && /^#/ { print "#  " $0; next } { f = 0 }
			    /^not ok / && substr($0, index($0, " - ") + 3) == d { f = 1 }' \
			    "$T/$1.pieces"
		fi
	done <"$T/c"
	echo "# $1: $(tail -n 1 "$T/$1.pieces" | sed 's/^# //'); $(tail -n 1 "$T/$1.crun" | sed 's/^# //')"
}

for h in podman ctr; do
	for rt in crun "$T/bin/pieces"; do
		sh "$OCIT/$h.sh" "$rt" >"$T/$h.${rt##*/}" 2>&1
	done
	compare "$h"
done

# the validation suite: its table, both runtimes side by side, then the gate
sh "$OCIT/validate.sh" "$T/bin/pieces" crun >"$T/v" 2>&1
sed 's/^/# /' "$T/v"
if ! grep -q '^program ' "$T/v"; then
	skip "validation suite" "did not run: $(tail -n 1 "$T/v")"
	finish
fi
awk '$1 != "program" && NF == 5 { print $1, $2, $4 }' "$T/v" >"$T/vt"
while read -r prog mine ref; do
	case $ref in
	PASS*)
		case $mine in
		PASS*) is "validation: $prog" ok ok ;;
		*) is "validation: $prog (crun passes it)" "$mine" PASS ;;
		esac
		;;
	*) skip "validation: $prog" "crun: $ref, pieces: $mine" ;;
	esac
done <"$T/vt"
finish
