#!/bin/sh
# See LICENSE file for copyright and license details.
#
# test/bench/detach.sh PIECES: time from `run -d` to the container's first
# log line, `PIECES run -d --net none alpine sh -c 'echo up; sleep ...'`
# then `PIECES logs` until it says "up", against `podman run -d` and
# `podman logs` (crun) in the same image where podman is installed, in a
# private podman root.  Each round removes its container after (not
# timed).  ROUNDS (default 30) of each, alternating.  Prints medians, p90s
# and ratios and never judges them: exit 0 unless the harness broke.
# Needs root.
set -u
export LC_ALL=C PATH="$PATH:/usr/sbin:/sbin"
PIECES=${1:-./pieces}
ROUNDS=${ROUNDS:-30}
case $PIECES in /*) ;; */*) PIECES=$PWD/$PIECES ;; esac
case $ROUNDS in '' | *[!0-9]* | 0) echo "bench: ROUNDS must be a positive number" >&2; exit 1 ;; esac
[ "$(id -u)" = 0 ] || { echo "bench: must run as root" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench: no python3 to time with" >&2; exit 1; }
alpine=$(cd "$(dirname "$0")/../../.." && pwd)/shared/fixtures/alpine-minirootfs-3.18.9-x86_64.tar.gz
[ -r "$alpine" ] || { echo "bench: no $alpine" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/pieces-bench.XXXXXX") || exit 1
store=$work/store
pm() {
	podman --root "$work/proot" --runroot "$work/prun" "$@"
}
cleanup() {
	"$PIECES" -r "$store" ps -aq --no-trunc 2>/dev/null | xargs -r "$PIECES" -r "$store" rm -f >/dev/null 2>&1
	if command -v podman >/dev/null; then
		pm rm -af -t 0 >/dev/null 2>&1
		pm rmi -af >/dev/null 2>&1
		awk -v w="$work" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
			while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
	fi
	grep -qF " $work" /proc/self/mountinfo || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' HUP INT PIPE TERM

"$PIECES" -r "$store" import "$alpine" alpine >/dev/null ||
	{ echo "bench: cannot import into pieces" >&2; exit 1; }
tools="pieces"
if command -v podman >/dev/null && pm import "$alpine" localhost/pbench >/dev/null 2>"$work/podman.err"; then
	tools="$tools podman"
else
	echo "bench: skipping podman: not installed, or: $(head -n 1 "$work/podman.err" 2>/dev/null)"
fi

cat >"$work/timer.py" <<'EOF'
import math, os, statistics, subprocess, sys, time
pieces, store, work, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
tools = sys.argv[5:]
pm = ["podman", "--root", work + "/proot", "--runroot", work + "/prun"]
cmd = ["sh", "-c", "echo up; sleep 100000"]
def argv(tool, verb, *rest):
	if tool == "pieces":
		return [pieces, "-r", store, verb] + list(rest)
	return pm + [verb] + list(rest)
def once(tool):
	# podman's crun refuses to lower this machine's hard limits: set them
	extra = ["--net", "none"] if tool == "pieces" else ["--net", "none",
		"--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
	image = "alpine" if tool == "pieces" else "localhost/pbench"
	t = time.perf_counter()
	p = subprocess.run(argv(tool, "run", "-d", *extra, image, *cmd), stdin=subprocess.DEVNULL,
	                   capture_output=True)
	if p.returncode:
		return None, p.stderr.decode(errors="replace").strip()[:300]
	cid = p.stdout.decode().strip()
	while True:
		q = subprocess.run(argv(tool, "logs", cid), capture_output=True)
		if b"up" in q.stdout:
			break
		if time.perf_counter() - t > 30:
			return None, "no first line in 30 s"
	ms = (time.perf_counter() - t) * 1000
	subprocess.run(argv(tool, "rm", "-f", cid), capture_output=True)
	return ms, ""
for tool in list(tools):
	ms, why = once(tool)
	if ms is None:
		print("bench: skipping %s: %s" % (tool, why))
		tools.remove(tool)
times = {t: [] for t in tools}
for _ in range(rounds):
	for tool in tools:
		ms, _why = once(tool)
		if ms is not None:
			times[tool].append(ms)
med = {k: statistics.median(v) for k, v in times.items() if v}
print("run -d to the first log line, alternating, %d runs each\n%-16s %9s %9s %12s" %
      (rounds, "tool", "median ms", "p90 ms", "tool/pieces"))
for k in [t for t in tools if t in med]:
	v = sorted(times[k])
	print("%-16s %9.2f %9.2f %12s" % (k, med[k], v[math.ceil(0.9 * len(v)) - 1],
	      "%.2f" % (med[k] / med["pieces"]) if "pieces" in med else "-"))
EOF
echo "alpine rootfs; store on $(stat -f -c %T "$work"); $(uname -r); $(podman --version 2>/dev/null);" \
	"$(crun --version 2>/dev/null | head -n 1)"
# crun 1.8.1 refuses hybrid cgroups: the timer runs in a mount namespace
# of its own where cgroup2 seems to have no controllers (as run.sh's crun
# rows), pieces in it too, so that both pay the same
: >"$work/empty"
unshare -m --propagation private sh -c \
	'mount --bind "$0" /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; exec "$@"' \
	"$work/empty" python3 "$work/timer.py" "$PIECES" "$store" "$work" "$ROUNDS" $tools
