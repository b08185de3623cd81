#!/bin/sh
# See LICENSE file for copyright and license details.
#
# ocicg: pieces-runc's cgroups, as an engine uses them, on bundles made
# from the Alpine fixture: pause stops the container's processes (a
# counter stops counting) and state and list say paused, resume lets
# them go on; what runc refuses (pause of a stopped one, resume of one
# not paused, start or delete of a paused one), kill and delete --force
# of a paused one; update from a --resources file, from stdin and from
# flags, seen in what the container can do (a fork bomb stopped at the
# new pids limit, a hog killed at the new memory limit); update of what
# pieces cannot set, refused by name; linux.resources at create: the
# CPUs a cpuset leaves, a device the device list denies (EPERM) beside
# one it allows; and no cgroup left behind.
. "$(dirname "$0")/lib.sh"

if ! needroot; then
	skip "oci cgroups" "needs root"
	finish
fi
CG=/pieces-ocicg-$$
ocibundle "oci cgroups"
# the parent every container's cgroupsPath is below, in each hierarchy
atexit "find /sys/fs/cgroup -maxdepth 3 -type d -name '${CG#/}' -exec rmdir {} + 2>/dev/null"

# cfg ID ARGS: the bundle's config.json, a process running ARGS (a JSON
# array's members) in cgroup $CG/ID; $RES (LinuxResources' members),
# $MNTS (more mounts, each ending in a comma) add to it
cfg() {
	cat >"$B/config.json" <<EOF
{
	"ociVersion": "1.0.2",
	"process": {
		"user": {"uid": 0, "gid": 0},
		"args": [$2],
		"env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],
		"cwd": "/"
	},
	"root": {"path": "rootfs"},
	"mounts": [
		${MNTS:-}
		{"destination": "/proc", "type": "proc", "source": "proc"},
		{"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
		 "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]}
	],
	"linux": {
		"cgroupsPath": "$CG/$1",
		"resources": {${RES:-}},
		"namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"},
			{"type": "uts"}, {"type": "mount"}]
	}
}
EOF
}

# cgdirs ID: the container's cgroup directories, in every hierarchy
cgdirs() {
	find /sys/fs/cgroup -maxdepth 4 -type d -path "*$CG/$1" 2>/dev/null
}

# counter: what the container's loop last wrote
counter() {
	# the loop's echo truncates, then writes: an empty read is mid-write
	for _i in 1 2 3 4 5 6 7 8 9 10; do
		_c=$(cat "$B/rootfs/cnt" 2>/dev/null)
		[ -n "$_c" ] && break
		sleep 0.01
	done
	echo "${_c:-0}"
}

# pause and resume: a loop counting into /cnt
loop='"sh", "-c", "i=0; while :; do i=$((i + 1)); echo $i >/cnt; sleep 0.02; done"'
rm -f "$B/rootfs/cnt"
cfg c1 "$loop"
r create --bundle "$B" c1 && r start c1
sleep 0.3
ok "pause" r pause c1
is "state says paused" "$(status c1)" paused
is "list says paused" "$(r list | awk '$1 == "c1" { print $3 }')" paused
a=$(counter)
sleep 0.5
is "its processes stop: the counter stands still" "$(counter)" "$a"
run r ps --format json c1
pid=$(r state c1 | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
is "ps of a paused one: its pid 1, the shell, first" "$(tr -d '[' <"$T/out" | cut -d, -f1 | tr -d ']')" "$pid"
fails "pause twice" 1 "container not running" r pause c1
fails "start of a paused one" 1 "paused state" r start c1
fails "delete of a paused one" 1 "that is not stopped: paused" r delete c1
ok "resume" r resume c1
is "state says running" "$(status c1)" running
sleep 0.3
is "the counter goes on" "$([ "$(counter)" -gt "$a" ] && echo on)" on
fails "resume of one not paused" 1 "container not paused" r resume c1

# kill of a paused one: the signal waits for the thaw
r pause c1
ok "kill of a paused one" r kill c1 KILL
sleep 0.3
is "it is still paused" "$(status c1)" paused
r resume c1
is "and dies once resumed" "$(waitfor c1 stopped)" stopped
fails "pause of a stopped one" 1 "container not running" r pause c1
fails "resume of a stopped one" 1 "container not paused" r resume c1
ok "delete" r delete c1
is "its cgroups are gone" "$(cgdirs c1)" ""

# delete --force of a paused one: killed, thawed, gone
cfg c2 "$loop"
r create --bundle "$B" c2 && r start c2
pid=$(r state c2 | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
r pause c2
ok "delete --force of a paused one" r delete --force c2
is "its init is gone (or a zombie)" \
	"$(sed -n 's/^[0-9]* (.*) \([A-Z]\) .*/\1/p' /proc/$pid/stat 2>/dev/null | grep -v Z)" ""
fails "and so is it" 1 "container c2 does not exist" r state c2
is "and its cgroups" "$(cgdirs c2)" ""

# update: the container waits for /go, then forks 30 sleeps (the shell
# gives up at its first failed fork), or eats memory
rm -f "$B/rootfs/go" "$B/rootfs/n"
bomb='"sh", "-c", "while [ ! -e /go ]; do sleep 0.05; done; n=0; while [ $n -lt 30 ]; do echo $n >/n; sleep 5 & n=$((n + 1)); done; echo all"'
RES='"pids": {"limit": 100}'
cfg c3 "$bomb"
r create --bundle "$B" c3 >"$T/c3.out" 2>&1 && r start c3
echo '{"pids": {"limit": 8}}' >"$T/res.json"
ok "update --resources FILE" r update --resources "$T/res.json" c3
touch "$B/rootfs/go"
waitfor c3 stopped >/dev/null
is "a fork bomb stops at the new pids limit" "$(($(cat "$B/rootfs/n") < 8))" 1
r delete c3
unset RES

rm -f "$B/rootfs/go" "$B/rootfs/survived"
cfg c4 '"sh", "-c", "while [ ! -e /go ]; do sleep 0.05; done; tail /dev/zero && touch /survived"'
r create --bundle "$B" c4 >"$T/c4.out" 2>&1 && r start c4
ok "update --resources - (stdin, as containerd)" \
	sh -c "echo '{\"memory\": {\"limit\": 33554432}}' | '$R' --root '$ROOT' update -r - c4"
if [ -d /sys/fs/cgroup/memory ]; then
	is "the memory cgroup has it" "$(cat /sys/fs/cgroup/memory$CG/c4/memory.limit_in_bytes)" \
		33554432
fi
touch "$B/rootfs/go"
is "a hog is killed at the new memory limit" "$(waitfor c4 stopped)" stopped
is "and has not gone on" "$(ls "$B/rootfs/survived" 2>/dev/null)" ""
r delete c4

rm -f "$B/rootfs/go" "$B/rootfs/n"
cfg c5 "$bomb"
r create --bundle "$B" c5 >"$T/c5.out" 2>&1 && r start c5
ok "update by flags" r update --pids-limit 6 --memory 64m --cpu-shares 512 --cpu-quota 20000 \
	--cpu-period 100000 c5
touch "$B/rootfs/go"
waitfor c5 stopped >/dev/null
is "the pids flag reaches the container" "$(($(cat "$B/rootfs/n") < 6))" 1
r delete c5

cfg c6 "$loop"
r create --bundle "$B" c6 && r start c6
echo '{"memory": {"kernel": 1000000}}' >"$T/res.json"
fails "update of what pieces cannot set: named" 1 "memory.kernel: not supported" \
	r update --resources "$T/res.json" c6
fails "by flag too" 1 "blockIO: not supported" r update --blkio-weight 100 c6
fails "a bad value, named" 1 "cpu.shares: 1: out of range" r update --cpu-shares 1 c6
fails "a document that is no JSON" 1 "stdin: " sh -c "echo '{' | '$R' --root '$ROOT' update -r - c6"
fails "nothing to update" 1 "nothing to update" r update c6
r delete --force c6
cfg c6 '"true"'
r create --bundle "$B" c6 && r start c6
waitfor c6 stopped >/dev/null
echo '{"pids": {"limit": 8}}' >"$T/res.json"
fails "update of a stopped one" 1 "container not running" r update -r "$T/res.json" c6
r delete c6

# linux.resources at create: a cpuset
RES='"cpu": {"cpus": "0", "mems": "0"}'
cfg c7 '"sh", "-c", "grep Cpus_allowed_list /proc/self/status"'
run r run --bundle "$B" c7
is "cpu.cpus: the container runs on those CPUs alone" "$(tr -s '\t ' ' ' <"$T/out")" \
	"Cpus_allowed_list: 0"
unset RES

# the device list: all denied, one allowed; the defaults (/dev/null) still work
if [ -c /dev/fuse ] && [ -c /dev/net/tun ] && [ -d /sys/fs/cgroup/devices ]; then
	: >"$B/rootfs/fuse"
	: >"$B/rootfs/tun"
	MNTS='{"destination": "/fuse", "type": "bind", "source": "/dev/fuse", "options": ["bind"]},
		{"destination": "/tun", "type": "bind", "source": "/dev/net/tun", "options": ["bind"]},'
	RES='"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rw"}]'
	cfg c8 '"sh", "-c", "exec 3</fuse && echo fuse; head -c1 /tun; echo x >/dev/null && echo null"'
	run r run --bundle "$B" c8
	is "an allowed device opens, a denied one does not, the defaults do" \
		"$(tr '\n' ' ' <"$T/out")" "fuse null "
	is "the denied one: EPERM" "$(grep -c "/tun: Operation not permitted" "$T/err")" 1
	unset MNTS RES
	rm -f "$B/rootfs/fuse" "$B/rootfs/tun"
else
	skip "linux.resources.devices" "no /dev/fuse, /dev/net/tun or v1 devices controller"
fi

# huge pages: a size this kernel lacks is refused before any cgroup is made
RES='"hugepageLimits": [{"pageSize": "3MB", "limit": 3145728}]'
cfg c9 '"true"'
fails "a huge page size the kernel lacks" 1 "hugepageLimits: 3MB: no such huge page size here" \
	r create --bundle "$B" c9
unset RES

# nothing left
is "no state" "$(ls "$ROOT")" ""
is "no cgroup of any container" "$(find /sys/fs/cgroup -maxdepth 4 -type d -path "*$CG/*" 2>/dev/null)" ""
finish
