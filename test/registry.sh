#!/bin/sh
# See LICENSE file for copyright and license details.
#
# Pulling from registries: `pieces pull` and `pieces run REF` against
# Debian's docker-registry (the distribution server) on loopback, with TLS
# from a CA this test makes, in token mode behind a token service the test
# runs (test/registry/issuer.py), as Docker Hub works.  A proxy in front
# (test/registry/proxy.py) logs every request, so manifest requests can be
# counted, and sends blobs to "another host" (localhost), where the token
# must not follow.  The rewrite list maps registry-1.docker.io and
# registry.fedoraproject.org to the proxy, so `pieces pull alpine:3.20`
# itself is what runs.  Images are built from the Alpine fixture with
# umoci and pushed with skopeo; a few hand-made manifests go in with
# test/registry/reg.py.
. "$(dirname "$0")/lib.sh"

H=$(cd "$(dirname "$0")/registry" && pwd)
for tool in docker-registry:docker-registry skopeo:skopeo umoci:umoci openssl:openssl \
	python3:python3; do
	if ! command -v "${tool%%:*}" >/dev/null; then
		skip "registry tests" "${tool#*:} is not installed"
		finish
	fi
done
case $(uname -m) in
x86_64) ;;
*) skip "registry tests" "the images built here are amd64's"; finish ;;
esac
ALPINE=$FIXTURES/alpine-minirootfs-3.18.9-x86_64.tar.gz
S=$T/store

# ---- a CA, a server certificate, a token signing key ----
C=$T/ca
mkdir -p "$C"
ssl() {
	openssl "$@" >>"$C/log" 2>&1
}
ssl req -x509 -newkey rsa:2048 -nodes -keyout "$C/ca.key" -out "$C/ca.pem" -days 30 \
	-subj "/CN=pieces test CA" -addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign"
ssl req -new -newkey rsa:2048 -nodes -keyout "$C/srv.key" -out "$C/srv.csr" -subj "/CN=localhost"
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$C/ext"
ssl x509 -req -in "$C/srv.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -CAcreateserial -days 30 \
	-extfile "$C/ext" -out "$C/srv.pem"
ok "a CA, a server certificate and a token signing key" \
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$C/token.key" -out "$C/token.pem" \
	-days 30 -subj "/CN=pieces test tokens"
SSL_CERT_FILE=$C/ca.pem
export SSL_CERT_FILE

# ---- the servers ----
# waitport FILE: until a server has written its port to FILE
waitport() {
	i=0
	while [ ! -s "$1" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	[ -s "$1" ]
}
python3 "$H/issuer.py" "$C/token.key" "$C/token.pem" "$C/srv.pem" "$C/srv.key" "$T/issuer.port" "$T/issuer.log" \
	2>"$T/issuer.err" &
atexit "kill $!"
waitport "$T/issuer.port" || { echo "not ok - the token service did not start"; finish; }
# the registry wants a fixed port: ask the kernel for a free one
RPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$T/reg"
cat >"$T/reg.yml" <<EOF2
version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: $T/reg
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$RPORT
  tls:
    certificate: $C/srv.pem
    key: $C/srv.key
auth:
  token:
    realm: https://127.0.0.1:$(cat "$T/issuer.port")/token
    service: pieces-test
    issuer: pieces-test
    rootcertbundle: $C/token.pem
EOF2
docker-registry serve "$T/reg.yml" >"$T/registry.log" 2>&1 &
atexit "kill $!"
i=0
until python3 -c "import socket; socket.create_connection(('127.0.0.1', $RPORT))" 2>/dev/null ||
	[ $i -ge 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
python3 "$H/proxy.py" "$C/srv.pem" "$C/srv.key" "$T/proxy.port" "$T/proxy.log" \
	"127.0.0.1:$RPORT" "$T/reg" 2>"$T/proxy.err" &
atexit "kill $!"
waitport "$T/proxy.port" || { echo "not ok - the proxy did not start"; finish; }
REG=127.0.0.1:$RPORT
PROXY=https://127.0.0.1:$(cat "$T/proxy.port")
PIECES_MIRRORS="https://registry-1.docker.io=$PROXY https://registry.fedoraproject.org=$PROXY"
PIECES_CONFIG=$T/config
PIECES_AUTH=$T/auth/credentials
PIECES_TIMEOUT=20
: >"$PIECES_CONFIG"
export PIECES_MIRRORS PIECES_CONFIG PIECES_AUTH PIECES_TIMEOUT
unset HTTPS_PROXY https_proxy

# ---- the images ----
O=$T/oci
mkdir -p "$O/layers"
umo() {
	umoci "$@" >>"$T/umoci.log" 2>&1
}
push() {
	skopeo copy -q --dest-creds joe:s3cret "oci:$O/layout:$1" "docker://$REG/$2" \
		>>"$T/skopeo.log" 2>&1
}
gzip -dc "$ALPINE" >"$O/layers/alpine.tar"
# the second layer: a file deleted, an opaque directory, files added and changed
mkdir -p "$O/l2/etc/apk" "$O/l2/usr/share/new" "$O/l2/etc"
echo replaced >"$O/l2/etc/apk/world2"
echo hello >"$O/l2/usr/share/new/file"
echo changed >"$O/l2/etc/motd"
: >"$O/l2/etc/.wh.issue"
: >"$O/l2/etc/apk/.wh..wh..opq"
ln -s ../share/new/file "$O/l2/usr/share/new/link"
(cd "$O/l2" && tar --owner=0 --group=0 -cf "$O/layers/l2.tar" etc usr)
# a third: the opaque directory's new file deleted again, a directory replaced by a file
mkdir -p "$O/l3/etc/apk" "$O/l3/usr/share"
: >"$O/l3/etc/apk/.wh.world2"
: >"$O/l3/usr/share/new.tmp"
echo small >"$O/l3/tiny"
(cd "$O/l3" && tar --owner=0 --group=0 -cf "$O/layers/l3.tar" etc usr tiny)
build() {	# build NAME LAYER...: an image in the layout with env, cmd, workdir, user
	n=$1
	shift
	umo new --image "$O/layout:$n" || return 1
	for l; do
		umo raw add-layer --image "$O/layout:$n" "$O/layers/$l.tar" || return 1
	done
	umo config --image "$O/layout:$n" --config.env GREETING=hi --config.cmd /bin/echo \
		--config.cmd from-config --config.workingdir /etc --config.label team=pieces
}
mkdir -p "$O/tm"
head -c 3000 /dev/urandom >"$O/tm/random"
(cd "$O/tm" && tar --owner=0 --group=0 -cf "$O/layers/tamper.tar" random)
built=no
umo init --layout "$O/layout" && build single alpine && build multi alpine l2 l3 &&
	build tamper tamper && built=yes
is "umoci builds a single-layer, a three-layer and a small image" "$built" yes
pushed=no
push single library/alpine:3.20 && push multi library/multi:1 && push single fedora:38 &&
	push single priv/app:1 && push tamper library/tamper:1 && push single library/alpine:latest &&
	pushed=yes
is "skopeo pushes them to the registry (with credentials)" "$pushed" yes
[ "$built$pushed" = yesyes ] || finish

# manifests counts the manifest requests the proxy saw since mark
mark() {
	since=$(wc -l <"$T/proxy.log")
}
manifests() {
	tail -n +$((since + 1)) "$T/proxy.log" | grep -c "^GET /v2/.*/manifests/"
}
blobs() {
	tail -n +$((since + 1)) "$T/proxy.log" | grep -c "^GET /v2/.*/blobs/.* host=127"
}
: >>"$T/proxy.log"

# ---- a single-layer image, as docker pull alpine:3.20 ----
mark
run p pull alpine:3.20
is "pull alpine:3.20 through Docker Hub's name" "$rc $(cat "$T/out")" "0 alpine-3.20"
[ "$rc" = 0 ] || sed 's/^/# /' "$T/err"
is "it asked for the manifest once" "$(manifests)" 1
is "the token came anonymously for library/alpine" \
	"$(grep -c 'token user=- scope=repository:library/alpine:pull' "$T/issuer.log")" 1
run p images --no-trunc
is "it is listed with its full reference" "$(awk 'NR > 1 { print $1, $2, $NF }' "$T/out")" \
	"docker.io/library/alpine 3.20 docker.io/library/alpine:3.20"
is "images -q gives the name run takes" "$(p images -q)" "alpine-3.20"
is "images alpine finds it as Docker reads the name" "$(p images -q alpine) $(p images -q alpine:3.20)" \
	"alpine-3.20 alpine-3.20"
is "the blobs went to localhost, redirected" \
	"$(grep -c '^GET /v2/library/alpine/blobs/.* host=localhost' "$T/proxy.log")" 2
is "without the registry's Authorization" \
	"$(grep -c '^GET /v2/.*/blobs/.* host=localhost auth=yes' "$T/proxy.log")" 0
is "which the registry got" \
	"$(grep -c '^GET /v2/library/alpine/blobs/.* host=127.0.0.1 auth=yes' "$T/proxy.log")" 2
if needroot; then
	run p run alpine:3.20 cat /etc/alpine-release
	is "run alpine:3.20 finds it" "$rc $(cat "$T/out")" "0 3.18.9"
	run p run alpine-3.20
	is "the config's Cmd is the default command" "$(cat "$T/out")" "from-config"
	run p run alpine:3.20 sh -c 'echo $GREETING $(pwd)'
	is "its Env and WorkingDir" "$(cat "$T/out")" "hi /etc"
else
	skip "run the pulled image" "run needs root"
fi
mark
run p pull alpine:3.20
is "a second pull of the unchanged tag succeeds" "$rc $(cat "$T/out")" "0 alpine-3.20"
is "and says it is up to date" "$(grep -c 'alpine-3.20: up to date (sha256:' "$T/err")" 1
is "after exactly one manifest request" "$(manifests)" 1
is "and no blob request" "$(blobs)" 0
grep -q '^label team=pieces' "$S/images/alpine-3.20/meta"
is "the config's Labels are in the metadata" "$?" 0

# ---- a pull by digest ----
dig=$(sed -n 's/^digest //p' "$S/images/alpine-3.20/meta")
run p inspect alpine:3.20
is "inspect: its tag and the digest to pull it by, as Docker's" "$(python3 -c 'import json, sys
i = json.load(sys.stdin)[0]
print(i["RepoTags"], i["RepoDigests"], i["Id"])' <"$T/out")" \
	"['docker.io/library/alpine:3.20'] ['docker.io/library/alpine@$dig'] $dig"
mark
run p pull "docker.io/library/alpine@$dig"
is "pull by digest" "$rc $(cat "$T/out")" "0 alpine-sha256-${dig#sha256:}"
is "one manifest request, by digest" \
	"$(tail -n +$((since + 1)) "$T/proxy.log" | grep -c "manifests/$dig ")" 1
is "only the config downloaded: the layer is in the cache" "$(blobs)" 1
is "images shows it with no tag, as Docker does" \
	"$(p images alpine | awk '$2 == "<none>" { print $1, $2, $3 }')" \
	"docker.io/library/alpine <none> $(echo "${dig#sha256:}" | cut -c1-12)"
mark
run p pull "alpine@$dig"
is "a pull of a digest the store has costs no request" "$rc $(manifests)" "0 0"
fails "a manifest that is not the digest asked for" 1 \
	"manifest sha256:aaaaaaaaaaaa.*: digest mismatch: got $dig" \
	p pull "alpine@sha256:$(printf %064d 0 | tr 0 a)"
fails "a manifest whose Docker-Content-Digest is not its digest" 1 \
	"alpine:lie: manifest: digest mismatch: the registry says sha256:0000000000000000" p pull alpine:lie

# ---- three layers: whiteouts and an opaque directory, as umoci unpacks them ----
mark
run p pull multi:1
is "pull a three-layer image" "$rc $(cat "$T/out")" "0 multi-1"
is "the base layer came from the cache" "$(blobs)" 3
tree() {	# tree DIR: every entry with its type, mode, owner, size, target and content digest
	(cd "$1" && find . -mindepth 1 -printf '%p %y %m %U:%G %s %l\n' | sort >"$T/tree" &&
		find . -type f -exec sha256sum {} + | sort -k2 >>"$T/tree") && cat "$T/tree"
}
if umoci unpack --image "$O/layout:multi" "$T/bundle" >>"$T/umoci.log" 2>&1; then
	tree "$T/bundle/rootfs" >"$T/want"
	tree "$S/images/multi-1/rootfs" >"$T/got"
	is "the tree is the one umoci unpack makes" "$(diff "$T/want" "$T/got" | head -20)" ""
	rm -rf "$T/bundle"
else
	skip "compare with umoci unpack" "umoci unpack failed"
fi
r=$S/images/multi-1/rootfs
is "a whiteout removed /etc/issue" "$(ls "$r/etc/issue" 2>&1 | grep -c 'No such')" 1
is "the opaque /etc/apk holds only what the upper layers left" "$(ls -A "$r/etc/apk")" ""
is "a directory replaced by a file" "$(cat "$r/usr/share/new.tmp"; [ -f "$r/usr/share/new.tmp" ] && echo file)" file
is "a changed file" "$(cat "$r/etc/motd")" changed

# ---- a multi-architecture index ----
skopeo inspect --raw --creds joe:s3cret "docker://$REG/library/multi:1" >"$T/m.json" 2>>"$T/skopeo.log"
skopeo inspect --raw --creds joe:s3cret "docker://$REG/library/alpine:3.20" >"$T/s.json" 2>>"$T/skopeo.log"
push multi library/multiarch:arm64
push single library/multiarch:amd64
desc() {	# desc FILE OS ARCH [VARIANT] [ANNOTATION]
	python3 -c 'import hashlib, json, sys
f, os_, arch = sys.argv[1:4]
d = open(f, "rb").read()
e = {"mediaType": json.loads(d).get("mediaType", "application/vnd.oci.image.manifest.v1+json"), "digest": "sha256:" + hashlib.sha256(d).hexdigest(),
     "size": len(d), "platform": {"os": os_, "architecture": arch}}
if len(sys.argv) > 4 and sys.argv[4]:
    e["platform"]["variant"] = sys.argv[4]
if len(sys.argv) > 5:
    e["annotations"] = {"vnd.docker.reference.type": "attestation-manifest"}
print(json.dumps(e))' "$@"
}
index() {	# index DESC...: an OCI index
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":['
	sep=
	for d; do printf '%s%s' "$sep" "$d"; sep=,; done
	printf ']}'
}
OCIIDX=application/vnd.oci.image.index.v1+json
index "$(desc "$T/m.json" unknown unknown "" att)" "$(desc "$T/m.json" linux arm64 v8)" \
	"$(desc "$T/s.json" linux amd64)" "$(desc "$T/m.json" linux arm v7)" >"$T/idx.json"
python3 "$H/reg.py" put "$REG" library/multiarch 1 $OCIIDX "$T/idx.json" 2>>"$T/reg.log"
mark
run p pull multiarch:1
is "pull from an index: the amd64 entry, past an attestation and arm64" \
	"$rc $(cat "$T/out") $(cat "$S/images/multiarch-1/rootfs/etc/issue" | head -1)" \
	"0 multiarch-1 Welcome to Alpine Linux 3.18"
is "two manifest requests: the index, the image" "$(manifests)" 2
grep -q "^digest sha256:$(sha256sum <"$T/idx.json" | cut -d' ' -f1)" "$S/images/multiarch-1/meta"
is "the index digest is recorded" "$?" 0
index "$(desc "$T/m.json" linux arm64)" "$(desc "$T/s.json" linux s390x)" \
	"$(desc "$T/s.json" windows amd64)" >"$T/idx2.json"
python3 "$H/reg.py" put "$REG" library/multiarch noamd64 $OCIIDX "$T/idx2.json" 2>>"$T/reg.log"
fails "an index without linux/amd64" 1 "multiarch:noamd64: no image for linux/amd64 in the index" \
	p pull multiarch:noamd64

# ---- unknown and refused media types ----
python3 - "$T/s.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
for name, t in (("weird", "application/vnd.example.thing"),
                ("zstd", "application/vnd.oci.image.layer.v1.tar+zstd")):
    m["layers"][0]["mediaType"] = t
    open(sys.argv[1] + "." + name, "w").write(json.dumps(m))
m["layers"][0]["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"
m["config"]["mediaType"] = "application/vnd.example.config.v1+json"
open(sys.argv[1] + ".artifact", "w").write(json.dumps(m))
PY
OCIM=application/vnd.oci.image.manifest.v1+json
push single library/odd:base
for t in weird zstd artifact; do
	python3 "$H/reg.py" put "$REG" library/odd $t $OCIM "$T/s.json.$t" 2>>"$T/reg.log"
done
fails "a layer of an unknown media type" 1 \
	"odd:weird: unknown media type 'application/vnd.example.thing'" p pull odd:weird
fails "a zstd layer, refused by name" 1 "odd:zstd: zstd layers are not supported" p pull odd:zstd
fails "an artifact that is not an image" 1 \
	"odd:artifact: not a container image: config of type 'application/vnd.example.config.v1+json'" \
	p pull odd:artifact
fails "a missing tag" 1 "nosuch:9: manifest 9: not found (404: manifest unknown)" p pull nosuch:9
fails "a manifest trickled for longer than ten timeouts" 1 "manifests/slow: not complete in 10 s" \
	env PIECES_TIMEOUT=1 "$PIECES" -r "$S" pull alpine:slow
fails "a registry host with an empty port" 1 "localhost:/foo: bad registry host" p pull localhost:/foo
fails "a registry host ending in -" 1 "bad-.example/foo: bad registry host" p pull bad-.example/foo
# an index entry we cannot read is skipped, not fatal
index "$(desc "$T/m.json" linux arm "$(printf 'v%.0s' $(seq 40))")" "$(desc "$T/s.json" linux amd64)" \
	>"$T/idx3.json"
python3 "$H/reg.py" put "$REG" library/multiarch odd $OCIIDX "$T/idx3.json" 2>>"$T/reg.log"
run p pull multiarch:odd
is "an index entry with a 40-character variant is skipped" "$rc $(cat "$T/out")" "0 multiarch-odd"
ok "rmi it" p rmi multiarch-odd
# metadata too large for the store: refused before any layer comes
umo new --image "$O/layout:big" && umo raw add-layer --image "$O/layout:big" "$O/layers/alpine.tar" &&
	umo config --image "$O/layout:big" $(for i in 0 1 2 3 4 5 6 7 8 9; do
		printf -- '--config.label big%s=%s ' $i "$(head -c 7000 /dev/zero | tr '\0' x)"; done) &&
	push big library/big:1
mark
fails "an image whose metadata the store cannot hold" 1 \
	"big:1: config: its metadata is larger than METAMAX (64 KiB)" p pull big:1
is "is refused before its layer is fetched" "$(blobs)" 1
# blob storage that asks for credentials does not get them
push single library/steal:1
mark
fails "a 401 from where a blob was redirected to" 1 "steal:1: config sha256:[0-9a-f]*: 401" \
	p pull steal:1
is "is not answered: no token asked for there" \
	"$(tail -n +$((since + 1)) "$T/proxy.log" | grep -c 'host=localhost' | tr -d ' ')" 1
is "none of them stored anything" "$(p images -q | sort | tr '\n' ' ')" \
	"alpine-3.20 alpine-sha256-${dig#sha256:} multi-1 multiarch-1 "

# ---- a tampered blob: refused, nothing stored ----
lay=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["digest"][7:])' \
	<"$(skopeo inspect --raw --creds joe:s3cret "docker://$REG/library/tamper:1" \
	>"$T/t.json" 2>>"$T/skopeo.log"; echo "$T/t.json")")
data=$T/reg/docker/registry/v2/blobs/sha256/$(echo "$lay" | cut -c1-2)/$lay/data
# the gzip header's MTIME: the stream still inflates, only the digest can tell
printf '\001\002\003\004' | dd of="$data" bs=1 seek=4 conv=notrunc 2>/dev/null
fails "a tampered layer is refused" 1 "tamper:1: layer 1 of 1 (sha256:$(echo "$lay" | cut -c1-12)): digest mismatch" \
	p pull tamper:1
is "the error is one line" "$(wc -l <"$T/err")" 1
is "no image stored" "$(ls "$S/images" | grep -c tamper)" 0
is "the blob was not cached" "$(ls "$S/blobs/sha256" | grep -c "$lay")" 0
is "no work tree left" "$(ls -A "$S/tmp")" ""

# ---- authentication ----
fails "an anonymous pull of a private repository" 1 "priv/app:1: manifest 1: 401 unauthorized" \
	p pull priv/app:1
printf 'wrong\n' >"$T/pw"
fails "login with a wrong password" 1 "credentials refused" p login -u joe docker.io <"$T/pw"
is "stores nothing" "$(ls -A "$T/auth" 2>/dev/null)" ""
printf 's3cret\n' >"$T/pw"
ok "login with the right one" p login -u joe docker.io <"$T/pw"
is "the credentials file is mode 0600" "$(stat -c %a "$PIECES_AUTH")" 600
is "and holds the line" "$(cat "$PIECES_AUTH")" "docker.io joe:s3cret"
run p pull priv/app:1
is "a credentialed pull of the private repository" "$rc $(cat "$T/out")" "0 priv_app-1"
is "the token service saw joe" \
	"$(grep -c 'token user=joe scope=repository:priv/app:pull$' "$T/issuer.log")" 1
ok "login to a second registry" p login -u joe "$REG" <"$T/pw"
ok "and to the first again" p login -u joe docker.io <"$T/pw"
is "the file holds a line for each" "$(sort "$PIECES_AUTH")" \
	"$(printf '%s\n' "$REG joe:s3cret" "docker.io joe:s3cret")"
cp "$PIECES_AUTH" "$T/auth.before"
printf 'wrong\n' >"$T/pw"
fails "a refused login over stored credentials" 1 "credentials refused" \
	p login -u joe docker.io <"$T/pw"
cmp -s "$T/auth.before" "$PIECES_AUTH"
is "leaves the file as it was" "$?" 0
is "and nothing staged beside it" "$(ls -A "$(dirname "$PIECES_AUTH")")" "${PIECES_AUTH##*/}"
printf 'docker.io joe\n' >"$PIECES_AUTH"
fails "a credentials line without a password" 1 \
	"$PIECES_AUTH: credentials for docker.io: want 'DOMAIN USER:PASSWORD'" p pull priv/app:1
printf 's3cret\n' >"$T/pw"
rm -f "$PIECES_AUTH"

# ---- Basic auth: a second registry on the same storage, with htpasswd ----
if python3 -W ignore -c 'import crypt; print("joe:" + crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH)))' \
	>"$T/htpasswd" 2>/dev/null && grep -q '^joe:\$2' "$T/htpasswd"; then
	BPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	sed -e "s/127.0.0.1:$RPORT/127.0.0.1:$BPORT/" -e '/^auth:/,$d' "$T/reg.yml" >"$T/basic.yml"
	printf 'auth:\n  htpasswd:\n    realm: pieces-test\n    path: %s\n' "$T/htpasswd" >>"$T/basic.yml"
	docker-registry serve "$T/basic.yml" >"$T/basic.log" 2>&1 &
	atexit "kill $!"
	i=0
	until python3 -c "import socket; socket.create_connection(('127.0.0.1', $BPORT))" 2>/dev/null ||
		[ $i -ge 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	B=127.0.0.1:$BPORT
	fails "a Basic registry without credentials" 1 "$B/tamper:1: $B wants credentials: pieces login $B" \
		p pull "$B/tamper:1"
	printf 's3cret\n' >"$T/pw"
	ok "login to it" p login -u joe "$B" <"$T/pw"
	run p pull "$B/library/alpine:3.20"
	is "a pull with Basic credentials" "$rc $(cat "$T/out")" \
		"0 127.0.0.1-${BPORT}_library_alpine-3.20"
	is "which the registry let through: manifest and config (the layer was cached)" \
		"$(grep -c '"GET /v2/library/alpine/[^ ]* HTTP/1.1" 200' "$T/basic.log")" 2
	rm -f "$PIECES_AUTH"
else
	skip "Basic auth" "python3 cannot make a bcrypt hash (crypt)"
fi

# ---- the known name fedora:38, and run pulling what is missing ----
if needroot; then
	run p run fedora:38 cat /etc/alpine-release
	is "run fedora:38 pulls registry.fedoraproject.org/fedora:38" "$rc $(cat "$T/out")" "0 3.18.9"
	is "it says so" "$(grep -c 'fedora-38: not in the store; pulling registry.fedoraproject.org/fedora:38' "$T/err")" 1
	ok "run fedora-38 finds it" p run fedora-38 true
	run p run "$REG/library/alpine" cat /etc/alpine-release
	is "run host:port/name pulls it, straight from the registry" "$rc $(cat "$T/out")" "0 3.18.9"
	is "under its store name" "$(ls "$S/images" | grep -c "^127.0.0.1-${RPORT}_library_alpine$")" 1
else
	skip "run pulls" "run needs root"
fi

# ---- FROM a registry image in a Piecefile ----
if needroot; then
	D=$T/build
	mkdir -p "$D"
	printf 'FROM fedora:38\nRUN echo MARK\nCMD ["cat", "/etc/alpine-release"]\n' >"$D/Piecefile"
	mark
	run p build "$D"
	is "FROM fedora:38 builds fedora-38" "$rc $(tail -n 1 "$T/out")" "0 built fedora-38"
	is "on the image pulled from registry.fedoraproject.org" \
		"$(ls "$S/images" | grep -c '^registry.fedoraproject.org_fedora-38$') $(grep -c '^MARK$' "$T/out")" \
		"1 1"
	run p run fedora-38
	is "which runs" "$(cat "$T/out")" "3.18.9"
	mark
	run p build "$D"
	is "a rebuild asks the registry nothing" "$rc $(tail -n 1 "$T/out") $(manifests)" \
		"0 fedora-38 is up to date 0"
	printf 'FROM %s/library/multi:1\nRUN cat /tiny\n' "$REG" >"$D/Piecefile.host"
	run p build -t frommulti -f "$D/Piecefile.host" "$D"
	is "FROM host:port/name:tag pulls and builds" "$rc $(grep -c '^small$' "$T/out")" "0 1"
	printf 'FROM %s/library/nosuch:1\n' "$REG" >"$D/Piecefile.none"
	fails "FROM an image the registry does not have" 1 "nosuch" \
		p build -t none -f "$D/Piecefile.none" "$D"
else
	skip "FROM a registry" "RUN needs root"
fi
finish
