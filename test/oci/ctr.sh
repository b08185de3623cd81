#!/bin/sh
# See LICENSE file for copyright and license details.
#
# test/oci/ctr.sh RUNTIME: drive RUNTIME (a runc-compatible binary, a path
# or a name on PATH; a binary named pieces runs as pieces-runc) through
# Debian's containerd 1.6 and its runc v2 shim: first with ctr (ctr run
# --runc-binary), then, if node is installed, through the CRI plugin
# (a runtime handler whose BinaryName is RUNTIME; cri.js is the client),
# and check what a user of each sees.  TAP output; exits 1 on any failure.
#
# The containerd is private: its own config, root, state, sockets, runc
# --root and CNI dir under one temporary directory, stopped (its shims
# too) and removed at the end; the host's /run/containerd and
# /var/lib/containerd are not touched.  Images are built from the Alpine
# fixture as an OCI archive and imported.  Runs in its own mount
# namespace (lib.sh).
. "$(dirname "$0")/lib.sh"
private_ns "$@"
[ $# = 1 ] || { echo "usage: test/oci/ctr.sh RUNTIME" >&2; exit 2; }
need $CRUN_PKG $CONTAINERD_PKGS
RT=$(runtime_path "$1")
[ -f "$ALPINE" ] || die "$ALPINE: missing"
A=$T/containerd.sock NS=ocitest

# image: the fixture's tarball as the one layer of two images, ocitest
# (sh) and ocitest-pause (sleep, the CRI sandbox's image)
oci_archive() {
	d=$T/img
	mkdir -p "$d/blobs/sha256"
	lsum=$(sha256sum "$ALPINE" | cut -d' ' -f1)
	cp "$ALPINE" "$d/blobs/sha256/$lsum"
	diff=$(gzip -dc "$ALPINE" | sha256sum | cut -d' ' -f1)
	lsize=$(stat -c %s "$ALPINE")
	idx=
	for img in "ocitest:/bin/sh" "ocitest-pause:/bin/sleep\",\"infinity"; do
		printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["%s"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
		    "${img#*:}" "$diff" >"$d/c"
		csum=$(sha256sum "$d/c" | cut -d' ' -f1) csize=$(stat -c %s "$d/c")
		mv "$d/c" "$d/blobs/sha256/$csum"
		printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
		    "$csum" "$csize" "$lsum" "$lsize" >"$d/m"
		msum=$(sha256sum "$d/m" | cut -d' ' -f1) msize=$(stat -c %s "$d/m")
		mv "$d/m" "$d/blobs/sha256/$msum"
		idx="$idx${idx:+,}{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:$msum\",\"size\":$msize,\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"},\"annotations\":{\"io.containerd.image.name\":\"localhost/${img%%:*}:3.18.9\",\"org.opencontainers.image.ref.name\":\"3.18.9\"}}"
	done
	printf '{"schemaVersion":2,"manifests":[%s]}' "$idx" >"$d/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$d/oci-layout"
	tar -cf "$T/img.tar" -C "$d" oci-layout index.json blobs
}

mkdir -p "$T/root" "$T/state" "$T/runc" "$T/cni" "$T/cri-runc" "$T/ipam" "$T/fifo"
# the shims' sockets go to /run/containerd/s whatever the config says
rundirs=
[ -d /run/containerd ] || rundirs="/run/containerd/s /run/containerd"
# CRI's pods: a bridge of their own, as in podman.sh (no iptables rules)
BR=ocitest0 NET=ocitest SUBNET=10.213.7
cat >"$T/cni/$NET.conflist" <<EOC
{ "cniVersion": "0.4.0", "name": "$NET", "plugins": [ {
  "type": "bridge", "bridge": "$BR", "isGateway": true, "ipMasq": false,
  "ipam": { "type": "host-local", "dataDir": "$T/ipam",
    "routes": [ { "dst": "0.0.0.0/0" } ],
    "ranges": [ [ { "subnet": "$SUBNET.0/24", "gateway": "$SUBNET.1" } ] ] }
} ] }
EOC
cnidirs=
[ -d /var/lib/cni ] || cnidirs="/var/lib/cni/results /var/lib/cni"
atexit "ip link del $BR 2>/dev/null; rm -f /var/lib/cni/results/$NET-*; rmdir $cnidirs"
# the CRI client's modules, once (npm, pinned)
NODEMOD=$TOP/build/oci/node/node_modules
if command -v node >/dev/null && [ ! -d "$NODEMOD/@grpc/proto-loader" ]; then
	mkdir -p "$TOP/build/oci/node"
	(cd "$TOP/build/oci/node" && npm install --no-audit --no-fund --prefix . \
	    @grpc/grpc-js@1.14.7 @grpc/proto-loader@0.8.1 >/dev/null 2>&1) ||
		echo "ctr.sh: npm install failed: no CRI cases" >&2
fi
cat >"$T/config.toml" <<EOC
version = 2
root = "$T/root"
state = "$T/state"
disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "$A"
[ttrpc]
  address = "$A.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/ocitest-pause:3.18.9"
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  disable_apparmor = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    conf_dir = "$T/cni"
    bin_dir = "/usr/lib/cni"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    snapshotter = "overlayfs"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = "$T/cri-runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.test]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.test.options]
        BinaryName = "$RT"
        Root = "$T/cri-runc"
        SystemdCgroup = false
EOC
containerd --config "$T/config.toml" >"$T/containerd.log" 2>&1 &
cpid=$!
# at exit: tasks and containers gone, then the daemon, then its shims
atexit "kill $cpid; wait $cpid; for p in \$(pgrep -f -- '-address $A'); do kill -9 \$p; done; rmdir $rundirs"
atexit "cleanup_ctr"
cleanup_ctr() {
	for c in $(c containers ls -q); do
		c task kill -s KILL "$c"; sleep 0.2; c task rm -f "$c"; c containers rm "$c"
	done
	[ -d "$NODEMOD" ] && cri cleanup
}
CG_NAMES="$NS k8s.io"
c() {
	$TMO ctr -a "$A" -n "$NS" "$@"
}
for i in $(seq 50); do [ -S "$A" ] && break; sleep 0.1; done
c version >/dev/null 2>&1 || { tail "$T/containerd.log" >&2; die "containerd did not start"; }
oci_archive
for ns in $NS k8s.io; do	# ctr's, and CRI's
	$TMO ctr -a "$A" -n $ns images import "$T/img.tar" >"$T/out" 2>&1 ||
		{ cat "$T/out" >&2; die "ctr import failed"; }
done
I=localhost/ocitest:3.18.9
n=0
# R CMD...: ctr run --rm, a fresh container id each time
R() {
	n=$((n + 1))
	c run --rm --fifo-dir "$T/fifo" --runc-binary "$RT" --runc-root "$T/runc" "$@"
}
[ -z "${OCI_BENCH:-}" ] || bench_or_go "ctr run --rm" sh -c \
	"ctr -a $A -n $NS run --rm --fifo-dir $T/fifo --runc-binary $RT --runc-root $T/runc $I b\$\$ true"
echo "# containerd $(containerd --version | cut -d' ' -f3), runtime $RT"
echo "# ctr"
is "run: output" "hello" R $I c$n echo hello
rc "exit 0" 0 R $I c$n true
rc "exit 3" 3 R $I c$n sh -c 'exit 3'
has "tty (through script, ctr wants one)" "/dev/pts/0\$" script -qec "$TMO ctr -a $A -n $NS run --rm -t --fifo-dir $T/fifo --runc-binary $RT --runc-root $T/runc $I tty1 tty" /dev/null
echo 'from stdin' >"$T/in"
R $I stdin1 sh -c 'read l; echo "$l"' <"$T/in" >"$T/out" 2>"$T/err"
[ "$(cat "$T/out")" = "from stdin" ]; _res $? "stdin reaches the container"
is "--env" "bar" R --env FOO=bar $I env1 sh -c 'echo $FOO'
is "--cwd" "/tmp" R --cwd /tmp $I cwd1 pwd
is "user root, groups from the image's /etc/group" "uid=0(root) gid=0(root) groups=0(root),1(bin),2(daemon),3(sys),4(adm),6(disk),10(wheel),11(floppy),20(dialout),26(tape),27(video)" R $I id1 id
is "default devices are char devices" "null zero full random urandom tty" R $I dev1 sh -c \
	'for d in null zero full random urandom tty; do [ -c /dev/$d ] && printf "%s " $d; done; echo'
is "/dev/ptmx, /dev/pts, /dev/shm, /dev/fd" "ok" R $I dev2 sh -c \
	'[ -e /dev/ptmx ] && [ -d /dev/pts ] && [ -d /dev/shm ] && [ -L /dev/fd ] && [ -L /dev/stdin ] && echo ok'
is "no host disks" "none" R $I dev3 sh -c 'ls /dev/vd* /dev/sd* /dev/mem 2>/dev/null || echo none'
is "default CapEff" "CapEff:	00000000a80425fb" R $I cap1 grep CapEff /proc/self/status
is "--cap-add CAP_NET_ADMIN" "CapEff:	00000000a80435fb" R --cap-add CAP_NET_ADMIN $I cap2 grep CapEff /proc/self/status
is "--cap-drop CAP_CHOWN" "CapEff:	00000000a80425fa" R --cap-drop CAP_CHOWN $I cap3 grep CapEff /proc/self/status
is "noNewPrivileges" "NoNewPrivs:	1" R $I nnp grep NoNewPrivs /proc/self/status
is "no seccomp by default" "Seccomp:	0" R $I sec1 grep ^Seccomp: /proc/self/status
is "--seccomp: filter" "Seccomp:	2" R --seccomp $I sec2 grep ^Seccomp: /proc/self/status
cat >"$T/seccomp.json" <<EOC
{ "defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  "syscalls": [ { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1 } ] }
EOC
is "--seccomp-profile is enforced (mkdir: EPERM)" "mkdir: can't create directory '/tmp/d': Operation not permitted" \
	R --seccomp --seccomp-profile "$T/seccomp.json" $I sec3 sh -c 'mkdir /tmp/d 2>&1'
is "/proc/timer_list masked (empty)" "0" R $I mask1 sh -c 'wc -c </proc/timer_list | tr -d " "'
is "/proc/acpi masked (empty)" "" R $I mask2 ls /proc/acpi
is "/proc/sys read-only" "ro" R $I ro1 sh -c 'echo x >/proc/sys/kernel/domainname 2>/dev/null && echo rw || echo ro'
is "/proc/sysrq-trigger read-only" "ro" R $I ro2 sh -c 'echo h >/proc/sysrq-trigger 2>/dev/null && echo rw || echo ro'
is "--read-only rootfs" "ro" R --read-only $I ro3 sh -c 'touch /x 2>/dev/null && echo rw || echo ro'
rc "--memory-limit 16 MB: a 64 MB allocation is OOM-killed" 137 R --memory-limit 16777216 $I mem2 \
	sh -c 'head -c 64m /dev/zero | tail >/dev/null'
is "own network namespace: only lo" "lo" R $I net1 sh -c "ip -o link | awk -F': ' '{print \$2}'"
has "--net-host: the host's eth0" "^eth0$" \
	R --net-host $I net2 sh -c "ip -o link | awk -F': ' '{print \$2}' | sed 's/@.*//'"
# detached, exec, ps, pause, resume, kill, rm
rc "run -d --memory-limit 64 MB" 0 c run -d --fifo-dir "$T/fifo" --memory-limit 67108864 --runc-binary "$RT" --runc-root "$T/runc" $I det sleep 1000
is "task status RUNNING" "RUNNING" sh -c "ctr -a $A -n $NS task ls | awk '\$1 == \"det\" { print \$3 }'"
is "the limit in the task's cgroup (the container sees no cgroupfs)" "67108864" cat /sys/fs/cgroup/memory/$NS/det/memory.limit_in_bytes
is "task exec" "in det" c task exec --fifo-dir "$T/fifo" --exec-id e1 det echo in det
is "task exec --user --cwd" "1000 /tmp" c task exec --fifo-dir "$T/fifo" --exec-id e2 --user 1000 --cwd /tmp det sh -c 'echo $(id -u) $(pwd)'
has "task exec -t (through script)" "/dev/pts/[0-9]*\$" script -qec "$TMO ctr -a $A -n $NS task exec -t --fifo-dir $T/fifo --exec-id e5 det tty" /dev/null
rc "task exec exit code" 5 c task exec --fifo-dir "$T/fifo" --exec-id e3 det sh -c 'exit 5'
has "task ps lists the init" "^[0-9]+" c task ps det
rc "task pause" 0 c task pause det
is "task status PAUSED" "PAUSED" sh -c "ctr -a $A -n $NS task ls | awk '\$1 == \"det\" { print \$3 }'"
rc "task resume" 0 c task resume det
is "task exec after resume" "back" c task exec --fifo-dir "$T/fifo" --exec-id e4 det echo back
rc "task kill" 0 c task kill -s KILL det
sleep 0.5
is "task status STOPPED" "STOPPED" sh -c "ctr -a $A -n $NS task ls | awk '\$1 == \"det\" { print \$3 }'"
rc "task rm" 0 c task rm det
rc "container rm" 0 c containers rm det
is "nothing left" "" c containers ls -q
is "no container cgroups left" "" sh -c "find /sys/fs/cgroup/*/$NS -mindepth 1 -type d 2>/dev/null"
is "the runtime's --root is empty" "" ls "$T/runc/$NS"

if command -v node >/dev/null && [ -d "$NODEMOD/@grpc/proto-loader" ]; then
	echo "# CRI"
	. "$OCI/cri.sh"
else
	echo "# CRI: skipped (no node, or no @grpc modules)"
fi
finish
