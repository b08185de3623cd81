#!/bin/sh
# See LICENSE file for copyright and license details.
#
# test/bench/pull.sh PIECES: pull a three-layer image from Debian's
# docker-registry on loopback (TLS from a CA made here, no auth) with
# `PIECES pull` into an empty store, against `skopeo copy docker://... oci:`
# plus `umoci unpack` (which applies the whiteouts, as pieces does) and a
# sync of the result (pieces commits with syncfs), in the same run,
# alternating, each on a fresh ext4.  The layers: the Debian minbase tarball the untar bench
# builds (build/bench/bookworm-minbase.tar.gz, if it is there), the Alpine
# fixture, and a small layer with whiteouts.  Both verify TLS and digests.
# Prints the medians of wall time and their ratio and never judges them:
# exit 0 unless the harness broke.  Needs root (apt).  ROUNDS=n sets the
# rounds (default 5).
set -u
export LC_ALL=C PATH="$PATH:/usr/sbin:/sbin"
PIECES=${1:-./pieces}
ROUNDS=${ROUNDS:-5}
case $PIECES in /*) ;; */*) PIECES=$PWD/$PIECES ;; esac
case $ROUNDS in '' | *[!0-9]* | 0) echo "bench: ROUNDS must be a positive number" >&2; exit 1 ;; esac
[ "$(id -u)" = 0 ] || { echo "bench: must run as root (apt)" >&2; exit 1; }
[ -x "$PIECES" ] || { echo "bench: $PIECES is missing" >&2; exit 1; }
top=$(cd "$(dirname "$0")/../.." && pwd)
alpine=$(cd "$top/.." && pwd)/shared/fixtures/alpine-minirootfs-3.18.9-x86_64.tar.gz
minbase=$top/build/bench/bookworm-minbase.tar.gz
[ -r "$alpine" ] || { echo "bench: $alpine is missing" >&2; exit 1; }

missing=
for p in docker-registry:docker-registry skopeo:skopeo umoci:umoci openssl:openssl python3:python3; do
	command -v "${p%%:*}" >/dev/null || missing="$missing ${p#*:}"
done
if [ -n "$missing" ]; then
	echo "bench: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq $missing >/dev/null ||
		{ apt-get update -qq && apt-get install -y -qq $missing >/dev/null; } ||
		{ echo "bench: apt-get install$missing failed" >&2; exit 1; }
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/pieces-bench.XXXXXX") || exit 1
mnt=$work/mnt img=$work/fs.img
mkdir "$mnt" || exit 1
pids=
# no server, mount or loop device may outlive the bench; rm -rf only once
# nothing is mounted
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	if mountpoint -q "$mnt"; then umount "$mnt" 2>/dev/null || umount -l "$mnt"; fi
	losetup -j "$img" 2>/dev/null | while IFS=: read -r dev _; do losetup -d "$dev"; done
	mountpoint -q "$mnt" || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' HUP INT PIPE TERM
die() {
	echo "bench: $*" >&2
	exit 1
}

# a CA and a certificate for 127.0.0.1
C=$work/ca
mkdir -p "$C/certs"
{
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$C/ca.key" -out "$C/ca.pem" -days 2 \
		-subj "/CN=pieces bench CA" -addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign" &&
	openssl req -new -newkey rsa:2048 -nodes -keyout "$C/srv.key" -out "$C/srv.csr" \
		-subj "/CN=127.0.0.1" &&
	printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$C/ext" &&
	openssl x509 -req -in "$C/srv.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -CAcreateserial \
		-days 2 -extfile "$C/ext" -out "$C/srv.pem"
} >"$C/log" 2>&1 || die "openssl failed"
cp "$C/ca.pem" "$C/certs/ca.crt"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/reg.yml" <<EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/reg
http:
  addr: 127.0.0.1:$port
  tls:
    certificate: $C/srv.pem
    key: $C/srv.key
EOF
docker-registry serve "$work/reg.yml" >"$work/registry.log" 2>&1 &
pids="$pids $!"
i=0
until python3 -c "import socket; socket.create_connection(('127.0.0.1', $port))" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 100 ] || die "the registry did not start"
	sleep 0.1
done

# the image
L=$work/layers
mkdir -p "$L/w/etc/apk"
: >"$L/w/etc/.wh.motd"
: >"$L/w/etc/apk/.wh..wh..opq"
echo pieces >"$L/w/etc/apk/world"
(cd "$L/w" && tar --owner=0 --group=0 -cf "$L/top.tar" etc) || die "tar failed"
gzip -dc "$alpine" >"$L/alpine.tar" || die "gzip failed"
layers="$L/alpine.tar $L/top.tar"
if [ -r "$minbase" ]; then
	gzip -dc "$minbase" >"$L/minbase.tar" || die "gzip failed"
	layers="$L/minbase.tar $layers"
else
	echo "bench: no $minbase (test/bench/untar.sh builds it): a smaller image"
fi
{
	umoci init --layout "$work/oci" && umoci new --image "$work/oci:bench" &&
	for l in $layers; do umoci raw add-layer --image "$work/oci:bench" "$l" || exit 1; done &&
	umoci config --image "$work/oci:bench" --config.cmd /bin/sh &&
	skopeo copy -q --dest-cert-dir "$C/certs" "oci:$work/oci:bench" \
		"docker://127.0.0.1:$port/bench:1"
} >"$work/build.log" 2>&1 || die "building or pushing the image failed: $(tail -1 "$work/build.log")"
rm -rf "$work/oci" "$L"
echo "image: $(echo $layers | wc -w) layers, $(du -sm "$work/reg" | cut -f1) MiB in the registry"

now() {
	python3 -c 'import time; print("%.3f" % time.monotonic())'
}
median() {
	sort -n | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
: >"$work/pieces.t"
: >"$work/skopeo.t"
# fresh and gone: each pull writes to an ext4 made just for it, as the
# untar bench does.  On a file system where trees were just removed
# (with online discard, as here) creating files costs several times as
# much, and whoever runs second in a round would pay for the first.
fresh() {
	truncate -s 2G "$img" && mkfs.ext4 -F -q -O ^has_journal -E lazy_itable_init=0 "$img" &&
		mount -o loop "$img" "$mnt" || die "cannot make a scratch file system"
	sync
}
gone() {
	umount "$mnt" && rm -f "$img" || die "cannot remove the scratch file system"
}
r=0
while [ $r -lt "$ROUNDS" ]; do
	fresh
	t0=$(now)
	SSL_CERT_FILE=$C/ca.pem "$PIECES" -r "$mnt/store" pull -q "127.0.0.1:$port/bench:1" \
		>/dev/null 2>"$work/err" || die "pieces pull failed: $(cat "$work/err")"
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }' >>"$work/pieces.t"
	gone
	fresh
	t0=$(now)
	{
		skopeo copy -q --src-cert-dir "$C/certs" "docker://127.0.0.1:$port/bench:1" \
			"oci:$mnt/oci:bench" &&
		umoci unpack --image "$mnt/oci:bench" "$mnt/bundle" && sync -f "$mnt/bundle/rootfs"
	} >"$work/err" 2>&1 || die "skopeo and umoci failed: $(tail -1 "$work/err")"
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }' >>"$work/skopeo.t"
	gone
	r=$((r + 1))
done
p=$(median <"$work/pieces.t")
s=$(median <"$work/skopeo.t")
echo "pull, $ROUNDS rounds, median wall seconds:"
awk -v p="$p" -v s="$s" 'BEGIN {
	printf "  pieces pull                    %7.3f\n", p
	printf "  skopeo copy + umoci unpack     %7.3f\n", s
	printf "  ratio (skopeo+umoci / pieces)  %7.2f\n", s / p
}'
