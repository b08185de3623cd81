#!/bin/sh
# See LICENSE file for copyright and license details.
#
# test/oci/validate.sh [-t SECS] [-p REGEX] RUNTIME [REFERENCE]
# test/oci/validate.sh -b
#
# Run the opencontainers runtime-tools validation suite (upstream commit
# 260e151b, ../shared/oci/runtime-tools-260e151.tar.gz) against RUNTIME, a
# runc-compatible binary (a path or a name on PATH; a binary named pieces
# is run through a pieces-runc symlink), and print one line per program:
# its verdict and how many of its TAP tests passed, failed and skipped.
#
# With REFERENCE too, both run in turn and the table shows them side by
# side; the gate is that RUNTIME passes every program REFERENCE passes (a
# program that passes with REFERENCE and fails with RUNTIME is run once
# more, for the suite's flaky ones): the script exits 1 otherwise.  Typical:
#	test/oci/validate.sh ./pieces crun
#
# -b only builds.  -t: seconds each program may take (default 60; a
# program that takes longer is killed and counted as TIMEOUT).  -p: only
# the programs whose name matches REGEX (grep -E).
#
# The programs are built once, offline, with Debian's go 1.19 into
# build/oci/runtime-tools (about 30 s; then cached).  Each runtime gets a
# private --root (a wrapper adds it to every call), TMPDIR (the suite's
# bundles) and working directory; containers a killed program leaves
# behind are deleted with --force.  TAP output of every program is kept in
# build/oci/validate/RUNTIME/PROGRAM.tap.  A program's verdict: FAIL if it
# exits non-zero, prints a "not ok", no plan, fewer tests than its plan,
# or "1..0" with a diagnostic block; SKIP if all its tests skip; else PASS.
# Needs root; runs in its own mount namespace (see lib.sh).
. "$(dirname "$0")/lib.sh"
private_ns "$@"

SRC=$FIXTURES/../oci/runtime-tools-260e151.tar.gz
[ -f "$SRC" ] || SRC=/work/shared/oci/runtime-tools-260e151.tar.gz
B=$TOP/build/oci/runtime-tools
timeout=60 only= buildonly=
while getopts bt:p: o; do
	case $o in
	b) buildonly=1 ;;
	t) timeout=$OPTARG ;;
	p) only=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ -n "$buildonly" ] || [ $# = 1 ] || [ $# = 2 ] ||
	{ sed -n '4,5s/^# /usage: /p' "$0" >&2; exit 2; }

build() {
	sum=$(sha256sum "$SRC" | cut -d' ' -f1)
	[ "$(cat "$B/.built" 2>/dev/null)" = "$sum" ] && return 0
	need $GO_PKGS
	echo "validate.sh: building runtime-tools into $B" >&2
	rm -rf "$B" && mkdir -p "$B"
	tar -xzf "$SRC" -C "$B" --strip-components=1 || die "cannot unpack $SRC"
	(cd "$B" && GOFLAGS=-mod=vendor GOPROXY=off GO111MODULE=on \
	    GOCACHE=$B/.gocache GOPATH=$B/.gopath \
	    make runtimetest validation-executables) >"$B/build.log" 2>&1 ||
		{ tail -20 "$B/build.log" >&2; die "build failed: $B/build.log"; }
	rm -rf "$B/.gocache" "$B/.gopath"
	echo "$sum" >"$B/.built"
}

# clear RT ROOT: delete every container the suite left in ROOT
clear_root() {
	for _c in "$2"/*; do
		[ -e "$_c" ] || continue
		"$1" --root "$2" delete --force "${_c##*/}" >/dev/null 2>&1
		"$1" --root "$2" kill "${_c##*/}" KILL >/dev/null 2>&1
		"$1" --root "$2" delete --force "${_c##*/}" >/dev/null 2>&1
	done
}

# verdict FILE RC: PASS FAIL SKIP or TIMEOUT, and the pass fail skip counts
verdict() {
	awk -v rc="$2" '
	/^1\.\.[0-9]+/ { plan = substr($1, 4) + 0; hasplan = 1; next }
	/^not ok/ { f++; n++; next }
	/^ok/ { if (tolower($0) ~ /# skip/) s++; else p++; n++; next }
	/^[[:space:]]*---/ { diag = 1 }
	END {
		v = "PASS"
		if (rc == 124 || rc == 137) v = "TIMEOUT"
		else if (rc != 0 || f > 0 || !hasplan || n < plan || (plan == 0 && diag)) v = "FAIL"
		else if (p == 0 && s > 0) v = "SKIP"
		printf "%s %d %d %d\n", v, p, f, s
	}' "$1"
}

# suite RT OUT: run every program against RT, one "PROG VERDICT P F S" a line
suite() {
	srt=$1 n=$(name "$1")
	root=$T/state-$n work=$T/work-$n logs=$TOP/build/oci/validate/$n
	mkdir -p "$root" "$work" "$work/tmp" "$T/bin"
	[ -n "${retry:-}" ] || { rm -rf "$logs" && mkdir -p "$logs"; }
	printf '#!/bin/sh\nexec "%s" --root "%s" "$@"\n' "$srt" "$root" >"$T/bin/$n-rooted"
	chmod +x "$T/bin/$n-rooted"
	# copied: the suite copies it into each bundle and keeps a symlink a link
	cp "$B/runtimetest" "$work/runtimetest"
	for f in "$B"/rootfs-*.tar.gz; do ln -sf "$f" "$work/"; done
	: >"$2"
	for t in "$B"/validation/*/*.t; do
		p=${t##*/} p=${p%.t}
		[ -z "$only" ] || echo "$p" | grep -Eq "$only" || continue
		(cd "$work" && RUNTIME=$T/bin/$n-rooted TMPDIR=$work/tmp \
		    timeout -k 5 "$timeout" "$t") >"$logs/$p${retry:+.2nd}.tap" 2>&1
		rc=$?
		clear_root "$srt" "$root"
		unmount_under "$work/tmp"
		rm -rf --one-file-system "$work/tmp" && mkdir "$work/tmp"
		echo "$p $(verdict "$logs/$p${retry:+.2nd}.tap" "$rc")" >>"$2"
		[ -n "${retry:-}" ] && return
	done
}

build
[ -n "$buildonly" ] && exit 0
# the cgroups the suite names (cgroups/cgroups.go)
CG_NAMES="cgrouptest testdir"
rt=$(runtime_path "$1")
start=$(date +%s)
suite "$rt" "$T/a"
if [ $# = 1 ]; then
	printf '%-40s %-7s %4s %4s %4s\n' program $(name "$rt") pass fail skip
	awk '{ printf "%-40s %-7s %4d %4d %4d\n", $1, $2, $3, $4, $5 }' "$T/a"
	awk '{ c[$2]++ } END { printf "%d programs: %d PASS, %d FAIL, %d SKIP, %d TIMEOUT\n",
	    NR, c["PASS"], c["FAIL"], c["SKIP"], c["TIMEOUT"] }' "$T/a"
	echo "$(($(date +%s) - start)) s"
	exit 0
fi
ref=$(runtime_path "$2")
suite "$ref" "$T/b"
# the gate: a program REF passes and RT does not gets a second try
gate=0 missed=
for p in $(awk '$2 == "PASS" { print $1 }' "$T/b"); do
	grep -q "^$p PASS " "$T/a" && continue
	(only="^$p\$" retry=1 suite "$rt" "$T/r")
	if grep -q "^$p PASS " "$T/r"; then
		sed -i "s/^$p [A-Z]* /$p PASS(2nd) /" "$T/a"
	else
		gate=1 missed="$missed $p"
	fi
done
a=$(name "$rt") b=$(name "$ref")
printf '%-40s %-10s %-14s %-10s %s\n' program "$a" "$a p/f/s" "$b" "$b p/f/s"
join "$T/a" "$T/b" | awk '{ printf "%-40s %-10s %-14s %-10s %s\n", $1, $2, $3 "/" $4 "/" $5, $6, $7 "/" $8 "/" $9 }'
for f in a b; do
	awk -v n="$(name "$([ $f = a ] && echo "$rt" || echo "$ref")")" '{ c[$2]++ }
	END { printf "%s: %d programs: %d PASS, %d FAIL, %d SKIP, %d TIMEOUT\n", n, NR,
	    c["PASS"] + c["PASS(2nd)"], c["FAIL"], c["SKIP"], c["TIMEOUT"] }' "$T/$f"
done
echo "$(($(date +%s) - start)) s"
if [ $gate != 0 ]; then
	echo "gate: FAIL: $a does not pass what $b passes:$missed"
	exit 1
fi
echo "gate: ok: $a passes every program $b passes"
