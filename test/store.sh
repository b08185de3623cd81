#!/bin/sh
# See LICENSE file for copyright and license details.
#
# The image store: import, images, rmi; names, digests, atomic replacement,
# a writer killed mid-import, a full disk, concurrent writers; the names
# images shows, and inspect's array (its -f templates: inspect.sh).
. "$(dirname "$0")/lib.sh"

SUM=$ALPINESUM
# the source an import records: the file's real path
REAL=$(realpath "$ALPINE")
S=$T/store
# what the store lists, and what its work area holds
listed() {
	p images -q | sort | tr '\n' ' '
}
leftovers() {
	ls -A "$S/tmp" 2>/dev/null | tr '\n' ' '
}

ok "images on a missing store" p images
is "it prints only the header" "$(cat "$T/out")" "REPOSITORY   TAG       IMAGE ID   CREATED   SIZE"
ok "and does not create it" test ! -e "$S"

ok "import the Alpine fixture" p import "$ALPINE" alpine
is "import says what it stored" "$(cat "$T/out")" "imported alpine sha256:$SUM"
is "its tree is there" "$(cat "$S/images/alpine/rootfs/etc/alpine-release")" "3.18.9"
run p images --no-trunc
is "images lists it" "$(awk 'NR == 2 { print $1, $2, $3, $(NF - 1), $NF }' "$T/out")" \
	"alpine latest sha256:$SUM 7.0M $REAL"
is "the digest is recorded" "$(sed -n 's/^digest //p' "$S/images/alpine/meta")" "sha256:$SUM"

ok "import from stdin" sh -c "'$PIECES' -r '$S' import - fromstdin < '$ALPINE'"
is "stdin is the source" "$(p images --no-trunc fromstdin | awk 'NR == 2 { print $NF }')" "stdin"
ok "import with the right digest" p import "$ALPINE" pinned "sha256:$SUM"
bad=sha256:$(printf '%064d' 0)
fails "a wrong digest is refused" 1 "sha256 mismatch: got sha256:$SUM, want $bad" \
	p import "$ALPINE" wrong "$bad"
fails "a malformed digest is refused" 1 "bad digest" p import "$ALPINE" wrong sha256:abc
is "nothing stored for them" "$(listed)" "alpine fromstdin pinned "
is "no work tree left" "$(leftovers)" ""

for name in ../../etc .hidden a/../b "" -x "$(printf 'a%.0s' $(seq 200))" 'a b' 'ä'; do
	fails "name '$name' refused" 1 "bad image name" p import "$ALPINE" "$name"
done
ok "no path was made from them" test ! -e "$T/etc"
is "nothing listed from them" "$(listed)" "alpine fromstdin pinned "
# a reference's name, as run takes it: repo/name:tag is repo_name-tag
ok "import of repo/name:tag" p import "$ALPINE" my/alp:1
is "is stored as run names it" "$(listed)" "alpine fromstdin my_alp-1 pinned "
is "with the name as written" "$(sed -n 's/^ref //p' "$S/images/my_alp-1/meta")" "my/alp:1"
ok "and run finds it by the reference" p run my/alp:1 true
ok "rmi it by the reference" p rmi my/alp:1

# replacing: a new import of a name replaces it only when it succeeds
mkdir -p "$T/small/etc"
echo small >"$T/small/etc/small"
tar -C "$T/small" -czf "$T/small.tar.gz" .
ok "import over an existing name" p import "$T/small.tar.gz" alpine
is "the new tree replaced the old" "$(ls "$S/images/alpine/rootfs/etc")" "small"
head -c 100000 "$ALPINE" >"$T/cut.tar.gz"
fails "a truncated import over it fails" 1 "truncated" p import "$T/cut.tar.gz" alpine
is "the image is untouched" "$(cat "$S/images/alpine/rootfs/etc/small")" "small"
is "no work tree left" "$(leftovers)" ""
fails "a garbage import fails" 1 "not a tar archive" p import /etc/hostname junk
is "nothing stored" "$(listed)" "alpine fromstdin pinned "

ok "rmi two images" p rmi fromstdin pinned
is "it says what it removed" "$(cat "$T/out" | tr '\n' ' ')" "removed fromstdin removed pinned "
is "they are gone" "$(listed)" "alpine "
fails "rmi of a missing image" 1 "nosuch: no such image" p rmi nosuch
fails "rmi of a bad name" 1 "bad image name" p rmi ../images
fails "rmi without a name" 1 "usage: pieces rmi" p rmi
is "the rest stays" "$(listed)" "alpine "

# names: images shows the name each image was given as REPOSITORY and
# TAG, newest first, in columns as wide as their cells; the creation
# times are set in the metadata, so that CREATED reads the same each run
N=$T/names
pn() {
	"$PIECES" -r "$N" "$@"
}
LONG=ghcr.io/owner/a-rather-long-application-name
for name in alpine:3.18 my/alp:1 $LONG:1.2.3-rc.1 plain old; do
	ok "import as $name" pn import "$ALPINE" "$name"
done
now=$(date +%s)
age() {
	sed -i "s/^created .*/created $((now - $2))/" "$N/images/$1/meta"
}
age ghcr.io_owner_a-rather-long-application-name-1.2.3-rc.1 180
age alpine-3.18 7200
age my_alp-1 $((3 * 86400))
age plain $((5 * 7 * 86400))
age old $((3 * 366 * 86400))
# a store older than the ref line: the store name, and latest
sed -i '/^ref /d' "$N/images/old/meta"
ID=$(printf %.12s "$SUM")
run pn images
is "images: REPOSITORY, TAG, IMAGE ID, CREATED, SIZE, aligned" "$rc
$(cat "$T/out")" "0
REPOSITORY                                     TAG          IMAGE ID       CREATED         SIZE
$LONG   1.2.3-rc.1   $ID   3 minutes ago   7.0M
alpine                                         3.18         $ID   2 hours ago     7.0M
my/alp                                         1            $ID   3 days ago      7.0M
plain                                          latest       $ID   5 weeks ago     7.0M
old                                            latest       $ID   3 years ago     7.0M"
run pn images -q
is "images -q: the store names, in the same order" "$(cat "$T/out" | tr '\n' ' ')" \
	"ghcr.io_owner_a-rather-long-application-name-1.2.3-rc.1 alpine-3.18 my_alp-1 plain old "
ok "an image without a ref is found as its REPOSITORY:TAG" pn inspect old:latest

# inspect: a JSON array, an object an image, laid out as docker inspect's
run pn inspect my/alp:1
is "inspect prints an image as docker inspect does" "$rc
$(cat "$T/out")" "0
[
    {
        \"Id\": \"sha256:$SUM\",
        \"Name\": \"my_alp-1\",
        \"RepoTags\": [
            \"my/alp:1\"
        ],
        \"RepoDigests\": [],
        \"Source\": \"$REAL\",
        \"Digest\": \"sha256:$SUM\",
        \"Created\": \"$(date -u -d "@$((now - 3 * 86400))" +%Y-%m-%dT%H:%M:%SZ)\",
        \"Size\": $(sed -n 's/^size //p' "$N/images/my_alp-1/meta"),
        \"Config\": {
            \"User\": \"\",
            \"WorkingDir\": \"\",
            \"Env\": null,
            \"Entrypoint\": null,
            \"Cmd\": null,
            \"Labels\": null,
            \"ExposedPorts\": null
        }
    }
]"
ok "inspect takes what images -q prints" pn inspect $(pn images -q)
is "all of them, in that order" "$(python3 -c 'import json, sys
print(" ".join(i["Name"] + "=" + ",".join(i["RepoTags"]) for i in json.load(sys.stdin)))' <"$T/out")" \
	"ghcr.io_owner_a-rather-long-application-name-1.2.3-rc.1=$LONG:1.2.3-rc.1 alpine-3.18=alpine:3.18 my_alp-1=my/alp:1 plain=plain:latest old=old:latest"
fails "inspect of a name among others that names nothing" 1 "^pieces: nosuch: no such image$" \
	pn inspect plain nosuch old
is "says so once, and prints the others" \
	"$(wc -l <"$T/err" | tr -d ' ') $(python3 -c 'import json, sys
print(" ".join(i["Name"] for i in json.load(sys.stdin)))' <"$T/out")" "1 plain old"
fails "inspect of nothing there" 1 "nosuch: no such image" pn inspect nosuch
is "prints an empty array, as Docker" "$(cat "$T/out")" "[]"
fails "inspect needs a name" 1 "usage: pieces inspect" pn inspect
run pn images --no-trunc
is "--no-trunc: the whole digest, and SOURCE" \
	"$(awk 'NR == 1 { print $3 $4, $NF } NR == 3 { print $3, $NF }' "$T/out")" \
	"IMAGEID SOURCE
sha256:$SUM $REAL"
is "a shorter table when fewer rows are shown" "$(pn images my/alp)" \
	"REPOSITORY   TAG       IMAGE ID       CREATED      SIZE
my/alp       1         $ID   3 days ago   7.0M"
for pat in alpine alpine:3.18 docker.io/library/alpine docker.io/library/alpine:3.18 \
    alpine-3.18 'alp*' '*:3.18' 'alpine:3.1?' 'alpine:3.[0-9]8'; do
	is "images -q $pat" "$(pn images -q "$pat")" "alpine-3.18"
done
is "images -q with a registry's pattern" "$(pn images -q "ghcr.io/owner/*")" \
	"ghcr.io_owner_a-rather-long-application-name-1.2.3-rc.1"
is "'*' stops at '/', as Docker's" "$(pn images -q "ghcr.io/*")" ""
is "images -q plain:latest" "$(pn images -q plain:latest)" "plain"
is "images -q alpine:3.19: none" "$(pn images -q alpine:3.19)" ""
run pn images nosuch
is "images of a name it has not: the header, exit 0" "$rc $(cat "$T/out")" \
	"0 REPOSITORY   TAG       IMAGE ID   CREATED   SIZE"
mkdir -p "$N/images/broken/meta"
fails "an image whose meta cannot be read is named" 1 "images/broken/meta: Is a directory" pn images
is "and the others are listed" "$(awk 'NR > 1' "$T/out" | wc -l | tr -d ' ')" 5
rm -rf "$N/images/broken"

# SIGKILL mid-import: the writer blocks on a FIFO half way through
mkfifo "$T/fifo"
killimport() {
	(head -c 2000000 "$ALPINE"; sleep 30) >"$T/fifo" &
	feeder=$!
	atexit "kill $feeder 2>/dev/null"
	"$PIECES" -r "$S" import "$T/fifo" killed 2>/dev/null &
	writer=$!
	i=0
	while [ -z "$(leftovers)" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	sleep 0.5
	kill -9 $writer
	wait $writer 2>/dev/null
	kill $feeder 2>/dev/null
}
killimport
is "a killed import left a work tree" "$(leftovers | grep -c killed)" 1
ok "the next writer" p import "$T/small.tar.gz" next
is "removed what the killed one left" "$(leftovers)" ""
killimport
is "a killed import again" "$(leftovers | grep -c killed)" 1
is "nothing listed, and the next command, a reader, ..." "$(listed)" "alpine next "
is "removed it too" "$(leftovers)" ""

# concurrent writers of one name: each commit is whole, the last one wins
for i in 1 2 3 4; do
	p import "$ALPINE" same >"$T/c$i.out" 2>&1 &
done
wait
is "four concurrent imports all succeeded, each saying so" "$(cat "$T"/c?.out | sort -u)" \
	"imported same sha256:$SUM"
is "one image of that name" "$(listed)" "alpine next same "
is "and it is whole" "$(cat "$S/images/same/rootfs/etc/alpine-release")" "3.18.9"
is "no work tree left" "$(leftovers)" ""

ok "-r beats PIECES_ROOT" env PIECES_ROOT="$T/other" "$PIECES" -r "$S" images
grep -q '^same ' "$T/out"
is "it read -r's store" "$?" 0
ok "PIECES_ROOT names the store" env PIECES_ROOT="$S" "$PIECES" images
grep -q '^same ' "$T/out"
is "it read PIECES_ROOT's store" "$?" 0
fails "images takes one name at most" 1 "usage: pieces images" p images a b

# a store on read-only media (a rescue stick, a squashfs): what reads it
# works, what would write says why not
if needroot && mkdir "$T/ro" && mount --bind "$S" "$T/ro" &&
    mount -o remount,bind,ro "$T/ro"; then
	atexit "umount '$T/ro'"
	run "$PIECES" -r "$T/ro" images
	is "images on a read-only store" "$rc $(grep -c '^alpine ' "$T/out")" "0 1"
	run "$PIECES" -r "$T/ro" inspect alpine
	is "inspect on a read-only store" "$rc $(grep -c '"Name": "alpine"' "$T/out")" "0 1"
	run "$PIECES" -r "$T/ro" run same sh -c 'echo w >/f; cat /f'
	is "run on a read-only store, its root writable" "$rc $(cat "$T/out")" "0 w"
	fails "rmi on a read-only store says why" 1 "store: Read-only file system" \
		"$PIECES" -r "$T/ro" rmi alpine
	umount "$T/ro"
else
	skip "a read-only store" "cannot bind-mount it read-only (needs root)"
fi

# a full disk: a clear error, nothing stored, the work tree gone
if needroot && mkdir "$T/tiny" && mount -t tmpfs -o size=1m tmpfs "$T/tiny"; then
	atexit "umount '$T/tiny'"
	fails "import onto a full disk" 1 "No space left on device" \
		"$PIECES" -r "$T/tiny/store" import "$ALPINE" big
	is "nothing listed" "$("$PIECES" -r "$T/tiny/store" images | awk 'NR > 1')" ""
	is "no work tree left" "$(ls -A "$T/tiny/store/tmp")" ""
else
	skip "import onto a full disk" "cannot mount a small tmpfs (needs root)"
fi
finish
