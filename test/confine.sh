#!/bin/sh
# See LICENSE file for copyright and license details.
#
# What a hostile image or Piecefile can make the host do: the files the
# host reads from an image (passwd, group) must be regular and capped, a
# Piecefile's file:// sources stay in the build directory, and a
# container or RUN step cannot fill the host's memory or disk.  Each
# attack runs with openat2 and with the fallback walk.
. "$(dirname "$0")/lib.sh"

if ! needroot; then
	skip "confinement" "needs root"
	finish
fi
S=$T/store
p import "$ALPINE" alpine >/dev/null 2>&1 || { skip "confinement" "import failed"; finish; }
before=$(mounts)

# evil NAME: an image of the Alpine tree whose etc/passwd is made by the
# shell command that follows (run in the tree)
evil() {
	rm -rf "$T/evil"
	mkdir -p "$T/evil"
	tar -xzf "$ALPINE" -C "$T/evil" ./bin ./lib ./etc ./usr
	(cd "$T/evil" && rm -f etc/passwd && eval "$2")
	tar -C "$T/evil" -cf "$T/evil.tar" .
	p import "$T/evil.tar" "$1" >/dev/null 2>&1
}
evil fifo 'mkfifo etc/passwd'
evil chr 'mknod etc/passwd c 1 3'
evil out "ln -s $T/host/passwd etc/passwd"
evil huge 'head -c 70000 /dev/zero | tr "\0" x >etc/passwd; echo "big:x:7:7::/big:/bin/sh" >>etc/passwd'
evil ids 'echo "wrap:x:4294967296:0::/:/bin/sh" >>etc/passwd; echo "word:x:abc:0::/:/bin/sh" >>etc/passwd
echo "u:x:1000:1000::/:/bin/sh" >>etc/passwd; echo "g:x:4294967297:u" >>etc/group; echo "d:x:6:u" >>etc/group'
evil grp 'echo "u:x:5:5::/u:/bin/sh" >etc/passwd; rm -f etc/group; mkfifo etc/group'
mkdir -p "$T/host"
echo 'outside:x:4242:4242::/pwned:/bin/sh' >"$T/host/passwd"

for mode in openat2 walk; do
	if [ $mode = walk ]; then PIECES_NO_OPENAT2=1; export PIECES_NO_OPENAT2; fi
	# class 11: the host opens the image's passwd and group
	fails "$mode: a fifo etc/passwd fails fast (run -u)" 125 "etc/passwd of the image: not a regular file" \
		timeout 20 "$PIECES" -r "$S" run -u someone fifo true
	fails "$mode: a fifo etc/passwd fails fast (run as root)" 125 "not a regular file" \
		timeout 20 "$PIECES" -r "$S" run fifo true
	fails "$mode: a fifo etc/group fails fast (run -u u:g)" 125 "etc/group of the image: not a regular file" \
		timeout 20 "$PIECES" -r "$S" run -u u:g grp true
	fails "$mode: a device etc/passwd is refused, not opened" 125 "not a regular file" \
		timeout 20 "$PIECES" -r "$S" run -u someone chr true
	fails "$mode: a passwd over the cap is an error, not cut" 125 "larger than METAMAX" \
		timeout 20 "$PIECES" -r "$S" run -u big huge true
	fails "$mode: a passwd linking out of the root is not the host's" 125 "user outside: not in" \
		timeout 20 "$PIECES" -r "$S" run -u outside out true
	fails "$mode: a uid past 32 bits is an error, not root" 125 "user wrap: a bad uid or gid" \
		"$PIECES" -r "$S" run -u wrap ids true
	fails "$mode: a uid that is no number is an error, not root" 125 "user word: a bad uid or gid" \
		"$PIECES" -r "$S" run -u word ids true
	run "$PIECES" -r "$S" run -u u ids id -G
	is "$mode: a group line with a bad gid gives no group" "$(cat "$T/out")" "1000 6"
	mkdir -p "$T/ctx"
	printf 'FROM fifo\nUSER someone\nRUN true\n' >"$T/ctx/Piecefile"
	fails "$mode: a build with USER on a fifo etc/passwd fails fast" 1 "not a regular file" \
		timeout 20 "$PIECES" -r "$S" build -t fifo2 "$T/ctx"
	# the device must not even be opened: every open of the image's
	# passwd is O_PATH, the file is read only through its fd once checked
	if command -v strace >/dev/null; then
		strace -f -o "$T/trace" -e trace=open,openat,openat2 "$PIECES" -r "$S" \
			run -u someone chr true >/dev/null 2>&1
		is "$mode: the device node is never opened for reading" \
			"$(grep '"\(etc/\)\?passwd"' "$T/trace" | grep -vc O_PATH)" 0
	else
		skip "$mode: the device node is never opened" "no strace"
	fi
	unset PIECES_NO_OPENAT2
done
# class 12: a Piecefile names host files.  file:// sources, COPY sources
# and what is in them stay in the build directory, or one --allow names
C=$T/ctx12
mkdir -p "$C/sub" "$T/secret" "$T/other"
cp "$ALPINE" "$C/rootfs.tar.gz"
cp "$ALPINE" "$T/secret/x.tar.gz"
cp "$ALPINE" "$T/other/y.tar.gz"
ln -s "$T/secret/x.tar.gz" "$C/link.tar.gz"
ln -s "$T/secret" "$C/out"
ln -s /etc "$T/secret/etc"
mkfifo "$C/fifo"
mknod "$C/null" c 1 3
mkdir -p "$C/tree"
echo data >"$C/tree/f"
mknod "$C/tree/null" c 1 3
mkdir -p "$C/ftree"
mkfifo "$C/ftree/fifo"
# pf NAME LINE...: a Piecefile in the build directory
pf() {
	_f=$C/$1.pf
	shift
	printf '%s\n' "$@" >"$_f"
}
pf abs "FROM_URL file://$T/secret/x.tar.gz"
pf rel "FROM_URL file://../secret/x.tar.gz"
pf dots "FROM_URL file://$C/sub/../../secret/x.tar.gz"
pf link "FROM_URL file://link.tar.gz"
pf dirlink "FROM_URL file://$C/out/x.tar.gz"
pf other "FROM_URL file://$T/other/y.tar.gz"
pf etc "FROM_URL file://$T/secret/etc/passwd"
pf fifo "FROM_URL file://fifo"
pf null "FROM_URL file://null"
pf inside "FROM_URL file://rootfs.tar.gz" 'CMD ["cat", "/etc/alpine-release"]'
pf inabs "FROM_URL file://$C/rootfs.tar.gz"
pf copynull "FROM alpine" "COPY null /null"
pf copytree "FROM alpine" "COPY tree /tree"
pf copyfifo "FROM alpine" "COPY ftree /ftree"
b() {
	timeout 20 "$PIECES" -r "$S" build "$@"
}
for mode in openat2 walk; do
	if [ $mode = walk ]; then PIECES_NO_OPENAT2=1; export PIECES_NO_OPENAT2; fi
	for f in abs rel dots link dirlink other etc; do
		fails "$mode: FROM_URL $f: a host file stays out" 1 "outside the build directory" \
			b -t x12 -f "$C/$f.pf" "$C"
	done
	fails "$mode: FROM_URL of a fifo in the build directory" 1 "fifo: not a regular file" \
		b -t x12 -f "$C/fifo.pf" "$C"
	fails "$mode: FROM_URL of a device node in the build directory" 1 "null: not a regular file" \
		b -t x12 -f "$C/null.pf" "$C"
	ok "$mode: FROM_URL file:// relative to the build directory" \
		b --no-cache -t in12 -f "$C/inside.pf" "$C"
	ok "$mode: FROM_URL file:// of an absolute path inside it" b -t in12b -f "$C/inabs.pf" "$C"
	ok "$mode: --allow fs.read=DIR lets a host directory in" \
		b --allow fs.read="$T/secret" -t al12 -f "$C/abs.pf" "$C"
	ok "$mode: and through a symlink of the build directory into it" \
		b --allow fs.read="$T/secret" -t al12 -f "$C/dirlink.pf" "$C"
	fails "$mode: but not another one" 1 "outside the build directory" \
		b --allow fs.read="$T/secret" -t x12 -f "$C/other.pf" "$C"
	fails "$mode: nor through a symlink out of it" 1 "outside the build directory" \
		b --allow fs.read="$T/secret" -t x12 -f "$C/etc.pf" "$C"
	fails "$mode: COPY of a device node is refused" 1 "COPY null: not a regular file" \
		b -t x12 -f "$C/copynull.pf" "$C"
	fails "$mode: COPY of a tree with a device node in it" 1 "tree/null: changed while copied, or not a file" \
		b -t x12 -f "$C/copytree.pf" "$C"
	fails "$mode: COPY of a tree with a fifo in it fails fast" 1 "ftree/fifo: changed while copied, or not a file" \
		b -t x12 -f "$C/copyfifo.pf" "$C"
	# the build directory's own Piecefile is one of its files too
	for k in link fifo null; do
		rm -rf "$T/pf12"
		mkdir -p "$T/pf12"
		case $k in
		link) ln -s "$T/host/passwd" "$T/pf12/Piecefile" ;;
		fifo) mkfifo "$T/pf12/Piecefile" ;;
		null) mknod "$T/pf12/Piecefile" c 1 3 ;;
		esac
		run timeout 20 "$PIECES" -r "$S" build -t x12 "$T/pf12"
		[ $k = link ] || grep -q "Piecefile: not a regular file" "$T/err" || rc=x
		is "$mode: a Piecefile that is a $k is refused, the host's file unread" \
			"$rc $(grep -c 4242 "$T/err")" "1 0"
	done
	unset PIECES_NO_OPENAT2
done
fails "--allow takes only fs.read=" 1 "want fs.read=DIR" p build --allow net.host "$C"
run p run in12
is "the image from the build directory's file runs" "$(cat "$T/out")" "3.18.9"
is "no image was made of a host file" "$(p images | grep -c "^x12 ")" 0
if command -v strace >/dev/null; then
	strace -f -o "$T/trace" -e trace=open,openat,openat2 "$PIECES" -r "$S" \
		build -t x12 -f "$C/copytree.pf" "$C" >/dev/null 2>&1
	is "COPY never opens the device node for reading" \
		"$(grep '"null"' "$T/trace" | grep -vc O_PATH)" 0
else
	skip "COPY never opens the device node" "no strace"
fi

# class 9: the writable layer.  run's is a tmpfs, bounded by default and
# by --storage-opt size=; a container writing past it gets ENOSPC inside
fails "run: writing past --storage-opt size= is ENOSPC inside" 1 "No space left on device" \
	p run --storage-opt size=8m alpine dd if=/dev/zero of=/big bs=1M count=20
fails "run without overlayfs: /tmp is bounded too" 1 "No space left on device" \
	env PIECES_NO_OVERLAY=1 "$PIECES" -r "$S" run --storage-opt size=8m alpine \
	dd if=/dev/zero of=/tmp/big bs=1M count=20
run env PIECES_NO_OVERLAY=1 "$PIECES" -r "$S" run --storage-opt size=8m alpine \
	sh -c "df -k /tmp /run | awk 'NR > 1 { s += \$2 } END { print s }'"
is "run without overlayfs: /tmp and /run share the bound" "$(cat "$T/out")" 8192
fails "run: so is making more files than it allows" 1 "No space left on device" \
	p run --storage-opt size=4m alpine sh -c 'mkdir /d && cd /d &&
	i=0; while [ $i -lt 1500 ]; do : >f$i; i=$((i + 1)); done'
want=$(awk '$1 == "MemTotal:" { k = int($2 / 4); print k < 262144 ? k : 262144 }' /proc/meminfo)
run p run alpine sh -c "df -k / | awk 'NR == 2 { print \$2 }'"
is "run: the default bound is 256m, or a quarter of a smaller RAM" "$(cat "$T/out")" "$want"
for sz in 1g:1048576 1GB:1048576 64m:65536 2048k:2048; do
	run p run --storage-opt size=${sz%:*} alpine sh -c "df -k / | awk 'NR == 2 { print \$2 }'"
	is "run: --storage-opt size=${sz%:*}" "$(cat "$T/out")" "${sz#*:}"
done
for sz in 0 1x -1 1m1 "" 99999999999999999999 1t5 4k; do
	fails "run: --storage-opt size=$sz is refused" 125 "want size=SIZE" \
		p run --storage-opt size=$sz alpine true
done
fails "run: --storage-opt takes only size=" 125 "want size=SIZE" p run --storage-opt dm.x=1 alpine true

# a RUN step's upper layer is on the store's disk: bounded, the step is
# killed past it, and the image of that name is what it was
C=$T/ctx9
mkdir -p "$C"
printf 'FROM alpine\nRUN echo small >/s\n' >"$C/ok.pf"
printf 'FROM alpine\nRUN dd if=/dev/zero of=/big bs=1M count=400\n' >"$C/dd.pf"
printf 'FROM alpine\nRUN head -c 20000000 /dev/zero >/quick\n' >"$C/quick.pf"
printf 'FROM alpine\nRUN mkdir /d && cd /d && seq 1 6000 | xargs touch\n' >"$C/files.pf"
printf 'FROM alpine\nRUN fallocate -l 4G /big\n' >"$C/falloc.pf"
p build -t lim9 -f "$C/ok.pf" "$C" >/dev/null 2>&1
p inspect lim9 >"$T/lim9"
fails "build: a RUN step writing past its bound is killed" 1 \
	"\[2/2\] RUN: .*past its bound of 64.0M" \
	p build --storage-opt size=64m -t lim9 -f "$C/dd.pf" "$C"
fails "build: one that wrote past it within a tick is not kept" 1 \
	"\[2/2\] RUN: .*past its bound of 16.0M" \
	p build --storage-opt size=16m -t lim9 -f "$C/quick.pf" "$C"
fails "build: so is one making more files than its bound allows" 1 \
	"\[2/2\] RUN: .*past its bound of 16.0M" \
	p build --storage-opt size=16m -t lim9 -f "$C/files.pf" "$C"
fails "build: no one file past the bound, not even in one fallocate" 1 \
	"\[2/2\] RUN: a file past its bound of 16.0M" \
	p build --storage-opt size=16m -t lim9 -f "$C/falloc.pf" "$C"
is "build: the image of that name is as it was" "$(p inspect lim9 | cmp - "$T/lim9" && echo same)" same
is "build: no work tree is left" "$(ls "$S/tmp")" ""
ok "build: under its bound a step runs" p build --storage-opt size=64m -t q9 -f "$C/quick.pf" "$C"
printf 'FROM alpine\nRUN sleep 37\n' >"$C/sleep.pf"
"$PIECES" -r "$S" build -t sl9 -f "$C/sleep.pf" "$C" >/dev/null 2>&1 &
bpid=$!
sleep 2
kill -TERM $bpid
wait $bpid
is "build: a signal reaches the watched step" "$?" 1
"$PIECES" -r "$S" build -t sl9 -f "$C/sleep.pf" "$C" >/dev/null 2>&1 &
bpid=$!
sleep 2
kill -KILL $bpid
wait $bpid 2>/dev/null
sleep 1
is "build: a build killed takes its step with it" "$(pgrep -c -x -f 'sleep 37')" 0
fails "build: --storage-opt takes only size=" 1 "want size=SIZE" \
	p build --storage-opt size=0 -t q9 -f "$C/quick.pf" "$C"

is "nothing left mounted" "$(mounts)" "$before"
finish
