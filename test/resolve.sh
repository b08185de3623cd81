#!/bin/sh
# See LICENSE file for copyright and license details.
#
# One resolver (image.c): run and build's FROM answer an image name alike,
# under --pull=missing (the default), always and never.  A known image the
# store holds, verified by its digest or its source, is used with no
# network; an image of its name that is not it is not taken for it by a
# FROM.  The Alpine fixture is served under its official paths on loopback
# HTTPS, each request counted; offline is a mirror to a loopback port that
# nothing listens on, so that any fetch fails.
. "$(dirname "$0")/lib.sh"

if ! needroot; then
	skip "resolve" "run and build need root"
	finish
fi
for tool in openssl python3; do
	command -v $tool >/dev/null || { skip "resolve" "no $tool"; finish; }
done
[ -f "$ALPINE" ] || { skip "resolve" "no Alpine fixture for $ARCH"; finish; }
CDN=https://dl-cdn.alpinelinux.org
REL=/alpine/v3.18/releases/$ARCH/alpine-minirootfs-3.18.9-$ARCH.tar.gz
REL19=/alpine/v3.19/releases/$ARCH/alpine-minirootfs-3.19.4-$ARCH.tar.gz
W=$T/www
mkdir -p "$W${REL%/*}" "$W${REL19%/*}"
cp "$ALPINE" "$W$REL"
# alpine:3.19 is published with a .sha256 beside it: the fixture stands in
cp "$ALPINE" "$W$REL19"
echo "$ALPINESUM  ${REL19##*/}" >"$W$REL19.sha256"
if ! httpsd "$W"; then
	skip "resolve" "the https server did not start"
	finish
fi
requests() {
	grep -c '^GET ' "$T/log"
}
srv=https://127.0.0.1:$PORT
dead=https://127.0.0.1:$(python3 -c 'import socket; s = socket.socket(); \
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mirrors() {
	echo "$CDN=$1 https://registry.fedoraproject.org=$1 https://registry-1.docker.io=$1"
}
PIECES_MIRRORS=$(mirrors "$srv")
PIECES_CONFIG=$T/config
: >"$PIECES_CONFIG"
export PIECES_MIRRORS PIECES_CONFIG
unset HTTPS_PROXY https_proxy
offline() {
	PIECES_MIRRORS=$(mirrors "$dead") "$PIECES" -r "$S" "$@"
}
S=$T/store
fails "offline is offline" 1 "Connection refused" offline fetch -q "$CDN$REL"

# offline: the imported fixture is alpine:3.18 to build and run alike
ok "import the fixture as alpine-3.18" p import "$ALPINE" alpine-3.18
D=$T/app
mkdir -p "$D"
printf 'FROM alpine:3.18\nRUN echo built >/built\nCMD ["cat", "/etc/alpine-release", "/built"]\n' \
	>"$D/Piecefile"
run offline build -t app "$D"
is "an offline build FROM alpine:3.18 builds on the imported image" "$rc" 0
is "and says it used the store image" "$(grep '^\[1/' "$T/out")" \
	"[1/3] FROM alpine:3.18 (store image alpine-3.18)"
run offline run app
is "the build runs" "$rc $(cat "$T/out" | tr '\n' ' ')" "0 3.18.9 built "
run offline run alpine:3.18 cat /etc/alpine-release
is "run alpine:3.18 takes the same image offline" "$rc $(cat "$T/out")" "0 3.18.9"
run offline run --pull=never alpine:3.18 true
is "and under --pull=never" "$rc" 0
run offline build --pull=never -t app2 "$D"
is "so does build --pull=never" "$rc" 0
is "neither asked any server" "$(requests)" 0

# a build named after its base replaces the store's copy; the next one
# still builds on the known image, found in the cache, not on itself
D=$T/tut
mkdir -p "$D"
printf 'FROM alpine:3.18\nCMD ["cat", "/etc/alpine-release"]\n' >"$D/Piecefile"
run offline build "$D"
is "an offline build named after its base" "$rc $(tail -n 1 "$T/out")" "0 built alpine-3.18"
run offline build "$D"
is "builds again offline, its base from the cache" "$rc $(grep '^\[1/' "$T/out")" \
	"0 [1/2] FROM alpine:3.18 (cached)"
is "and is up to date" "$(tail -n 1 "$T/out")" "alpine-3.18 is up to date"
run offline run alpine-3.18
is "run alpine-3.18 runs the build, the user's image of that name" "$rc $(cat "$T/out")" \
	"0 3.18.9"

# another digest under a known name is not the known image to a FROM
S=$T/store2
mkdir -p "$T/imp"
tar -xzf "$ALPINE" -C "$T/imp"
echo impostor >"$T/imp/etc/alpine-release"
tar -czf "$T/imp.tar.gz" -C "$T/imp" .
ok "import another tarball as alpine-3.18" p import "$T/imp.tar.gz" alpine-3.18
D=$T/imp-app
mkdir -p "$D"
printf 'FROM alpine:3.18\nCMD ["cat", "/etc/alpine-release"]\n' >"$D/Piecefile"
fails "build --pull=never does not take it for alpine:3.18" 1 \
	"alpine-3.18: not in the store, and --pull=never" p build --pull=never -t imp-app "$D"
fails "offline, the build goes for the known tarball and fails" 1 "Connection refused" \
	offline build -t imp-app "$D"
n=$(requests)
run p build -t imp-app "$D"
is "online it fetches the known tarball" "$rc $(requests)" "0 $((n + 1))"
run p run imp-app
is "and builds on it" "$(cat "$T/out")" "3.18.9"
run p run alpine:3.18 cat /etc/alpine-release
is "the store's alpine-3.18 is left as it was, and run takes it" "$rc $(cat "$T/out")" \
	"0 impostor"
is "with no request" "$(requests)" "$((n + 1))"

# a known image published with a sums file: the store's copy is it when
# it was fetched from the known URL
S=$T/store3
n=$(requests)
run p run alpine:3.19 cat /etc/alpine-release
is "run alpine:3.19 fetches the sums, then the tarball" "$rc $(requests)" "0 $((n + 2))"
printf 'FROM alpine:3.19\nCMD ["cat", "/etc/alpine-release"]\n' >"$D/Piecefile"
run offline build -t from19 "$D"
is "a build FROM alpine:3.19 takes it offline" "$rc $(grep '^\[1/' "$T/out")" \
	"0 [1/2] FROM alpine:3.19 (store image alpine-3.19)"
S=$T/store4
ok "import the same file as alpine-3.19" p import "$W$REL19" alpine-3.19
fails "it was not fetched from the known URL: not taken" 1 "Connection refused" \
	offline build -t from19 "$D"

# --pull=never: a missing image is an error that says so, never a fetch
S=$T/store5
n=$(requests)
fails "run --pull=never of a known image the store lacks" 125 \
	"alpine-3.18: not in the store, and --pull=never" p run --pull=never alpine:3.18 true
printf 'FROM alpine:3.18\n' >"$D/Piecefile"
fails "build --pull=never of it" 1 "alpine-3.18: not in the store, and --pull=never" \
	p build --pull=never -t x "$D"
fails "run --pull=never of a reference" 125 \
	"ghcr.io_o_app-1: not in the store, and --pull=never" p run --pull=never ghcr.io/o/app:1 true
fails "a bare name is only ever the store's" 125 "nosuch: no such image" \
	p run --pull=never nosuch true
is "none of them asked the server" "$(requests)" "$n"
is "nothing stored" "$(p images | awk 'NR > 1')" ""

# run and build agree on where a name lives: a known registry image is
# its reference, pulled to the reference's store name; this server is no
# registry, and its 404s end both pulls alike
fails "run --pull=never fedora:38" 125 \
	"registry.fedoraproject.org_fedora-38: not in the store, and --pull=never" \
	p run --pull=never fedora:38 true
printf 'FROM fedora:38\n' >"$D/Piecefile"
fails "build --pull=never FROM fedora:38" 1 \
	"registry.fedoraproject.org_fedora-38: not in the store, and --pull=never" \
	p build --pull=never -t x "$D"
fails "run fedora:38 pulls its reference" 125 \
	"registry.fedoraproject.org/fedora:38: manifest 38: not found (404)" p run fedora:38 true
grep -q "registry.fedoraproject.org_fedora-38: not in the store; pulling" "$T/err"
is "to its reference's store name" "$?" 0
fails "so does a FROM fedora:38" 1 \
	"registry.fedoraproject.org/fedora:38: manifest 38: not found (404)" p build -t x "$D"

# --pull=always: fetched and checked anew, whatever the store has
S=$T/store6
ok "import the fixture as alpine-3.18" p import "$ALPINE" alpine-3.18
printf 'FROM alpine:3.18\nRUN echo MARK\nCMD ["cat", "/etc/alpine-release"]\n' >"$D/Piecefile"
n=$(requests)
run p build --pull=always -t fresh "$D"
is "build --pull=always fetches the tarball though the store has it" "$rc $(requests)" \
	"0 $((n + 1))"
is "and says nothing of the store" "$(grep '^\[1/' "$T/out")" "[1/3] FROM alpine:3.18"
run p build --pull -t fresh "$D"
is "--pull alone is always: the base again, from the blob cache" \
	"$rc $(grep '^\[1/' "$T/out") $(requests)" "0 [1/3] FROM alpine:3.18 $((n + 1))"
is "the steps on the same base stay cached" "$(grep -c '^MARK$' "$T/out")" 0
rm -rf "$S/blobs"
run p run --pull=always alpine:3.18 true
is "run --pull=always fetches it again" "$rc $(requests)" "0 $((n + 2))"
is "and says so" "$(grep -c "alpine-3.18: fetching $CDN$REL again" "$T/err")" 1
rm -rf "$S/blobs"
cp "$FIXTURES/alpine-minirootfs-3.18.9-aarch64.tar.gz" "$W$REL"
[ "$ARCH" = aarch64 ] && cp "$FIXTURES/alpine-minirootfs-3.18.9-x86_64.tar.gz" "$W$REL"
fails "run --pull=always checks what it fetched" 125 "sha256 mismatch" \
	p run --pull=always alpine:3.18 true
fails "so does build --pull=always" 1 "sha256 mismatch" p build --pull=always -t fresh "$D"
run p run --pull=never alpine:3.18 cat /etc/alpine-release
is "the store's copy is still there" "$rc $(cat "$T/out")" "0 3.18.9"

# bad values: one line, run's status 125, build's 1
fails "run --pull=sometimes" 125 "^pieces: --pull=sometimes: want always, missing or never$" \
	p run --pull=sometimes alpine:3.18 true
is "in one line" "$(wc -l <"$T/err")" 1
fails "build --pull=sometimes" 1 "^pieces: --pull=sometimes: want always, missing or never$" \
	p build --pull=sometimes "$D"
is "in one line" "$(wc -l <"$T/err")" 1

# two references, one store name (reg_name maps '/' to '_', '@' to '-'):
# the store's image answers only for the one it came from
S=$T/store7
p import "$ALPINE" quay.io/acme_tools/cli:1 >/dev/null
ok "the reference an image was imported as runs it" \
	p run --pull=never --net none quay.io/acme_tools/cli:1 true
fails "another reference of the same store name does not" 125 \
	"holds quay.io/acme_tools/cli:1, not quay.io/acme/tools_cli:1" \
	p run --pull=never --net none quay.io/acme/tools_cli:1 true
H=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
p import "$ALPINE" "quay.io/acme/app:sha256-$H" >/dev/null
fails "nor a digest for a tag that reads like it" 125 "not quay.io/acme/app@sha256:$H" \
	p run --pull=never --net none "quay.io/acme/app@sha256:$H" true
finish
