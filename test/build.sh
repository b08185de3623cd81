#!/bin/sh
# See LICENSE file for copyright and license details.
#
# pieces build: the original's tutorial with an Alpine Piecefile, every
# instruction, the step cache (requests and RUN steps counted), COPY
# escapes, failed steps that leave the old image, and FROM_URL sums.  The
# Alpine fixture is served under its official URL on loopback HTTPS,
# reached through the mirror list.
. "$(dirname "$0")/lib.sh"

if ! needroot; then
	skip "build" "RUN steps need root"
	finish
fi
[ -f "$ALPINE" ] || { skip "build" "no Alpine fixture for $ARCH"; finish; }
arch=$ARCH
SUM=$ALPINESUM
HOST=https://dl-cdn.alpinelinux.org
PATHNAME=/alpine/v3.18/releases/$arch/alpine-minirootfs-3.18.9-$arch.tar.gz
S=$T/store

W=$T/www
mkdir -p "$W${PATHNAME%/*}"
cp "$ALPINE" "$W$PATHNAME"
if ! httpsd "$W"; then
	skip "build" "the https server did not start"
	finish
fi
PIECES_MIRRORS="$HOST=https://127.0.0.1:$PORT"
PIECES_CONFIG=$T/config
: >"$PIECES_CONFIG"
export PIECES_MIRRORS PIECES_CONFIG
unset HTTPS_PROXY https_proxy
requests() {
	grep -c '^GET ' "$T/log"
}
# steps: the progress lines of the last build
steps() {
	grep '^\[' "$T/out"
}
# ran: how many times the last build ran a step that prints MARK
ran() {
	grep -c "^$1\$" "$T/out"
}

# the tutorial, with Alpine for Ubuntu
D=$T/tut
mkdir -p "$D"
printf '# Piecefile\nFROM alpine:3.18\nCMD /bin/sh\n' >"$D/Piecefile"
cd "$D" && run p build . && cd "$T"
is "build . on an empty store" "$rc" 0
is "a line a step" "$(steps)" "[1/2] FROM alpine:3.18
[2/2] CMD /bin/sh"
is "it names the image after its FROM" "$(tail -n 1 "$T/out")" "built alpine-3.18"
is "and records the FROM as its name" "$(sed -n 's/^ref //p' "$S/images/alpine-3.18/meta")" \
	"alpine:3.18"
is "one request, for the official path" "$(cat "$T/log")" "GET $PATHNAME HTTP/1.1"
run p run alpine-3.18
is "run alpine-3.18 runs its CMD" "$rc" 0
run p run alpine-3.18 ps aux
is "run alpine-3.18 ps aux: init and ps" "$(awk 'NR > 1 { print $1 }' "$T/out" | tr '\n' ' ')" "1 2 "
is "ps is ps" "$(awk 'NR == 3 { print $4 }' "$T/out")" ps
run p inspect alpine-3.18
is "inspect shows the CMD" "$(sed -n '/"Cmd"/,/]/p' "$T/out")" '            "Cmd": [
                "/bin/sh",
                "-c",
                "/bin/sh"
            ],'
run p inspect alpine:3.18
is "inspect takes NAME:TAG too" "$rc $(grep '"Name"' "$T/out")" '0         "Name": "alpine-3.18",'
cd "$D" && run p build . && cd "$T"
is "a rebuild of the tutorial has nothing to do" "$rc $(tail -n 1 "$T/out")" \
	"0 alpine-3.18 is up to date"
is "and asks the server nothing" "$(requests)" 1

# the original's tutorial verbatim: ubuntu:22.04 is verified by the
# SHA256SUMS published beside it.  What is served is Alpine with a bash.
UPATH=/ubuntu-base/releases/22.04/release
UFILE=ubuntu-base-22.04.5-base-$DEBARCH.tar.gz
mkdir -p "$T/fake/bin" "$W$UPATH"
printf '#!/bin/sh\nexec /bin/sh "$@"\n' >"$T/fake/bin/bash"
chmod 755 "$T/fake/bin/bash"
gzip -dc "$ALPINE" >"$T/fake.tar"
tar -rf "$T/fake.tar" -C "$T/fake" ./bin/bash
gzip -c "$T/fake.tar" >"$W$UPATH/$UFILE"
(cd "$W$UPATH" && sha256sum "$UFILE" | sed 's/  / */' >SHA256SUMS.good &&
	echo "0000000000000000000000000000000000000000000000000000000000000000 *$UFILE" \
	>SHA256SUMS.bad && cp SHA256SUMS.bad SHA256SUMS)
PIECES_MIRRORS="$PIECES_MIRRORS https://cdimage.ubuntu.com=https://127.0.0.1:$PORT"
D=$T/ubuntu
mkdir -p "$D"
printf '# Piecefile\nFROM ubuntu:22.04\nCMD /bin/bash\n' >"$D/Piecefile"
cd "$D"
fails "a download that does not match the published SHA256SUMS is refused" 1 \
	"sha256 mismatch" p build .
is "nothing stored" "$(p images | grep -c '^ubuntu')" 0
cp "$W$UPATH/SHA256SUMS.good" "$W$UPATH/SHA256SUMS"
: >"$T/log"
ok "pieces build ." p build .
is "fetching the sums, then the tarball" "$(cat "$T/log")" "GET $UPATH/SHA256SUMS HTTP/1.1
GET $UPATH/$UFILE HTTP/1.1"
ok "pieces run ubuntu-22.04" p run ubuntu-22.04
run p run ubuntu-22.04 ps aux
is "pieces run ubuntu-22.04 ps aux" "$(awk 'NR > 1 { print $1 }' "$T/out" | tr '\n' ' ')" "1 2 "
ok "a rebuild" p build .
is "asks for neither" "$(grep -c . "$T/log")" 2
cd "$T"

# every instruction
D=$T/all
mkdir -p "$D/dir/sub"
echo one >"$D/one.txt"
echo two >"$D/dir/two"
echo three >"$D/dir/sub/three"
chmod 750 "$D/dir/sub"
ln -s two "$D/dir/link"
cat >"$D/Piecefile" <<'EOF'
# syntax=pieces
from alpine:3.18
ENV GREETING="hello world" OTHER=x
RUN echo MARK-1 && echo "$GREETING" >/greeting && rm /etc/motd && \
    rm -rf /etc/apk && mkdir -p /etc/apk && echo new >/etc/apk/only && \
    adduser -D -u 1234 builder && ln /greeting /greeting.hard
WORKDIR /srv
WORKDIR app
COPY one.txt .
COPY dir /tree/
COPY one.txt dir/two /many/
USER builder
RUN echo MARK-2 && id -u >/tmp/uid && pwd >/tmp/pwd
USER root
LABEL org.example.name="all of it" version=1
EXPOSE 80 53/udp
ENTRYPOINT ["/bin/echo", "entry"]
CMD ["default"]
EOF
run p build -t all "$D"
is "every instruction builds" "$rc" 0
is "each step's line" "$(steps | cut -c1-40)" "[1/15] FROM alpine:3.18 (cached)
[2/15] ENV GREETING=hello world OTHER=x
[3/15] RUN echo MARK-1 && echo \"\$GREETIN
[4/15] WORKDIR /srv
[5/15] WORKDIR app
[6/15] COPY one.txt .
[7/15] COPY dir /tree/
[8/15] COPY one.txt dir/two /many/
[9/15] USER builder
[10/15] RUN echo MARK-2 && id -u >/tmp/u
[11/15] USER root
[12/15] LABEL org.example.name=all of it
[13/15] EXPOSE 80/tcp 53/udp
[14/15] ENTRYPOINT /bin/echo entry
[15/15] CMD default"
is "RUN output is streamed" "$(ran MARK-1) $(ran MARK-2)" "1 1"
is "the base was not fetched again" "$(requests)" 2
run p run all
is "ENTRYPOINT and CMD" "$(cat "$T/out")" "entry default"
run p run all args
is "arguments replace CMD" "$(cat "$T/out")" "entry args"
run p run --entrypoint cat all /greeting /srv/app/one.txt /tmp/uid /tmp/pwd
is "ENV in RUN, COPY into WORKDIR, USER and WORKDIR in RUN" "$(cat "$T/out")" \
	"hello world
one
1234
/srv/app"
run p run --entrypoint sh all -c 'echo "$GREETING|$OTHER|$(pwd)|$(id -u)"'
is "ENV, WORKDIR and USER at run" "$(cat "$T/out")" "hello world|x|/srv/app|0"
run p run --entrypoint sh all -c 'ls /etc/motd; ls /etc/apk; cd /tree && \
	find . | sort | xargs stat -c "%A %u %n"; readlink link; cat sub/three; ls /many'
is "RUN's deletions, an opaque directory, COPY of a tree and of several files" \
	"$(cat "$T/out")" "only
drwxr-xr-x 0 .
lrwxrwxrwx 0 ./link
drwxr-x--- 0 ./sub
-rw-r--r-- 0 ./sub/three
-rw-r--r-- 0 ./two
two
three
one.txt
two"
grep -q 'No such file' "$T/err"
is "the removed file is gone" "$?" 0
run p run --entrypoint sh all -c 'stat -c %i /greeting /greeting.hard | uniq | wc -l'
is "a hard link made in RUN stays one" "$(cat "$T/out")" 1
run p inspect all
is "LABEL and EXPOSE are recorded, keys sorted as Docker's" \
	"$(sed -n '/"Labels"/,/^            }$/p' "$T/out")" '            "Labels": {
                "org.example.name": "all of it",
                "version": "1"
            },
            "ExposedPorts": {
                "53/udp": {},
                "80/tcp": {}
            }'
xattrs=$(python3 -c '
import os, sys
n = 0
for d, ds, fs in os.walk(sys.argv[1]):
    for f in ds + fs:
        n += sum(a.startswith("trusted.overlay.") for a in os.listxattr(os.path.join(d, f), follow_symlinks=False))
print(n)' "$S/images/all/rootfs")
is "no overlayfs xattrs in the image" "$xattrs" 0

# the cache
run p build -t all "$D"
is "a rebuild with nothing changed" "$rc $(tail -n 1 "$T/out")" "0 all is up to date"
is "runs no RUN step" "$(ran MARK-1) $(ran MARK-2)" "0 0"
is "makes no request" "$(requests)" 2
is "and says every tree step was cached" "$(steps | grep -c '(cached)')" 6
echo ONE >"$D/one.txt"
run p build -t all "$D"
is "a changed COPY source rebuilds from that step" "$rc $(ran MARK-1) $(ran MARK-2)" "0 0 1"
run p run --entrypoint cat all /srv/app/one.txt
is "with the new content" "$(cat "$T/out")" "ONE"
touch "$D/one.txt"
run p build -t all "$D"
is "a touched file is not a change" "$(tail -n 1 "$T/out")" "all is up to date"
run p build --no-cache -t all "$D"
is "--no-cache runs every step" "$rc $(ran MARK-1) $(ran MARK-2)" "0 1 1"
is "but fetches nothing it has" "$(requests)" 2

# a failed step leaves the old image
cp "$D/Piecefile" "$D/Piecefile.good"
printf 'RUN echo MARK-3 && exit 3\n' >>"$D/Piecefile"
fails "a failing RUN stops the build" 1 "\[16/16\] RUN: exit status 3" p build -t all "$D"
is "after running it" "$(ran MARK-3)" 1
run p run all
is "the old image is untouched" "$(cat "$T/out")" "entry default"
is "nothing half-built is listed" "$(p images -q | sort)" "all
alpine-3.18
ubuntu-22.04"
is "no work tree is left" "$(ls -A "$S/tmp")" ""
printf 'COPY nothere /x\n' >>"$D/Piecefile.good"
fails "a missing COPY source" 1 "COPY nothere: No such file" p build -t all -f "$D/Piecefile.good" "$D"
is "it names the Piecefile's line" \
	"$(grep -c "Piecefile.good:$(wc -l <"$D/Piecefile.good"): COPY nothere" "$T/err")" 1
printf 'FROM alpine:3.18\nUSER nosuch\nRUN true\n' >"$D/Piecefile.user"
fails "a USER not in the image" 1 "Piecefile.user:3: user nosuch: not in the image" \
	p build -t u -f "$D/Piecefile.user" "$D"

# COPY never reads outside the build directory
D=$T/esc
mkdir -p "$D/ctx"
echo secret >"$D/secret"
ln -s ../secret "$D/ctx/link"
ln -s /etc "$D/ctx/etc"
printf 'FROM scratch\nCOPY ../secret /x\n' >"$D/ctx/dotdot"
printf 'FROM scratch\nCOPY link /x\n' >"$D/ctx/viasym"
printf 'FROM scratch\nCOPY etc/passwd /x\n' >"$D/ctx/viadir"
fails "COPY of ../ is refused" 1 "COPY ../secret: outside the build directory" \
	p build -t esc -f "$D/ctx/dotdot" "$D/ctx"
fails "COPY through a symlink out is refused" 1 "COPY link: outside the build directory" \
	p build -t esc -f "$D/ctx/viasym" "$D/ctx"
fails "COPY through a symlinked directory out is refused" 1 "outside the build directory" \
	p build -t esc -f "$D/ctx/viadir" "$D/ctx"
is "none made an image" "$(p images | grep -c '^esc ')" 0
# a symlink inside a copied tree is copied as a link, not followed
mkdir -p "$D/ctx/tree"
ln -s ../../secret "$D/ctx/tree/out"
printf 'FROM scratch\nCOPY tree /\n' >"$D/ctx/tree.pf"
ok "a tree with a symlink pointing out" p build -t esc -f "$D/ctx/tree.pf" "$D/ctx"
is "keeps it a symlink" "$(readlink "$S/images/esc/rootfs/out")" "../../secret"
# an image's symlinks do not take COPY out of the image
echo plant >"$D/ctx/plant"
printf 'FROM alpine:3.18\nRUN ln -s %s /evil\nCOPY plant /evil/planted\n' "$T/outside" \
	>"$D/ctx/img.pf"
mkdir -p "$T/outside"
run p build -t esc2 -f "$D/ctx/img.pf" "$D/ctx"
is "COPY under an image's absolute symlink stays in the image" \
	"$(ls -A "$T/outside") $(cat "$S/images/esc2/rootfs$T/outside/planted")" " plant"

# FROM scratch with a static binary, FROM_URL
D=$T/scratch
mkdir -p "$D"
cp /bin/busybox "$D/busybox" 2>/dev/null
if file -L "$D/busybox" 2>/dev/null | grep -q 'statically linked'; then
	printf 'FROM scratch\nCOPY busybox /bin/busybox\nCMD ["/bin/busybox", "echo", "from scratch"]\n' \
		>"$D/Piecefile"
	fails "FROM scratch needs a name" 1 "FROM scratch: name the image with -t" p build "$D"
	ok "FROM scratch builds with -t" p build -t tiny "$D"
	run p run tiny
	is "and runs" "$(cat "$T/out")" "from scratch"
else
	skip "FROM scratch" "no static /bin/busybox (busybox-static)"
fi
printf 'FROM_URL %s%s sha256:%s\nRUN echo MARK-4\n' "$HOST" "$PATHNAME" "$SUM" >"$D/url.pf"
ok "FROM_URL https with its sum" p build -t url -f "$D/url.pf" "$D"
is "comes from the blob cache" "$(requests)" 2
# the blob is cached by digest, but serves only the URL it came from: a
# Piecefile naming the digest of what this machine fetched elsewhere gets
# nothing from the cache (here: a path the server does not have)
printf 'FROM_URL https://127.0.0.1:%s/elsewhere.tar.gz sha256:%s\n' "$PORT" "$SUM" >"$D/steal.pf"
fails "a digest alone does not take a blob from another URL's cache" 1 "elsewhere.tar.gz: 404" \
	p build --no-cache -t steal -f "$D/steal.pf" "$D"
is "nothing built from it" "$(p images | grep -c '^steal ')" 0
printf 'FROM_URL file://%s\nCMD ["cat", "/etc/alpine-release"]\n' "$ALPINE" >"$D/file.pf"
ok "FROM_URL file:// of an allowed host directory" \
	p build --allow fs.read="$FIXTURES" -t file -f "$D/file.pf" "$D"
run p run file
is "runs" "$(cat "$T/out")" "3.18.9"
# the armv7 tarball's sum, for the aarch64 one
printf 'FROM_URL file://%s sha256:%s\n' "$FIXTURES/alpine-minirootfs-3.18.9-aarch64.tar.gz" \
	dd97529f4c8e11f472488015671f3f098ccc612887483e28e90e3116713f56e2 >"$D/bad.pf"
ls "$S/cache" >"$T/before"
fails "FROM_URL with a wrong sum is refused" 1 "sha256 mismatch" \
	p build --allow fs.read="$FIXTURES" -t bad -f "$D/bad.pf" "$D"
is "nothing stored" "$(p images | grep -c '^bad ') $(ls "$S/cache" | cmp - "$T/before" && echo same)" \
	"0 same"
mkfifo "$D/fifo"
printf 'FROM_URL file://%s\n' "$D/fifo" >"$D/fifo.pf"
fails "FROM_URL of a fifo is refused" 1 "not a regular file" \
	timeout 20 "$PIECES" -r "$S" build -t f -f "$D/fifo.pf" "$D"
rm -f "$D/fifo"

# FROM an image of the store, parse errors, RUN without overlayfs
printf 'FROM all\nCMD ["second"]\n' >"$D/local.pf"
ok "FROM a built image" p build -t second -f "$D/local.pf" "$D"
run p run second
is "inherits its ENTRYPOINT" "$(cat "$T/out")" "entry second"
printf 'FROM alpine:3.18\nRUN true\nFROBNICATE x\n' >"$D/parse.pf"
fails "a parse error names the line" 1 "parse.pf:3: " p build -t x -f "$D/parse.pf" "$D"
printf 'FROM alpine:3.18\nRUN echo MARK-5\n' >"$D/noovl.pf"
fails "RUN without overlayfs says so" 1 "RUN needs overlayfs" \
	env PIECES_NO_OVERLAY=1 "$PIECES" -r "$S" build -t x -f "$D/noovl.pf" "$D"
# what review found
D=$T/rev
mkdir -p "$D/a/d"
echo e >"$D/a/e"
printf 'FROM scratch\nCOPY . /\n' >"$D/a/Piecefile"
ok "COPY of an empty directory and a file" p build -t amb "$D/a"
rm "$D/a/e"
echo e >"$D/a/d/e"
run p build -t amb "$D/a"
is "and of the file inside it are different steps" "$(grep -c cached "$T/out")" 1
is "with the new tree" "$(cd "$S/images/amb/rootfs" && find . | sort | tr '\n' ' ')" \
	". ./Piecefile ./d ./d/e "
printf 'FROM amb\nCMD ["x"]\n' >"$D/a/onlocal"
fails "FROM an image of the store needs -t" 1 "FROM amb: name the image with -t" \
	p build -f "$D/a/onlocal" "$D/a"
echo f >"$D/f"
printf 'FROM alpine:3.18\nRUN touch /made\nCOPY f /new/dir/f\nCOPY f .\n' >"$D/Piecefile"
ln -s f "$D/alias"
printf 'COPY alias /named/\n' >>"$D/Piecefile"
run sh -c "umask 077 && exec '$PIECES' -r '$S' build -t modes '$D'"
is "a build under umask 077" "$rc" 0
is "makes what any build makes" \
	"$(cd "$S/images/modes/rootfs" && stat -c '%a %n' . new new/dir new/dir/f made f)" \
	"755 .
755 new
755 new/dir
644 new/dir/f
644 made
644 f"
is "a file COPY'd through a symlink is named as written" \
	"$(cat "$S/images/modes/rootfs/named/alias")" f
# Alpine's minirootfs has no /etc/resolv.conf; RUN's container had one
is "RUN keeps the mount points it made out of the image" \
	"$(ls "$S/images/modes/rootfs/etc/resolv.conf" 2>&1 | grep -c 'No such file')" 1
cp "$ALPINE" "$D/rootfs.tar.gz"
printf 'FROM_URL file://%s\nRUN echo MARK-6\n' "$D/rootfs.tar.gz" >"$D/local.pf"
ok "FROM_URL file:// without a digest" p build -t loc -f "$D/local.pf" "$D"
run p build -t loc -f "$D/local.pf" "$D"
is "is cached while the file is the same" "$(ran MARK-6)" 0
touch -d '2001-01-01' "$D/rootfs.tar.gz"
run p build -t loc -f "$D/local.pf" "$D"
is "and while only its times changed: it is known by its contents" "$(ran MARK-6)" 0
gzip -dc "$ALPINE" >"$D/r.tar"
echo extra >"$D/extra"
tar -C "$D" -rf "$D/r.tar" extra
gzip -c "$D/r.tar" >"$D/rootfs.tar.gz"
touch -d '2001-01-01' "$D/rootfs.tar.gz"
run p build -t loc -f "$D/local.pf" "$D"
is "and fetched again once its contents changed, its times kept" "$(ran MARK-6)" 1
long=$(printf '%04000d' 0)
printf 'FROM scratch\nWORKDIR /%s\nCOPY f %s\n' "$long" "$(printf '%0100d' 0)" >"$D/long.pf"
fails "a path that does not fit is an error, not cut short" 1 "path too long" \
	p build -t long -f "$D/long.pf" "$D"
python3 -c '
import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w")
p = ""
for i in range(1200):
    p += "d/"
    ti = tarfile.TarInfo(p[:-1]); ti.type = tarfile.DIRTYPE; ti.mode = 0o755; t.addfile(ti)
ti = tarfile.TarInfo(p + "deep"); ti.size = 5; t.addfile(ti, io.BytesIO(b"deep\n"))
t.close()' "$D/deep.tar"
printf 'FROM_URL file://%s\nCOPY f /f\n' "$D/deep.tar" >"$D/deep.pf"
ok "a tree 1200 directories deep is cloned, under a soft limit of 1024 fds" \
	sh -c "ulimit -Sn 1024; exec '$PIECES' -r '$S' build -t deep -f '$D/deep.pf' '$D'"

# what COPY copies is what its key was made of: a source that changes
# between (here the kernel's interrupt counts, bind-mounted) is refused
: >"$D/irq"
if mount --bind /proc/interrupts "$D/irq" 2>/dev/null; then
	atexit "umount '$D/irq'"
	printf 'FROM alpine:3.18\nCOPY irq /irq\n' >"$D/irq.pf"
	fails "a COPY source that changes while it is read" 1 \
		"COPY: the build directory changed while it was read" p build -t irq -f "$D/irq.pf" "$D"
	umount "$D/irq"
else
	skip "a COPY source that changes" "cannot bind-mount /proc/interrupts"
fi

run p build -t app:1 -f "$D/local.pf" "$D"
is "-t NAME:TAG names NAME-TAG, as run finds it" "$rc $(tail -n 1 "$T/out")" "0 built app-1"
is "and records the name as written" "$(sed -n 's/^ref //p' "$S/images/app-1/meta")" "app:1"
run p build -t app-1 -f "$D/local.pf" "$D"
is "the same build under another spelling of the name is built again" \
	"$rc $(tail -n 1 "$T/out") $(sed -n 's/^ref //p' "$S/images/app-1/meta")" "0 built app-1 app-1"
ok "and rmi NAME:TAG removes it" p rmi app:1
is "it is gone" "$(p images -q | grep -c '^app-1$')" 0

# prune empties the cache; images stay, and a rebuild runs its steps again
n=$(ls "$S/cache" | wc -l)
run p prune
is "prune says how many steps it removed" "$rc $(cat "$T/out")" "0 removed $n build steps"
is "the cache is empty" "$(ls -A "$S/cache") $(ls -A "$S/tmp")" " "
run p run all
is "images built from it still run" "$(cat "$T/out")" "entry default"
sed '$d' "$T/all/Piecefile.good" >"$T/all/Piecefile"
run p build -t all "$T/all"
is "a rebuild after prune runs its RUN steps" "$rc $(ran MARK-1) $(ran MARK-2)" "0 1 1"
fails "a missing build directory" 1 "nosuch: No such file" p build "$T/nosuch"
fails "a bad name" 1 "bad image name" p build -t 'a b' "$D"

# .dockerignore and .piecesignore, with Docker's rules
D=$T/ign
mkdir -p "$D/src/sub" "$D/src/.git" "$D/logs" "$D/build"
for f in src/a.txt src/b.log src/keep.log src/sub/x.log src/.git/HEAD logs/1 secret \
    build/out build/keep; do
	echo "$f" >"$D/$f"
done
printf '# comment\n**/*.log\n!src/keep.log\n  .git  \nsrc/.git\nlogs/\n/secret\nbuild\n' \
	>"$D/.dockerignore"
printf '!build/keep\n' >>"$D/.dockerignore"
printf 'FROM alpine:3.18\nCOPY . /ctx/\nRUN cd /ctx && find . | sort\n' >"$D/Piecefile"
run p build -t ign "$D"
is ".dockerignore: what COPY leaves out" "$(grep '^\./' "$T/out" | tr '\n' ' ')" \
	"./.dockerignore ./Piecefile ./build ./build/keep ./src ./src/a.txt ./src/keep.log ./src/sub "
echo changed >"$D/src/b.log"
run p build -t ign "$D"
is "a file left out changes no cache key" "$(steps | grep -c 'COPY.*(cached)')" 1
printf 'FROM alpine:3.18\nCOPY secret /s\n' >"$D/Piecefile.secret"
fails "COPY of a file left out" 1 "COPY secret: left out of the build by its" \
	p build -t ign -f "$D/Piecefile.secret" "$D"
printf 'logs\n' >"$D/.piecesignore"
run p build -t ign "$D"
is ".piecesignore comes before .dockerignore" \
	"$(grep -c '^\./secret$' "$T/out") $(grep -c '^\./logs' "$T/out")" "1 0"
rm "$D/.piecesignore"
# no pattern takes exponential time, whatever a stranger writes
printf '*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b\n**/**/**/**/**/**/**/**/**/**/c\n' \
	>"$D/.dockerignore"
touch "$D/src/$(printf 'a%.0s' $(seq 200))"
ok "a pathological pattern" p build -t ign "$D"
seq 1 1100 >"$D/.dockerignore"
fails "more patterns than IGNOREMAX" 1 ".dockerignore: more than IGNOREMAX (1024) patterns" \
	p build -t ign "$D"
rm "$D/.dockerignore"
mkdir "$T/dk"
echo 'FROM alpine:3.18' >"$T/dk/Dockerfile"
fails "a directory with only a Dockerfile gets a hint" 1 \
	"the directory has a Dockerfile: pieces build -f $T/dk/Dockerfile" p build -t x "$T/dk"
# variables (issue 14): ENV, WORKDIR, COPY, USER, LABEL, EXPOSE expand the
# image's environment so far and the ARGs in force; RUN leaves it to sh
D=$T/vars
mkdir -p "$D/src"
echo payload >"$D/src/file"
cat >"$D/Piecefile" <<'EOF'
ARG BASE=3.18
FROM alpine:$BASE
ENV PATH=/opt/bin:$PATH DIR=/srv/app
ENV DEF=${NOPE:-def} ALT=${DIR:+alt} NOALT=x${NOPE:+alt}y EMPTY=${NOPE}
ENV SQ='$DIR' DQ="$DIR" ESC=\$DIR BS=a\\b NEST=${NOPE:-${DIR:+in}} DIR2=${DIR}2
ARG V=one
ARG SRC=src/file DST=copied U=nobody PORT=808
RUN echo "run: V=$V PATH=$PATH"
WORKDIR $DIR
COPY $SRC ${DST}
USER $U
LABEL "$V"=x v=$V
EXPOSE $PORT ${PORT}1/udp
EOF
run p build -t vars "$D"
is "a Piecefile with variables builds" "$rc" 0
is "its FROM took a global ARG" "$(steps | sed -n 2p)" "[2/13] FROM alpine:3.18 (cached)"
is "RUN sees ENV expanded and the ARG" "$(grep '^run:' "$T/out")" \
	"run: V=one PATH=/opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
run p run --entrypoint sh vars -c 'echo "$PATH"'
is "ENV PATH=/opt/bin:\$PATH keeps the base's commands" "$rc $(cat "$T/out")" \
	"0 /opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
run p run --entrypoint sh vars -c 'echo "$DEF|$ALT|$NOALT|$EMPTY|$SQ|$DQ|$ESC|$BS|$NEST|$DIR2"'
is ":-, :+, unset, quotes and escapes" "$(cat "$T/out")" \
	'def|alt|xy||$DIR|/srv/app|$DIR|a\b|in|/srv/app2'
run p run --entrypoint sh vars -c 'echo "${V:-unset} $(pwd) $(id -un) $(cat copied)"'
is "an ARG is not in the image; WORKDIR, COPY and USER expanded" "$(cat "$T/out")" \
	"unset /srv/app nobody payload"
run p inspect -f '{{json .Config.Labels}} {{json .Config.ExposedPorts}}' vars
is "LABEL and EXPOSE expanded" "$(cat "$T/out")" \
	'{"one":"x","v":"one"} {"808/tcp":{},"8081/udp":{}}'

# --build-arg, and the cache: an ARG is keyed by the value it took
printf 'FROM alpine:3.18\nARG V=dflt\nRUN echo "MARK-ARG $V"\nENV E=$V\n' >"$D/arg.pf"
run p build -t arg -f "$D/arg.pf" "$D"
is "ARG's default" "$(grep '^MARK-ARG' "$T/out")" "MARK-ARG dflt"
run p build -t arg -f "$D/arg.pf" --build-arg V=given "$D"
is "--build-arg overrides it and reruns the RUN after it" \
	"$rc $(grep '^MARK-ARG' "$T/out")" "0 MARK-ARG given"
run p build -t arg -f "$D/arg.pf" --build-arg V=given "$D"
is "the same value is cached" "$rc $(ran 'MARK-ARG given') $(tail -n 1 "$T/out")" \
	"0 0 arg is up to date"
run p build -t arg -f "$D/arg.pf" --build-arg V=other "$D"
is "another value runs again" "$(ran 'MARK-ARG other')" 1
run env V=fromhost "$PIECES" -r "$S" build -t arg -f "$D/arg.pf" --build-arg V "$D"
is "--build-arg NAME takes the host's value" "$(ran 'MARK-ARG fromhost')" 1
run p run --entrypoint sh arg -c 'echo "$E ${V:-unset}"'
is "an ENV keeps what the ARG gave; the ARG is not in the image" "$(cat "$T/out")" \
	"fromhost unset"
run env -u V "$PIECES" -r "$S" build -t arg -f "$D/arg.pf" --build-arg V "$D"
is "--build-arg NAME the host lacks leaves the default (cached)" \
	"$rc $(ran 'MARK-ARG dflt') $(grep -c 'RUN.*(cached)' "$T/out")" "0 0 1"
run p build -t arg -f "$D/arg.pf" --build-arg NOSUCH=1 --build-arg V=given --build-arg X "$D"
is "an unconsumed --build-arg is a warning, one line" "$rc $(cat "$T/err")" \
	"0 pieces: warning: one or more build-args [NOSUCH X] were not consumed"
printf 'FROM alpine:3.18\nENV V=env\nARG V=arg\nRUN echo "MARK-WIN $V"\n' >"$D/win.pf"
run p build -t arg -f "$D/win.pf" --build-arg V=given "$D"
is "ENV wins over an ARG of its name" "$(grep '^MARK-WIN' "$T/out")" "MARK-WIN env"
printf 'ARG TAG=3.18\nFROM alpine:$TAG\nARG TAG\nARG OTHER=${TAG}x\nRUN echo "MARK-G $TAG $OTHER"\n' \
	>"$D/global.pf"
run p build -f "$D/global.pf" "$D"
is "a global ARG names the image, and reaches the stage through ARG NAME" \
	"$rc $(grep '^MARK-G' "$T/out") $(tail -n 1 "$T/out")" "0 MARK-G 3.18 3.18x built alpine-3.18"
printf 'ARG TAG=3.18\nFROM alpine:$TAG\nRUN echo "MARK-H ${TAG:-unset}"\n' >"$D/hidden.pf"
run p build -t hidden -f "$D/hidden.pf" "$D"
is "a global ARG not declared again is not seen in the stage" "$(grep '^MARK-H' "$T/out")" \
	"MARK-H unset"

run p help build
is "help build shows --build-arg" "$(grep -c -e '--build-arg name' "$T/out")" 2
fails "a --build-arg without a name" 1 "--build-arg =x: want NAME=VALUE or NAME" \
	p build --build-arg =x "$D"

# what expands to something wrong is an error naming the line
printf 'FROM alpine:3.18\nARG P=http\nEXPOSE $P\n' >"$D/port.pf"
fails "an expanded bad port" 1 \
	"port.pf:3: EXPOSE: bad port 'http': want 1-65535\[/tcp|udp|sctp\]" \
	p build -t x -f "$D/port.pf" "$D"
printf 'ARG B=Bad\nFROM $B:1\n' >"$D/ref.pf"
fails "an expanded bad reference" 1 "ref.pf:2: FROM: bad image reference 'Bad:1'" \
	p build -t x -f "$D/ref.pf" "$D"
printf 'FROM alpine:3.18\nENV A=${X:-open\n' >"$D/open.pf"
fails "an unterminated \${ names the line" 1 \
	"open.pf:2: ENV: '\${X:-open': unterminated '\${'" p build -t x -f "$D/open.pf" "$D"
is "before anything runs" "$(grep -c '^\[' "$T/out")" 0
printf 'FROM alpine:3.18\nCOPY $NOPE /x\n' >"$D/empty.pf"
fails "a COPY path that expands to nothing" 1 \
	"empty.pf:2: COPY: an argument expands to nothing" p build -t x -f "$D/empty.pf" "$D"
finish
