#!/bin/sh
# See LICENSE file for copyright and license details.
#
# seccomp: Docker's default profile as a process inside the container meets
# it.  A static program makes each call and prints what it got; calls the
# kernel itself would allow are tried unconfined too, to show the filter is
# what stopped them.  Then the capabilities that widen the profile, the
# flags that lift it, and ordinary work under it, in a run and a build.
. "$(dirname "$0")/lib.sh"

if ! needroot; then
	skip "seccomp" "needs root"
	finish
fi
case $(uname -m) in
x86_64) ;;
*) skip "seccomp" "the calls made here are x86_64's"; finish ;;
esac
if ! command -v musl-gcc >/dev/null; then
	skip "seccomp" "no musl-gcc for the static attack program"
	finish
fi
S=$T/store
UNCONFINED="--security-opt seccomp=unconfined"

cat >"$T/sc.c" <<'EOT'
/* sc NAME: make the call NAME names and print what came back: "ok" or
 * the errno's name; a call that kills the process prints nothing */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/syscall.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static long
i386(long nr)
{
	long ret;

	__asm__ volatile ("int $0x80" : "=a"(ret) : "a"(nr) : "memory");
	return ret;
}

static long
fork_with(unsigned long flags)
{
	long pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);

	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return pid;
}

/* clone3 with struct clone_args asking only for SIGCHLD at exit */
static long
clone3(void)
{
	unsigned long args[8] = { 0 };
	long pid;

	args[4] = SIGCHLD;
	if ((pid = syscall(SYS_clone3, args, 64)) == 0)
		_exit(0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return pid;
}

/* PTRACE_TRACEME in a child, which says how it went */
static long
traceme(void)
{
	int fd[2], err = 0;
	pid_t pid;

	if (pipe(fd) < 0 || (pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		err = syscall(SYS_ptrace, 0, 0, 0, 0) < 0 ? errno : 0;
		write(fd[1], &err, sizeof(err));
		_exit(0);
	}
	read(fd[0], &err, sizeof(err));
	waitpid(pid, NULL, 0);
	errno = err;
	return err ? -1 : 0;
}

int
main(int argc, char *argv[])
{
	unsigned long args[8] = { 0 };
	long r = -1, n;
	const char *c = argc > 1 ? argv[1] : "";

	if (!strcmp(c, "keyctl"))		/* KEYCTL_GET_KEYRING_ID, the session keyring */
		r = syscall(SYS_keyctl, 0, -3, 0);
	else if (!strcmp(c, "add_key"))
		r = syscall(SYS_add_key, "user", "k", "v", 1, -3);
	else if (!strcmp(c, "request_key"))
		r = syscall(SYS_request_key, "user", "k", 0, 0);
	else if (!strcmp(c, "unshare-user"))
		r = unshare(CLONE_NEWUSER);
	else if (!strcmp(c, "unshare-userns"))
		r = unshare(CLONE_NEWUSER | CLONE_NEWNS);
	else if (!strcmp(c, "unshare-ns"))
		r = unshare(CLONE_NEWNS);
	else if (!strcmp(c, "clone-user"))
		r = fork_with(CLONE_NEWUSER);
	else if (!strcmp(c, "clone-userns"))
		r = fork_with(CLONE_NEWUSER | CLONE_NEWNS);
	else if (!strcmp(c, "clone-ns"))
		r = fork_with(CLONE_NEWNS);
	else if (!strcmp(c, "clone-highbits"))	/* namespace flags with bits the kernel drops */
		r = fork_with(0xffffffff00000000ul | CLONE_NEWUSER);
	else if (!strcmp(c, "fork"))
		r = fork_with(0);
	else if (!strcmp(c, "clone3"))
		r = clone3();
	else if (!strcmp(c, "setns"))
		r = syscall(SYS_setns, -1, 0);
	else if (!strcmp(c, "mount"))
		r = syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, 0);
	else if (!strcmp(c, "umount2"))
		r = syscall(SYS_umount2, "/tmp", 0);
	else if (!strcmp(c, "pivot_root"))
		r = syscall(SYS_pivot_root, ".", ".");
	else if (!strcmp(c, "bpf"))		/* BPF_MAP_CREATE with nothing */
		r = syscall(SYS_bpf, 0, args, 64);
	else if (!strcmp(c, "perf_event_open"))
		r = syscall(SYS_perf_event_open, args, 0, -1, -1, 0);
	else if (!strcmp(c, "userfaultfd"))
		r = syscall(SYS_userfaultfd, 0);
	else if (!strcmp(c, "io_uring_setup"))
		r = syscall(425, 1, args);
	else if (!strcmp(c, "fsopen"))
		r = syscall(430, "tmpfs", 0);
	else if (!strcmp(c, "fsmount"))
		r = syscall(432, -1, 0, 0);
	else if (!strcmp(c, "fspick"))
		r = syscall(433, -1, "/", 0);
	else if (!strcmp(c, "fsconfig"))
		r = syscall(431, -1, 0, 0, 0, 0);
	else if (!strcmp(c, "open_tree"))
		r = syscall(428, -1, "/", 0);
	else if (!strcmp(c, "move_mount"))
		r = syscall(429, -1, "", -1, "/", 0);
	else if (!strcmp(c, "mount_setattr"))
		r = syscall(442, -1, "/", 0, args, 32);
	else if (!strcmp(c, "kexec_load"))
		r = syscall(SYS_kexec_load, 0, 0, 0, 0);
	else if (!strcmp(c, "init_module"))
		r = syscall(SYS_init_module, args, 0, "");
	else if (!strcmp(c, "kcmp"))		/* KCMP_FILE of stdin with itself */
		r = syscall(SYS_kcmp, getpid(), getpid(), 0, 0, 0);
	else if (!strcmp(c, "ptrace"))		/* PTRACE_TRACEME, in a child */
		r = traceme();
	else if (!strcmp(c, "vsock"))		/* AF_VSOCK */
		r = socket(40, SOCK_STREAM, 0);
	else if (!strcmp(c, "vsock-highbits"))	/* AF_VSOCK, the upper half set */
		r = syscall(SYS_socket, 0x100000000ul | 40, SOCK_STREAM, 0);
	else if (!strcmp(c, "alg"))		/* AF_ALG */
		r = socket(38, SOCK_SEQPACKET, 0);
	else if (!strcmp(c, "inet"))
		r = socket(2, SOCK_DGRAM, 0);
	else if (!strcmp(c, "unix"))
		r = socket(1, SOCK_STREAM, 0);
	else if (!strcmp(c, "norandom"))	/* ADDR_NO_RANDOMIZE */
		r = syscall(SYS_personality, 0x0040000);
	else if (!strcmp(c, "persona-query"))
		r = syscall(SYS_personality, 0xffffffff);
	else if (!strcmp(c, "linux32"))
		r = syscall(SYS_personality, 8), syscall(SYS_personality, 0);
	else if (!strcmp(c, "nr") && argc > 2)	/* a number, no arguments */
		r = syscall(strtol(argv[2], NULL, 0));
	else if (!strcmp(c, "x32"))		/* getpid with __X32_SYSCALL_BIT */
		r = syscall(0x40000000 | SYS_getpid);
	else if (!strcmp(c, "i386"))		/* i386's getpid, through int 0x80 */
		r = i386(20), r < 0 ? (errno = -r, r = -1) : 0;
	else if (!strcmp(c, "loop") && argc > 2) {	/* N getppid() calls */
		for (n = strtol(argv[2], NULL, 10); n > 0; n--)
			syscall(SYS_getppid);
		r = 0;
	} else {
		fprintf(stderr, "sc: %s: unknown\n", c);
		return 2;
	}
	if (r < 0)
		printf("%s\n", errno == EPERM ? "EPERM" : errno == ENOSYS ? "ENOSYS" :
		       errno == EINVAL ? "EINVAL" : strerror(errno));
	else
		printf("ok\n");
	return 0;
}
EOT
mkdir -p "$T/img"
if ! musl-gcc -static -O2 -o "$T/sc" "$T/sc.c" || ! tar -xzf "$ALPINE" -C "$T/img" ||
    ! mkdir "$T/img/t" || ! cp "$T/sc" "$T/img/t/sc" ||
    ! tar -C "$T/img" -czf "$T/img.tar.gz" . || ! p import "$T/img.tar.gz" sc >/dev/null; then
	skip "seccomp" "cannot build the image with the attack program"
	finish
fi
ok "an image with the attack program" true

# sc OPTIONS CALL [ARG]: what CALL got in a container run with OPTIONS,
# and the status if not 0 (159: killed by SIGSYS)
sc() {
	_o=$1
	shift
	_r=$(p run $_o sc /t/sc "$@" 2>"$T/err")
	_st=$?
	if [ "$_st" = 0 ]; then
		echo "$_r"
	else
		echo "${_r:+$_r }status $_st"
	fi
}

run p run sc grep Seccomp /proc/self/status
is "Seccomp is 2 (a filter), one filter" "$(cat "$T/out")" "Seccomp:	2
Seccomp_filters:	1"
run p run sc sh -c 'sh -c "grep Seccomp: /proc/self/status"'
is "and so for what the command starts" "$(cat "$T/out")" "Seccomp:	2"
run p run -u 1234 sc grep Seccomp: /proc/self/status
is "and for a user other than root" "$(cat "$T/out")" "Seccomp:	2"
# a command given SYS_PTRACE may attach to init and make its calls
run p run --cap-add SYS_PTRACE sc grep Seccomp: /proc/1/status
is "init runs under the filter too" "$(cat "$T/out")" "Seccomp:	2"
PIECES_NO_OVERLAY=1 run p run sc grep Seccomp: /proc/self/status
is "and on the read-only root without overlayfs" "$(cat "$T/out")" "Seccomp:	2"

# what the kernel gives a container root with Docker's capabilities, and
# the filter takes away
for c in keyctl add_key unshare-user unshare-userns clone-user clone-userns \
    clone-highbits norandom; do
	is "$c: EPERM" "$(sc "" $c)" EPERM
	u=$(sc "$UNCONFINED" $c)
	is "$c: unconfined, the kernel says $u" "$([ "$u" = EPERM ] || echo not EPERM)" "not EPERM"
done
is "keyctl as another user: EPERM" "$(sc "-u 1234" keyctl)" EPERM
for c in request_key unshare-ns clone-ns setns mount umount2 pivot_root bpf \
    perf_event_open userfaultfd io_uring_setup fsopen fsmount fspick fsconfig \
    open_tree move_mount mount_setattr kexec_load init_module kcmp vsock \
    vsock-highbits alg; do
	is "$c: EPERM" "$(sc "" $c)" EPERM
done
is "clone3: ENOSYS, so that libcs fall back to clone" "$(sc "" clone3)" ENOSYS
for n in 1000 400 471 0x3fffffff; do
	is "a number the table does not know ($n): ENOSYS" "$(sc "" nr $n)" ENOSYS
done
is "-1, a tracer's skipped call: ENOSYS, not killed" "$(sc "" nr -1)" ENOSYS
is "an x32 call: killed" "$(sc "" x32)" "status 159"
u=$(sc "$UNCONFINED" i386)
if [ "$u" = "status 139" ]; then
	skip "an i386 call through int 0x80" "the kernel has no i386 emulation (SIGSEGV)"
else
	is "an i386 call through int 0x80: killed (unconfined: $u)" "$(sc "" i386)" "status 159"
fi

# what stays allowed
for c in fork ptrace persona-query linux32 inet unix; do
	is "$c: allowed" "$(sc "" $c)" ok
done
is "getpid by number: allowed" "$(sc "" nr 39)" ok
is "2 million getppid() calls" "$(sc "" loop 2000000)" ok

# capabilities widen the profile, as Docker's do
for c in unshare-ns clone-ns clone3 mount setns; do
	r=$(sc "--cap-add SYS_ADMIN" $c)
	is "$c with CAP_SYS_ADMIN: past the filter ($r)" "$([ "$r" = EPERM ] || echo past)" past
done
is "kcmp with CAP_SYS_PTRACE" "$(sc "--cap-add SYS_PTRACE" kcmp)" ok
is "keyctl with every capability: still EPERM" "$(sc "--cap-add ALL" keyctl)" EPERM

# the flags that lift it
run p run $UNCONFINED sc grep Seccomp: /proc/self/status
is "seccomp=unconfined: no filter" "$(cat "$T/out")" "Seccomp:	0"
is "seccomp=unconfined: unshare(CLONE_NEWUSER) works" "$(sc "$UNCONFINED" unshare-user)" ok
fails "--security-opt other than seccomp=unconfined: 125" 125 \
	"--security-opt apparmor=unconfined: not supported" \
	p run --security-opt apparmor=unconfined sc true
fails "--security-opt seccomp=FILE: 125" 125 "--security-opt seccomp=/p.json: not supported" \
	p run --security-opt seccomp=/p.json sc true
run p run sc awk '$5 == "/proc/keys" || $5 == "/proc/timer_list" || $5 == "/proc/sys"' \
	/proc/self/mountinfo
is "by default /proc/keys, /proc/timer_list and /proc/sys are covered" "$(wc -l <"$T/out")" 3
run p run --privileged sc awk '$5 == "/proc/keys" || $5 == "/proc/timer_list" || $5 == "/proc/sys"' \
	/proc/self/mountinfo
is "--privileged: no masks" "$rc $(wc -l <"$T/out")" "0 0"
# every capability pieces holds; on the host's network but NET_RAW (bit
# 13), which no container gets there
every=$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)
all=$(printf '%016x' $((0x$every & ~(1 << 13))))
run p run --net host --privileged sc grep -E '^(CapEff|Seccomp):' /proc/self/status
is "--privileged --net host: every capability but NET_RAW, no filter" \
	"$(awk '{ print $2 }' "$T/out" | tr '\n' ' ')" "$all 0 "
is "--privileged --cap-drop ALL: still every capability, as Docker" \
	"$(p run --net host --privileged --cap-drop ALL sc grep CapEff: /proc/self/status | awk '{ print $2 }')" \
	"$all"
run p run --privileged sc grep -E '^CapEff:' /proc/self/status
is "--privileged on a network of its own: NET_RAW too" "$(awk '{ print $2 }' "$T/out")" "$every"

# ordinary work under the filter
run p run sc sh -c 'ls / >/dev/null && ps >/dev/null && wget --help >/dev/null 2>&1;
	apk --version && apk info -e busybox && echo $(( 6 * 7 )) | cat && (sleep 0 &) && wait'
is "busybox sh, ls, ps, wget, apk" "$rc $(cat "$T/out" | tr '\n' ' ')" \
	"0 apk-tools 2.14.4, compiled for x86_64. busybox 42 "

# a build's RUN steps get it too
mkdir "$T/ctx"
printf 'FROM sc\nRUN grep Seccomp: /proc/self/status >/seccomp; /t/sc keyctl >>/seccomp\n' \
	>"$T/ctx/Piecefile"
ok "a build with a RUN step" p build -t built "$T/ctx"
run p run built cat /seccomp
is "RUN ran under the filter" "$(cat "$T/out")" "Seccomp:	2
EPERM"
# pieces seccomp runs the same program as the kernel would: its answers
# are the kernel's for the calls tried above
for call in "keyctl EPERM" "unshare EPERM" "clone3 ENOSYS" "read allow" "1000 ENOSYS"; do
	set -- $call
	is "pieces seccomp $1: as the kernel answered" "$(p seccomp "$1")" "$2"
done
is "pieces seccomp -c SYS_ADMIN unshare" "$(p seccomp -c SYS_ADMIN unshare)" allow
is "pieces seccomp of an x32 number" "$(p seccomp 0x40000027)" kill
fails "pieces seccomp of a name it lacks" 1 "nosuch: no such system call here" p seccomp nosuch
finish
