#!/bin/sh
# See LICENSE file for copyright and license details.
#
# test/bench/run.sh PIECES: time container start-up, `PIECES run IMG /bin/true`,
# against crun and runc on an OCI bundle of the same busybox rootfs, bwrap,
# and the floor: unshare(1) with the same namespaces and a chroot.  ROUNDS
# runs (default 200) of each, twice: in blocks, then alternating; a run's
# teardown spills into the next, and the two orders spread it differently.
# Prints medians, p90s and ratios and never judges them: exit 0 unless the
# harness broke.  Needs root (namespaces, mounts).
#
# Cgroups' cost: start-up without any cgroup (--pids-limit -1) and with
# three limits, against the default (a pids cgroup).
#
# Seccomp's cost: start-up with and without the filter (--security-opt
# seccomp=unconfined); and LOOPS (default 2000000) getppid() calls, which
# the kernel's seccomp cache lets past the filter, and as many
# personality(0xffffffff) calls, which run it every time (it looks at an
# argument), timed inside a container with and without it.  BASELINE, if it
# names another pieces binary (today's, say), is timed too.
set -u
export LC_ALL=C PATH="$PATH:/usr/sbin:/sbin"
PIECES=${1:-./pieces}
ROUNDS=${ROUNDS:-200}
LOOPS=${LOOPS:-2000000}
BASELINE=${BASELINE:-}
case $PIECES in /*) ;; */*) PIECES=$PWD/$PIECES ;; esac
case $ROUNDS in '' | *[!0-9]* | 0) echo "bench: ROUNDS must be a positive number" >&2; exit 1 ;; esac
case $LOOPS in '' | *[!0-9]* | 0) echo "bench: LOOPS must be a positive number" >&2; exit 1 ;; esac
[ "$(id -u)" = 0 ] || { echo "bench: must run as root (namespaces, mounts)" >&2; exit 1; }
alpine=$(cd "$(dirname "$0")/../../.." && pwd)/shared/fixtures/alpine-minirootfs-3.18.9-x86_64.tar.gz

# Install only what is missing, so repeated runs never touch apt.  runc is
# optional: without it we just skip a row.
missing=
for p in crun:crun bwrap:bubblewrap python3:python3 runc:runc; do
	command -v "${p%%:*}" >/dev/null || missing="$missing ${p#*:}"
done
# the busybox we copy into the rootfs must be the static one
dpkg -s busybox-static >/dev/null 2>&1 || missing="$missing busybox-static"
if [ -n "$missing" ]; then
	echo "bench: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq $missing >/dev/null 2>&1 || # split on purpose
		{ apt-get update -qq && apt-get install -y -qq $missing >/dev/null; } ||
		echo "bench: apt-get install$missing failed; going on with what is there" >&2
fi
command -v python3 >/dev/null || { echo "bench: no python3 to time with" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/pieces-bench.XXXXXX") || exit 1
rootfs=$work/rootfs store=$work/store tools=$work/tools id=pbench-$$
: >"$tools" && : >"$work/empty" || exit 1

# crun 1.8.1 refuses hybrid cgroups, so it runs in a private mount namespace
# where cgroup2 seems to have no controllers: doing that on the host would
# hit every other user of the machine.  The wrapper, run alone, is a row of
# its own so that its cost can be taken off crun's.
wrap='mount --bind "$0" /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; exec "$@"'

# Runs on every exit, failures and ^C included.  No container of ours may
# outlive the bench; rm -rf only once nothing is mounted under $work, lest
# it walk into a live file system.
cleanup() {
	for c in $(crun list -q 2>/dev/null | grep "^$id-"); do
		unshare -m sh -c "$wrap" "$work/empty" crun delete -f "$c" >/dev/null 2>&1
	done
	for c in $(runc list -q 2>/dev/null | grep "^$id-"); do runc delete -f "$c" >/dev/null 2>&1; done
	awk -v w="$work" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
	grep -qF " $work" /proc/self/mountinfo || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' HUP INT PIPE TERM

# The rootfs: static busybox, true and sh, and the empty mount points;
# with a compiler, the syscall loop, which times itself (ns a call).
mkdir -p "$rootfs/bin" "$rootfs/proc" "$rootfs/dev" "$rootfs/sys" "$rootfs/etc" "$rootfs/tmp" &&
	cp "$(command -v busybox)" "$rootfs/bin/busybox" && ln -s busybox "$rootfs/bin/true" &&
	ln -s busybox "$rootfs/bin/sh" || { echo "bench: cannot build the busybox rootfs" >&2; exit 1; }
cat >"$work/loop.c" <<'EOF'
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

int
main(int argc, char *argv[])
{
	long i, n = argc > 1 ? atol(argv[1]) : 2000000;
	double t0, t1, t2;

	t0 = now();
	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	t1 = now();
	for (i = 0; i < n; i++)
		syscall(SYS_personality, 0xffffffff);
	t2 = now();
	printf("%.1f %.1f\n", (t1 - t0) / n, (t2 - t1) / n);
	return 0;
}
EOF
cc=$(command -v musl-gcc || command -v cc)
"$cc" -static -O2 -o "$rootfs/bin/loop" "$work/loop.c" 2>"$work/loop.err" ||
	echo "bench: no syscall loop: $cc: $(head -n 1 "$work/loop.err")"
tar -C "$rootfs" --numeric-owner -czf "$work/bb.tar.gz" . ||
	{ echo "bench: cannot pack the busybox rootfs" >&2; exit 1; }

# Two bundles from one `crun spec`: the defaults (pid, net, ipc, uts, mount)
# and the same without the network namespace, which pieces does not make.
if command -v crun >/dev/null && (cd "$work" && crun spec); then
	python3 - "$work" "$rootfs" <<'EOF' || echo "bench: cannot make the OCI bundles" >&2
import json, os, sys
w, root = sys.argv[1:]
for v in ("net", "nonet"):
	c = json.load(open(w + "/config.json"))
	c["root"]["path"] = root
	c["process"].update(args=["/bin/true"], terminal=False)
	if v == "nonet":
		c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "network"]
	os.mkdir(w + "/" + v)
	json.dump(c, open(w + "/" + v + "/config.json", "w"))
EOF
fi

# tool NAME CMD...: a row to time, one tab-separated line in $tools.  The
# timer turns @ID@ into a fresh container id for every run.
tool() {
	printf '%s' "$1" >>"$tools" && shift && printf '\t%s' "$@" >>"$tools" && echo >>"$tools"
}
if [ ! -x "$PIECES" ]; then
	echo "bench: skipping pieces: $PIECES is missing"
elif ! "$PIECES" -r "$store" import "$work/bb.tar.gz" bb >/dev/null; then
	echo "bench: skipping pieces: import of the busybox rootfs failed"
else
	tool pieces "$PIECES" -r "$store" run bb /bin/true
	tool "pieces, unconfined" "$PIECES" -r "$store" run --security-opt seccomp=unconfined bb /bin/true
	# cgroups' cost: every run has the default pids cgroup where the
	# kernel has the controller; none at all, and three limits
	tool "pieces, no cgroup" "$PIECES" -r "$store" run --pids-limit -1 bb /bin/true
	tool "pieces, limits" "$PIECES" -r "$store" run --memory 64m --cpus 1 --pids-limit 100 bb /bin/true
	[ -z "$BASELINE" ] || tool baseline "$BASELINE" -r "$store" run bb /bin/true
	# Alpine only shows whether a real image costs more to start.
	[ -r "$alpine" ] && "$PIECES" -r "$store" import "$alpine" alpine >/dev/null &&
		tool "pieces, alpine" "$PIECES" -r "$store" run alpine /bin/true ||
		echo "bench: skipping pieces, alpine: no $alpine, or its import failed"
fi
if [ -s "$work/nonet/config.json" ]; then
	tool "crun, no netns" unshare -m sh -c "$wrap" "$work/empty" crun run -b "$work/nonet" @ID@
	tool "crun, defaults" unshare -m sh -c "$wrap" "$work/empty" crun run -b "$work/net" @ID@
	tool "crun wrapper only" unshare -m sh -c "$wrap" "$work/empty" /bin/true
	command -v runc >/dev/null && tool "runc, no netns" runc run -b "$work/nonet" @ID@ ||
		echo "bench: skipping runc: not installed"
else
	echo "bench: skipping crun and runc: no crun, or no bundle"
fi
command -v bwrap >/dev/null &&
	tool bwrap bwrap --unshare-pid --unshare-ipc --unshare-uts --bind "$rootfs" / --proc /proc --dev /dev /bin/true ||
	echo "bench: skipping bwrap: not installed"
tool "floor (unshare)" unshare --pid --mount --uts --ipc --fork --mount-proc --root="$rootfs" /bin/true
[ -s "$tools" ] || { echo "bench: nothing to time" >&2; exit 1; }

# The timer: each run is a subprocess timed with perf_counter, output thrown
# away but stderr kept for the report.  Every tool first runs once, untimed:
# one that fails then is skipped, with its error.  After each pieces run, the
# mounts that appeared during it and anything left in the store's tmp/ are
# looked for.  Exit 1 only if a peer (the harness) fails mid-bench.
cat >"$work/timer.py" <<'EOF'
import math, os, statistics, subprocess, sys, time
tf, rounds, cid, store = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
tools = [(f[0], f[1:]) for f in (l.rstrip("\n").split("\t") for l in open(tf))]
n, fails, leaks, broke = 0, {}, [], 0
mounts = lambda: set(open("/proc/self/mountinfo"))
def run(name, argv):
	global n
	n += 1
	argv = [a.replace("@ID@", "%s-%d" % (cid, n)) for a in argv]
	watch = name.startswith("pieces")
	before, tmp = (mounts(), set(os.listdir(store + "/tmp"))) if watch else (0, 0)
	t = time.perf_counter()
	p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
	t = time.perf_counter() - t
	if watch:
		new, left = mounts() - before, set(os.listdir(store + "/tmp")) - tmp
		if new or left:
			leaks.append("run %d (%s): new in store tmp/: %s; new mounts: %s" % (n, name, sorted(left), sorted(new)))
	if p.returncode:
		err = p.stderr.decode(errors="replace").strip().replace("\n", " | ")
		fails.setdefault(name, []).append("exit %d: %s" % (p.returncode, err[:300]))
		return None
	return t * 1000
start = mounts()
for name, argv in list(tools):
	if run(name, argv) is None:
		print("bench: skipping %s: %s" % (name, fails.pop(name)[0]))
		tools.remove((name, argv))
names = [t[0] for t in tools]
def table(title, order):
	times = {k: [] for k in names}
	for name, argv in order:
		ms = run(name, argv)
		times[name] += [] if ms is None else [ms]
	med = {k: statistics.median(v) for k, v in times.items() if v}
	print("\n%s, %d runs each\n%-20s %9s %9s %12s" % (title, rounds, "tool", "median ms", "p90 ms", "tool/pieces"))
	for k in [k for k in names if k in med]:
		v = sorted(times[k])
		p90 = v[math.ceil(0.9 * len(v)) - 1]
		r = "%.2f" % (med[k] / med["pieces"]) if "pieces" in med else "-"
		print("%-20s %9.2f %9.2f %12s" % (k, med[k], p90, r))
	p, line = med.get("pieces"), []
	for k in ("pieces, unconfined", "pieces, no cgroup", "pieces, limits", "baseline",
	          "floor (unshare)", "crun, no netns",
	          "crun, defaults", "bwrap"):
		if p and k in med:
			line.append("pieces/%s %.2f" % (k.split(" (")[0], p / med[k]))
	w = med.get("crun, no netns", 0) - med.get("crun wrapper only", 0)
	if p and "crun wrapper only" in med and w > 0:
		line.append("pieces/(crun, no netns - wrapper) %.2f" % (p / w))
	print("; ".join(line) or "(no ratios without pieces)")
table("blocks: all runs of one tool, then the next", [t for t in tools for _ in range(rounds)])
table("alternating: one run of each tool in turn", [t for _ in range(rounds) for t in tools])
print()
for name, errs in fails.items():
	print("FAILED: %s, %d of %d runs; first: %s" % (name, len(errs), 2 * rounds, errs[0]))
	broke |= not name.startswith("pieces")
if leaks:
	print("WARNING: %d pieces runs left something behind; first:" % len(leaks), *leaks[:5], sep="\n  ")
new = mounts() - start
if new:
	print("WARNING: mounts that appeared during the bench (ours?):\n" + "".join(sorted(new)), end="")
sys.exit(broke)
EOF
# The store's file system matters: each run makes and removes its overlay
# dirs there, and on tmpfs pieces starts about twice as fast as on ext4.
echo "busybox $(busybox | head -n 1 | cut -d' ' -f2) rootfs; store on $(stat -f -c %T "$work"); $(uname -r);" \
	"$(crun --version 2>/dev/null | head -n 1); $(runc --version 2>/dev/null | head -n 1); bwrap $(bwrap --version 2>/dev/null | cut -d' ' -f2)"
python3 "$work/timer.py" "$tools" "$ROUNDS" "$id" "$store" || exit 1

# The syscall loop, with and without the filter in turn, 5 runs each: the
# medians of ns a call, and their ratios.
if [ -x "$rootfs/bin/loop" ] && [ -x "$PIECES" ]; then
	: >"$work/loops"
	for i in 1 2 3 4 5; do
		r=$("$PIECES" -r "$store" run bb /bin/loop "$LOOPS") &&
			echo "filter $r" >>"$work/loops" &&
			r=$("$PIECES" -r "$store" run --security-opt seccomp=unconfined bb /bin/loop "$LOOPS") &&
			echo "unconfined $r" >>"$work/loops" ||
			{ echo "bench: the syscall loop failed" >&2; break; }
	done
	awk -v n="$LOOPS" '
	function med(a, k,   i, j, t) {	# the median of a[1..k], sorted in place
		for (i = 2; i <= k; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
	}
	{ k[$1]++; g[$1, k[$1]] = $2; q[$1, k[$1]] = $3 }
	END {
		if (!k["filter"] || !k["unconfined"])
			exit
		for (m = 1; m <= 2; m++) {
			o = m == 1 ? "filter" : "unconfined"
			for (i = 1; i <= k[o]; i++) {
				a[i] = g[o, i]
				b[i] = q[o, i]
			}
			G[o] = med(a, k[o])
			Q[o] = med(b, k[o])
		}
		printf "\nsyscall loop, %d calls each, %d runs, ns a call (median)\n", n, k["filter"]
		printf "%-34s %9s %11s %7s\n", "call", "filter", "unconfined", "ratio"
		printf "%-34s %9.1f %11.1f %7.2f\n", "getppid (cached: always allowed)",
			G["filter"], G["unconfined"], G["filter"] / G["unconfined"]
		printf "%-34s %9.1f %11.1f %7.2f\n", "personality (runs the filter)",
			Q["filter"], Q["unconfined"], Q["filter"] / Q["unconfined"]
	}' "$work/loops"
fi
# and once more from outside: the store's tmp/ must be empty
[ -z "$(ls -A "$store/tmp" 2>/dev/null)" ] || echo "WARNING: $store/tmp is not empty: $(ls -A "$store/tmp")"
