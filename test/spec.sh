#!/bin/sh
# See LICENSE file for copyright and license details.
#
# spec: pieces-runc, the OCI runtime's command line short of running a
# container (test/oci.sh runs them): its global flags, spec and features,
# and config.json read by config (pieces' own verb: create's reading,
# nothing made), so that what it refuses shows.  Each field pieces will not honour is refused by
# name, each bad value named; hostile bundles (a fifo, a huge file) fail
# at once.  Then seccomp profiles, compiled and run as the kernel would
# on chosen calls.
. "$(dirname "$0")/lib.sh"

R=$T/pieces-runc
ln -s "$PIECES" "$R"
SEEDS=$(cd "$(dirname "$0")/fuzz/spec-seeds" && pwd)

run "$R" --version
is "--version names pieces and the spec" "$(head -2 "$T/out" | sed 's/[0-9][0-9.]*/N/g' |
	tr '\n' ' ')" "pieces-runc version N spec: N "
fails "--systemd-cgroup is refused" 1 "systemd-cgroup: not supported" "$R" --systemd-cgroup list
fails "--rootless true is refused" 1 "rootless true: not supported" "$R" --rootless true list
ok "--rootless auto is taken" sh -c "'$R' --rootless auto features >/dev/null"
fails "--log-format xml is refused" 1 "log-format xml: want text or json" "$R" --log-format xml list
fails "an unknown verb" 1 "checkpoint: unknown command" "$R" checkpoint x
fails "exec wants a command" 1 "exec: no command: want one after the id, or --process" "$R" exec x

# the log: runc's JSON lines, the error on stderr too
run "$R" --root "$T/state" --log "$T/log.json" --log-format json delete x
is "a failure is one stderr line" "$(wc -l <"$T/err" | tr -d ' ')" 1
grep -q '^{"level":"error","msg":"container x does not exist","time":"[0-9-]*T[0-9:.]*Z"}$' \
	"$T/log.json"
is "and one JSON log line, as runc's" $? 0
run "$R" --root "$T/state" --log-format=json state x
grep -q '^{"level":"error","msg":"container x does not exist' "$T/err"
is "--log-format=json without --log logs to stderr" $? 0

# spec writes runc's default bundle config, never over one there
mkdir -p "$T/b/rootfs"
ok "spec --bundle writes config.json" "$R" spec --bundle "$T/b"
fails "spec refuses to replace one" 1 "config.json: exists; remove it first" "$R" spec -b "$T/b"
ok "config reads spec's config.json" "$R" config -b "$T/b"
cp "$T/b/config.json" "$T/base.json"
mkdir -p "$T/rl/rootfs"
"$R" spec --rootless -b "$T/rl"
ok "and spec --rootless's" "$R" config -b "$T/rl"
fails "--preserve-fds of 64m" 1 "preserve-fds 64m: want a number of fds" \
	"$R" create --preserve-fds 64m -b "$T/b" x
fails "--preserve-fds 3 with no fd 3 open is refused" 1 "preserve-fds 3: fd 3 is not open" \
	"$R" create --preserve-fds 3 -b "$T/b" x 3>&-
fails "run takes -d" 1 "process.terminal needs --console-socket" "$R" --root "$T/state" run -d -b "$T/b" x
fails "create does not" 1 "usage: pieces-runc create" "$R" create -d -b "$T/b" x
fails "an id runc would refuse" 1 "a/b: invalid container id" "$R" create -b "$T/b" a/b
if command -v python3 >/dev/null; then
	"$R" features >"$T/features"
	ok "features is JSON" python3 -m json.tool "$T/features"
	ok "features is truthful" python3 -c "import json, sys; f = json.load(open(sys.argv[1]))
assert f['linux']['seccomp']['enabled'] and not f['linux']['apparmor']['enabled']
assert 'time' not in f['linux']['namespaces'] and not f['linux']['cgroup']['systemd']
assert 'tmpcopyup' in f['mountOptions'] and 'rbind' in f['mountOptions']
assert 'rro' not in f['mountOptions']" "$T/features"
	ok "features lists the capabilities, in the kernel's order" python3 -c "import json, sys
c = json.load(open(sys.argv[1]))['linux']['capabilities']
assert c[0] == 'CAP_CHOWN' and c[21] == 'CAP_SYS_ADMIN' and c[-1] == 'CAP_CHECKPOINT_RESTORE', c" "$T/features"
else
	skip "features is JSON" "no python3"
	skip "features is truthful" "no python3"
	skip "features lists the capabilities" "no python3"
fi

# the seeds: configs of runc, crun and engines' kinds
# (ctr.json is ctr oci spec's, with args; podman-*.json are what podman
# 4.3 gave its runtime for run, run --privileged and run --read-only,
# whose tmpfs mounts ask for crun's tmpcopyup, which pieces does too)
for f in "$SEEDS"/*.json; do
	mkdir -p "$T/seed/rootfs"
	cp "$f" "$T/seed/config.json"
	ok "${f##*/} is read" "$R" config -b "$T/seed"
done
for tool in crun runc; do
	if command -v $tool >/dev/null; then
		rm -rf "$T/$tool" && mkdir -p "$T/$tool/rootfs"
		(cd "$T/$tool" && $tool spec >/dev/null 2>&1)
		ok "$tool spec's config.json is read" "$R" config -b "$T/$tool"
	else
		skip "$tool spec's config.json is read" "no $tool"
	fi
done

# edit DESC PATTERN SED: the default config.json edited by SED is refused,
# stderr matching PATTERN
edit() {
	rm -rf "$T/e" && mkdir -p "$T/e/rootfs"
	sed "$3" "$T/base.json" >"$T/e/config.json"
	if [ "$2" = READ ]; then
		ok "$1" "$R" config -b "$T/e"
	else
		fails "$1" 1 "$2" "$R" config -b "$T/e"
	fi
}

# mini DESC PATTERN JSON...: a config.json of a bare process, with JSON
# (members of the top object, ending in a comma) added
mini() {
	rm -rf "$T/e" && mkdir -p "$T/e/rootfs"
	_d=$1 _p=$2
	shift 2
	printf '{%s "ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"user":
{"uid": 0, "gid": 0}, "args": ["sh"], "cwd": "/"}}\n' "$*" >"$T/e/config.json"
	if [ "$_p" = READ ]; then
		ok "$_d" "$R" config -b "$T/e"
	else
		fails "$_d" 1 "$_p" "$R" config -b "$T/e"
	fi
}

mini "a bare process is enough" READ
edit "an empty apparmorProfile is nothing" READ \
	's/"process": {/"process": {"apparmorProfile": "", "selinuxLabel": null,/'
edit "an unknown key is ignored, as the spec says" READ \
	's/"linux": {/"linux": {"org.example.future": {"a": 1},/'

# what pieces will not do, refused by name
for f in solaris windows vm zos; do
	edit "$f is refused" "config.json: $f: not supported" "s/^{\$/{\"$f\": {\"a\": 1},/"
done
for f in intelRdt personality memoryPolicy timeOffsets netDevices; do
	edit "linux.$f is refused" "config.json: linux.$f: not supported" \
		"s/\"linux\": {/\"linux\": {\"$f\": {\"a\": 1},/"
done
# a mount label means nothing without SELinux, as runc and crun take it
if [ -e /sys/fs/selinux/enforce ]; then
	edit "linux.mountLabel is refused under SELinux" "linux.mountLabel: not supported" \
		's/"linux": {/"linux": {"mountLabel": "system_u:object_r:x",/'
else
	edit "linux.mountLabel is ignored without SELinux" READ \
		's/"linux": {/"linux": {"mountLabel": "system_u:object_r:x",/'
fi
for f in apparmorProfile selinuxLabel; do
	edit "process.$f is refused" "config.json: process.$f: not supported" \
		"s/\"process\": {/\"process\": {\"$f\": \"docker-default\",/"
done
for f in scheduler ioPriority execCPUAffinity; do
	edit "process.$f is refused" "process.$f: not supported" \
		"s/\"process\": {/\"process\": {\"$f\": {\"a\": 1},/"
done
edit "process.user.username is refused" "process.user.username: not supported" \
	's/"uid": 0,/"uid": 0, "username": "root",/'
for f in blockIO network rdma unified; do
	edit "linux.resources.$f is refused" "linux.resources.$f: not supported" \
		"s/\"resources\": {/\"resources\": {\"$f\": {\"a\": 1},/"
done
for f in reservation kernel kernelTCP swappiness; do
	edit "linux.resources.memory.$f is refused" "linux.resources.memory.$f: not supported" \
		"s/\"resources\": {/\"resources\": {\"memory\": {\"$f\": 10},/"
done
edit "disableOOMKiller is refused" "memory.disableOOMKiller: not supported" \
	's/"resources": {/"resources": {"memory": {"disableOOMKiller": true},/'
for f in burst idle; do
	edit "linux.resources.cpu.$f is refused" "linux.resources.cpu.$f: not supported" \
		"s/\"resources\": {/\"resources\": {\"cpu\": {\"$f\": 1},/"
done
edit "cpuset's cpus and mems are read" READ \
	's/"resources": {/"resources": {"cpu": {"cpus": "0-1,3", "mems": "0"},/'
edit "a cpu list the kernel would not parse is refused" "linux.resources.cpu.cpus: 0;1: want a list" \
	's/"resources": {/"resources": {"cpu": {"cpus": "0;1"},/'
edit "huge page limits are read" READ \
	's/"resources": {/"resources": {"hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}],/'
edit "a page size not as the kernel names it is refused" \
	"linux.resources.hugepageLimits\[0\].pageSize: 2mb: want a size as 2MB" \
	's/"resources": {/"resources": {"hugepageLimits": [{"pageSize": "2mb", "limit": 1}],/'
edit "a time namespace is refused" "linux.namespaces\[0\].type: time: not supported" \
	's/"type": "pid"/"type": "time"/'
edit "an overlay mount is refused" "mounts\[4\].type: overlay: not supported" \
	's/"type": "mqueue"/"type": "overlay"/'
edit "tmpcopyup on what is not a tmpfs is refused" "mounts\[0\].options: tmpcopyup: only on a tmpfs" \
	's/"source": "proc"/"source": "proc", "options": ["tmpcopyup"]/'
edit "a recursive read-only mount is refused" "mounts\[0\].options\[0\]: rro: not supported" \
	's/"source": "proc"/"source": "proc", "options": ["rro"]/'
edit "an idmapped mount is refused" "mounts\[0\].uidMappings: not supported" \
	's/"source": "proc"/"source": "proc", "uidMappings": [{"containerID": 0, "hostID": 1, "size": 1}]/'
edit "a seccomp notify listener is refused" "linux.seccomp.listenerPath: not supported" \
	's/"linux": {/"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "\/x"},/'
edit "SCMP_ACT_NOTIFY is refused" "seccomp.defaultAction: SCMP_ACT_NOTIFY: not supported" \
	's/"linux": {/"linux": {"seccomp": {"defaultAction": "SCMP_ACT_NOTIFY"},/'
edit "a seccomp flag is refused" "seccomp.flags\[0\]: SECCOMP_FILTER_FLAG_LOG: not supported" \
	's/"linux": {/"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG"]},/'

# bad values, named
edit "ociVersion 2" "ociVersion: 2.0.0: want 1.x" 's/"ociVersion": "[^"]*"/"ociVersion": "2.0.0"/'
edit "a relative cwd" "process.cwd: tmp: not an absolute path" 's|"cwd": "/"|"cwd": "tmp"|'
edit "no args" "process.args: empty" 's/"sh"//'
edit "a uid of -1" "process.user.uid: -1: out of range" 's/"uid": 0/"uid": -1/'
edit "a uid of 1.5" "process.user.uid: 1.5: not an integer" 's/"uid": 0/"uid": 1.5/'
edit "a string for a gid" "process.user.gid: want a number" 's/"gid": 0/"gid": "0"/'
edit "an env entry without =" "process.env: TERM: want KEY=value" 's/"TERM=xterm"/"TERM"/'
edit "an unknown capability" "process.capabilities.bounding\[1\]: CAP_FOO: unknown capability" \
	's/"CAP_KILL"/"CAP_FOO"/'
edit "pieces' own ALL is no capability here" "bounding\[1\]: CAP_ALL: unknown capability" \
	's/"CAP_KILL"/"CAP_ALL"/'
edit "an unknown rlimit" "process.rlimits\[0\].type: RLIMIT_FOO: unknown" \
	's/RLIMIT_NOFILE/RLIMIT_FOO/'
edit "a soft limit above the hard" "process.rlimits\[0\]: RLIMIT_NOFILE: soft limit above" \
	's/"soft": 1024/"soft": 1025/'
edit "an rlimit given twice" "process.rlimits\[1\].type: RLIMIT_NOFILE: given twice" \
	's/"rlimits": \[/"rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1, "hard": 1},/'
edit "oomScoreAdj past 1000" "process.oomScoreAdj: 1001: out of range" \
	's/"noNewPrivileges": true/"noNewPrivileges": true, "oomScoreAdj": 1001/'
edit "a relative mount destination" "mounts\[0\].destination: proc: not an absolute path" \
	's|"destination": "/proc"|"destination": "proc"|'
edit "a bind without a source" "mounts\[0\].source: missing: a bind needs one" \
	's/"type": "proc",/"type": "bind",/; s/"source": "proc"/"source": ""/'
edit "a bind's data is dropped, as the kernel drops it" READ \
	's/"source": "proc"/"source": "\/x", "options": ["rbind", "size=1"]/'
edit "two propagations" "mounts\[0\].options\[1\]: rshared: a second propagation" \
	's/"source": "proc"/"source": "proc", "options": ["rprivate", "rshared"]/'
edit "a namespace twice" "linux.namespaces\[1\].type: pid: given twice" \
	's/"type": "network"/"type": "pid"/'
edit "an unknown namespace" "linux.namespaces\[0\].type: pidd: unknown" \
	's/"type": "pid"/"type": "pidd"/'
edit "a relative namespace path" "linux.namespaces\[0\].path: proc/1/ns/pid: not an absolute" \
	's|"type": "pid"|"type": "pid", "path": "proc/1/ns/pid"|'
edit "a device of type x" "linux.devices\[0\].type: x: want c, b, u or p" \
	's|"linux": {|"linux": {"devices": [{"type": "x", "path": "/dev/x", "major": 1, "minor": 1}],|'
edit "a device's fileMode of another type" "linux.devices\[0\].fileMode: 060640: not a character" \
	's|"linux": {|"linux": {"devices": [{"type": "c", "path": "/dev/x", "major": 1, "minor": 1, "fileMode": 24992}],|'
edit "a device without a major" "linux.devices\[0\].major: missing" \
	's|"linux": {|"linux": {"devices": [{"type": "c", "path": "/dev/x", "minor": 1}],|'
edit "a cgroup device rule's access" "resources.devices\[0\].access: rwx: want some of rwm" \
	's/"access": "rwm"/"access": "rwx"/'
edit "swap below memory" "memory.swap: 1: below memory.limit" \
	's/"resources": {/"resources": {"memory": {"limit": 1048576, "swap": 1},/'
edit "cpu shares of 1" "cpu.shares: 1: out of range" \
	's/"resources": {/"resources": {"cpu": {"shares": 1},/'
edit "an unknown propagation" "linux.rootfsPropagation: sideways: unknown" \
	's/"linux": {/"linux": {"rootfsPropagation": "sideways",/'
edit "a cgroupsPath climbing out" "linux.cgroupsPath: /a/../../x: has a .. component" \
	's|"linux": {|"linux": {"cgroupsPath": "/a/../../x",|'
edit "a systemd cgroupsPath" "linux.cgroupsPath: system.slice:pieces:x: a systemd" \
	's|"linux": {|"linux": {"cgroupsPath": "system.slice:pieces:x",|'
edit "a cgroupsPath as containerd writes it" READ \
	's|"linux": {|"linux": {"cgroupsPath": "/default/x",|'
edit "a host name past 64 bytes" "hostname: longer than the kernel's 64 bytes" \
	"s/\"hostname\": \"pieces\"/\"hostname\": \"$(printf '%065d' 0)\"/"
edit "a variable longer than PATHMAX" READ \
	"s/\"TERM=xterm\"/\"CERT=$(printf '%08000d' 0)\"/"
edit "a host sysctl" "linux.sysctl.kernel.panic: not namespaced" \
	's/"linux": {/"linux": {"sysctl": {"kernel.panic": "1"},/'
edit "a sysctl climbing out" "linux.sysctl.net.../x: not a sysctl name" \
	's|"linux": {|"linux": {"sysctl": {"net.../x": "1"},|'
edit "a masked path that is relative" "linux.maskedPaths: proc/kcore: not an absolute path" \
	's|"/proc/kcore"|"proc/kcore"|'
edit "a hook without a path" "hooks.prestart\[0\].path: missing" \
	's/^{$/{"hooks": {"prestart": [{"args": ["x"]}]},/'
edit "a hook's timeout of 0" "hooks.poststop\[0\].timeout: 0: out of range" \
	's/^{$/{"hooks": {"poststop": [{"path": "\/bin\/true", "timeout": 0}]},/'
edit "an annotation not a string" "annotations.a: want a string" \
	's/^{$/{"annotations": {"a": 1},/'
rl() {
	rm -rf "$T/e" && mkdir -p "$T/e/rootfs"
	sed "$3" "$T/rl/config.json" >"$T/e/config.json"
	fails "$1" 1 "$2" "$R" create -b "$T/e" x
}
rl "a net sysctl without a network namespace" "net.ipv4.ip_forward: needs the container's own network" \
	's/"linux": {/"linux": {"sysctl": {"net.ipv4.ip_forward": "1"},/'
rl "a user namespace without maps" "a new user namespace needs uid and gid maps" \
	'/"uidMappings"/,/\],/d'
mini "a hostname without a uts namespace" "hostname: needs the container's own uts namespace" \
	'"hostname": "h",'
mini "uid maps without a user namespace" "linux.uidMappings: needs a user namespace" \
	'"linux": {"uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]},'
mini "a map past the last id" "uidMappings\[0\].size: 2: empty, or past the last id" \
	'"linux": {"uidMappings": [{"containerID": 4294967294, "hostID": 1000, "size": 2}]},'

# hostile bundles: nothing hangs, nothing is read past its cap
rm -rf "$T/h" && mkdir -p "$T/h"
mkfifo "$T/h/config.json"
fails "a fifo for config.json" 1 "config.json: not a regular file" "$R" create -b "$T/h" x
rm "$T/h/config.json"
dd if=/dev/zero bs=1024 count=1100 2>/dev/null | tr '\0' ' ' >"$T/h/config.json"
fails "a config.json past SPECMAX" 1 "config.json: larger than SPECMAX" "$R" create -b "$T/h" x
printf '%070d' 0 | sed 's/0/[/g' >"$T/h/config.json"
fails "one nested past JSONDEPTH" 1 "config.json: offset" "$R" create -b "$T/h" x
printf '{"ociVersion": "1.0.0", "ociVersion": "1.0.0"}' >"$T/h/config.json"
fails "a key given twice" 1 "config.json: offset" "$R" create -b "$T/h" x
echo 42 >"$T/h/config.json"
fails "a number for a document" 1 "config.json: the document: want an object" \
	"$R" create -b "$T/h" x
fails "no bundle" 1 "nosuch/config.json: open: No such file" "$R" create -b "$T/nosuch" x

# seccomp: full.json's profile, run on calls as the kernel would
if [ "$ARCH" = x86_64 ]; then
	mkdir -p "$T/sc"
	cp "$SEEDS/full.json" "$T/sc/config.json"
	tab=$(printf '\t')
	while IFS=$tab read -r call want; do
		# shellcheck disable=SC2086
		is "seccomp $call: $want" "$("$R" seccomp -b "$T/sc" $call 2>&1)" "$want"
	done <<-'EOF'
	read	allow
	nosuchcall	pieces: nosuchcall: no such system call here
	getppid	errno 1
	getgid	errno 13
	personality 8	allow
	personality 0	errno 13
	socket 16 3 9	errno 22
	socket 16 3 0	allow
	mmap 0 4096 3	allow
	mmap 0 4096 7	errno 13
	kill	kill
	tkill	kill thread
	getpid	trap
	close	log
	getcwd	trace 5
	dup 0x100000000	allow
	dup 0xffffffff	errno 13
	dup2 9	allow
	dup2 0x100000005	errno 13
	dup3 1	allow
	dup3 2	allow
	dup3 3	errno 13
	fchown 0 101 200	allow
	fchown 3 101 200	errno 13
	fchown 0 100 200	errno 13
	fchown 0 101 201	errno 13
	getuid	allow
	999	errno 38
	0x40000001	kill
	EOF
	sed 's/"SCMP_ACT_ERRNO",$/"SCMP_ACT_ALLOW",/; /defaultErrnoRet/d' "$SEEDS/full.json" \
		>"$T/sc/config.json"
	is "a number past the table, allowed by default" "$("$R" seccomp -b "$T/sc" 999)" allow
	is "a call no rule names, allowed by default" "$("$R" seccomp -b "$T/sc" getgid)" allow
	mkdir -p "$T/pod"
	cp "$SEEDS/podman-profile.json" "$T/pod/config.json"
	is "containers' seccomp.json: personality 4" \
		"$("$R" seccomp -b "$T/pod" personality 4)" "errno 38"
	is "containers' seccomp.json: an audit socket" \
		"$("$R" seccomp -b "$T/pod" socket 16 3 9)" "errno 22"
	# podman's own profile names setns twice, allowed (rule 1) and EPERM
	# (rule 10): runc, through libseccomp, lets the first decide (setns(-1)
	# gets EBADF under it, EPERM with the two swapped), and so does pieces
	cp "$SEEDS/podman-run.json" "$T/pod/config.json"
	for c in "read allow" "personality 4:errno 38" "personality 0xffffffff:allow" \
		"bpf:errno 1" "kexec_load:errno 1" "setns:allow"; do
		case $c in
		*:*) call=${c%%:*} want=${c#*:} ;;
		*) call=${c%% *} want=${c#* } ;;
		esac
		# shellcheck disable=SC2086
		is "podman's profile: $call: $want" "$("$R" seccomp -b "$T/pod" $call)" "$want"
	done
	# a profile past BPF_MAXINSNS: 300 rules of six comparisons on 50 calls
	awk 'BEGIN {
		printf "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, "
		printf "\"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, \"args\": [\"sh\"], "
		printf "\"cwd\": \"/\"}, \"linux\": {\"seccomp\": {\"defaultAction\": "
		printf "\"SCMP_ACT_ALLOW\", \"syscalls\": ["
		for (i = 0; i < 300; i++) {
			printf "%s{\"names\": [", i ? "," : ""
			for (n = 0; n < 50; n++)
				printf "%s\"%s\"", n ? "," : "", n % 2 ? "write" : "read"
			printf "], \"action\": \"SCMP_ACT_ERRNO\", \"args\": ["
			for (k = 0; k < 6; k++)
				printf "%s{\"index\": %d, \"value\": %d, \"op\": \"SCMP_CMP_GT\"}",
				    k ? "," : "", k, i
			printf "]}"
		}
		print "]}}}"
	}' >"$T/sc/config.json"
	fails "a profile past BPF_MAXINSNS" 1 "linux.seccomp: more than the kernel's 4096" \
		"$R" seccomp -b "$T/sc" read
else
	skip "seccomp profiles" "the calls named here are x86_64's"
fi
edit "an unknown action" "linux.seccomp.defaultAction: SCMP_ACT_FOO: unknown action" \
	's/"linux": {/"linux": {"seccomp": {"defaultAction": "SCMP_ACT_FOO"},/'
edit "an unknown operator" "seccomp.syscalls\[0\].args\[0\].op: SCMP_CMP_FOO: unknown operator" \
	's/"linux": {/"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_FOO"}]}]},/'
edit "an argument index of 6" "seccomp.syscalls\[0\].args\[0\].index: 6: out of range" \
	's/"linux": {/"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]},/'
edit "errnoRet with SCMP_ACT_ALLOW" "syscalls\[0\].errnoRet: only SCMP_ACT_ERRNO and" \
	's/"linux": {/"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "errnoRet": 1}]},/'
edit "an unknown architecture" "seccomp.architectures\[0\]: SCMP_ARCH_VAX: unknown" \
	's/"linux": {/"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_VAX"]},/'
edit "a rule naming no call" "seccomp.syscalls\[0\].names: empty" \
	's/"linux": {/"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [], "action": "SCMP_ACT_ERRNO"}]},/'
edit "an unknown call is skipped, as runc skips it" READ \
	's/"linux": {/"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["nosuchcall"], "action": "SCMP_ACT_ERRNO"}]},/'
finish
