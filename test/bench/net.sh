#!/bin/sh
# See LICENSE file for copyright and license details.
#
# test/bench/net.sh PIECES: what the bridge costs, in one run, side by side.
#
# Start-up: ROUNDS (default 100) runs each of `PIECES run --net none
# alpine true` and of the same with --net bridge, alternating, so that
# both see the same machine; medians, p90s and the ratio bridge/none.
# The bridge row pays for the lease, the veth pair, the addresses and
# routes (IPv4 and IPv6), the two nf_tables tables and their removal,
# and for the bridge itself, which the last container out deletes; a
# third row runs on a bridge the bench made (with ip(8), if there is
# one), which pieces leaves alone, to tell the two apart.
#
# Throughput: a container that sends SIZE MiB (default 256) of zeros to
# each TCP connection (Alpine's nc -e dd: dd writes to the socket
# itself), fetched from the host REPEAT times (default 5) each way in
# turn: through a published port (127.0.0.1, the relay in user space)
# and straight to the container's address on the bridge; medians in
# MiB/s and the ratio relay/direct.
#
# On a bridge and range of its own (198.18.0.0/15, the benchmarking
# range, numbered for its pid), so that other containers on pieces0 are
# neither counted nor disturbed.  Prints and never judges: exit 0 unless
# the harness broke.  Needs root and python3 (the timer and the client).
set -u
export LC_ALL=C PATH="$PATH:/usr/sbin:/sbin"
PIECES=${1:-./pieces}
ROUNDS=${ROUNDS:-100}
SIZE=${SIZE:-256}
REPEAT=${REPEAT:-5}
case $PIECES in /*) ;; */*) PIECES=$PWD/$PIECES ;; esac
for v in ROUNDS SIZE REPEAT; do
	eval "x=\$$v"
	case $x in '' | *[!0-9]* | 0) echo "bench: $v must be a positive number" >&2; exit 1 ;; esac
done
[ "$(id -u)" = 0 ] || { echo "bench: must run as root (namespaces, the bridge)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench: no python3 to time with" >&2; exit 1; }
alpine=$(cd "$(dirname "$0")/../../.." && pwd)/shared/fixtures/alpine-minirootfs-3.18.9-x86_64.tar.gz
[ -r "$alpine" ] || { echo "bench: no $alpine" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/pieces-netbench.XXXXXX") || exit 1
store=$work/store srv=
PIECES_BRIDGE=pb$$
PIECES_NET=198.18.$(($$ % 250)).0/24
PIECES_NET6=fd70:6965:6365:$(printf %x $(($$ % 65536)))::/64
export PIECES_BRIDGE PIECES_NET PIECES_NET6
kept=pk$$
# pieces turns forwarding on and never off, and moves accept_ra from 1
# to 2 before IPv6's: the bench puts them back as it found them
fwd=$(cat /proc/sys/net/ipv4/ip_forward)
fwd6=$(cat /proc/sys/net/ipv6/conf/all/forwarding 2>/dev/null)
ra1=$(cd /proc/sys/net/ipv6/conf 2>/dev/null && grep -l '^1$' */accept_ra | sed 's|/accept_ra$||' |
	grep -v '^all$')
cleanup() {
	[ -z "$srv" ] || { kill "$srv"; wait "$srv"; } 2>/dev/null
	echo "$fwd" >/proc/sys/net/ipv4/ip_forward
	[ -z "$fwd6" ] || echo "$fwd6" >/proc/sys/net/ipv6/conf/all/forwarding
	for i in $ra1; do
		[ "$(cat "/proc/sys/net/ipv6/conf/$i/accept_ra" 2>/dev/null)" != 2 ] ||
			echo 1 >"/proc/sys/net/ipv6/conf/$i/accept_ra"
	done
	ip link del "$PIECES_BRIDGE" 2>/dev/null
	ip link del "$kept" 2>/dev/null
	rm -rf "/run/pieces/net/$PIECES_BRIDGE" "/run/pieces/net/$kept"
	grep -qF " $work" /proc/self/mountinfo || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' HUP INT PIPE TERM
"$PIECES" -r "$store" import "$alpine" alpine >/dev/null ||
	{ echo "bench: import of $alpine failed" >&2; exit 1; }

echo "pieces $("$PIECES" --version | head -n 1 | cut -d' ' -f2); $(uname -r); store on $(stat -f -c %T "$work")"
command -v ip >/dev/null && ip link add "$kept" type bridge && ip link set "$kept" up || kept=
python3 - "$PIECES" "$store" "$ROUNDS" "$kept" <<'EOF' || exit 1
import math, os, statistics, subprocess, sys, time
pieces, store, rounds, kept = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
rows = {"--net none": [], "--net bridge": []}
env = {k: dict(os.environ) for k in rows}
if kept:
	rows["bridge, kept"] = []
	# a range of its own: the kept bridge keeps its addresses and routes
	env["bridge, kept"] = dict(os.environ, PIECES_BRIDGE=kept,
	                           PIECES_NET=os.environ["PIECES_NET"].replace("198.18.", "198.19."),
	                           PIECES_NET6=os.environ["PIECES_NET6"].replace(":6365:", ":6366:"))
for i in range(rounds + 1):
	for name in rows:
		t = time.perf_counter()
		p = subprocess.run([pieces, "-r", store, "run", "--net", "bridge" if "bridge" in name else "none",
		                    "alpine", "true"], env=env[name],
		                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
		t = time.perf_counter() - t
		if p.returncode:
			sys.exit("bench: %s: exit %d: %s" % (name, p.returncode, p.stderr.decode(errors="replace").strip()))
		if i:	# the first of each, untimed: caches
			rows[name].append(t * 1000)
print("\nstart-up, alternating, %d runs each\n%-14s %9s %9s" % (rounds, "network", "median ms", "p90 ms"))
med = {}
for name, v in rows.items():
	v.sort()
	med[name] = statistics.median(v)
	print("%-14s %9.2f %9.2f" % (name, med[name], v[math.ceil(0.9 * len(v)) - 1]))
for name in [k for k in rows if k != "--net none"]:
	print("%s/none %.2f (+%.2f ms)" % (name.replace("--net ", ""), med[name] / med["--net none"],
	                                   med[name] - med["--net none"]))
EOF

# the sender: its address written out, then a listener that forks dd
port=$((20000 + $$ % 20000))
mkdir -p "$work/v"
"$PIECES" -r "$store" run -p "127.0.0.1:$port:80" -v "$work/v:/v" alpine sh -c \
	'ip -o -4 addr show eth0 | awk "{ print \$4 }" >/v/addr; nc -lk -p 80 -e dd if=/dev/zero bs=65536 count='$((SIZE * 16))' 2>/dev/null & sleep 0.3; touch /v/ready; wait' \
	>/dev/null 2>"$work/srv.err" &
srv=$!
i=0
while [ ! -e "$work/v/ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -e "$work/v/ready" ] || { echo "bench: the sender did not start: $(cat "$work/srv.err")" >&2; exit 1; }
addr=$(cut -d/ -f1 "$work/v/addr")
python3 - "$addr" "$port" "$SIZE" "$REPEAT" <<'EOF' || exit 1
import socket, statistics, sys, time
addr, port, size, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
ways = {"published (relay)": ("127.0.0.1", port), "direct (bridge)": (addr, 80)}
def fetch(to):
	buf, n = bytearray(1 << 20), 0
	s = socket.create_connection(to, timeout=30)
	t = time.perf_counter()
	while True:
		k = s.recv_into(buf)
		if not k:
			break
		n += k
	t = time.perf_counter() - t
	s.close()
	if n != size << 20:
		sys.exit("bench: %s:%d: %d bytes, want %d" % (to[0], to[1], n, size << 20))
	return n / t / (1 << 20)
# the listener is up once a connection to it is taken (its dd then
# meets a closed socket)
for i in range(100):
	try:
		socket.create_connection((addr, 80), timeout=1).close()
		break
	except OSError:
		time.sleep(0.1)
rates = {k: [] for k in ways}
for i in range(repeat):
	for k, to in ways.items():
		rates[k].append(fetch(to))
print("\nthroughput, %d MiB a fetch, %d each, alternating\n%-20s %12s %12s" % (size, repeat, "path", "median MiB/s", "min MiB/s"))
med = {}
for k, v in rates.items():
	med[k] = statistics.median(v)
	print("%-20s %12.0f %12.0f" % (k, med[k], min(v)))
print("relay/direct %.2f" % (med["published (relay)"] / med["direct (bridge)"]))
EOF
