#!/bin/sh
# See LICENSE file for copyright and license details.
#
# oci: pieces-runc's lifecycle, driven as engines drive it, on bundles
# made from the Alpine fixture: create leaves the container created
# (its command not run), start runs it, state follows it live to
# stopped, delete removes it; the refusals runc makes (start twice,
# delete running, kill stopped, an unknown id, an id in use); the pid
# file; run's exit status; the bundle's hostname, mounts, masks,
# environment, working directory, user, rlimits and cgroup; kill of a
# created container and kill --all; hooks; namespaces joined by path;
# a terminal through --console-socket; linux.devices;
# and nothing left behind: processes, mounts, cgroups, state.
. "$(dirname "$0")/lib.sh"

if ! needroot; then
	skip "oci runtime" "needs root"
	finish
fi
ocibundle "oci runtime"
before=$(mounts)

# cfg ARGS: the bundle's config.json, a process running ARGS (a JSON
# array's members) with the mounts runc spec gives; $HOST, $MNTS (more
# mounts, each ending in a comma), $MASK, $RO, $USR, $ENVS, $CWD, $RES,
# $RLIM, $CAPX (more capabilities, each after a comma) add to it
cfg() {
	_u=${USR:-}
	[ -n "$_u" ] || _u='{"uid": 0, "gid": 0}'
	_m=${MASK:-}
	[ -n "$_m" ] || _m='"/proc/kcore"'
	_r=${RO:-}
	[ -n "$_r" ] || _r='"/proc/sys"'
	_h=
	[ -z "${HOST:-}" ] || _h="\"hostname\": \"$HOST\","
	cat >"$B/config.json" <<EOF
{
	"ociVersion": "1.0.2",
	"process": {
		"user": $_u,
		"args": [$1],
		"env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"${ENVS:-}],
		"cwd": "${CWD:-/}",
		"capabilities": {
			"bounding": ["CAP_KILL", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_SETUID", "CAP_SETGID"${CAPX:-}],
			"effective": ["CAP_KILL", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_SETUID", "CAP_SETGID"${CAPX:-}],
			"permitted": ["CAP_KILL", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_SETUID", "CAP_SETGID"${CAPX:-}]
		},
		"rlimits": [${RLIM:-}]
	},
	"root": {"path": "rootfs"},
	$_h
	"mounts": [
		${MNTS:-}
		{"destination": "/proc", "type": "proc", "source": "proc"},
		{"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
		 "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
		{"destination": "/dev/pts", "type": "devpts", "source": "devpts",
		 "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
		{"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
		 "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
		{"destination": "/sys", "type": "sysfs", "source": "sysfs",
		 "options": ["nosuid", "noexec", "nodev", "ro"]}
		${MNTS2:-}
	],
	"linux": {
		"resources": {${RES:-}},
		"namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"},
			{"type": "uts"}, {"type": "mount"}],
		"maskedPaths": [$_m],
		"readonlyPaths": [$_r]
	}
}
EOF
}

# the lifecycle: the command waits for /go, then leaves /ran
rm -f "$B/rootfs/go" "$B/rootfs/ran"
cfg '"sh", "-c", "while [ ! -e /go ]; do sleep 0.05; done; touch /ran"'
ok "create" r create --bundle "$B" --pid-file "$T/pid" c1
is "state says created" "$(status c1)" created
pid=$(r state c1 | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
is "the pid file has init's pid" "$(cat "$T/pid" 2>/dev/null)" "$pid"
is "which is alive" "$(kill -0 "$pid" 2>/dev/null && echo yes)" yes
sleep 0.3
is "the command has not run" "$(ls "$B/rootfs/ran" 2>/dev/null)" ""
run r state c1
grep -q "\"bundle\": \"$B\"" "$T/out" && grep -q "\"rootfs\": \"$B/rootfs\"" "$T/out" &&
	grep -q '"created": "[0-9-]*T[0-9:.]*Z"' "$T/out" && grep -q '"ociVersion"' "$T/out"
is "state has bundle, rootfs, created as runc's" $? 0
fails "an id in use" 1 "container with id exists: c1" r create --bundle "$B" c1
ok "list -q names it" sh -c "'$R' --root '$ROOT' list -q | grep -qx c1"
ok "start" r start c1
is "state says running" "$(status c1)" running
fails "start twice" 1 "cannot start an already running container" r start c1
fails "delete while running" 1 "that is not stopped: running" r delete c1
run r ps --format json c1
is "ps --format json: its pids, init's first" "$(grep -c "^\[$pid,[0-9]" "$T/out")" 1
touch "$B/rootfs/go"
is "the command runs and ends: stopped" "$(waitfor c1 stopped)" stopped
is "it ran" "$(ls "$B/rootfs/ran" 2>/dev/null)" "$B/rootfs/ran"
fails "kill of a stopped one" 1 "container not running" r kill c1 KILL
fails "start of a stopped one" 1 "cannot start a container that has stopped" r start c1
ok "delete" r delete c1
fails "an unknown id" 1 "container c1 does not exist" r state c1
fails "delete twice" 1 "container c1 does not exist" r delete c1
ok "delete --force of what is gone, as runc" r delete --force c1
fails "an id runc refuses" 1 "invalid container id" r create --bundle "$B" ../x

# run: in the foreground, the status passed on
cfg '"sh", "-c", "exit 7"'
run r run --bundle "$B" c2
is "run passes the exit status on" "$rc" 7
is "and leaves no state" "$(ls "$ROOT")" ""

# a created container killed: it ends without running
rm -f "$B/rootfs/ran"
cfg '"touch", "/ran"'
r create --bundle "$B" c3
ok "kill of a created one" r kill c3 TERM
is "ends it" "$(waitfor c3 stopped)" stopped
is "and its command never ran" "$(ls "$B/rootfs/ran" 2>/dev/null)" ""
ok "delete it" r delete c3

# what the bundle says, seen from inside
HOST=ocihost
USR='{"uid": 1000, "gid": 1000, "additionalGids": [20]}'
ENVS=', "FOO=bar baz"'
CWD=/tmp/work
RLIM='{"type": "RLIMIT_NOFILE", "soft": 123, "hard": 456}'
cfg '"sh", "-c", "hostname; echo $FOO; pwd; id -u; id -g; id -G; ulimit -n; ulimit -Hn"'
run r run --bundle "$B" c4
is "hostname, env, cwd, user, groups, rlimits" "$(tr '\n' ' ' <"$T/out")" \
	"ocihost bar baz /tmp/work 1000 1000 1000 20 123 456 "
unset HOST USR ENVS CWD RLIM

# mounts: a read-only bind, a tmpfs, a target through a symlink that
# points out of the root; masks anywhere
mkdir -p "$T/vol" "$T/outside"
echo data >"$T/vol/f"
echo secret >"$B/rootfs/secret"
ln -sfn "$T/outside" "$B/rootfs/lnk"
MNTS="{\"destination\": \"/vol\", \"type\": \"bind\", \"source\": \"$T/vol\", \"options\": [\"rbind\", \"ro\"]},
	{\"destination\": \"/scratch\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"size=1m\"]},
	{\"destination\": \"/lnk/in\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"},"
MASK='"/proc/kcore", "/secret"'
RO='"/proc/sys", "/etc"'
cfg '"sh", "-c", "cat /vol/f; touch /vol/x 2>/dev/null && echo rw; grep -c \" /scratch tmpfs \" /proc/mounts; cat /secret; echo .; touch /etc/x 2>/dev/null && echo etc-rw; touch /proc/sys/x 2>/dev/null && echo sys-rw; grep -c \" /lnk/in \\| $T/outside/in \" /proc/mounts"'
run r run --bundle "$B" c5
is "a ro bind, a tmpfs, masks, readonly paths" "$(tr '\n' ' ' <"$T/out")" "data 1 . 0 "
is "a target behind a symlink is made inside the root" \
	"$([ -d "$B/rootfs$T/outside/in" ] && [ ! -e "$T/outside/in" ] && echo inside)" inside
unset MNTS MASK RO
cfg '"sh", "-c", "touch /x 2>/dev/null && echo rw; echo done"'
sed 's/"path": "rootfs"}/"path": "rootfs", "readonly": true}/' "$B/config.json" >"$T/c"
mv "$T/c" "$B/config.json"
run r run --bundle "$B" c6
is "a read-only root" "$(cat "$T/out")" "done"

# podman --read-only: tmpfs with tmpcopyup on a read-only root, which
# starts as a copy of what it covers, symlinks as symlinks
mkdir -p "$B/rootfs/run/sub"
echo kept >"$B/rootfs/run/sub/f"
ln -sfn /etc/passwd "$B/rootfs/run/lnk"
chmod 750 "$B/rootfs/run"
MNTS='{"destination": "/run", "type": "tmpfs", "source": "tmpfs", "options": ["rw", "rprivate", "nosuid", "nodev", "tmpcopyup"]},'
cfg '"sh", "-c", "cat /run/sub/f; readlink /run/lnk; stat -c %a /run; touch /run/new && echo rw; touch /x 2>/dev/null || echo ro"'
sed 's/"path": "rootfs"}/"path": "rootfs", "readonly": true}/' "$B/config.json" >"$T/c"
mv "$T/c" "$B/config.json"
run r run --bundle "$B" c14
is "tmpcopyup: a copy of what the tmpfs covers, its mode; the root read-only" \
	"$(tr '\n' ' ' <"$T/out")" "kept /etc/passwd 750 rw ro "
is "and the image's files are untouched" "$(ls "$B/rootfs/run")" "lnk
sub"
rm -rf "$B/rootfs/run/sub" "$B/rootfs/run/lnk"
chmod 755 "$B/rootfs/run"
unset MNTS

# kill --all, and a cgroup of its own, removed by delete
RES='"pids": {"limit": 64}'
cfg '"sh", "-c", "sleep 100 & sleep 100 & wait"'
r create --bundle "$B" c7
r start c7
sleep 0.3
run r ps --format json c7
is "ps: sh (pid 1: no init of pieces') and two sleeps" "$(tr ',' '\n' <"$T/out" | grep -c '[0-9]')" 3
cg=$(sed -n 's/.*"cgroupof":{[^}]*"pids":"\([^"]*\)".*/\1/p' "$ROOT/c7/state.json")
is "a pids cgroup, limited" "$(cat "$cg/pids.max" 2>/dev/null)" 64
# the mount of type cgroup: the container's own cgroups, read-only, as
# podman's and containerd's /sys/fs/cgroup on this host's v1 or v2
MNTS2=', {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}'
cfg '"sh", "-c", "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max; touch /sys/fs/cgroup/pids.max 2>/dev/null || echo ro"'
run r run --bundle "$B" c15
is "/sys/fs/cgroup of type cgroup: the container's own pids.max, read-only" \
	"$(tr '\n' ' ' <"$T/out")" "64 ro "
unset MNTS2
ok "kill --all" r kill --all c7 KILL
is "stops it" "$(waitfor c7 stopped)" stopped
ok "delete after kill --all" r delete c7
is "its cgroup is gone" "$([ -n "$cg" ] && [ ! -e "$cg" ] && echo gone)" gone
unset RES

# the command is the container's pid 1, as runc's: the pid the engine
# waits on, which a signal it has no handler for does not end (podman
# stop then falls back to SIGKILL: 137, not 143)
cfg '"sleep", "100"'
r create --bundle "$B" c12
r start c12
is "pid 1 is the command" "$(tr '\0' ' ' </proc/$(r state c12 | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')/cmdline)" "sleep 100 "
ok "kill TERM" r kill c12 TERM
sleep 0.3
is "a pid 1 without a handler ignores it" "$(status c12)" running
r kill c12 KILL
is "KILL ends it" "$(waitfor c12 stopped)" stopped
r delete c12
rm -f "$B/rootfs/termed"
cfg '"sh", "-c", "trap \"touch /termed; exit 3\" TERM; while :; do sleep 0.05; done"'
r create --bundle "$B" c13
r start c13
sleep 0.3
r kill c13 TERM
is "one with a handler gets it" "$(waitfor c13 stopped) $(ls "$B/rootfs/termed" 2>/dev/null)" "stopped $B/rootfs/termed"
r delete c13

# hooks: in the runtime's namespaces, the state on their stdin
printf '#!/bin/sh\ncat >>"%s"\necho >>"%s"\n' "$T/hooks.out" "$T/hooks.out" >"$T/hook"
chmod +x "$T/hook"
cfg '"sleep", "0.5"'
h="{\"path\": \"$T/hook\"}"
sed "s|\"linux\": {|\"hooks\": {\"prestart\": [$h], \"poststart\": [$h], \"poststop\": [{\"path\": \"$T/nosuch\"}, $h]},\\
\"linux\": {|" "$B/config.json" >"$T/c" && mv "$T/c" "$B/config.json"
r create --bundle "$B" c8
r start c8
waitfor c8 stopped >/dev/null
ok "a failed poststop hook is a warning" r delete c8
is "prestart, poststart, poststop hooks get the state: created, running, stopped" \
	"$(sed -n 's/.*"status": "\([a-z]*\)".*"bundle": "\([^"]*\)".*/\1 \2/p' "$T/hooks.out" | tr '\n' ' ')" \
	"created $B running $B stopped $B "

# a namespace joined by path, as CRI's app containers join their pod's
if command -v unshare >/dev/null; then
	unshare --net --uts sleep 30 &
	holder=$!
	atexit "kill $holder"
	sleep 0.2
	cfg '"sh", "-c", "readlink /proc/self/ns/net; readlink /proc/self/ns/uts"'
	sed "s|{\"type\": \"network\"}|{\"type\": \"network\", \"path\": \"/proc/$holder/ns/net\"}|; s|{\"type\": \"uts\"}|{\"type\": \"uts\", \"path\": \"/proc/$holder/ns/uts\"}|" \
		"$B/config.json" >"$T/c" && mv "$T/c" "$B/config.json"
	run r run --bundle "$B" c9
	is "network and uts namespaces joined by path" "$(tr '\n' ' ' <"$T/out")" \
		"$(readlink /proc/$holder/ns/net /proc/$holder/ns/uts | tr '\n' ' ')"
	kill $holder
else
	skip "namespaces joined by path" "no unshare(1)"
fi

# a terminal: its master to --console-socket, as conmon takes it
if command -v python3 >/dev/null; then
	cat >"$T/console.py" <<'EOF'
import array, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(1)
open(sys.argv[2], "w").close()
c, _ = s.accept()
fds = array.array("i")
msg, anc, _, _ = c.recvmsg(64, socket.CMSG_LEN(fds.itemsize))
fds.frombytes(anc[0][2][:fds.itemsize])
out = b""
while True:
	try:
		b = os.read(fds[0], 4096)
	except OSError:
		break
	if not b:
		break
	out += b
sys.stdout.write(out.decode().replace("\r", ""))
EOF
	python3 "$T/console.py" "$T/con.sock" "$T/con.ready" >"$T/con.out" &
	_i=0
	while [ ! -e "$T/con.ready" ] && [ $_i -lt 100 ]; do sleep 0.05; _i=$((_i + 1)); done
	cfg '"sh", "-c", "tty; [ -t 0 ] && [ -t 1 ] && echo all a tty"'
	sed 's/"process": {/"process": {"terminal": true, "consoleSize": {"height": 20, "width": 70},/' \
		"$B/config.json" >"$T/c" && mv "$T/c" "$B/config.json"
	fails "a terminal wants a console socket" 1 "process.terminal needs --console-socket" \
		r create --bundle "$B" c10
	ok "create with --console-socket" r create --bundle "$B" --console-socket "$T/con.sock" c10
	r start c10
	waitfor c10 stopped >/dev/null
	wait
	is "the command's stdio is the pty the socket got" "$(tr '\n' ' ' <"$T/con.out")" \
		"/dev/pts/0 all a tty "
	r delete c10
else
	skip "a terminal through --console-socket" "no python3"
fi

# linux.devices: the host's node bound in where it has one, else a node
# made on the nodev /dev, which cannot be opened
if [ -c /dev/fuse ]; then
	cfg '"sh", "-c", "stat -c \"%t:%T %a\" /dev/test1; cat /dev/test1 2>/dev/null || echo closed; exec 3</dev/fuse && echo fuse"'
	sed 's|"linux": {|"linux": {"devices": [{"path": "/dev/test1", "type": "c", "major": 10, "minor": 666, "fileMode": 432}, {"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}],|' \
		"$B/config.json" >"$T/c" && mv "$T/c" "$B/config.json"
	run r run --bundle "$B" c11
	is "a made node (10:666, 0660) cannot be opened, the host's /dev/fuse can" \
		"$(tr '\n' ' ' <"$T/out")" "a:29a 660 closed fuse "
	is "and the made one is warned of" \
		"$(grep -c "linux.devices /dev/test1: no such device on the host" "$T/err")" 1
else
	skip "linux.devices" "no /dev/fuse here"
fi

# the attack of a bundle with no device list (podman's has one): root
# in the container, with CAP_MKNOD, makes a node of the host's disk (a
# loop device over a file here) on /dev and on a tmpfs of its own that
# the bundle did not make nodev, and reads and writes it.  /dev is
# nodev whatever the bundle says, and the device cgroup starts from
# deny-all, as runc's: neither opens, the disk is untouched.
if [ -d /sys/fs/cgroup/devices ] && command -v losetup >/dev/null &&
    printf 'HOSTSECRET' >"$T/disk" && truncate -s 64k "$T/disk" &&
    loop=$(losetup -f --show "$T/disk" 2>/dev/null); then
	atexit "losetup -d $loop"
	dev="$((0x$(stat -L -c %t "$loop"))) $((0x$(stat -L -c %T "$loop")))"
	MNTS='{"destination": "/mnt", "type": "tmpfs", "source": "tmpfs", "options": ["mode=755"]},'
	CAPX=', "CAP_MKNOD"'
	cfg '"sh", "-c", "grep \" /dev \" /proc/mounts | grep -q nodev && echo nodev; for d in /dev/lp /mnt/lp; do mknod $d b '"$dev"' && { head -c 10 $d && echo PWNED | dd of=$d conv=notrunc; } 2>/dev/null || echo $d closed; done"'
	run r run --bundle "$B" c12
	is "mknod of the host's disk: /dev is nodev, neither node opens" \
		"$(tr '\n' ' ' <"$T/out")" "nodev /dev/lp closed /mnt/lp closed "
	is "the disk is untouched" "$(head -c 10 "$T/disk")" HOSTSECRET
	unset MNTS CAPX
else
	skip "mknod of the host's disk" "no v1 devices cgroup or no loop device"
fi

# bind is not rbind (runc's): a bind of a host tree brings none of the
# mounts below it, which for / are the host's /proc, /sys and /dev,
# writable; rbind does
mkdir -p "$T/tree/sub" && mount -t tmpfs tmpfs "$T/tree/sub" && echo inner >"$T/tree/sub/f"
atexit "umount $T/tree/sub"
# below OPT ID: what container ID sees below $T/tree, mounted with OPT
below() {
	MNTS="{\"destination\": \"/h\", \"type\": \"bind\", \"source\": \"$T/tree\", \"options\": [\"$1\", \"rprivate\"]},"
	cfg '"sh", "-c", "cat /h/sub/f 2>/dev/null || echo none"'
	r run --bundle "$B" "$2" 2>/dev/null
}
is "a bind mount shows none of the host's mounts below it" "$(below bind c13)" none
is "an rbind mount shows them" "$(below rbind c14)" inner
umount "$T/tree/sub"

# nothing left
is "no state" "$(ls "$ROOT")" ""
is "no mounts" "$(mounts)" "$before"
left=0
for d in /proc/[0-9]*; do
	[ "$(readlink "$d/root" 2>/dev/null)" = / ] && continue
	tr '\0' ' ' 2>/dev/null <"$d/cmdline" | grep -q "^pieces-init" && left=$((left + 1))
done
is "no init left" "$left" 0
finish
