#!/bin/sh
# See LICENSE file for copyright and license details.
#
# pieces load and pieces save: what Docker users bring.  Docker save
# archives and OCI image layouts are built here by hand (sh, tar,
# sha256sum, printf) from the Alpine fixture and a second layer with a
# whiteout; they are loaded, run, saved and loaded back.  Hostile archives
# (a digest that does not match, paths out of the archive, a symlinked or
# huge manifest, a missing layer, a fifo, members climbing out) are each
# refused in one line with nothing stored, under openat2 and the fallback
# resolver alike.  What save writes is read back by GNU tar, and by skopeo
# where it is installed.
. "$(dirname "$0")/lib.sh"
unset PIECES_NO_OPENAT2

S=$T/store
B=$T/build
PW=pieces-pwned.$$
atexit "rm -rf '/$PW' '/tmp/$PW'"
OCIARCH=$(sed -n 's/^#define ARCH_OCI[^"]*"\([^"]*\)".*/\1/p' "$(dirname "$0")/../arch/$ARCH/arch.h")
if [ ! -f "$ALPINE" ]; then
	skip "load tests" "no Alpine fixture for $ARCH"
	finish
fi

listed() {
	p images -q | sort | tr '\n' ' '
}
leftovers() {
	ls -A "$S/tmp" 2>/dev/null | tr '\n' ' '
}
sha() {
	sha256sum "$1" | cut -d' ' -f1
}
size() {
	wc -c <"$1" | tr -d ' '
}
tree() {	# tree DIR: every entry with its type, mode, owner, size, target, links; contents
	(cd "$1" && find . -mindepth 1 -printf '%p %y %m %U:%G %s %l %n %TY%Tm%Td%TH%TM%TS\n' |
		sed 's/\.[0-9]*$//' | sort && find . -type f -exec sha256sum {} + | sort -k2)
}

# ---- the layers: Alpine, then one that removes /etc/motd and adds files ----
mkdir -p "$B/l2/etc" "$B/l2/srv"
gzip -dc "$ALPINE" >"$B/base.tar"
: >"$B/l2/etc/.wh.motd"
echo added >"$B/l2/etc/added"
echo hello >"$B/l2/srv/hello"
(cd "$B/l2" && tar --owner=0 --group=0 -cf "$B/l2.tar" etc srv)

# config FILE [DIFFID...]: an image config (default: the two layers' diff_ids)
config() {
	_f=$1
	shift
	[ $# = 0 ] && set -- "$(sha "$B/base.tar")" "$(sha "$B/l2.tar")"
	_ids=
	for _x; do _ids="$_ids${_ids:+,}\"sha256:$_x\""; done
	printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin","GREETING=hi"],"Cmd":["/bin/sh","-c","echo $GREETING from $(pwd)"],"WorkingDir":"/srv","User":"0:0","Labels":{"team":"pieces"},"ExposedPorts":{"8080/tcp":{},"53/udp":{}}},"rootfs":{"type":"layers","diff_ids":[%s]}}' \
		"$OCIARCH" "$_ids" >"$_f"
}

# docker DIR [TAGS]: a docker save archive's tree in DIR, as Docker before 25
# wrote them: ID/layer.tar, HEX.json; TAGS the RepoTags array's insides
docker() {
	_d=$1
	mkdir -p "$_d/l1" "$_d/l2"
	cp "$B/base.tar" "$_d/l1/layer.tar"
	cp "$B/l2.tar" "$_d/l2/layer.tar"
	config "$B/config.json"
	CFG=$(sha "$B/config.json")
	cp "$B/config.json" "$_d/$CFG.json"
	printf '[{"Config":"%s.json","RepoTags":[%s],"Layers":["l1/layer.tar","l2/layer.tar"]}]' \
		"$CFG" "${2-"\"example.com/team/app:1.0\""}" >"$_d/manifest.json"
}
pack() {	# pack DIR TAR
	(cd "$1" && tar --owner=0 --group=0 -cf "$2" .)
}

# oci DIR [ANNOTATIONS]: an OCI image layout, the base layer gzipped
ANN=',"annotations":{"org.opencontainers.image.ref.name":"ociapp:2"}'
oci() {
	_d=$1
	mkdir -p "$_d/blobs/sha256"
	gzip -c "$B/base.tar" >"$_d/blobs/l1"
	L1=$(sha "$_d/blobs/l1")
	mv "$_d/blobs/l1" "$_d/blobs/sha256/$L1"
	L2=$(sha "$B/l2.tar")
	cp "$B/l2.tar" "$_d/blobs/sha256/$L2"
	config "$B/config.json"
	C=$(sha "$B/config.json")
	cp "$B/config.json" "$_d/blobs/sha256/$C"
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s},{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
		"$C" "$(size "$B/config.json")" "$L1" "$(size "$_d/blobs/sha256/$L1")" \
		"$L2" "$(size "$B/l2.tar")" >"$B/manifest"
	M=$(sha "$B/manifest")
	cp "$B/manifest" "$_d/blobs/sha256/$M"
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s%s}]}' \
		"$M" "$(size "$B/manifest")" \
		"${2-$ANN}" >"$_d/index.json"
	printf '{"imageLayoutVersion":"1.0.0"}' >"$_d/oci-layout"
}

# ---- a docker save archive ----
docker "$B/d"
echo stray >"$B/d/stray"
pack "$B/d" "$T/docker.tar"
ok "load a docker save archive" p load -i "$T/docker.tar"
is "it says what it stored, named by its RepoTags" "$(cat "$T/out")" "loaded example.com_team_app-1.0"
R=$S/images/example.com_team_app-1.0
is "the whiteout removed /etc/motd" "$(ls "$R/rootfs/etc/motd" 2>&1 | grep -c 'No such')" 1
is "the second layer added its files" "$(cat "$R/rootfs/etc/added" "$R/rootfs/srv/hello")" "added
hello"
is "the base layer is there" "$(cat "$R/rootfs/etc/alpine-release")" "3.18.9"
is "none of the archive's own files is in the tree" \
	"$(ls "$R/rootfs/stray" "$R/rootfs/manifest.json" "$R/rootfs/l1" 2>&1 | grep -c 'No such')" 3
is "the config's digest is the image's" "$(sed -n 's/^digest //p' "$R/meta")" "sha256:$CFG"
is "the config is in the metadata" \
	"$(grep -E '^(workdir|user|cmd|env|label|expose) ' "$R/meta" | sort | tr '\n' '|')" \
	'cmd -c|cmd /bin/sh|cmd echo $GREETING from $(pwd)|env GREETING=hi|env PATH=/usr/sbin:/usr/bin:/sbin:/bin|expose 53/udp|expose 8080/tcp|label team=pieces|user 0:0|workdir /srv|'
is "the archive's path is its source" "$(sed -n 's/^source //p' "$R/meta")" "$T/docker.tar"
is "no work tree left" "$(leftovers)" ""
if needroot; then
	run p run example.com/team/app:1.0
	is "run uses its Cmd, Env and WorkingDir" "$rc $(cat "$T/out")" "0 hi from /srv"
	run p run example.com/team/app:1.0 sh -c 'test -e /etc/motd || cat /etc/added'
	is "the container sees the whiteout" "$rc $(cat "$T/out")" "0 added"
else
	skip "run the loaded image" "run needs root"
fi
run p inspect example.com_team_app-1.0
is "inspect shows its ports" "$(grep -c '"8080/tcp"' "$T/out")" 1
ok "load it again under a name of our own, from stdin" \
	sh -c "'$PIECES' -r '$S' load mine:1 < '$T/docker.tar'"
is "it is that name" "$(cat "$T/out")" "loaded mine-1"
is "recorded as from stdin" "$(sed -n 's/^source //p' "$S/images/mine-1/meta")" "stdin"
gzip -c "$T/docker.tar" >"$T/docker.tar.gz"
ok "a gzipped archive loads" p load -i "$T/docker.tar.gz" zipped
is "with the same tree" "$(tree "$S/images/zipped/rootfs")" "$(tree "$R/rootfs")"
docker "$B/untagged" ''
pack "$B/untagged" "$T/untagged.tar"
fails "an archive without RepoTags needs a name" 1 \
	"no image name in the archive (RepoTags): give one" p load -i "$T/untagged.tar"
ok "and takes one" p load -i "$T/untagged.tar" untagged
docker "$B/badtag" '"Bad Tag!"'
pack "$B/badtag" "$T/badtag.tar"
fails "a name the archive gives that is no image name" 1 "the name it gives is no image name" \
	p load -i "$T/badtag.tar"
# Docker 25 writes an OCI layout and manifest.json in one archive: manifest.json wins
docker "$B/both"
printf '{"imageLayoutVersion":"1.0.0"}' >"$B/both/oci-layout"
printf '{"schemaVersion":2,"manifests":[]}' >"$B/both/index.json"
pack "$B/both" "$T/both.tar"
ok "an archive that is both is read by its manifest.json" p load -i "$T/both.tar" both

# ---- an OCI image layout ----
oci "$B/o"
pack "$B/o" "$T/oci.tar"
ok "load an OCI image layout" p load -i "$T/oci.tar"
is "named by its ref.name annotation" "$(cat "$T/out")" "loaded ociapp-2"
is "the same tree as from the docker archive" "$(tree "$S/images/ociapp-2/rootfs")" \
	"$(tree "$R/rootfs")"
is "the config is in the metadata" "$(grep -c '^env GREETING=hi' "$S/images/ociapp-2/meta")" 1
if needroot; then
	run p run ociapp:2
	is "and run uses it" "$rc $(cat "$T/out")" "0 hi from /srv"
fi
oci "$B/o2" ''
pack "$B/o2" "$T/oci-noname.tar"
fails "a layout without a name needs one" 1 "ref.name annotation): give one" \
	p load -i "$T/oci-noname.tar"
# an index of two platforms: this machine's entry is chosen, the other never read
oci "$B/multi" ''
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":9,"platform":{"os":"linux","architecture":"s390x"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"os":"linux","architecture":"%s"}}]}' \
	"$(printf %064d 0)" "$M" "$(size "$B/manifest")" "$OCIARCH" >"$B/multi/index.json"
pack "$B/multi" "$T/multi.tar"
ok "an index of two platforms loads this one's" p load -i "$T/multi.tar" multi
sed -i 's/"architecture":"'"$OCIARCH"'"/"architecture":"riscv64"/' "$B/multi/index.json"
pack "$B/multi" "$T/foreign.tar"
fails "an index without this platform is refused" 1 "no image for linux/$OCIARCH" \
	p load -i "$T/foreign.tar" foreign
fails "a tar of a root file system is no archive" 1 \
	"not a docker save archive or an OCI image layout" p load -i "$ALPINE" rootfs
fails "nor is anything else" 1 "not a tar archive" p load -i /etc/hostname junk
is "nothing stored by the refusals" "$(listed)" \
	"both example.com_team_app-1.0 mine-1 multi ociapp-2 untagged zipped "
is "no work tree left" "$(leftovers)" ""

# ---- import names what it is ----
fails "import refuses a docker save archive" 1 \
	"$T/docker.tar: a docker save archive: use pieces load" p import "$T/docker.tar" imp
fails "and an OCI image layout" 1 "$T/oci.tar: an OCI image layout: use pieces load" \
	p import "$T/oci.tar" imp
fails "and from stdin too" 1 "stdin: a docker save archive: use pieces load" \
	sh -c "'$PIECES' -r '$S' import - imp < '$T/docker.tar'"
is "nothing stored for them" "$(listed | grep -c 'imp ')" 0
mkdir -p "$B/app/bin"
echo '[]' >"$B/app/manifest.json"
pack "$B/app" "$T/app.tar"
ok "a root file system with a manifest.json of its own imports" p import "$T/app.tar" app
p rmi untagged zipped mine-1 multi both app >/dev/null

# ---- hostile archives: each refused in one line, nothing stored ----
BEFORE=$(listed)
hostile() {	# hostile DESC PATTERN TAR
	fails "$1" 1 "$2" p load -i "$3" evil
	is "  nothing stored" "$(listed)" "$BEFORE"
	is "  no work tree left" "$(leftovers)" ""
}
docker "$B/h1"
mkdir -p "$B/tamper"
echo tampered >"$B/tamper/added"
(cd "$B/tamper" && tar --owner=0 --group=0 -cf "$B/h1/l2/layer.tar" added)
pack "$B/h1" "$T/h1.tar"
hostile "a layer that is not its diff_id" \
	"l2/layer.tar: digest mismatch: got sha256:$(sha "$B/h1/l2/layer.tar"), want diff_id" "$T/h1.tar"
docker "$B/h2"
echo '{}' >>"$B/h2/$CFG.json"
pack "$B/h2" "$T/h2.tar"
hostile "a config that is not its name" "$CFG.json: digest mismatch" "$T/h2.tar"
for bad in ../x /etc/passwd l1/../../x; do
	docker "$B/h3"
	printf '[{"Config":"%s.json","RepoTags":["x:1"],"Layers":["l1/layer.tar","%s"]}]' \
		"$CFG" "$bad" >"$B/h3/manifest.json"
	pack "$B/h3" "$T/h3.tar"
	hostile "a layer path '$bad'" "Layers\[1\] '$bad': not a relative path inside the archive" \
		"$T/h3.tar"
done
docker "$B/h4"
printf '[{"Config":"/%s.json","Layers":[]}]' "$CFG" >"$B/h4/manifest.json"
pack "$B/h4" "$T/h4.tar"
hostile "an absolute Config path" "Config '/$CFG.json': not a relative path" "$T/h4.tar"
docker "$B/h5"
rm "$B/h5/manifest.json"
ln -s /etc/passwd "$B/h5/manifest.json"
pack "$B/h5" "$T/h5.tar"
hostile "a manifest.json that is a symlink to /etc/passwd" "manifest.json: not a regular file" \
	"$T/h5.tar"
docker "$B/h6"
{ printf '['; head -c 4194304 /dev/zero | tr '\0' ' '; printf ']'; } >"$B/h6/manifest.json"
pack "$B/h6" "$T/h6.tar"
hostile "a manifest over JSONMAX" "manifest.json: larger than JSONMAX" "$T/h6.tar"
docker "$B/h7"
rm "$B/h7/l2/layer.tar"
pack "$B/h7" "$T/h7.tar"
hostile "a missing layer" "l2/layer.tar: layer 2 of 2: not in the archive" "$T/h7.tar"
docker "$B/h8"
rm "$B/h8/l2/layer.tar"
mkfifo "$B/h8/l2/layer.tar"
pack "$B/h8" "$T/h8.tar"
fails "a layer that is a fifo is refused, not waited on" 1 \
	"l2/layer.tar: layer 2 of 2: not a regular file" timeout 20 "$PIECES" -r "$S" load -i "$T/h8.tar" evil
docker "$B/h9"
printf '[{"Config":"%s.json","Layers":["a"]},{"Config":"%s.json","Layers":["b"]}]' "$CFG" "$CFG" \
	>"$B/h9/manifest.json"
pack "$B/h9" "$T/h9.tar"
hostile "two images in one archive" "more than one image" "$T/h9.tar"
docker "$B/h10"
printf '[{"Config":"x.json","Layers":[%s"x"]}]' "$(i=0; while [ $i -lt 1024 ]; do printf '"x",'; i=$((i + 1)); done)" \
	>"$B/h10/manifest.json"
pack "$B/h10" "$T/h10.tar"
hostile "more layers than DESCMAX" "more than DESCMAX (1024) Layers" "$T/h10.tar"
# OCI: a blob that is not its digest, one longer than its descriptor says
oci "$B/h11"
printf 'x' >>"$B/h11/blobs/sha256/$L2"
pack "$B/h11" "$T/h11.tar"
hostile "an OCI layer longer than its descriptor" "blobs/sha256/$L2: .* bytes, but its descriptor says" \
	"$T/h11.tar"
oci "$B/h12"
(cd "$B/tamper" && tar --owner=0 --group=0 -cf - added | gzip) >"$B/h12/blobs/sha256/$L1"
truncate -s "$(gzip -c "$B/base.tar" | wc -c)" "$B/h12/blobs/sha256/$L1"
pack "$B/h12" "$T/h12.tar"
hostile "an OCI layer that is not its digest" "blobs/sha256/$L1: .*digest mismatch\|refused" "$T/h12.tar"
oci "$B/h13"
printf '{}' >"$B/h13/oci-layout"
pack "$B/h13" "$T/h13.tar"
hostile "an oci-layout without its version" "oci-layout: want an imageLayoutVersion 1.x" "$T/h13.tar"

# members that climb out, and a layer path through a symlink out of the
# archive, to a layer with the right digest: neither resolver leaves it
mkdir -p "$T/outside"
cp "$B/l2.tar" "$T/outside/layer.tar"
python3 - "$T/climb.tar" "$PW" <<'EOF'
import io, sys, tarfile
out, pw = sys.argv[1:3]
with tarfile.open(out, 'w', format=tarfile.USTAR_FORMAT) as t:
	for name in ('../../../../tmp/' + pw, '/' + pw):
		i = tarfile.TarInfo(name)
		i.size = 3
		t.addfile(i, io.BytesIO(b'bad'))
EOF
for mode in openat2 walk; do
	[ $mode = walk ] && PIECES_NO_OPENAT2=1 && export PIECES_NO_OPENAT2
	hostile "($mode) members climbing out of the archive" "name escapes the root" "$T/climb.tar"
	ok "($mode) nothing written outside" test ! -e "/tmp/$PW" -a ! -e "/$PW"
	docker "$B/h14"
	rm -r "$B/h14/l2"
	ln -s "$T/outside" "$B/h14/l2"
	pack "$B/h14" "$T/h14.tar"
	hostile "($mode) a layer through a symlink out of the archive" \
		"l2/layer.tar: layer 2 of 2: not in the archive" "$T/h14.tar"
done
unset PIECES_NO_OPENAT2

# ---- save, then load: the same image ----
# a tree with what a layer can hold: hard links, symlinks, odd modes, a
# fifo and a device, names and targets longer than ustar's fields, a large
# owner, a capability on a file
X=$B/x
mkdir -p "$X/bin" "$X/d/sub" "$X/tmp"
printf 'exec\n' >"$X/bin/tool"
chmod 4755 "$X/bin/tool"
chmod 1777 "$X/tmp"
echo linked >"$X/d/a"
ln "$X/d/a" "$X/d/b"
ln "$X/d/a" "$X/bin/c"
ln -s ../d/a "$X/bin/rel"
ln -s /etc/passwd "$X/bin/abs"
long=$(printf 'n%.0s' $(seq 120))
deep=$X/d/$long/$long/$long
mkdir -p "$deep"
echo deep >"$deep/file-with-a-long-name-$long"
ln -s "../$long/$long/$long/file-with-a-long-name-$long" "$X/d/sub/longlink"
mkfifo "$X/d/fifo"
chmod 0600 "$X/d/a"
touch -d 1999-12-31T23:59:59 "$X/d/a" "$X/d/sub"
if needroot; then
	mknod "$X/d/null" c 1 3
	chown 70000000:70000001 "$X/d/sub/longlink" "$X/bin/tool" 2>/dev/null ||
		chown 1000:1000 "$X/bin/tool"
	chmod 4755 "$X/bin/tool"
fi
(cd "$X" && tar --numeric-owner --xattrs -cf "$T/x.tar" .)
ok "import the tree to save" p import "$T/x.tar" x
if command -v setcap >/dev/null && setcap cap_net_raw+ep "$S/images/x/rootfs/bin/tool" 2>/dev/null; then
	CAP=$(getcap "$S/images/x/rootfs/bin/tool" | sed 's/.* //')
else
	CAP=
fi
ok "save it to a file" p save x -o "$T/x-saved.tar"
is "no temporary file beside it" "$(ls "$T" | grep -c 'x-saved.tar.')" 0
is "no work tree left" "$(leftovers)" ""
ok "load what save wrote" p load -i "$T/x-saved.tar" x2
is "the same tree: files, modes, owners, links, times" "$(tree "$S/images/x2/rootfs")" \
	"$(tree "$S/images/x/rootfs")"
if [ -n "$CAP" ]; then
	is "the capability came back" "$(getcap "$S/images/x2/rootfs/bin/tool" | sed 's/.* //')" "$CAP"
else
	skip "capability round trip" "setcap is missing or the file system has no xattrs"
fi
# GNU tar reads the layer as save wrote it
mkdir -p "$B/gnu" "$B/x2"
tar -C "$B/x2" -xf "$T/x-saved.tar"
lay=$(sed -n 's/.*"Layers":\["\([^"]*\)".*/\1/p' "$B/x2/manifest.json")
ok "GNU tar extracts the layer" tar --numeric-owner -C "$B/gnu" -xpf "$B/x2/$lay"
is "into the same tree" "$(tree "$B/gnu")" "$(tree "$S/images/x/rootfs")"
is "the layer is its diff_id" "sha256:$(sha "$B/x2/$lay")" \
	"$(sed -n 's/.*"diff_ids":\["\([^"]*\)".*/\1/p' "$B/x2/blobs/sha256/"$(sed -n 's/.*"Config":"blobs\/sha256\/\([^"]*\)".*/\1/p' "$B/x2/manifest.json"))"
ok "a second save writes the same bytes" p save x -o "$T/x-again.tar"
is "  (the same digest)" "$(sha "$T/x-again.tar")" "$(sha "$T/x-saved.tar")"

# size counts what each layer unpacked: one layer now, two before
grep -Ev '^(source|created|digest|size) ' "$R/meta" | sort >"$T/meta.before"
ok "save a loaded image to stdout" sh -c "'$PIECES' -r '$S' save example.com/team/app:1.0 > '$T/app.tar'"
is "its RepoTags are the reference in full" \
	"$(tar -xOf "$T/app.tar" manifest.json | grep -c '"RepoTags":\["example.com/team/app:1.0"\]')" 1
ok "load it back" p load -i "$T/app.tar"
is "under the same name" "$(cat "$T/out")" "loaded example.com_team_app-1.0"
is "with the same config" "$(grep -Ev '^(source|created|digest|size) ' "$R/meta" | sort)" \
	"$(cat "$T/meta.before")"
fails "save of a missing image" 1 "nosuch: no such image" p save nosuch -o "$T/nosuch.tar"
is "leaves no file" "$(ls "$T" | grep -c nosuch)" 0
fails "save into a missing directory" 1 "$T/no/dir/x.tar" p save x -o "$T/no/dir/x.tar"
p import "$T/x.tar" CapName >/dev/null 2>&1
fails "a name Docker cannot take saves, with a warning" 0 "CapName: not a reference with a tag" \
	p save CapName -o "$T/x-untagged.tar"
is "  and without RepoTags" "$(tar -xOf "$T/x-untagged.tar" manifest.json | grep -c '"RepoTags":null')" 1

# ---- skopeo, where it is installed ----
if command -v skopeo >/dev/null; then
	ok "skopeo inspect takes what save wrote (docker-archive:)" \
		skopeo inspect "docker-archive:$T/app.tar"
	is "  one layer, this architecture" \
		"$(grep -c "\"Architecture\": \"$OCIARCH\"" "$T/out") $(grep -c '"sha256:' "$T/out")" "1 2"
	ok "and as an OCI layout (oci-archive:)" skopeo inspect "oci-archive:$T/app.tar"
	ok "skopeo copies it into an OCI layout" \
		skopeo copy -q "docker-archive:$T/x-saved.tar" "oci:$T/sk:copied:3"
	(cd "$T/sk" && tar -cf "$T/sk.tar" .)
	ok "which loads" p load -i "$T/sk.tar"
	is "  named by the layout's ref.name" "$(cat "$T/out")" "loaded copied-3"
	is "  with the same tree" "$(tree "$S/images/copied-3/rootfs")" "$(tree "$S/images/x/rootfs")"
	ok "skopeo writes a docker archive of its own (the old layout)" \
		skopeo copy -q "oci:$T/sk:copied:3" "docker-archive:$T/sk-docker.tar:sk/img:4"
	ok "which loads" p load -i "$T/sk-docker.tar"
	is "  named by its RepoTags" "$(cat "$T/out")" "loaded sk_img-4"
	is "  with the same tree" "$(tree "$S/images/sk_img-4/rootfs")" "$(tree "$S/images/x/rootfs")"
else
	skip "skopeo round trips" "skopeo is not installed"
fi

finish
