#!/bin/sh
# See LICENSE file for copyright and license details.
#
# ociuserns: pieces-runc's namespaces beyond the usual five, on bundles
# made from the Alpine fixture.  A user namespace: the maps as the
# container reads them, root inside and the mapped id outside, files
# made inside owned on the host by the mapped ids, a user namespace
# joined by path; maps the kernel would refuse, refused naming the
# field; a user namespace "joined" through a file that is none (a FIFO
# too: nothing blocks).  A container in the host's PID namespace: it
# sees the host's processes, kill --all and delete reach its own and
# no other; one without a mount namespace: the host's, no mount made.
. "$(dirname "$0")/lib.sh"

if ! needroot; then
	skip "oci user namespaces" "needs root"
	finish
fi
if [ "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 0)" = 0 ]; then
	skip "oci user namespaces" "user namespaces are off"
	finish
fi
ocibundle "oci user namespaces"
# a directory the container's root owns, through the map below
mkdir -m 777 "$B/rootfs/w"
chown 100000:100000 "$B/rootfs/w"
before=$(mounts)

# cfg ARGS: config.json running ARGS (a JSON array's members); $NS the
# namespaces (default: all but user, and user mapped 0-65535 to
# 100000-165535), $MAPS the maps, $USR the user, $MNT 0 for no mounts
cfg() {
	_ns=${NS:-'{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"},
		{"type": "mount"}, {"type": "user"}'}
	_maps=${MAPS-'"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
		"gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],'}
	_m='{"destination": "/proc", "type": "proc", "source": "proc"},
		{"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
		 "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
		{"destination": "/dev/pts", "type": "devpts", "source": "devpts",
		 "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
		{"destination": "/sys", "type": "sysfs", "source": "sysfs",
		 "options": ["nosuid", "noexec", "nodev", "ro"]}'
	[ "${MNT:-1}" = 1 ] || _m=
	_u=${USR:-}
	[ -n "$_u" ] || _u='{"uid": 0, "gid": 0}'
	cat >"$B/config.json" <<EOF
{
	"ociVersion": "1.0.2",
	"process": {
		"user": $_u,
		"args": [$1],
		"env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],
		"cwd": "/",
		"capabilities": {
			"bounding": ["CAP_KILL", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_SETUID", "CAP_SETGID"],
			"effective": ["CAP_KILL", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_SETUID", "CAP_SETGID"],
			"permitted": ["CAP_KILL", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_SETUID", "CAP_SETGID"]
		}
	},
	"root": {"path": "rootfs"},
	"mounts": [$_m],
	"linux": {
		$_maps
		"resources": {"pids": {"limit": 64}},
		"namespaces": [$_ns]
	}
}
EOF
}

# alive PID...: those of PID... that still run (a zombie does not), after
# up to 2 s for them to end
alive() {
	_i=0
	while :; do
		_a=
		for _p; do
			[ -e "/proc/$_p" ] && [ "$(cut -d' ' -f3 "/proc/$_p/stat" 2>/dev/null)" != Z ] &&
				_a="$_a $_p"
		done
		{ [ -z "$_a" ] || [ $_i -ge 20 ]; } && break
		sleep 0.1
		_i=$((_i + 1))
	done
	echo $_a
}

# initpid ID: init's pid, as state says
initpid() {
	r state "$1" | sed -n 's/.*"pid": \([0-9]*\).*/\1/p'
}

# the maps, root inside, files made inside
cfg '"sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; id -u; id -g; touch /w/byroot; ls -ln /w/byroot | cut -c16-26"'
run r run --bundle "$B" u1
is "inside: the maps, setgroups allowed, root, owner 0" \
	"$(awk '{ $1 = $1; print }' "$T/out" | tr '\n' ' ')" \
	"0 100000 65536 0 100000 65536 allow 0 0 0 0 "
is "a file made by its root is the host's 100000" "$(stat -c %u:%g "$B/rootfs/w/byroot" 2>/dev/null)" \
	"100000:100000"
USR='{"uid": 1000, "gid": 1000, "additionalGids": [20]}'
cfg '"sh", "-c", "id -u; id -G; touch /w/byuser"'
run r run --bundle "$B" u2
is "a user of the map: 1000, groups 1000 20" "$(tr '\n' ' ' <"$T/out")" "1000 1000 20 "
is "its file is the host's 101000:101000" "$(stat -c %u:%g "$B/rootfs/w/byuser" 2>/dev/null)" \
	"101000:101000"
unset USR

# seen from the host, while it runs
cfg '"sleep", "100"'
r create --bundle "$B" u3
r start u3
pid=$(initpid u3)
cmd=$(r ps --format json u3 | tr -d '[]' | cut -d, -f2)
is "the command's host uid and gid are the mapped ones" \
	"$(awk '/^Uid:|^Gid:/ { print $2 }' "/proc/$cmd/status" 2>/dev/null | tr '\n' ' ')" \
	"100000 100000 "
is "init is in a user namespace not the host's" \
	"$([ "$(readlink "/proc/$pid/ns/user")" != "$(readlink /proc/self/ns/user)" ] && echo new)" new
is "its pid namespace is that user namespace's: /proc was mounted" \
	"$(grep -c ' /proc proc ' "/proc/$pid/mounts")" 1
# exec: into the container's user namespace, as its root, never the host's
run r exec u3 sh -c 'id -u; readlink /proc/self/ns/user; grep ^CapEff /proc/self/status'
is "exec: in its user namespace, its root" "$(head -n 2 "$T/out" | tr '\n' ' ')" \
	"0 $(readlink "/proc/$pid/ns/user") "
r exec -d --pid-file "$T/xpid" u3 sleep 100
is "exec: the command's host uid and gid are the mapped ones" \
	"$(awk '/^Uid:|^Gid:/ { print $2 }' "/proc/$(cat "$T/xpid")/status" 2>/dev/null | tr '\n' ' ')" \
	"100000 100000 "

# a user namespace joined by path (with its pid namespace: its /proc)
NS="{\"type\": \"pid\", \"path\": \"/proc/$pid/ns/pid\"}, {\"type\": \"mount\"},
	{\"type\": \"user\", \"path\": \"/proc/$pid/ns/user\"}"
MAPS=
cfg '"sh", "-c", "cat /proc/self/uid_map; id -u; readlink /proc/self/ns/user"'
run r run --bundle "$B" u4
is "a user namespace joined by path: its maps, its root" \
	"$(awk '{ $1 = $1; print }' "$T/out" | tr '\n' ' ')" \
	"0 100000 65536 0 $(readlink "/proc/$pid/ns/user") "
unset NS MAPS
ok "delete --force of the running one" r delete --force u3
is "which is gone" "$(alive "$pid")" ""

# what the kernel would refuse, refused before anything runs
cfg '"true"'
refused() {
	_d=$1 _pat=$2 _sed=$3
	sed "$_sed" "$B/config.json" >"$T/c"
	cp "$B/config.json" "$T/good"
	mv "$T/c" "$B/config.json"
	fails "$_d" 1 "$_pat" r create --bundle "$B" bad
	mv "$T/good" "$B/config.json"
	is "$_d: nothing left" "$(ls "$ROOT" 2>/dev/null)" ""
}
refused "overlapping container ids" 'linux.uidMappings\[1\]: containerID 10: overlaps line 0' \
	's|"uidMappings": \[{"containerID": 0, "hostID": 100000, "size": 65536}\]|"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}, {"containerID": 10, "hostID": 200000, "size": 1}]|'
refused "overlapping host ids" 'linux.gidMappings\[1\]: hostID 100005: overlaps line 0' \
	's|"gidMappings": \[{"containerID": 0, "hostID": 100000, "size": 65536}\]|"gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}, {"containerID": 70000, "hostID": 100005, "size": 1}]|'
refused "no container root" 'linux.uidMappings: maps no containerID 0' \
	's|"uidMappings": \[{"containerID": 0,|"uidMappings": [{"containerID": 1,|'
refused "a user outside the map" 'process.user.uid: 70000: not in linux.uidMappings' \
	's|"uid": 0, "gid": 0|"uid": 70000, "gid": 0|'
refused "an empty range" 'linux.uidMappings\[0\].size: 0' \
	's|"size": 65536}\],|"size": 0}],|'
_l=
_i=1
while [ $_i -le 341 ]; do
	_l="$_l, {\"containerID\": $((_i * 2)), \"hostID\": $((1000000 + _i * 2)), \"size\": 1}"
	_i=$((_i + 1))
done
refused "more lines than the kernel's 340" 'linux.uidMappings' \
	"s|\"size\": 65536}\],|\"size\": 1}$_l],|"
_l=
_i=1
while [ $_i -le 200 ]; do
	_l="$_l, {\"containerID\": $((4000000000 + _i * 2)), \"hostID\": $((4000000000 + _i * 2)), \"size\": 1}"
	_i=$((_i + 1))
done
refused "more text than the kernel's page" "past the kernel's 4095 bytes" \
	"s|\"size\": 65536}\],|\"size\": 1}$_l],|"

# a user namespace "joined" through what is no namespace
: >"$T/file"
mkfifo "$T/fifo"
for f in file fifo; do
	NS="{\"type\": \"mount\"}, {\"type\": \"user\", \"path\": \"$T/$f\"}"
	MAPS=
	cfg '"true"'
	fails "a user namespace path that is a $f: refused" 1 "$T/$f: not a user namespace" \
		timeout 10 "$R" --root "$ROOT" run --bundle "$B" n1
	r delete --force n1 2>/dev/null
done
NS="{\"type\": \"mount\"}, {\"type\": \"user\", \"path\": \"/proc/self/ns/net\"}"
cfg '"true"'
fails "a user namespace path that is a network one: refused" 1 "not a user namespace" \
	r run --bundle "$B" n2
r delete --force n2 2>/dev/null
unset NS MAPS

# the host's PID namespace: the host's processes in its /proc; its own
# processes, and only those, reached by kill --all and delete
sleep 300 &
canary=$!
atexit "kill $canary"
NS='{"type": "mount"}, {"type": "ipc"}, {"type": "uts"}'
MAPS=
cfg '"sh", "-c", "sleep 100 & sleep 100 & cat /proc/1/comm; wait"'
r create --bundle "$B" h1 >"$T/h1" 2>&1
r start h1
sleep 0.3
pid=$(initpid h1)
is "init is in the host's pid namespace" "$(readlink "/proc/$pid/ns/pid")" \
	"$(readlink /proc/self/ns/pid)"
is "its /proc shows the host's pid 1" "$(cat "$T/h1")" "$(cat /proc/1/comm)"
run r ps --format json h1
is "ps: sh and two sleeps, by its cgroup" "$(tr ',' '\n' <"$T/out" | grep -c '[0-9]')" 3
procs=$(tr -d '[]' <"$T/out" | tr ',' ' ')
ok "kill --all" r kill --all h1 KILL
is "stops it" "$(waitfor h1 stopped)" stopped
is "every one of its processes is gone" "$(alive $procs)" ""
is "a host process is not" "$(kill -0 $canary 2>/dev/null && echo alive)" alive
ok "delete" r delete h1
# what init leaves behind when it ends there is no namespace's to end
cfg '"sh", "-c", "sleep 100 </dev/null >/dev/null 2>&1 & echo $! >/w/left"'
run r run --bundle "$B" h2
is "run of one whose command leaves a sleep: run's delete kills it" \
	"$(alive "$(cat "$B/rootfs/w/left")")" ""
r create --bundle "$B" h3 2>/dev/null
r start h3
sleep 0.3
left=$(cat "$B/rootfs/w/left")
is "stopped with a process left" "$(waitfor h3 stopped) $(kill -0 "$left" 2>/dev/null && echo alive)" \
	"stopped alive"
ok "kill --all of a stopped one reaches what it left" r kill --all h3 KILL
is "which is gone" "$(alive "$left")" ""
ok "delete" r delete h3
r create --bundle "$B" h4 2>/dev/null
r start h4
left=$(cat "$B/rootfs/w/left")
waitfor h4 stopped >/dev/null
ok "delete of one stopped with a process left" r delete h4
is "kills it" "$(alive "$left")" ""
is "the host process still is not" "$(kill -0 $canary 2>/dev/null && echo alive)" alive

# no mount namespace: the host's, nothing mounted in it
NS='{"type": "pid"}'
MNT=0
cfg '"sh", "-c", "cat /etc/alpine-release >/dev/null && echo alpine; ls /proc | wc -l; sleep 100"'
m0=$(mounts)
run r create --bundle "$B" m1
r start m1
sleep 0.3
pid=$(initpid m1)
is "in the host's mount namespace" "$(readlink "/proc/$pid/ns/mnt")" "$(readlink /proc/self/ns/mnt)"
is "nothing mounted on the host" "$(mounts)" "$m0"
is "its root is the bundle's" "$(readlink "/proc/$pid/root")" "$B/rootfs"
ok "delete --force" r delete --force m1
unset NS MNT
MNT=1 NS='{"type": "pid"}'
cfg '"true"'
fails "mounts without a mount namespace: said" 0 "not made without a mount namespace" \
	r run --bundle "$B" m2
sed 's/"path": "rootfs"}/"path": "rootfs", "readonly": true}/' "$B/config.json" >"$T/c"
mv "$T/c" "$B/config.json"
fails "a read-only root without one: refused" 1 "root.readonly: needs a mount namespace" \
	r run --bundle "$B" m3
unset NS MNT

is "no state left" "$(ls "$ROOT" 2>/dev/null)" ""
is "no mount left" "$(mounts)" "$before"
finish
