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
ALPINE=$FIXTURES/alpine-minirootfs-3.18.9-x86_64.tar.gz
S=$T/store
p() {
	"$PIECES" -r "$S" "$@"
}
mounts() {
	wc -l </proc/self/mountinfo
}
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
is "nothing left mounted" "$(mounts)" "$before"
finish
