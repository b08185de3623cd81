#!/bin/sh
# See LICENSE file for copyright and license details.
#
# test/oci/podman.sh RUNTIME: drive RUNTIME (a runc-compatible binary, a
# path or a name on PATH; a binary named pieces runs as pieces-runc)
# through Debian's podman 4.3 and conmon, as root, and check what a podman
# user sees: exit codes, tty, stdin, env, user, workdir, hostname, default
# devices, capabilities, seccomp, masked and read-only paths, memory and
# pids limits, --network none and a bridge, and a detached container
# through exec, pause, unpause, stop and rm.  TAP output; exits 1 on any
# failure.
#
# Everything is private to one temporary directory: containers.conf (the
# runtime registered by name, with the workarounds this host needs, see
# ../shared/OCI-RUNTIME.md 2.2), storage.conf, --root, --runroot, tmp_dir,
# the CNI config and IPAM state; the image is the Alpine fixture, imported.
# The bridge network is a hand-written CNI config (bridge + host-local, no
# masquerade, no portmap or firewall plugins: no iptables rules) on its own
# bridge ocitest0 and subnet 10.213.7.0/24, removed at the end.  Runs in
# its own mount namespace (lib.sh), so netns and overlay mounts die with it.
. "$(dirname "$0")/lib.sh"
private_ns "$@"
[ $# = 1 ] || { echo "usage: test/oci/podman.sh RUNTIME" >&2; exit 2; }
need $CRUN_PKG $PODMAN_PKGS
RT=$(runtime_path "$1")
rtname=$(name "$RT")
[ -f "$ALPINE" ] || die "$ALPINE: missing"
BR=ocitest0 NET=ocitest SUBNET=10.213.7

mkdir -p "$T/tmp" "$T/cni" "$T/ipam" "$T/storage" "$T/run"
# conmon writes a file named oom into its working directory when the
# container is OOM-killed: ours, not the caller's
cd "$T"
cat >"$T/containers.conf" <<EOC
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$T/events.log"
tmp_dir = "$T/tmp"
runtime = "$rtname"
runtime_supports_json = ["crun", "runc", "pieces"]
runtime_supports_nocgroup = ["crun", "pieces"]
[engine.runtimes]
$rtname = ["$RT"]
[network]
network_backend = "cni"
network_config_dir = "$T/cni"
cni_plugin_dirs = ["/usr/lib/cni"]
default_network = "$NET"
EOC
cat >"$T/storage.conf" <<EOC
[storage]
driver = "overlay"
graphroot = "$T/storage"
runroot = "$T/run"
EOC
: >"$T/registries.conf"
cat >"$T/cni/$NET.conflist" <<EOC
{ "cniVersion": "0.4.0", "name": "$NET", "plugins": [ {
  "type": "bridge", "bridge": "$BR", "isGateway": true, "ipMasq": false,
  "hairpinMode": true,
  "ipam": { "type": "host-local", "dataDir": "$T/ipam",
    "routes": [ { "dst": "0.0.0.0/0" } ],
    "ranges": [ [ { "subnet": "$SUBNET.0/24", "gateway": "$SUBNET.1" } ] ] }
} ] }
EOC
CONTAINERS_CONF=$T/containers.conf
CONTAINERS_STORAGE_CONF=$T/storage.conf
CONTAINERS_REGISTRIES_CONF=$T/registries.conf
export CONTAINERS_CONF CONTAINERS_STORAGE_CONF CONTAINERS_REGISTRIES_CONF

pm() {
	$TMO podman --root "$T/storage" --runroot "$T/run" --runtime "$rtname" "$@"
}
# CNI's result cache is /var/lib/cni whatever the config says
cnidirs=
[ -d /var/lib/cni ] || cnidirs="/var/lib/cni/results /var/lib/cni"
atexit "ip link del $BR 2>/dev/null; rm -f /var/lib/cni/results/$NET-*; rmdir $cnidirs"
# (conmon outlives rm a moment: wait, so that its cgroup can go)
atexit "pm rm -af -t 0; pm network rm -f $NET; for i in 1 2 3 4 5 6 7 8 9 10; do pgrep -f -- '$T' >/dev/null || break; sleep 0.5; done"
CG_NAMES=libpod_parent

pm import -q "$ALPINE" localhost/ocitest:3.18.9 >/dev/null 2>"$T/err" ||
	{ cat "$T/err" >&2; die "podman import failed"; }
I=localhost/ocitest:3.18.9
R="pm run --rm --network none"
bench_or_go "podman run --rm" pm run --rm --network none $I true
echo "# podman $(podman --version | cut -d' ' -f3), runtime $RT"

# run and exit codes
is "run: output" "hello" $R $I echo hello
rc "exit 0" 0 $R $I true
rc "exit 3" 3 $R $I sh -c 'exit 3'
rc "exit 255" 255 $R $I sh -c 'exit 255'
rc "no such command: 127" 127 $R $I /nonexistent
rc "not executable: 126" 126 $R $I /etc/passwd
# tty and stdin
is "-t: stdin is a terminal" "/dev/pts/0" $R -t $I tty
is "-t: stdout is a terminal" "yes" $R -t $I sh -c '[ -t 1 ] && echo yes'
is "no -t: not a terminal" "not a tty" $R $I tty
echo 'from stdin' >"$T/in"
$R -i $I cat <"$T/in" >"$T/out" 2>"$T/err"
[ "$(cat "$T/out")" = "from stdin" ]; _res $? "-i: stdin reaches the container"
is "no -i: stdin is empty" "0" $R $I sh -c 'wc -c | tr -d " "'
# env, user, workdir, hostname
is "-e: env" "bar" $R -e FOO=bar $I sh -c 'echo $FOO'
has "PATH is set" '^PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin$' $R $I env
is "-u 1000:1000" "uid=1000(1000) gid=1000(1000) groups=1000(1000)" $R -u 1000:1000 $I id
is "-u nobody" "uid=65534(nobody) gid=65534(nobody) groups=65534(nobody)" $R -u nobody $I id
is "default user root" "0" $R $I id -u
is "-w /tmp" "/tmp" $R -w /tmp $I pwd
is "--hostname" "box" $R --hostname box $I hostname
# default devices
is "default devices are char devices" "null zero full random urandom tty" $R $I sh -c \
	'for d in null zero full random urandom tty; do [ -c /dev/$d ] && printf "%s " $d; done; echo'
is "/dev/ptmx, /dev/pts, /dev/shm, /dev/fd" "ok" $R $I sh -c \
	'[ -e /dev/ptmx ] && [ -d /dev/pts ] && [ -d /dev/shm ] && [ -L /dev/fd ] && [ -L /dev/stdin ] && echo ok'
is "/dev/null is writable, /dev/zero readable" "4" $R $I sh -c 'echo x >/dev/null && head -c 4 /dev/zero | wc -c'
is "no host disks" "none" $R $I sh -c 'ls /dev/vd* /dev/sd* /dev/mem 2>/dev/null || echo none'
is "--device /dev/fuse-like: --device /dev/null:/dev/extra" "yes" \
	$R --device /dev/null:/dev/extra $I sh -c '[ -c /dev/extra ] && echo yes'
# capabilities
is "default CapEff" "CapEff:	00000000a80425fb" $R $I grep CapEff /proc/self/status
is "--cap-drop all" "CapEff:	0000000000000000" $R --cap-drop all $I grep CapEff /proc/self/status
is "--cap-add NET_ADMIN" "CapEff:	00000000a80435fb" $R --cap-add NET_ADMIN $I grep CapEff /proc/self/status
rc "no CAP_SYS_ADMIN: mount fails" 1 $R $I mount -t tmpfs none /mnt
is "--privileged: all the host's bounding set" "$(grep CapBnd /proc/self/status | sed s/Bnd/Eff/)" $R --privileged $I grep CapEff /proc/self/status
# seccomp
is "seccomp filter by default" "Seccomp:	2" $R $I grep ^Seccomp: /proc/self/status
is "seccomp=unconfined" "Seccomp:	0" $R --security-opt seccomp=unconfined $I grep ^Seccomp: /proc/self/status
cat >"$T/seccomp.json" <<EOC
{ "defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  "syscalls": [ { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1 } ] }
EOC
is "a seccomp profile given is enforced (mkdir: EPERM)" "mkdir: can't create directory '/tmp/d': Operation not permitted" \
	$R --security-opt seccomp="$T/seccomp.json" $I sh -c 'mkdir /tmp/d 2>&1'
is "... and leaves the rest allowed" "ok" $R --security-opt seccomp="$T/seccomp.json" $I sh -c 'touch /tmp/f && echo ok'
# masked and read-only paths
is "/proc/timer_list masked (empty)" "0" $R $I sh -c 'wc -c </proc/timer_list | tr -d " "'
is "/proc/acpi masked (empty)" "" $R $I ls /proc/acpi
is "/proc/keys masked" "0" $R $I sh -c 'cat /proc/keys | wc -c | tr -d " "'
is "/sys/firmware masked (empty)" "" $R $I ls /sys/firmware
is "/proc/sys read-only" "ro" $R $I sh -c 'echo x >/proc/sys/kernel/domainname 2>/dev/null && echo rw || echo ro'
is "/proc/sysrq-trigger read-only" "ro" $R $I sh -c 'echo h >/proc/sysrq-trigger 2>/dev/null && echo rw || echo ro'
is "/sys read-only" "ro" $R $I sh -c 'touch /sys/x 2>/dev/null && echo rw || echo ro'
is "--read-only: rootfs read-only" "ro" $R --read-only $I sh -c 'touch /x 2>/dev/null && echo rw || echo ro'
is "rootfs writable by default" "rw" $R $I sh -c 'touch /x 2>/dev/null && echo rw || echo ro'
# memory and pids limits
is "--memory 64m: limit" "67108864" $R --memory 64m $I cat /sys/fs/cgroup/memory/memory.limit_in_bytes
rc "--memory 16m: a 64 MB allocation is OOM-killed" 137 $R --memory 16m --memory-swap 16m $I \
	sh -c 'head -c 64m /dev/zero | tail >/dev/null'
is "--pids-limit 16: limit" "16" $R --pids-limit 16 $I cat /sys/fs/cgroup/pids/pids.max
is "--pids-limit 8: no more than 8 processes (of 11 tried)" "limited" $R --pids-limit 8 $I sh -c \
	'(for i in 1 2 3 4 5 6 7 8 9 10; do sleep 2 & done) 2>/dev/null; read n </sys/fs/cgroup/pids/pids.current; [ $n -le 8 ] && echo limited || echo $n'
# network
is "--network none: only lo" "lo" $R $I sh -c "ip -o link | awk -F': ' '{print \$2}'"
is "--network none: no route" "" $R $I ip route
is "bridge: an address in $SUBNET.0/24" "yes" pm run --rm --network $NET $I sh -c \
	"ip -4 -o addr show eth0 | grep -q ' $SUBNET\\.' && echo yes"
is "bridge: the gateway answers" "yes" pm run --rm --network $NET $I sh -c \
	"ping -c 1 -W 2 $SUBNET.1 >/dev/null && echo yes"
is "bridge: the host sees $BR" "yes" sh -c "ip link show $BR >/dev/null && echo yes"
# detached, exec, pause, unpause, stop, rm
rc "run -d" 0 pm run -d --name det --network none $I sleep 1000
is "status running" "running" pm inspect -f '{{.State.Status}}' det
is "exec" "in det" pm exec det echo in det
is "exec sees the same pid 1" "sleep 1000" pm exec det sh -c "tr '\\0' ' ' </proc/1/cmdline"
is "exec -t" "/dev/pts/0" pm exec -t det tty
is "exec -e -w -u" "1000 /tmp bar" pm exec -e FOO=bar -w /tmp -u 1000 det sh -c 'echo $(id -u) $(pwd) $FOO'
rc "exec exit code" 5 pm exec det sh -c 'exit 5'
rc "pause" 0 pm pause det
is "status paused" "paused" pm inspect -f '{{.State.Status}}' det
is "frozen" "FROZEN" sh -c "cat /sys/fs/cgroup/freezer/libpod_parent/libpod-\$(podman --root $T/storage --runroot $T/run inspect -f '{{.Id}}' det)/freezer.state"
rc "unpause" 0 pm unpause det
is "status running again" "running" pm inspect -f '{{.State.Status}}' det
is "exec after unpause" "back" pm exec det echo back
rc "stop -t 2" 0 pm stop -t 2 det
is "status exited" "exited" pm inspect -f '{{.State.Status}}' det
is "exit code of a stopped sleep: 137 (TERM ignored by pid 1)" "137" pm inspect -f '{{.State.ExitCode}}' det
rc "rm" 0 pm rm det
is "nothing left" "" pm ps -aq
# the runtime leaves nothing behind
is "no container cgroups left" "" sh -c 'ls -d /sys/fs/cgroup/*/libpod_parent/libpod-* 2>/dev/null'
finish
