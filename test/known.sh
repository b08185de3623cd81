#!/bin/sh
# See LICENSE file for copyright and license details.
#
# Known images: `pieces run alpine-3.18` on an empty store fetches the
# pinned Alpine tarball, as `docker run` pulls.  A loopback HTTPS server
# serves the fixture under the official Alpine path, reached through the
# mirror list, with a CA this test makes.
. "$(dirname "$0")/lib.sh"

if ! needroot; then
	skip "known images" "run needs root"
	finish
fi
for tool in openssl python3; do
	command -v $tool >/dev/null || { skip "known images" "no $tool"; finish; }
done
[ -f "$ALPINE" ] || { skip "known images" "no Alpine fixture for $ARCH"; finish; }
arch=$ARCH
OFFICIAL=https://dl-cdn.alpinelinux.org/alpine/v3.18/releases/$arch/alpine-minirootfs-3.18.9-$arch.tar.gz
S=$T/store

# the server: the fixture at its official path; each request logged
W=$T/www
mkdir -p "$W/${OFFICIAL#https://dl-cdn.alpinelinux.org/}"
rmdir "$W/${OFFICIAL#https://dl-cdn.alpinelinux.org/}"
cp "$ALPINE" "$W/${OFFICIAL#https://dl-cdn.alpinelinux.org/}"
if ! httpsd "$W"; then
	skip "known images" "the https server did not start"
	finish
fi
requests() {
	grep -c '^GET ' "$T/log"
}
srv=https://127.0.0.1:$PORT
PIECES_MIRRORS="https://dl-cdn.alpinelinux.org=$srv https://registry.fedoraproject.org=$srv
	https://registry-1.docker.io=$srv"
PIECES_CONFIG=$T/config
: >"$PIECES_CONFIG"
export PIECES_MIRRORS PIECES_CONFIG
unset HTTPS_PROXY https_proxy

run p run alpine-3.18 cat /etc/alpine-release
is "run alpine-3.18 on an empty store fetches and runs it" "$rc $(cat "$T/out")" "0 3.18.9"
is "it says what it fetches" "$(grep -c "alpine-3.18: not in the store; fetching $OFFICIAL" "$T/err")" 1
is "one request, for the official path" "$(cat "$T/log")" \
	"GET ${OFFICIAL#https://dl-cdn.alpinelinux.org} HTTP/1.1"
is "it records the name run was given" "$(sed -n 's/^ref //p' "$S/images/alpine-3.18/meta")" \
	"alpine-3.18"
run p images --no-trunc
is "the image is listed with its official source" "$(awk 'NR > 1 { print $1, $2, $NF }' "$T/out")" \
	"alpine-3.18 latest $OFFICIAL"
ok "run alpine:3.18 finds it" p run alpine:3.18 true
ok "and the default command" p run alpine-3.18
is "no request once it is there" "$(requests)" 1
ok "rmi it" p rmi alpine-3.18
ok "run it again" p run alpine-3.18 true
is "the download came from the blob cache" "$(requests)" 1

# a server that serves something else: refused, nothing stored
ok "rmi again" p rmi alpine-3.18
rm -rf "$S/blobs"
# a good tarball, but not the one pinned
cp "$FIXTURES/alpine-minirootfs-3.18.9-aarch64.tar.gz" "$W/${OFFICIAL#https://dl-cdn.alpinelinux.org/}"
fails "a tampered download is refused" 125 "sha256 mismatch" p run alpine-3.18 true
is "nothing stored" "$(p images | awk 'NR > 1')" ""
is "nothing cached" "$(ls -A "$S/blobs/sha256" 2>/dev/null)" ""
# a sums file past SUMSMAX is refused, not searched in part
rel19=alpine/v3.19/releases/$arch/alpine-minirootfs-3.19.4-$arch.tar.gz
mkdir -p "$W/${rel19%/*}"
cp "$ALPINE" "$W/$rel19"
{ awk 'BEGIN { for (i = 0; i < 16384; i++) printf "%064d  pad%d.tar.gz\n", 0, i }'
  echo "$ALPINESUM  ${rel19##*/}"; } >"$W/$rel19.sha256"
fails "a sums file over SUMSMAX is refused" 125 "sha256: over SUMSMAX (1024 KiB)" \
	p run alpine:3.19 true
head -n 2 "$W/$rel19.sha256" >"$W/$rel19.tmp"
echo "$ALPINESUM  ${rel19##*/}" >>"$W/$rel19.tmp"
mv "$W/$rel19.tmp" "$W/$rel19.sha256"
run p run alpine:3.19 cat /etc/alpine-release
is "its sum in a small one is found past other lines" "$rc $(cat "$T/out")" "0 3.18.9"
ok "rmi it" p rmi alpine:3.19
# this server is no registry: registry pulls end in its 404s
fails "a known registry image is pulled" 125 \
	"registry.fedoraproject.org/fedora:38: manifest 38: not found (404)" p run fedora:38 true
fails "an unknown reference is pulled from Docker Hub" 125 "nosuch:1: manifest 1: not found (404)" \
	p run nosuch:1 true
fails "an unknown bare name is only looked for in the store" 125 "nosuch: no such image" \
	p run nosuch true
# an air-gapped machine: the mirror is a directory (a USB stick), as a
# file:// URL or a plain path, in the environment or the config file
rel=${OFFICIAL#https://dl-cdn.alpinelinux.org/}
cp "$ALPINE" "$W/$rel"
n=$(requests)
S=$T/store2
run env PIECES_MIRRORS="https://dl-cdn.alpinelinux.org=file://$W" "$PIECES" -r "$S" \
	run alpine:3.18 cat /etc/alpine-release
is "a file:// mirror serves a known image" "$rc $(cat "$T/out")" "0 3.18.9"
is "with no request to any server" "$(requests)" "$n"
ok "rmi it" p rmi alpine-3.18
rm -rf "$S/blobs"
echo "mirror https://dl-cdn.alpinelinux.org $W" >"$T/config2"
run env -u PIECES_MIRRORS PIECES_CONFIG="$T/config2" "$PIECES" -r "$S" \
	run alpine:3.18 cat /etc/alpine-release
is "a plain directory in the config's mirror line too" "$rc $(cat "$T/out")" "0 3.18.9"
fails "a missing file is named with its reason" 1 \
	"file://$W/nosuch.tar.gz: No such file or directory" \
	env PIECES_MIRRORS="https://dl-cdn.alpinelinux.org=file://$W" "$PIECES" -r "$S" \
	fetch -q https://dl-cdn.alpinelinux.org/nosuch.tar.gz
echo secret >"$T/secret"
fails "a '..' in the mirrored path cannot climb out of the mirror" 1 \
	"'..' in a mirrored path" \
	env PIECES_MIRRORS="https://dl-cdn.alpinelinux.org=file://$W" "$PIECES" -r "$S" \
	fetch -q https://dl-cdn.alpinelinux.org/../secret
mkfifo "$W/fifo"
fails "a FIFO in the mirror hangs nothing" 1 "fifo: not a regular file" \
	timeout 10 env PIECES_MIRRORS="https://dl-cdn.alpinelinux.org=$W" "$PIECES" -r "$S" \
	fetch -q https://dl-cdn.alpinelinux.org/fifo
finish
