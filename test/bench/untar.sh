#!/bin/sh
# See LICENSE file for copyright and license details.
#
# test/bench/untar.sh PIECES: time `PIECES untar DIR < rootfs.tar.gz` against
# GNU tar and bsdtar on a real Debian bookworm minbase (~90 MB gzip, ~6.7k
# entries with device nodes and hard links), plus the bare gunzip floors.
# It prints medians and never judges them: exit 0 unless the harness broke.
# Needs root (debootstrap, mknod, loop mounts).  ROUNDS=n sets the rounds.
set -u
export LC_ALL=C PATH="$PATH:/usr/sbin:/sbin"
PIECES=${1:-./pieces}
ROUNDS=${ROUNDS:-5}
# we never cd, but make the path absolute so no later change can break it
case $PIECES in /*) ;; */*) PIECES=$PWD/$PIECES ;; esac
case $ROUNDS in '' | *[!0-9]* | 0) echo "bench: ROUNDS must be a positive number" >&2; exit 1 ;; esac
[ "$(id -u)" = 0 ] || { echo "bench: must run as root (debootstrap, loop mounts)" >&2; exit 1; }
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=$top/build/bench
tarball=$cache/bookworm-minbase.tar.gz

# Install only what is missing, so repeated runs cost nothing and never
# touch apt.  pigz is just one more floor, but cheap to have.
missing=
for p in debootstrap:debootstrap bsdtar:libarchive-tools mkfs.ext4:e2fsprogs pigz:pigz; do
	command -v "${p%%:*}" >/dev/null || missing="$missing ${p#*:}"
done
[ -x /usr/bin/time ] || missing="$missing time"
if [ -n "$missing" ]; then
	echo "bench: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq $missing >/dev/null || # split on purpose
		{ apt-get update -qq && apt-get install -y -qq $missing >/dev/null; } ||
		{ echo "bench: apt-get install$missing failed" >&2; exit 1; }
fi

# The mirror is whatever apt already uses for bookworm (deb822 first, then
# the one-line format), so the bench works behind any local archive.
# MIRROR=uri overrides.
mirror=${MIRROR:-$(awk '
	function flush() { if (deb && suite && uri != "") print uri; deb = suite = 0; uri = "" }
	FNR == 1 { flush() }
	/^[ \t]*#/ { next }
	/^[ \t]*$/ { flush(); next }
	tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
	tolower($1) == "uris:" { uri = $2 }
	tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == "bookworm") suite = 1 }
	END { flush() }' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)}
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" {
	i = 2; if ($2 ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
	if ($(i + 1) == "bookworm") print $i }' /etc/apt/sources.list 2>/dev/null | head -n 1)

# Build the tarball once; later runs reuse it.  It is written under a
# temporary name and renamed, so an interrupted build is never taken for a
# finished one.
if [ ! -s "$tarball" ]; then
	[ -n "$mirror" ] || { echo "bench: no bookworm mirror in the apt sources; set MIRROR" >&2; exit 1; }
	echo "bench: building $tarball from $mirror (takes minutes)"
	mkdir -p "$cache" && rm -rf "$cache/rootfs" || exit 1
	start=$(date +%s)
	debootstrap --variant=minbase bookworm "$cache/rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$cache/debootstrap.log" >&2; echo "bench: debootstrap failed" >&2; exit 1; }
	tar -C "$cache/rootfs" --numeric-owner -czf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball" || exit 1
	rm -rf "$cache/rootfs"
	echo "bench: built in $(($(date +%s) - start)) s"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/pieces-bench.XXXXXX") || exit 1
mnt=$work/mnt img=$work/fs.img res=$work/results
mkdir "$mnt" && : >"$res" || exit 1

# Runs on every exit, failures and ^C included: no mount, loop device or
# sparse image may outlive the bench.  mount -o loop frees its loop device
# at umount; losetup -j catches one that lingers anyway.  rm -rf only once
# nothing is mounted, lest it walk into a live file system.
cleanup() {
	if mountpoint -q "$mnt"; then umount "$mnt" 2>/dev/null || umount -l "$mnt"; fi
	losetup -j "$img" 2>/dev/null | while IFS=: read -r dev _; do losetup -d "$dev"; done
	mountpoint -q "$mnt" || rm -rf "$work"
}
trap cleanup EXIT
# A signal would skip the EXIT trap; exit instead (PIPE: `| head`).
trap 'exit 130' HUP INT PIPE TERM

# run ROUND KEY CMD...: time CMD; append "KEY seconds KiB" to $res.  An
# extraction goes into $mnt/root on an ext4 made just for it: ext4 does not
# reuse inodes freed minutes ago, so extracting over a tree just removed
# doubles every tool's time.  No journal: we time the tools, not jbd2.
run() {
	round=$1 key=$2
	shift 2
	case $key in gzip | pigz) fs= ;; *) fs=1 ;; esac
	if [ -n "$fs" ]; then
		truncate -s 1G "$img" && mkfs.ext4 -F -q -O ^has_journal -E lazy_itable_init=0 "$img" &&
			mount -o loop "$img" "$mnt" && mkdir "$mnt/root" ||
			{ echo "bench: cannot make a scratch file system" >&2; exit 1; }
	fi
	# Same cache state for everyone: input hot, nothing dirty to write back.
	cat "$tarball" >/dev/null
	sync
	/usr/bin/time -f '%e %M' -o "$work/time" "$@" 2>"$work/err"
	st=$?
	# one tree count, from round 1, to check pieces against GNU tar
	[ "$st" = 0 ] && [ -n "$fs" ] && [ "$round" = 1 ] && find "$mnt/root" | wc -l >"$work/count.$key"
	[ "$st" = 0 ] && echo "$key $(tail -n 1 "$work/time")" >>"$res"
	if [ -n "$fs" ]; then umount "$mnt" && rm -f "$img" || exit 1; fi
	[ "$st" = 0 ] || { echo "bench: $key exited $st: $(head -n 1 "$work/err")" >&2; return 1; }
}

tools="tar bsdtar gzip"
command -v pigz >/dev/null && tools="$tools pigz"
if command -v "$PIECES" >/dev/null; then tools="pieces $tools"; else echo "bench: $PIECES is missing; timing the peers only"; fi
echo "input: $tarball, $(($(wc -c <"$tarball") / 1048576)) MiB," \
	"$(gzip -dc "$tarball" | tar -tf - | wc -l) entries; $ROUNDS rounds"
broke=
r=1
while [ "$r" -le "$ROUNDS" ]; do
	line="round $r:"
	# Interleaved, so a drift in the machine's load hits every tool alike.
	for t in $tools; do
		case $t in
		pieces) run $r pieces "$PIECES" untar "$mnt/root" <"$tarball" ;;
		tar) run $r tar tar -xzf "$tarball" -C "$mnt/root" ;;
		bsdtar) run $r bsdtar bsdtar -xf "$tarball" -C "$mnt/root" ;;
		gzip | pigz) run $r "$t" "$t" -dc "$tarball" >/dev/null ;;
		esac
		if [ $? = 0 ]; then # the status of run
			line="$line $t $(tail -n 1 "$res" | cut -d' ' -f2)s"
		else
			# pieces may not have untar yet: drop it and go on.  A
			# peer failing means this machine, i.e. the harness, broke.
			tools=$(echo "$tools" | sed "s/^$t //; s/ $t\$//; s/ $t / /")
			[ "$t" = pieces ] && echo "bench: pieces untar failed; timing the peers only"
			[ "$t" = pieces ] || broke=1
		fi
	done
	echo "$line"
	if [ "$r" = 1 ] && [ -s "$work/count.pieces" ] && [ -s "$work/count.tar" ] &&
		! cmp -s "$work/count.pieces" "$work/count.tar"; then
		echo "WARNING: pieces made $(cat "$work/count.pieces") entries, GNU tar $(cat "$work/count.tar")"
	fi
	r=$((r + 1))
done

# median KEY FIELD: the median of column FIELD of KEY's rows in $res
median() {
	awk -v k="$1" -v f="$2" '$1 == k { print $f }' "$res" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
printf '\n%-16s %9s %13s %12s\n' tool 'median s' 'peak RSS MiB' 'time/pieces'
base=$(median pieces 2)
for row in "pieces pieces untar" "tar GNU tar -xzf" "bsdtar bsdtar -xf" "gzip gzip -dc" "pigz pigz -dc"; do
	t=${row%% *} s=$(median "${row%% *}" 2)
	[ -n "$s" ] || continue
	awk -v name="${row#* }" -v s="$s" -v k="$(median "$t" 3)" -v b="$base" 'BEGIN {
		printf "%-16s %9.2f %13.1f %12s\n", name, s, k / 1024, (b > 0 ? sprintf("%.2f", s / b) : "-") }'
done
echo "(GNU tar's RSS is the larger of tar and its gzip child; times exclude writeback)"
[ -z "$broke" ]
