#!/bin/sh
# See LICENSE file for copyright and license details.
#
# ociexec: pieces-runc exec, as conmon and containerd's shim call it: a
# command or a --process file in a running container, its status passed
# on; -d with --pid-file, the command left to the caller's subreaper;
# the container's seccomp filter, user, environment; refusals of a
# stopped or paused container; --preserve-fds for create and exec and no
# other fd of the host's reaching the container (CVE-2024-21626); and
# exec's and a created init's binary: the sealed copy, never the host's
# pieces, which a process of the container could reach (CVE-2019-5736).
. "$(dirname "$0")/lib.sh"

if ! needroot || ! command -v python3 >/dev/null; then
	skip "oci exec" "needs root and python3"
	finish
fi
ocibundle "oci exec"

# cfg ARGS: runc spec's config.json, running ARGS (JSON array members),
# no terminal, root writable, hostname box, and a seccomp profile
# denying mkdir
cfg() {
	rm -f "$B/config.json"
	(cd "$B" && "$R" spec)
	python3 - "$B/config.json" "[$1]" <<'EOF'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c['process']['terminal'] = False
c['root']['readonly'] = False
c['hostname'] = 'box'
c['process']['args'] = json.loads(sys.argv[2])
c['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [
	{'names': ['mkdir', 'mkdirat'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 1}]}
json.dump(c, open(p, 'w'))
EOF
}

cfg '"sleep", "1000"'
ok "create" r create --bundle "$B" c1
# init waits for start in the container: its binary is the sealed copy
pid=$(r state c1 | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
is "a created container's init runs the sealed copy, not the host's pieces" \
	"$(readlink "/proc/$pid/exe")" "/memfd:pieces-exec (deleted)"
ok "start" r start c1
run r exec c1 sh -c 'echo $(id -u) $(pwd) $HOSTNAME; exit 3'
is "exec: the command runs in the container, its status passed on" "$rc $(cat "$T/out")" "3 0 / box"
run r exec c1 cat /proc/1/cmdline
is "exec sees the container's pid 1" "$(tr '\0' ' ' <"$T/out")" "sleep 1000 "
fails "exec: the container's seccomp filter holds" 1 "Operation not permitted" r exec c1 mkdir /tmp/d
fails "exec of what is not there: 255 and why, as runc" 255 "" r exec c1 /nonexistent
cat >"$T/proc.json" <<'EOF'
{"args": ["sh", "-c", "echo $(id -u):$(id -g) $(pwd) $FOO; grep ^CapEff /proc/self/status"],
 "env": ["PATH=/bin:/usr/bin", "FOO=bar"], "cwd": "/tmp", "user": {"uid": 1000, "gid": 1000},
 "capabilities": {"bounding": ["CAP_KILL"], "effective": [], "permitted": []}}
EOF
run r exec --process "$T/proc.json" c1
is "--process: its args, env, cwd, user and capabilities" "$(tr '\n' ' ' <"$T/out")" \
	"1000:1000 /tmp bar CapEff:	0000000000000000 "
run r exec -e FOO=baz --cwd /etc -u 100:101 c1 sh -c 'echo $(id -u):$(id -g) $(pwd) $FOO'
is "-e --cwd -u" "$(cat "$T/out")" "100:101 /etc baz"
fails "--cwd into the host through /proc is refused" 255 "" \
	r exec --cwd /proc/self/fd/3 c1 true 3</

# -d: the command outlives exec, left to the caller's subreaper
cat >"$T/reaper.py" <<'EOF'
import ctypes, os, subprocess, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)		# PR_SET_CHILD_SUBREAPER
rc = subprocess.call(sys.argv[2:])
pid = int(open(sys.argv[1]).read())
_, st = os.waitpid(pid, 0)			# ours once exec has gone
print(rc, os.waitstatus_to_exitcode(st))
EOF
run python3 "$T/reaper.py" "$T/xpid" "$R" --root "$ROOT" exec -d --pid-file "$T/xpid" c1 \
	sh -c 'sleep 0.3; exit 4'
is "exec -d: exits 0, the command's pid in --pid-file, its status the subreaper's" \
	"$(cat "$T/out")" "0 4"

# CVE-2019-5736: what enters the container (the joiner and the command
# before its exec are forks of it) runs the sealed copy, never the host's
# binary, which a process of the container could open through /proc
"$R" --root "$ROOT" exec c1 sleep 1 &
xp=$!
sleep 0.4
is "exec runs as the sealed copy of pieces, not the host's binary" \
	"$(readlink "/proc/$xp/exe")" "/memfd:pieces-exec (deleted)"
wait $xp

# --preserve-fds: fds 3.. passed on, no other
exec 3>"$T/fd3" 4<"$B/config.json"
run r exec --preserve-fds 1 c1 sh -c 'echo to fd 3 >&3; ls /proc/$$/fd; :'
exec 3>&- 4<&-
is "exec --preserve-fds 1: fd 3 reaches the command" "$(cat "$T/fd3")" "to fd 3"
is "... and fd 4 does not" "$(tr '\n' ' ' <"$T/out")" "0 1 2 3 "
run r exec c1 sh -c 'for f in /proc/$$/fd/* /proc/1/fd/*; do [ ${f##*/} -gt 2 ] && readlink $f; done'
is "no fd past stdio in exec's command or in pid 1" "$(cat "$T/out")" ""
run r exec c1 sh -c 'readlink /proc/self/cwd'
is "exec's cwd is in the container" "$(cat "$T/out")" "/"

# paused, stopped
ok "pause" r pause c1
fails "exec into a paused container is refused" 255 "cannot exec in a paused container" \
	r exec c1 true
ok "resume" r resume c1
ok "kill" r kill c1 KILL
waitfor c1 stopped >/dev/null
fails "exec into a stopped container is refused" 255 "cannot exec in a stopped container" \
	r exec c1 true
ok "delete" r delete c1
fails "exec into no container" 255 "container c1 does not exist" r exec c1 true

# create --preserve-fds: the command gets fd 3, init closes it
cfg '"sh", "-c", "echo from the container >&3; ls /proc/$$/fd; :"'
exec 3>"$T/cfd3"
run r run --preserve-fds 1 --bundle "$B" c2
exec 3>&-
is "run --preserve-fds 1: fd 3 reaches the command" "$(cat "$T/cfd3")" "from the container"
is "... and only it" "$(tr '\n' ' ' <"$T/out")" "0 1 2 3 "
finish
