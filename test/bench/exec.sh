#!/bin/sh
# See LICENSE file for copyright and license details.
#
# test/bench/exec.sh PIECES: time `PIECES exec CTR /bin/true` in a running
# Alpine container, against `podman exec` (crun) in the same image where
# podman is installed, and the floor: nsenter(1) into the container's
# init, every namespace, with no cgroup, user, capabilities or filter.
# ROUNDS runs (default 200) of each, alternating.  Prints medians, p90s
# and ratios and never judges them: exit 0 unless the harness broke.
# Needs root.
set -u
export LC_ALL=C PATH="$PATH:/usr/sbin:/sbin"
PIECES=${1:-./pieces}
ROUNDS=${ROUNDS:-200}
case $PIECES in /*) ;; */*) PIECES=$PWD/$PIECES ;; esac
case $ROUNDS in '' | *[!0-9]* | 0) echo "bench: ROUNDS must be a positive number" >&2; exit 1 ;; esac
[ "$(id -u)" = 0 ] || { echo "bench: must run as root" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench: no python3 to time with" >&2; exit 1; }
alpine=$(cd "$(dirname "$0")/../../.." && pwd)/shared/fixtures/alpine-minirootfs-3.18.9-x86_64.tar.gz
[ -r "$alpine" ] || { echo "bench: no $alpine" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/pieces-bench.XXXXXX") || exit 1
store=$work/store tools=$work/tools id=pbench-exec-$$
: >"$tools" || exit 1
cleanup() {
	"$PIECES" -r "$store" rm -f "$id" >/dev/null 2>&1
	if command -v podman >/dev/null; then
		podman rm -f -t 0 "$id" >/dev/null 2>&1
		podman rmi -f "$id" >/dev/null 2>&1
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' HUP INT PIPE TERM

tool() {
	printf '%s' "$1" >>"$tools" && shift && printf '\t%s' "$@" >>"$tools" && echo >>"$tools"
}
"$PIECES" -r "$store" import "$alpine" alpine >/dev/null &&
	"$PIECES" -r "$store" run -d --name "$id" --net none alpine sleep 100000 >/dev/null ||
	{ echo "bench: cannot start the pieces container" >&2; exit 1; }
init=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$store"/containers/*/state.json)
tool pieces "$PIECES" -r "$store" exec "$id" /bin/true
tool "pieces -u nobody" "$PIECES" -r "$store" exec -u nobody "$id" /bin/true
# podman's crun refuses to lower this machine's hard limits: set them
if command -v podman >/dev/null && podman import "$alpine" "$id" >/dev/null 2>&1 &&
    podman run -d --name "$id" --net none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
	"$id" sleep 100000 >/dev/null 2>"$work/podman.err"; then
	tool "podman (crun)" podman exec "$id" /bin/true
else
	echo "bench: skipping podman: not installed, or: $(head -n 1 "$work/podman.err" 2>/dev/null)"
fi
tool "floor (nsenter)" nsenter -t "$init" -m -u -i -n -p -C /bin/true

cat >"$work/timer.py" <<'EOF'
import math, statistics, subprocess, sys, time
tf, rounds = sys.argv[1], int(sys.argv[2])
tools = [(f[0], f[1:]) for f in (l.rstrip("\n").split("\t") for l in open(tf))]
def run(argv):
	t = time.perf_counter()
	p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
	t = time.perf_counter() - t
	return None if p.returncode else t * 1000, p
for name, argv in list(tools):
	ms, p = run(argv)
	if ms is None:
		print("bench: skipping %s: exit %d: %s" % (name, p.returncode, p.stderr.decode(errors="replace").strip()[:300]))
		tools.remove((name, argv))
times = {t[0]: [] for t in tools}
fails = 0
for _ in range(rounds):
	for name, argv in tools:
		ms, _p = run(argv)
		if ms is None:
			fails += name.startswith("pieces") is False
		else:
			times[name].append(ms)
med = {k: statistics.median(v) for k, v in times.items() if v}
print("exec /bin/true, alternating, %d runs each\n%-20s %9s %9s %12s" % (rounds, "tool", "median ms", "p90 ms", "tool/pieces"))
for k in [t[0] for t in tools if t[0] in med]:
	v = sorted(times[k])
	print("%-20s %9.2f %9.2f %12s" % (k, med[k], v[math.ceil(0.9 * len(v)) - 1],
	      "%.2f" % (med[k] / med["pieces"]) if "pieces" in med else "-"))
sys.exit(1 if fails else 0)
EOF
echo "alpine rootfs; store on $(stat -f -c %T "$work"); $(uname -r); $(podman --version 2>/dev/null);" \
	"$(crun --version 2>/dev/null | head -n 1)"
python3 "$work/timer.py" "$tools" "$ROUNDS"
