#!/bin/sh
# See LICENSE file for copyright and license details.
#
# test/cross.sh [ARCH...]: the cross-built pieces-ARCH (make cross) of each
# architecture named, or of each one built, run under qemu-user: version
# and help, the matching Alpine fixture unpacked and compared with GNU
# tar's tree, its SHA-256, Piecefile parsing, the architecture's seccomp
# program (run by pieces seccomp as the kernel would: qemu-user loads no
# filter), an HTTPS import from a loopback server with its digest
# checked, and pieces run of that Alpine image, unconfined.  qemu-user passes namespace, mount and pivot_root calls through
# to this kernel; for the image's own binaries a binfmt_misc entry for the
# architecture is registered (fix-binary, so it works inside the
# container's mount namespace) for the run, and removed after.
PIECES=${PIECES:-unused}
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/.." && pwd)

[ $# -gt 0 ] || set -- $(sed -n 's/^CROSSARCHS = //p' "$top/config.mk")
manifest() {
	(cd "$1" && find . -printf '%p %y %m %U %G %s %l\n' | sort)
}
conf() {
	sed -n "s/^$1 = //p" "$top/arch/$2/arch.mk"
}

# binfmt ARCH: run ARCH's ELF files with its qemu, for this test only
binfmt() {
	_f=/usr/lib/binfmt.d/$(conf QEMU "$1" | sed 's/-static$//').conf
	_b=/proc/sys/fs/binfmt_misc
	[ -f "$_f" ] || return 1
	if [ ! -e "$_b/register" ]; then
		mount -t binfmt_misc binfmt_misc "$_b" 2>/dev/null || return 1
		atexit "umount $_b"
	fi
	# an entry of the system's for the architecture will do as it is
	[ -e "$_b/$(sed 's/^:\([^:]*\):.*/\1/' "$_f")" ] && return 0
	sed 's/^:[^:]*:/:pieces-test-'"$1"':/' "$_f" >"$_b/register" || return 1
	atexit "echo -1 >$_b/pieces-test-$1"
}

W=$T/www
mkdir -p "$W"
httpsd "$W" || W=
for a in "$@"; do
	bin=$top/pieces-$a
	q=$(conf QEMU "$a")
	if [ ! -x "$bin" ]; then
		skip "$a" "no pieces-$a: make ARCH=$a builds it"
		continue
	fi
	if ! command -v "$q" >/dev/null; then
		skip "$a" "no $q (Debian's qemu-user-static)"
		continue
	fi
	x() {
		"$q" "$bin" "$@"
	}
	run file "$bin"
	ok "$a: static, no interpreter" sh -c "! readelf -l '$bin' | grep -q INTERP"
	run x version
	is "$a: version" "$rc $(head -n 1 "$T/out")" "0 pieces $(sed -n 's/^VERSION = //p' "$top/config.mk")"
	ok "$a: help" x help run
	fix=$FIXTURES/alpine-minirootfs-3.18.9-$a.tar.gz
	# Alpine has no mipsel: its untar and sums work on another's tree
	[ -f "$fix" ] || fix=$FIXTURES/alpine-minirootfs-3.18.9-x86_64.tar.gz
	rm -rf "$T/gnu" "$T/p"
	mkdir "$T/gnu"
	tar --numeric-owner -xpzf "$fix" -C "$T/gnu"
	ok "$a: untar $(basename "$fix")" sh -c "'$q' '$bin' untar '$T/p' <'$fix'"
	manifest "$T/gnu" >"$T/gnu.m"
	manifest "$T/p" >"$T/p.m"
	ok "$a: the same tree as GNU tar's" cmp "$T/gnu.m" "$T/p.m"
	ok "$a: the same contents" diff -r --no-dereference "$T/gnu" "$T/p"
	is "$a: sha256" "$(x sha256 <"$fix")" "$(sha256sum <"$fix" | cut -d' ' -f1)"
	if [ -x "$top/pieces" ]; then
		is "$a: a Piecefile parses as here" "$(x piecefile -n "$top/examples/site/Piecefile")" \
			"$("$top/pieces" piecefile -n "$top/examples/site/Piecefile")"
	else
		skip "$a: a Piecefile parses as here" "no ./pieces to compare with"
	fi
	# the seccomp program of this architecture, run as the kernel would
	# (qemu-user refuses to load a filter: it would filter qemu's calls)
	sc() {
		printf '%s ' "$(x seccomp "$@" 2>&1)"
	}
	is "$a: seccomp answers" "$(sc read; sc execve; sc keyctl; sc add_key; sc bpf;
		sc unshare 0x10000000; sc -c SYS_ADMIN unshare; sc clone 0x10000000;
		sc clone 0x11; sc socket 40; sc socket 1; sc mount; sc ptrace)" \
		"allow allow EPERM EPERM EPERM EPERM allow EPERM allow EPERM allow EPERM allow "
	is "$a: unknown numbers get ENOSYS, foreign ABIs are killed" \
		"$(sc 1000; sc "$(sed -n 's/^#define ARCH_FOREIGN[[:space:]]*\([0-9a-fx]*\)u.*/\1/p' \
		"$top/arch/$a/arch.h")"; sc -a 40000003 read)" "ENOSYS kill kill "
	case $a in
	armv7) is "$a: ARM's own calls" "$(sc set_tls; sc cacheflush; sc get_tls)" \
		"allow allow EPERM " ;;
	aarch64) is "$a: a 32-bit ARM task's calls are killed" "$(sc -a 40000028 getpid)" "kill " ;;
	mipsel) is "$a: n64 numbers are killed" "$(sc 5000; sc set_thread_area)" "kill allow " ;;
	esac
	if [ -z "$W" ]; then
		skip "$a: HTTPS import" "the https server did not start"
		continue
	fi
	cp "$fix" "$W/$a.tar.gz"
	sum=$(sha256sum <"$fix" | cut -d' ' -f1)
	S=$T/store-$a
	ok "$a: HTTPS import, its digest checked" x -r "$S" import -q \
		"https://127.0.0.1:$PORT/$a.tar.gz" alpine "sha256:$sum"
	fails "$a: a wrong digest is refused" 1 "sha256 mismatch" x -r "$S" import -q \
		"https://127.0.0.1:$PORT/$a.tar.gz" other "sha256:$(echo x | sha256sum | cut -d' ' -f1)"
	if [ "$fix" != "$FIXTURES/alpine-minirootfs-3.18.9-$a.tar.gz" ]; then
		skip "$a: run" "no Alpine image for $a"
	elif ! needroot; then
		skip "$a: run" "needs root"
	elif ! binfmt "$a"; then
		skip "$a: run" "cannot register $q with binfmt_misc"
	else
		fails "$a: a filter qemu cannot load fails the run, never skipped" 125 \
			"seccomp: Invalid argument" x -r "$S" run alpine true
		# qemu's own threads take PIDs in the new namespace too; qemu
		# translates no nf_tables netlink, so no bridge (net.sh tests
		# it natively)
		run x -r "$S" run --net none --security-opt seccomp=unconfined alpine sh -c 'cat /etc/alpine-release
			[ $$ -lt 10 ] && echo own-pid-ns; hostname | wc -c'
		is "$a: run the Alpine image" "$rc $(head -n 3 "$T/out" | tr '\n' ' ')" \
			"0 3.18.9 own-pid-ns 13 "
	fi
done
finish
