#!/bin/sh
# See LICENSE file for copyright and license details.
#
# test/bench/build.sh PIECES: time `pieces build` of examples/site (FROM
# alpine:3.18, RUN, COPY), cold (an empty store: fetch over loopback HTTPS,
# unpack, run, copy, commit) and fully cached (a rebuild with nothing
# changed), against `pieces images` on the same store: a cached rebuild
# should cost about what reading its Piecefile and the store does.  Prints
# medians and ratios and never judges them: exit 0 unless the harness
# broke.  Needs root (RUN steps).
set -u
export LC_ALL=C
PIECES=${1:-./pieces}
case $PIECES in /*) ;; */*) PIECES=$PWD/$PIECES ;; esac
COLD=${COLD:-5} WARM=${WARM:-50}
[ "$(id -u)" = 0 ] || { echo "bench: must run as root (RUN steps)" >&2; exit 1; }
here=$(cd "$(dirname "$0")/../.." && pwd)
FIXTURES=${FIXTURES:-$(cd "$here/.." && pwd)/shared/fixtures}
export PIECES FIXTURES
. "$here/test/lib.sh"
arch=x86_64
path=/alpine/v3.18/releases/$arch/alpine-minirootfs-3.18.9-$arch.tar.gz
mkdir -p "$T/www${path%/*}"
cp "$FIXTURES/alpine-minirootfs-3.18.9-$arch.tar.gz" "$T/www$path" &&
	httpsd "$T/www" || { echo "bench: cannot serve the Alpine fixture" >&2; exit 1; }
PIECES_MIRRORS="https://dl-cdn.alpinelinux.org=https://127.0.0.1:$PORT"
PIECES_CONFIG=$T/config
: >"$PIECES_CONFIG"
export PIECES_MIRRORS PIECES_CONFIG

# time1 KEY CMD...: append KEY and CMD's wall time in microseconds to $T/res
time1() {
	_k=$1
	shift
	_a=$(date +%s%N)
	"$@" >/dev/null 2>"$T/err" || { echo "bench: $* failed: $(cat "$T/err")" >&2; exit 1; }
	_b=$(date +%s%N)
	echo "$_k $(((_b - _a) / 1000))" >>"$T/res"
}
: >"$T/res"
i=0
while [ $i -lt "$COLD" ]; do
	rm -rf "$T/store"
	time1 cold "$PIECES" -r "$T/store" build -t site "$here/examples/site"
	i=$((i + 1))
done
i=0
while [ $i -lt "$WARM" ]; do
	time1 cached "$PIECES" -r "$T/store" build -t site "$here/examples/site"
	time1 images "$PIECES" -r "$T/store" images
	i=$((i + 1))
done
grep -q "fetching\|sha256 mismatch" "$T/err" && { echo "bench: a cached build fetched" >&2; exit 1; }

median() {
	awk -v k="$1" '$1 == k { print $2 }' "$T/res" | sort -n |
		awk '{ v[NR] = $1 } END { printf "%.2f", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) / 1000 }'
}
cold=$(median cold) cached=$(median cached) images=$(median images)
printf '\n%-28s %10s\n' "pieces build examples/site" "median ms"
printf '%-28s %10s   (%d rounds, empty store)\n' cold "$cold" "$COLD"
printf '%-28s %10s   (%d rounds)\n' "fully cached rebuild" "$cached" "$WARM"
printf '%-28s %10s   (%d rounds)\n' "pieces images" "$images" "$WARM"
awk -v c="$cached" -v i="$images" -v k="$cold" 'BEGIN {
	printf "cached rebuild / pieces images: %.2f; cached / cold: %.3f\n", c / i, c / k }'
